// The default credential chain (see credential_chain.h for the order). The
// profile logic follows botocore's credentials.py: AssumeRoleProvider first,
// then SharedCredentialProvider, ProcessProvider and ConfigProvider.
#include "keyward/aws/credential_chain.h"

#include <cstdlib>
#include <mutex>

#include "aws/profile_files.h"
#include "core/json.h"
#include "core/text.h"
#include "keyward/aws/sts.h"

namespace keyward::aws {
namespace {

using internal::Located;
using internal::ProfileError;
using internal::ProfileFiles;
using internal::WarnTo;

// What the resolver needs from the chain.
struct Deps {
  const Environment& env;
  const Clock& clock;
  ProcessRunner& runner;
  std::chrono::milliseconds process_timeout;
  std::function<StatusOr<StsClient*>()> sts;
};

// Parses credential_process stdout (JSON, Version 1). Never echoes it.
StatusOr<Credentials> ParseProcessOutput(const SecureString& out,
                                         const std::string& where,
                                         const std::string& profile) {
  auto fail = [&](const std::string& m) {
    return ProfileError(StatusCode::kInvalidArgument, where, profile,
                        "credential_process output " + m);
  };
  std::optional<json::Json> j = json::ParseJson({out.data(), out.size()});
  if (!j || !j->is_object()) {
    if (j) json::WipeJson(*j);
    return fail(
        "is not a JSON object (its content is not shown: it may hold secrets)");
  }
  struct Wipe {
    json::Json& j;
    ~Wipe() { json::WipeJson(j); }
  } wipe{*j};
  auto version = j->find("Version");
  if (version == j->end() || !version->is_number() ||
      version->get<double>() != 1.0) {
    return fail("has no \"Version\": 1 (the only supported version)");
  }
  auto str = [&](const char* key) -> const std::string* {
    auto it = j->find(key);
    return it != j->end() && it->is_string()
               ? &it->get_ref<const std::string&>()
               : nullptr;
  };
  const std::string* id = str("AccessKeyId");
  const std::string* secret = str("SecretAccessKey");
  if (id == nullptr || id->empty())
    return fail("has no \"AccessKeyId\" string");
  if (secret == nullptr || secret->empty())
    return fail("has no \"SecretAccessKey\" string");
  Credentials c;
  c.access_key_id = *id;
  c.secret_access_key = SecretValue(*secret);
  if (const std::string* token = str("SessionToken"))
    c.session_token = SecretValue(*token);
  if (j->contains("Expiration") && !(*j)["Expiration"].is_null()) {
    const std::string* exp = str("Expiration");
    StatusOr<Clock::time_point> t =
        exp ? ParseIso8601(*exp)
            : StatusOr<Clock::time_point>(InvalidArgumentError(""));
    if (!t.ok())
      return fail("has an \"Expiration\" that is not an ISO 8601 timestamp");
    c.expiration = *t;
  }
  return c;
}

// The longest source_profile chain resolved (botocore has no bound; real
// role chains are 2-3 hops).
constexpr std::size_t kMaxSourceProfileHops = 32;

// Resolves credentials for one profile from one snapshot of the files.
class Resolver {
 public:
  Resolver(const ProfileFiles& files, const Deps& deps) : f_(files), d_(deps) {}

  // botocore's chain for the selected profile: assume-role, then the
  // profile providers. NOT_FOUND when the profile holds no credentials.
  StatusOr<Credentials> TopLevel(const std::string& profile) {
    visited_ = {profile};
    if (f_.Get(profile, "role_arn") &&
        !f_.Get(profile, "web_identity_token_file")) {
      return AssumeRole(profile);
    }
    return ProfileProviders(profile);
  }

 private:
  StatusOr<Credentials> ProfileProviders(const std::string& profile);
  StatusOr<Credentials> Static(const IniFile* file, const IniSection* section,
                               const std::string& profile,
                               const std::string& method);
  StatusOr<Credentials> Process(const std::string& profile);
  StatusOr<Credentials> AssumeRole(const std::string& profile);
  StatusOr<Credentials> SourceCredentials(const std::string& profile,
                                          const Located& role_arn);
  StatusOr<Credentials> FromCredentialSource(const std::string& profile,
                                             const Located& source);
  StatusOr<Credentials> FromSourceProfile(const std::string& profile);
  bool HasStatic(const std::string& profile) const {
    return f_.Get(profile, "aws_access_key_id") ||
           f_.Get(profile, "aws_secret_access_key");
  }

  const ProfileFiles& f_;
  const Deps& d_;
  std::vector<std::string> visited_;
};

StatusOr<Credentials> Resolver::ProfileProviders(const std::string& profile) {
  for (const char* key :
       {"web_identity_token_file", "sso_start_url", "sso_session"}) {
    if (auto v = f_.Get(profile, key)) {
      return ProfileError(
          StatusCode::kUnimplemented, v->Where(), profile,
          std::string(key) +
              " is set, but keyward does not support web identity or IAM "
              "Identity Center (SSO) credentials; on a server use static "
              "keys, credential_process (IAM Roles Anywhere) or role_arn");
    }
  }
  StatusOr<Credentials> c =
      Static(f_.credentials.get(), f_.CredentialsSection(profile), profile,
             "shared-credentials-file");
  if (c.ok() || c.status().code() != StatusCode::kNotFound) return c;
  c = Process(profile);
  if (c.ok() || c.status().code() != StatusCode::kNotFound) return c;
  return Static(f_.config.get(), f_.ConfigSection(profile), profile,
                "config-file");
}

StatusOr<Credentials> Resolver::Static(const IniFile* file,
                                       const IniSection* section,
                                       const std::string& profile,
                                       const std::string& method) {
  if (file == nullptr || section == nullptr) return NotFoundError("no section");
  auto id = internal::Lookup(*file, section, "aws_access_key_id");
  auto secret = internal::Lookup(*file, section, "aws_secret_access_key");
  if (!id && !secret) return NotFoundError("no keys");
  if (!id) {
    return ProfileError(
        StatusCode::kInvalidArgument, secret->Where(), profile,
        "aws_secret_access_key is set but aws_access_key_id is not");
  }
  if (!secret) {
    return ProfileError(
        StatusCode::kInvalidArgument, id->Where(), profile,
        "aws_access_key_id is set but aws_secret_access_key is not");
  }
  if (id->value.empty()) {
    return ProfileError(StatusCode::kInvalidArgument, id->Where(), profile,
                        "aws_access_key_id is empty");
  }
  if (secret->value.empty()) {
    return ProfileError(StatusCode::kInvalidArgument, secret->Where(), profile,
                        "aws_secret_access_key is empty");
  }
  Credentials c;
  c.access_key_id = std::string(id->value);
  c.secret_access_key = SecretValue(secret->value);
  // botocore's order: aws_security_token (legacy), then aws_session_token.
  auto token = internal::Lookup(*file, section, "aws_security_token");
  if (!token) token = internal::Lookup(*file, section, "aws_session_token");
  if (token) c.session_token = SecretValue(token->value);
  c.provider = method + " (profile " + profile + ", " + file->path + ")";
  return c;
}

StatusOr<Credentials> Resolver::Process(const std::string& profile) {
  auto cmd = f_.Get(profile, "credential_process");
  if (!cmd) return NotFoundError("no credential_process");
  std::string where = cmd->Where();
  StatusOr<std::vector<std::string>> argv = ShellSplit(cmd->value);
  if (!argv.ok()) {
    return ProfileError(StatusCode::kInvalidArgument, where, profile,
                        "credential_process: " + argv.status().message());
  }
  if (argv->empty()) {
    return ProfileError(StatusCode::kInvalidArgument, where, profile,
                        "credential_process is empty");
  }
  ProcessRequest req;
  req.argv = std::move(*argv);
  req.timeout = d_.process_timeout;
  std::string program = req.argv[0];
  StatusOr<ProcessResult> r = d_.runner.Run(req);
  for (std::string& a : req.argv) WipeString(a);  // arguments may carry secrets
  if (!r.ok()) {
    return ProfileError(
        r.status().code(), where, profile,
        "credential_process '" + program + "': " + r.status().message());
  }
  if (r->exit_code != 0 || r->term_signal != 0) {
    std::string err = r->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' '))
      err.pop_back();
    if (err.size() > 2000) err = "..." + err.substr(err.size() - 2000);
    std::string how =
        r->term_signal != 0
            ? "was killed by signal " + std::to_string(r->term_signal)
            : "exited with status " + std::to_string(r->exit_code);
    return ProfileError(StatusCode::kUnauthenticated, where, profile,
                        "credential_process '" + program + "' " + how +
                            (err.empty() ? " (no stderr)" : ": " + err));
  }
  StatusOr<Credentials> c = ParseProcessOutput(r->out, where, profile);
  if (c.ok())
    c->provider =
        "credential_process (profile " + profile + ", " + program + ")";
  return c;
}

StatusOr<Credentials> Resolver::AssumeRole(const std::string& profile) {
  Located role_arn = *f_.Get(profile, "role_arn");
  const std::string where = role_arn.Where();
  if (role_arn.value.empty()) {
    return ProfileError(StatusCode::kInvalidArgument, where, profile,
                        "role_arn is empty");
  }
  if (auto mfa = f_.Get(profile, "mfa_serial")) {
    return ProfileError(
        StatusCode::kUnimplemented, mfa->Where(), profile,
        "mfa_serial needs an interactive MFA code, which keyward does not "
        "prompt for; use a role without MFA for servers");
  }
  AssumeRoleRequest req;
  req.role_arn = std::string(role_arn.value);
  if (auto d = f_.Get(profile, "duration_seconds")) {
    char* end = nullptr;
    std::string s(d->value);
    long n = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || n < 900 || n > 43200) {
      return ProfileError(
          StatusCode::kInvalidArgument, d->Where(), profile,
          "duration_seconds must be a whole number of seconds from 900 to "
          "43200");
    }
    req.duration_seconds = static_cast<int>(n);
  }
  if (auto v = f_.Get(profile, "external_id"))
    req.external_id = std::string(v->value);
  if (auto v = f_.Get(profile, "role_session_name")) {
    req.role_session_name = std::string(v->value);
  } else {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(
        d_.clock.Now().time_since_epoch());
    req.role_session_name = "keyward-session-" + std::to_string(secs.count());
  }
  KW_ASSIGN_OR_RETURN(Credentials source, SourceCredentials(profile, role_arn));
  KW_ASSIGN_OR_RETURN(StsClient * sts, d_.sts());
  StatusOr<AssumeRoleResult> r = sts->AssumeRole(source, req);
  if (!r.ok()) {
    const Status& s = r.status();
    return Status(s.code(),
                  where + ": profile '" + profile + "': assuming " +
                      req.role_arn + " with credentials from " +
                      source.provider + " failed: " + s.message(),
                  s.error_type());
  }
  r->credentials.provider =
      "assume-role (profile " + profile + ", " + req.role_arn + ")";
  return std::move(r->credentials);
}

StatusOr<Credentials> Resolver::SourceCredentials(const std::string& profile,
                                                  const Located& role_arn) {
  auto source_profile = f_.Get(profile, "source_profile");
  auto credential_source = f_.Get(profile, "credential_source");
  if (source_profile && credential_source) {
    return ProfileError(
        StatusCode::kInvalidArgument, credential_source->Where(), profile,
        "sets both source_profile and credential_source; keep one");
  }
  if (!source_profile && !credential_source) {
    return ProfileError(
        StatusCode::kInvalidArgument, role_arn.Where(), profile,
        "role_arn is set but neither source_profile nor credential_source is");
  }
  if (credential_source)
    return FromCredentialSource(profile, *credential_source);
  std::string name(source_profile->value);
  if (!f_.Has(name)) {
    return ProfileError(StatusCode::kInvalidArgument, source_profile->Where(),
                        profile,
                        "source_profile '" + name + "' does not exist in " +
                            f_.config_path + " or " + f_.credentials_path);
  }
  if (std::find(visited_.begin(), visited_.end(), name) != visited_.end() &&
      (name != profile || !HasStatic(name))) {
    visited_.push_back(name);
    return ProfileError(StatusCode::kInvalidArgument, source_profile->Where(),
                        profile,
                        "source_profile loop: " + text::Join(visited_, " -> "));
  }
  // Resolution recurses once per hop (AssumeRole -> SourceCredentials ->
  // FromSourceProfile -> AssumeRole): bound it so that a hostile config file
  // with a 100,000-profile chain is an error, not a stack overflow.
  if (visited_.size() >= kMaxSourceProfileHops) {
    return ProfileError(
        StatusCode::kInvalidArgument, source_profile->Where(), profile,
        "source_profile chain is longer than " +
            std::to_string(kMaxSourceProfileHops) + " profiles");
  }
  visited_.push_back(name);
  return FromSourceProfile(name);
}

// credential_source: only Environment exists on an on-premises server.
StatusOr<Credentials> Resolver::FromCredentialSource(const std::string& profile,
                                                     const Located& source) {
  std::string cs(source.value);
  if (cs == "Ec2InstanceMetadata" || cs == "EcsContainer") {
    return ProfileError(
        StatusCode::kUnimplemented, source.Where(), profile,
        "credential_source = " + cs +
            " is not available on an on-premises server; use Environment "
            "or source_profile");
  }
  if (cs != "Environment") {
    return ProfileError(StatusCode::kInvalidArgument, source.Where(), profile,
                        "credential_source '" + cs +
                            "' is not valid (Environment, Ec2InstanceMetadata "
                            "or EcsContainer)");
  }
  StatusOr<Credentials> c = NewEnvironmentCredentialsProvider(d_.env)->Get();
  if (!c.ok() && c.status().code() == StatusCode::kNotFound) {
    return ProfileError(StatusCode::kInvalidArgument, source.Where(), profile,
                        "credential_source = Environment, but "
                        "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not "
                        "set");
  }
  return c;
}

StatusOr<Credentials> Resolver::FromSourceProfile(const std::string& profile) {
  if (HasStatic(profile) || !f_.Get(profile, "role_arn")) {
    StatusOr<Credentials> c = ProfileProviders(profile);
    if (!c.ok() && c.status().code() == StatusCode::kNotFound) {
      return ProfileError(StatusCode::kInvalidArgument,
                          f_.SectionWhere(profile), profile,
                          "is used as a source_profile but has no credentials");
    }
    return c;
  }
  return AssumeRole(profile);
}

// The chain: environment, then the profile.
class DefaultChain : public CredentialsProvider {
 public:
  explicit DefaultChain(const ChainOptions& o)
      : o_(o),
        env_(*o.runtime.env),
        fs_(*o.runtime.fs),
        clock_(*o.runtime.clock),
        runner_(*o.runtime.process),
        loader_(env_, fs_, WarnTo(*o.runtime.log)) {}

  StatusOr<Credentials> Get() override;

 private:
  StatusOr<StsClient*> Sts(const ProfileFiles& files,
                           const std::string& profile);

  ChainOptions o_;
  const Environment& env_;
  const FileSystem& fs_;
  const Clock& clock_;
  ProcessRunner& runner_;
  internal::ProfileFileLoader loader_;
  std::mutex sts_mu_;
  std::string sts_key_;
  std::unique_ptr<StsClient> sts_;
};

StatusOr<StsClient*> DefaultChain::Sts(const ProfileFiles& files,
                                       const std::string& profile) {
  ProfileSettings settings;
  if (auto v = files.Get(profile, "region"))
    settings.region = std::string(v->value);
  if (auto v = files.Get(profile, "endpoint_url"))
    settings.endpoint_url = std::string(v->value);
  std::string region = o_.region;
  if (region.empty())
    region = text::NonEmptyEnv(env_, "AWS_REGION").value_or("");
  if (region.empty())
    region = text::NonEmptyEnv(env_, "AWS_DEFAULT_REGION").value_or("");
  if (region.empty()) region = settings.region;
  std::string endpoint = ResolveStsEndpoint(env_, settings, region);
  std::lock_guard<std::mutex> l(sts_mu_);
  std::string key = region + "\n" + endpoint;
  if (!sts_ || key != sts_key_) {
    StsOptions so;
    so.region = region;
    so.endpoint_url = endpoint;
    so.http = o_.http;
    so.runtime = o_.runtime;
    KW_ASSIGN_OR_RETURN(sts_, StsClient::Create(std::move(so)));
    sts_key_ = key;
  }
  return sts_.get();
}

StatusOr<Credentials> DefaultChain::Get() {
  internal::ProfileChoice choice = internal::ChooseProfile(o_.profile, env_);
  if (choice.source != "--profile") {
    StatusOr<Credentials> c = NewEnvironmentCredentialsProvider(env_)->Get();
    if (c.ok() || c.status().code() != StatusCode::kNotFound) return c;
  }
  KW_ASSIGN_OR_RETURN(std::shared_ptr<const ProfileFiles> files,
                      loader_.Load());
  if (!files->Has(choice.name)) {
    if (choice.name != "default") {
      return NotFoundError("profile '" + choice.name + "' (from " +
                           choice.source + ") is not in " + files->config_path +
                           " or " + files->credentials_path);
    }
    return NotFoundError(
        "no credentials: none in the environment and no [default] profile in " +
        files->config_path + " or " + files->credentials_path);
  }
  Deps deps{env_, clock_, runner_, o_.process_timeout,
            [&]() { return Sts(*files, choice.name); }};
  Resolver resolver(*files, deps);
  StatusOr<Credentials> c = resolver.TopLevel(choice.name);
  if (!c.ok() && c.status().code() == StatusCode::kNotFound) {
    return NotFoundError(
        "profile '" + choice.name + "' (" + files->SectionWhere(choice.name) +
        ") has no credentials: no aws_access_key_id, credential_process or "
        "role_arn");
  }
  return c;
}

}  // namespace

std::shared_ptr<CredentialsProvider> NewUncachedCredentialsChain(
    const ChainOptions& options) {
  return std::make_shared<DefaultChain>(options);
}

StatusOr<std::shared_ptr<CredentialsProvider>> NewDefaultCredentialsChain(
    const ChainOptions& options) {
  CachingOptions caching = options.caching;
  caching.runtime = options.runtime;
  return NewCachingCredentialsProvider(NewUncachedCredentialsChain(options),
                                       std::move(caching));
}

}  // namespace keyward::aws

// keyward server: a local Secrets Manager-compatible endpoint with an
// encrypted embedded store (docs/server.md).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/server_inventory.h"
#include "cli/server_setup.h"
#include "core/sd_notify.h"
#include "keyward/process.h"
#include "keyward/server/auth.h"
#include "keyward/server/http_server.h"
#include "keyward/server/service.h"
#include "keyward/server/store.h"
#include "server/policy_accounts.h"
#include "server/sts_service.h"

namespace keyward::cli {
namespace {

using server::AccessKey;

// The profile the rotation hook calls back as: --rotation-profile, else the
// first profile of the credentials file.
StatusOr<std::string> RotationProfile(const ServerFlags& f,
                                      const std::vector<AccessKey>& keys,
                                      const std::string& creds_path) {
  if (f.rotation_profile.empty()) return keys.front().profile;
  for (const auto& k : keys) {
    if (k.profile == f.rotation_profile) return k.profile;
  }
  return InvalidArgumentError("--rotation-profile " + f.rotation_profile +
                              ": no such profile in " + creds_path);
}

// Starts the rotation runner with the hook command, its environment pointing
// AWS SDKs and the aws CLI back at this server.
Status StartRotation(const ServerFlags& f, server::SecretsService& service,
                     const std::string& endpoint, const std::string& creds_path,
                     const std::string& profile) {
  if (f.rotation_hook.empty()) return OkStatus();
  server::CommandHookOptions hook;
  KW_ASSIGN_OR_RETURN(hook.argv, ShellSplit(f.rotation_hook));
  if (hook.argv.empty())
    return InvalidArgumentError("--rotation-hook: empty command");
  hook.env = {"AWS_ENDPOINT_URL=" + endpoint,
              "AWS_SHARED_CREDENTIALS_FILE=" + creds_path,
              "AWS_PROFILE=" + profile, "AWS_EC2_METADATA_DISABLED=true"};
  if (!f.tls_cert.empty()) hook.env.push_back("AWS_CA_BUNDLE=" + f.tls_cert);
  hook.timeout = std::chrono::milliseconds(
      static_cast<std::int64_t>(f.rotation_hook_timeout * 1000));
  server::RotationOptions ro;
  ro.check_interval = std::chrono::milliseconds(
      static_cast<std::int64_t>(f.rotation_check_interval * 1000));
  ro.day_seconds = f.rotation_day_seconds;
  service.StartRotation(server::CommandRotationHook(std::move(hook)), ro);
  return OkStatus();
}

StatusOr<std::vector<AccessKey>> LoadKeys(
    const FileSystem& fs, const std::string& path,
    const std::vector<std::string>& policies, const inventory::Inventory* inv,
    const std::string& account_id) {
  KW_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  auto keys = server::ParseCredentialsFile(text, path);
  WipeString(text);
  if (!keys.ok()) return keys.status();
  if (keys->empty())
    return InvalidArgumentError(path + ": no access key pairs found");
  for (const auto& spec : policies) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) {
      return InvalidArgumentError(
          "--policy expects ACCESS_KEY_ID_OR_PROFILE=FILE, got " + spec);
    }
    std::string who = spec.substr(0, eq), file = spec.substr(eq + 1);
    KW_ASSIGN_OR_RETURN(std::string json, fs.ReadFile(file));
    KW_ASSIGN_OR_RETURN(server::IamPolicy policy,
                        server::IamPolicy::Parse(json, file));
    bool matched = false;
    for (auto& k : *keys) {
      if (k.access_key_id == who || k.profile == who) {
        k.policy = policy;
        matched = true;
      }
    }
    if (!matched) {
      return InvalidArgumentError(
          "--policy " + who + ": no such profile or access key id in " + path);
    }
  }
  if (inv != nullptr) {
    KW_RETURN_IF_ERROR(AttachInventoryPrincipals(*inv, account_id, *keys));
  }
  AttachDefaultPrincipals(account_id, *keys);
  if (!policies.empty()) {
    // Once policies are in play, a key without one is denied (as in IAM).
    for (auto& k : *keys) {
      if (!k.policy)
        k.policy = *server::IamPolicy::Parse(R"({"Statement":[]})", "<none>");
    }
  }
  return keys;
}

// A policy written for another account than --account-id matches none of
// this server's ARNs: say so at start, not only as AccessDenied later.
void WarnForeignAccounts(Cli& cli, const ServerFlags& f) {
  for (const auto& spec : f.policies) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) continue;  // LoadKeys refused it already
    auto json = cli.runtime().fs->ReadFile(spec.substr(eq + 1));
    if (!json.ok()) continue;
    std::string warning = server::ForeignAccountWarning(
        spec.substr(eq + 1), spec.substr(0, eq),
        server::ForeignResourceAccounts(*json, f.account_id), f.account_id);
    if (!warning.empty())
      cli.err() << "keyward server: warning: " << warning << "\n";
  }
}

// The credentials file's keys: with --inventory, a profile per application
// and the operator (appended when missing); else, without --credentials, the
// generated [keyward-local] pair.
Status PrepareCredentials(const ServerFlags& f, const std::string& creds_path,
                          const Runtime& rt,
                          std::optional<inventory::Inventory>* inv,
                          bool* created) {
  if (f.inventory.empty()) {
    if (!f.credentials.empty()) return OkStatus();
    return EnsureGeneratedCredentials(creds_path, *rt.random, created);
  }
  KW_ASSIGN_OR_RETURN(*inv,
                      LoadServerInventory(*rt.fs, f.inventory, f.account_id));
  KW_ASSIGN_OR_RETURN(int added,
                      EnsureInventoryProfiles(**inv, creds_path, rt));
  *created = added > 0;
  return OkStatus();
}

// --inventory, --policy and --roles: who may do what.
void AddAccessOptions(CLI::App* sub, ServerFlags& f) {
  sub->add_option("--inventory", f.inventory,
                  "secrets inventory: one IAM user per application (profile "
                  "APP in the credentials file, its `keyward iam policy --app` "
                  "policy) plus the operator (profile keyward-operator); other "
                  "keys are denied unless --policy names them");
  sub->add_option("--policy", f.policies,
                  "PROFILE_OR_ACCESS_KEY_ID=POLICY.json: authorize that key "
                  "with an IAM policy "
                  "(repeatable; keys without one are then denied)");
  sub->add_option("--roles", f.roles,
                  "IAM roles (JSON) for STS AssumeRole; see docs/server.md");
}

// Flushes the access log every 200 ms (and on destruction), so a buffered
// log is never more than that behind.
class LogFlusher {
 public:
  LogFlusher(std::FILE* file, std::shared_ptr<std::mutex> mu)
      : file_(file), mu_(std::move(mu)) {
    if (file_ == nullptr || file_ == stderr) return;
    thread_ = std::thread([this] {
      std::unique_lock lock(*mu_);
      while (!done_) {
        cv_.wait_for(lock, std::chrono::milliseconds(200));
        std::fflush(file_);
      }
    });
  }
  ~LogFlusher() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(*mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  std::FILE* file_;
  std::shared_ptr<std::mutex> mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// STS for the endpoint: the --roles file's roles; sessions are sealed under
// the store's master key (a second handle on the same key file), so they
// survive a restart.
StatusOr<std::unique_ptr<server::StsService>> MakeSts(
    const ServerFlags& f, const std::string& key_file, const Runtime& rt) {
  std::vector<server::Role> roles;
  if (!f.roles.empty()) {
    KW_ASSIGN_OR_RETURN(std::string text, rt.fs->ReadFile(f.roles));
    KW_ASSIGN_OR_RETURN(roles,
                        server::ParseRolesFile(text, f.roles, f.account_id));
  }
  KW_ASSIGN_OR_RETURN(auto cipher, server::ValueCipher::LoadOrCreateKeyFile(
                                       key_file, *rt.random));
  server::StsServiceOptions options;
  options.account_id = f.account_id;
  options.runtime = rt;
  return server::StsService::Create(std::move(roles), std::move(cipher),
                                    options);
}

// What start-up opened: the master key, the access keys, the store and
// what was created on the way.
struct Opened {
  std::unique_ptr<server::ValueCipher> cipher;
  std::optional<inventory::Inventory> inv;
  std::vector<AccessKey> keys;
  std::string hook_profile;
  std::unique_ptr<server::SecretStore> store;
  bool key_created = false;
  bool creds_created = false;
};

StatusOr<Opened> Open(Cli& cli, const ServerFlags& f, const ServerPlan& plan) {
  // On a shared host another user could pre-create the store directory (or
  // the credentials file) with their own keys and read everything stored.
  KW_RETURN_IF_ERROR(
      server::CheckPrivate(plan.dir, server::PathKind::kDirectory));
  ::mkdir(plan.dir.c_str(), 0700);
  Opened o;
  KW_ASSIGN_OR_RETURN(
      o.cipher, server::ValueCipher::LoadOrCreateKeyFile(
                    plan.key_file, *cli.runtime().random, &o.key_created));
  KW_RETURN_IF_ERROR(server::CheckPrivate(plan.creds_path,
                                          server::PathKind::kCredentialsFile));
  KW_RETURN_IF_ERROR(PrepareCredentials(f, plan.creds_path, cli.runtime(),
                                        &o.inv, &o.creds_created));
  KW_ASSIGN_OR_RETURN(o.keys,
                      LoadKeys(*cli.runtime().fs, plan.creds_path, f.policies,
                               o.inv ? &*o.inv : nullptr, f.account_id));
  WarnForeignAccounts(cli, f);
  KW_ASSIGN_OR_RETURN(o.hook_profile,
                      RotationProfile(f, o.keys, plan.creds_path));
  KW_ASSIGN_OR_RETURN(o.store, server::SecretStore::Open(f.store));
  return o;
}

// The access log: stderr ("-"), none ("off") or an appended 0600 file,
// buffered like nginx's `access_log ... buffer= flush=` (one write(2) per
// 64 KiB or per 200 ms, see LogFlusher), not one per request.
StatusOr<std::FILE*> OpenAccessLog(const std::string& spec) {
  if (spec == "-") return stderr;
  if (spec == "off") return static_cast<std::FILE*>(nullptr);
  // 0600 like the store: the log names secrets and callers.
  int fd =
      ::open(spec.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && st.st_uid == ::geteuid() &&
      (st.st_mode & 077) != 0) {
    ::fchmod(fd, 0600);
  }
  std::FILE* file = fd < 0 ? nullptr : ::fdopen(fd, "a");
  if (file == nullptr) {
    if (fd >= 0) ::close(fd);
    return InvalidArgumentError("cannot open access log " + spec);
  }
  std::setvbuf(file, nullptr, _IOFBF, 1 << 16);
  return file;
}

using LineWriter = std::function<void(std::FILE*, const std::string&)>;

server::ServerOptions FrontEndOptions(const ServerFlags& f,
                                      const ServerPlan& plan,
                                      const LineWriter& write_line,
                                      std::FILE* log_file) {
  server::ServerOptions opt;
  opt.host = plan.host;
  opt.port = plan.port;
  opt.tls_cert = f.tls_cert;
  opt.tls_key = f.tls_key;
  opt.max_body_bytes = f.max_body_bytes;
  opt.threads = f.threads;
  opt.max_connections = f.max_connections;
  opt.warn = [write_line](const std::string& msg) {
    write_line(stderr, "keyward server: warning: " + msg);
  };
  if (log_file != nullptr) {
    opt.access_log = [write_line, log_file](const std::string& line) {
      write_line(log_file, line);
    };
  }
  return opt;
}

// --env-file: the client environment, written atomically (0600).
Status WriteEnvFile(const std::string& path, const std::string& env) {
  if (path.empty()) return OkStatus();
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  KW_RETURN_IF_ERROR(WriteNew0600(tmp, env));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return InternalError("cannot write " + path);
  return OkStatus();
}

// The start-up lines on stdout: where, what, and how to use it.
void PrintListening(Cli& cli, const ServerFlags& f, const ServerPlan& plan,
                    const Opened& o, const std::string& endpoint,
                    std::size_t secrets, std::size_t keys, std::size_t roles,
                    const std::string& env) {
  cli.out() << "keyward server listening on " << endpoint << " (store "
            << f.store << ", " << secrets << " secrets, " << keys
            << " access key(s), " << roles << " role(s)"
            << (o.inv ? ", " + std::to_string(o.inv->applications.size()) +
                            " application principal(s) from " + f.inventory
                      : "")
            << (o.key_created ? ", new master key " + plan.key_file : "")
            << ")\n";
  std::string served;
  for (const auto& r : plan.regions) served += (served.empty() ? "" : ",") + r;
  cli.out() << "listening=" << endpoint << " region=" << plan.region
            << " regions=" << (served.empty() ? "all" : served)
            << " credentials=" << plan.creds_path << "\n";
  cli.out() << (o.creds_created
                    ? "Generated credentials in " + plan.creds_path + ". "
                    : "")
            << "To use it:\n"
            << env << std::flush;
}

// Runs the front end until SIGINT/SIGTERM (blocked in `sigs`); tells
// systemd (Type=notify) when it is ready and when it stops.
Status Serve(Cli& cli, server::HttpFrontEnd& front, sigset_t& sigs,
             const std::string& endpoint, const LineWriter& write_line) {
  auto notify = [&cli, write_line](const std::string& state) {
    if (Status s = SdNotify(cli.env(), state); !s.ok())
      write_line(stderr, "keyward server: warning: " + s.message());
  };
  notify("READY=1\nSTATUS=listening on " + endpoint);
  std::thread waiter([&front, &sigs, &notify] {
    int sig = 0;
    sigwait(&sigs, &sig);
    notify("STOPPING=1");
    front.Stop();
  });
  Status run = front.Run();
  ::kill(::getpid(), SIGTERM);  // wakes the waiter if Run ended on its own
  waiter.join();
  return run;
}

// SIGINT/SIGTERM are handled by a thread that stops the server; block them
// before any thread starts so every thread inherits the mask.
sigset_t BlockStopSignals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return sigs;
}

CommandResult Run(Cli& cli, const ServerFlags& f) {
  KW_ASSIGN_OR_RETURN(ServerPlan plan, PlanServer(f, cli.globals().region));
  KW_ASSIGN_OR_RETURN(Opened o, Open(cli, f, plan));
  sigset_t sigs = BlockStopSignals();
  // Access log and warnings: one line each, serialized.
  KW_ASSIGN_OR_RETURN(std::FILE * log_file, OpenAccessLog(f.access_log));
  auto log_mu = std::make_shared<std::mutex>();
  LineWriter write_line = [log_mu](std::FILE* out, const std::string& line) {
    std::lock_guard<std::mutex> lock(*log_mu);
    std::fwrite(line.data(), 1, line.size(), out);
    std::fputc('\n', out);
    if (out == stderr) std::fflush(out);
  };
  LogFlusher flusher(log_file, log_mu);
  server::ServiceOptions sopt;
  sopt.region = plan.region;
  sopt.account_id = f.account_id;
  sopt.runtime = cli.runtime();
  sopt.warn = [write_line](const std::string& msg) {
    write_line(stderr, "keyward server: warning: " + msg);
  };
  KW_ASSIGN_OR_RETURN(auto service, server::SecretsService::Create(
                                        std::move(o.store), std::move(o.cipher),
                                        std::move(sopt)));
  KW_ASSIGN_OR_RETURN(auto sts, MakeSts(f, plan.key_file, cli.runtime()));
  server::AuthOptions aopt;
  aopt.runtime = cli.runtime();
  aopt.regions = plan.regions;
  aopt.sessions = sts.get();
  std::size_t key_count = o.keys.size();
  server::RequestAuthenticator auth(std::move(o.keys), aopt);
  server::ServerOptions opt = FrontEndOptions(f, plan, write_line, log_file);
  opt.runtime = cli.runtime();
  KW_ASSIGN_OR_RETURN(auto front, server::HttpFrontEnd::Bind(opt, service.get(),
                                                             &auth, sts.get()));
  std::string host =
      opt.host.find(':') != std::string::npos ? "[" + opt.host + "]" : opt.host;
  std::string endpoint = std::string(front->tls() ? "https" : "http") + "://" +
                         host + ":" + std::to_string(front->port());
  KW_RETURN_IF_ERROR(
      StartRotation(f, *service, endpoint, plan.creds_path, o.hook_profile));
  std::string profile = o.inv                   ? std::string(kOperatorProfile)
                        : f.credentials.empty() ? "keyward-local"
                                                : "";
  std::string env = ClientEnvironment(plan, endpoint, profile);
  KW_RETURN_IF_ERROR(WriteEnvFile(f.env_file, env));
  PrintListening(cli, f, plan, o, endpoint, service->size(), key_count,
                 sts->role_count(), env);
  Status run = Serve(cli, *front, sigs, endpoint, write_line);
  flusher.Stop();
  if (log_file != nullptr && log_file != stderr) std::fclose(log_file);
  cli.err() << "keyward server: stopped\n";
  KW_RETURN_IF_ERROR(run);
  return kExitOk;
}

void AddRotationFlags(CLI::App* sub, ServerFlags& f) {
  sub->add_option("--rotation-hook", f.rotation_hook,
                  "command run for each rotation step (createSecret, "
                  "setSecret, testSecret, finishSecret) with AWS's rotation "
                  "event JSON on stdin, in place of a rotation Lambda "
                  "(docs/server.md)");
  sub->add_option("--rotation-profile", f.rotation_profile,
                  "credentials profile the hook calls back with (default: the "
                  "first in the credentials file)");
  sub->add_option("--rotation-hook-timeout", f.rotation_hook_timeout,
                  "seconds a rotation step may take before it is killed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--rotation-check-interval", f.rotation_check_interval,
                  "seconds between checks of the rotation schedules")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  // Tests only: the length of a "day" in rotation schedules.
  sub->add_option("--test-rotation-day-seconds", f.rotation_day_seconds)
      ->group("");
}

void SetupServer(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<ServerFlags>();
  CLI::App* sub = app.add_subcommand("server",
                                     "Run a local Secrets Manager-compatible "
                                     "endpoint with an encrypted store");
  sub->add_option("--store", f->store,
                  "SQLite database file (created when absent)")
      ->required();
  sub->add_option("--listen", f->listen,
                  "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  sub->add_option("--credentials", f->credentials,
                  "AWS shared-credentials file whose key pairs are accepted "
                  "(default: generate "
                  "<store dir>/credentials, profile keyward-local)");
  AddAccessOptions(sub, *f);
  sub->add_option(
      "--key-file", f->key_file,
      "master key file (default <store>.key; created 0600 on first start)");
  sub->add_option("--region,--regions", f->regions,
                  "serve only these regions (repeatable, or a comma-separated "
                  "list; default: every region of the aws partition, each "
                  "with its own secrets); the first is the env file's region");
  sub->add_option("--account-id", f->account_id, "account id used in ARNs")
      ->capture_default_str();
  sub->add_option("--tls-cert", f->tls_cert,
                  "PEM certificate (required off loopback)");
  sub->add_option("--tls-key", f->tls_key,
                  "PEM private key (required off loopback)");
  sub->add_option("--access-log", f->access_log,
                  "access log file, '-' for stderr, or 'off'")
      ->capture_default_str();
  sub->add_option(
      "--env-file", f->env_file,
      "write 'export AWS_...' lines for clients here once listening");
  sub->add_option("--max-body-bytes", f->max_body_bytes, "largest request body")
      ->capture_default_str();
  sub->add_option("--threads", f->threads,
                  "event-loop threads (0: one per CPU core)")
      ->capture_default_str();
  sub->add_option("--max-connections", f->max_connections,
                  "open connections at most; more are closed at accept "
                  "(0: from the open-file limit, at most 4096)")
      ->capture_default_str();
  AddRotationFlags(sub, *f);
  sub->footer(
      "Requests signed for any region are served, each region's secrets\n"
      "apart; the env file names the first --region, else the global\n"
      "--region, else us-east-1. STS (whoami, AssumeRole) answers too.\n"
      "Example:\n"
      "  keyward server --store /tmp/kw/store.db --listen 127.0.0.1:0 "
      "--env-file /tmp/kw/env\n"
      "  . /tmp/kw/env && aws secretsmanager list-secrets");
  cli.SetRunner(sub, [&cli, f] { return Run(cli, *f); });
}

}  // namespace

void AddServerCommand(CLI::App& app, Cli& cli) { SetupServer(app, cli); }

}  // namespace keyward::cli

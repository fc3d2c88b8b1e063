// libFuzzer target: the shared config / credentials INI parser and everything
// that walks its result: [DEFAULT] handling, the server's credentials file
// reader, and the credential chain's profile resolution (source_profile
// chains, credential_process command lines, role settings), with in-memory
// files, a canned STS response and a canned credential_process.
// Input: the config file, optionally followed by "\x01" and the credentials
// file. Invariants: no crash, no hang, no unbounded recursion (a
// 100,000-profile source_profile chain is in the corpus).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_seams.h"
#include "keyward/aws/credential_chain.h"
#include "keyward/aws/shared_config.h"
#include "keyward/server/auth.h"

namespace {

using namespace keyward;  // NOLINT

constexpr char kSts[] =
    "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
    "<AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
    "<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z"
    "</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:"
    "assumed-role/r/s</Arn><AssumedRoleId>A:s</AssumedRoleId>"
    "</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";

void Resolve(const std::string& config, const std::string& credentials,
             const std::string& profile) {
  static auto* http = [] {
    auto* h = new std::shared_ptr<fuzz::CannedHttpClient>(
        std::make_shared<fuzz::CannedHttpClient>());
    (*h)->body = kSts;
    return h;
  }();
  fuzz::MapEnvironment env;
  env.vars["HOME"] = "/h";
  fuzz::MapFileSystem fs;
  fs.files["/h/.aws/config"] = config;
  fs.files["/h/.aws/credentials"] = credentials;
  fuzz::CannedProcessRunner runner;
  runner.out = R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S",)"
               R"("Expiration":"2030-01-01T00:00:00Z"})";
  aws::ChainOptions o;
  o.profile = profile;
  o.region = "us-east-1";
  o.runtime.env = &env;
  o.runtime.fs = &fs;
  o.http = *http;
  o.runtime.process = &runner;
  o.runtime.log = &Logger::Null();
  (void)aws::NewUncachedCredentialsChain(o)->Get();
  (void)aws::ResolveProfileSettings(o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto sep = in.find('\x01');
  std::string config(in.substr(0, sep));
  std::string credentials(sep == std::string_view::npos ? ""
                                                        : in.substr(sep + 1));
  auto ini = aws::ParseIni(config, "config");
  if (ini.ok()) {
    aws::IniFile merged = aws::ApplyIniDefaults(*ini);
    if (merged.sections.size() > ini->sections.size()) __builtin_trap();
  }
  (void)server::ParseCredentialsFile(credentials, "credentials");
  Resolve(config, credentials, "");
  Resolve(config, credentials, "a");
  return 0;
}

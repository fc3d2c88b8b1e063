// libFuzzer target: decoding `credential_process` output (the IAM Roles
// Anywhere route): the helper's stdout is the fuzz input; the first byte is
// the helper's exit code (0 for most inputs). Invariants: no crash, no hang,
// no unbounded recursion on deep JSON, and the output (which holds secret
// keys) never appears in an error message.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_seams.h"
#include "keyward/aws/credential_chain.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyward;  // NOLINT
  if (size < 1) return 0;
  fuzz::MapEnvironment env;
  env.vars["HOME"] = "/h";
  fuzz::MapFileSystem fs;
  fs.files["/h/.aws/config"] =
      "[default]\ncredential_process = /usr/bin/helper --profile x\n";
  fuzz::CannedProcessRunner runner;
  runner.exit_code = data[0] < 0xf0 ? 0 : data[0] & 0x0f;
  runner.out.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  aws::ChainOptions o;
  o.runtime.env = &env;
  o.runtime.fs = &fs;
  o.http = std::make_shared<fuzz::CannedHttpClient>();
  o.runtime.process = &runner;
  o.runtime.log = &Logger::Null();
  auto c = aws::NewUncachedCredentialsChain(o)->Get();
  // The secret key must never be echoed into an error. (Only keys with the
  // corpus's "SECRET" prefix are checked: short or generic strings may
  // legitimately occur in a message's own wording.)
  if (!c.ok()) {
    auto j = nlohmann::json::parse(runner.out, nullptr, false);
    if (j.is_object() && j.contains("SecretAccessKey") &&
        j["SecretAccessKey"].is_string()) {
      const auto& key = j["SecretAccessKey"].get_ref<const std::string&>();
      if (key.size() >= 16 && key.rfind("SECRET", 0) == 0 &&
          c.status().message().find(key) != std::string::npos) {
        __builtin_trap();
      }
    }
  }
  return 0;
}

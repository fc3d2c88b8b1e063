// Must NOT compile with clang -Werror=dangling: each function keeps a view or
// reference into a temporary that dies at the end of its statement. The
// KEYWARD_LIFETIMEBOUND accessors (keyward/attributes.h) make clang see it.
// Run by the `lifetimebound_check` test (tests/CMakeLists.txt), once per
// function, selected with -DCASE=N.
#include <string>
#include <string_view>

#include "keyward/secret_config.h"
#include "keyward/status.h"

#if CASE == 1
std::string_view Dangling(const keyward::SecretConfig& config) {
  std::string_view pw =
      config.Property("platform-data/pg/app", "password")->Reveal();
  return pw;
}
#elif CASE == 2
std::string_view Dangling(const keyward::SecretConfig& config) {
  std::string_view pw = config.Get("platform-data/pg/app")->value().Reveal();
  return pw;
}
#elif CASE == 3
const keyward::SecretValue* Dangling(const keyward::SecretConfig& config) {
  const keyward::SecretValue* pw =
      config.Get("platform-data/pg/app")->FindProperty("password");
  return pw;
}
#elif CASE == 4
const std::string& Dangling() { return keyward::Status().message(); }
#else
// CASE 0: the same calls used correctly compile cleanly (the control).
std::string Fine(const keyward::SecretConfig& config) {
  auto pw = config.Property("platform-data/pg/app", "password");
  return pw.ok() ? std::string(pw->Reveal()) : std::string();
}
#endif

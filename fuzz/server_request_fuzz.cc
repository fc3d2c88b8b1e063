// libFuzzer target for keyward server's request path: SigV4 header parsing
// and verification, then JSON parsing and dispatch of every operation on an
// in-memory store. Input: "<Operation>\n<Authorization header>\n<body>".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keyward/server/auth.h"
#include "keyward/server/service.h"

namespace {

using namespace keyward;          // NOLINT
using namespace keyward::server;  // NOLINT

SecretsService& Service() {
  static SecretsService* svc = [] {
    auto store = SecretStore::Open(":memory:");
    auto cipher =
        ValueCipher::FromKey(std::string(32, 'k'), keyward::Random::Real());
    auto s = SecretsService::Create(std::move(*store), std::move(*cipher), {});
    SecretsService* raw = s->release();
    raw->Handle("CreateSecret", R"({"Name":"a","SecretString":"v"})");
    raw->Handle("CreateSecret", R"({"Name":"b","SecretBinary":"AP8="})");
    return raw;
  }();
  return *svc;
}

RequestAuthenticator& Auth() {
  static RequestAuthenticator* auth = [] {
    auto keys = ParseCredentialsFile(
        "[k]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = "
        "secret\n",
        "f");
    return new RequestAuthenticator(std::move(*keys), {});
  }();
  return *auth;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view op = in.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? "" : in.substr(nl + 1);
  auto nl2 = rest.find('\n');
  std::string_view authz = rest.substr(0, nl2);
  std::string_view body =
      nl2 == std::string_view::npos ? "" : rest.substr(nl2 + 1);

  HttpRequest req;
  req.url = "http://127.0.0.1:1/";
  req.headers = {{"Authorization", std::string(authz)},
                 {"X-Amz-Date", "20261128T120000Z"},
                 {"X-Amz-Target", "secretsmanager." + std::string(op)}};
  req.body.assign(body.begin(), body.end());
  Auth().Verify(req).status().IgnoreError();
  // Deletions would make later inputs less interesting; keep the store small.
  if (op == "DeleteSecret" || body.size() > 70000) return 0;
  if (op == "CreateSecret" && Service().size() > 500) return 0;
  Service().Handle(op, body);
  return 0;
}

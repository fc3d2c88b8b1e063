// VaultKv2Client over HttpClient. Bodies that carry secret data live in
// SecureString buffers and parsed trees are wiped before release.
#include "keyward/vault/kv2_client.h"

#include <atomic>

#include "secrets/json_codec.h"

namespace keyward::vault {
namespace {

using secrets::Json;

constexpr std::size_t kMaxVaultErrorChars = 300;

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

// Vault's "errors" array joined, or "" when the body has none.
std::string VaultErrors(const SecureString& body) {
  auto j = secrets::ParseJson(std::string_view(body.data(), body.size()));
  std::string out;
  if (j && j->is_object()) {
    auto it = j->find("errors");
    if (it != j->end() && it->is_array()) {
      for (const auto& e : *it) {
        if (!e.is_string()) continue;
        if (!out.empty()) out += "; ";
        out += e.get<std::string>();
      }
    }
  }
  if (j) secrets::WipeJson(*j);
  if (out.size() > kMaxVaultErrorChars)
    out = out.substr(0, kMaxVaultErrorChars) + "...";
  return out;
}

Status MapVaultError(int http_status, const SecureString& body,
                     std::string_view what) {
  std::string errors = VaultErrors(body);
  std::string msg =
      "vault " + std::string(what) + ": HTTP " + std::to_string(http_status);
  if (!errors.empty()) msg += " (" + errors + ")";
  if (errors.find("check-and-set") != std::string::npos) {
    return AbortedError(msg +
                        ": Vault holds a different version than expected");
  }
  switch (http_status) {
    case 400:
      return InvalidArgumentError(msg);
    case 401:
    case 403:
      return PermissionDeniedError(
          msg +
          ": check that VAULT_TOKEN is valid and unexpired and that its policy "
          "grants "
          "this path (see the generated keyward-migrate-writer policy)");
    case 404:
      return NotFoundError(msg);
    case 412:
      return FailedPreconditionError(msg +
                                     ": standby not yet consistent; retry");
    case 429:
      return ResourceExhaustedError(msg + ": rate limited; retry later");
    default:
      break;
  }
  if (http_status >= 500) {
    return UnavailableError(
        msg + (http_status == 503 ? ": Vault is sealed or a standby" : ""));
  }
  return InternalError(msg + ": unexpected status");
}

}  // namespace

std::string EncodeVaultPath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    if (Unreserved(c) || c == '/') {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

StatusOr<VaultConfig> ConfigFromEnvironment(const Environment& env) {
  VaultConfig c;
  auto addr = env.Get("VAULT_ADDR");
  if (!addr || addr->empty()) {
    return InvalidArgumentError(
        "VAULT_ADDR is not set (e.g. https://vault.example.com:8200)");
  }
  auto token = env.Get("VAULT_TOKEN");
  if (!token || token->empty()) {
    return InvalidArgumentError(
        "VAULT_TOKEN is not set (a token with the keyward-migrate-writer "
        "policy)");
  }
  c.address = *addr;
  while (!c.address.empty() && c.address.back() == '/') c.address.pop_back();
  c.token = SecretValue(*token);
  WipeString(*token);
  c.vault_namespace = env.Get("VAULT_NAMESPACE").value_or("");
  c.http_options.ca_bundle = env.Get("VAULT_CACERT").value_or("");
  return c;
}

struct VaultKv2Client::Impl {
  VaultConfig config;
  std::atomic<std::int64_t> requests{0};

  std::string Url(std::string_view kind, std::string_view path) const {
    std::string p(path);
    while (!p.empty() && p.front() == '/') p.erase(0, 1);
    return config.address + "/v1/" + EncodeVaultPath(config.mount) + "/" +
           std::string(kind) + "/" + EncodeVaultPath(p);
  }

  StatusOr<HttpResponse> Send(std::string method, std::string url,
                              SecureString body) {
    HttpRequest req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.headers.emplace_back("X-Vault-Token",
                             std::string(config.token.Reveal()));
    if (!config.vault_namespace.empty()) {
      req.headers.emplace_back("X-Vault-Namespace", config.vault_namespace);
    }
    req.headers.emplace_back("X-Vault-Request", "true");
    if (!body.empty())
      req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
    requests.fetch_add(1, std::memory_order_relaxed);
    auto r = config.http->Send(req);
    for (auto& [k, v] : req.headers) {
      if (k == "X-Vault-Token") WipeString(v);
    }
    return r;
  }
};

VaultKv2Client::VaultKv2Client(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
VaultKv2Client::~VaultKv2Client() = default;

StatusOr<std::unique_ptr<VaultKv2Client>> VaultKv2Client::Create(
    VaultConfig config) {
  auto url = ParseUrl(config.address);
  if (!url.ok() || (url->scheme != "http" && url->scheme != "https")) {
    return InvalidArgumentError("Vault address '" + config.address +
                                "' is not an http(s) URL (set VAULT_ADDR)");
  }
  if (config.token.empty())
    return InvalidArgumentError("Vault token is empty (set VAULT_TOKEN)");
  if (config.mount.empty())
    return InvalidArgumentError("Vault KV mount is empty");
  while (!config.address.empty() && config.address.back() == '/')
    config.address.pop_back();
  if (!config.http)
    config.http = NewCurlHttpClient(config.http_options, *config.runtime.env);
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  return std::unique_ptr<VaultKv2Client>(new VaultKv2Client(std::move(impl)));
}

StatusOr<KvSecret> VaultKv2Client::Read(std::string_view path, int version) {
  std::string url = impl_->Url("data", path);
  if (version > 0) url += "?version=" + std::to_string(version);
  KW_ASSIGN_OR_RETURN(HttpResponse resp, impl_->Send("GET", url, {}));
  std::string what =
      "read of " + impl_->config.mount + "/data/" + std::string(path);
  if (resp.status != 200) return MapVaultError(resp.status, resp.body, what);
  auto j =
      secrets::ParseJson(std::string_view(resp.body.data(), resp.body.size()));
  if (!j || !j->is_object() || !(*j)["data"].is_object()) {
    if (j) secrets::WipeJson(*j);
    return InternalError(
        what + ": response is not a KV v2 read (is the mount KV version 2?)");
  }
  Json& outer = (*j)["data"];
  KvSecret s;
  const Json& meta = outer["metadata"];
  if (meta.is_object()) {
    if (meta.contains("version") && meta["version"].is_number_integer()) {
      s.version = meta["version"].get<int>();
    }
    s.created_time = secrets::GetString(meta, "created_time");
  }
  Json& data = outer["data"];
  if (data.is_null()) {
    // KV v2 answers a deleted (not destroyed) version with data: null.
    secrets::WipeJson(*j);
    return NotFoundError(what + ": version " + std::to_string(s.version) +
                         " is deleted");
  }
  if (!data.is_object()) {
    secrets::WipeJson(*j);
    return InternalError(what + ": \"data\" is not an object");
  }
  s.data = SecretValue::Adopt(secrets::DumpAndWipe(data));
  secrets::WipeJson(*j);
  return s;
}

StatusOr<KvMetadata> VaultKv2Client::ReadMetadata(std::string_view path) {
  KW_ASSIGN_OR_RETURN(HttpResponse resp,
                      impl_->Send("GET", impl_->Url("metadata", path), {}));
  std::string what =
      "metadata of " + impl_->config.mount + "/metadata/" + std::string(path);
  if (resp.status != 200) return MapVaultError(resp.status, resp.body, what);
  auto j =
      secrets::ParseJson(std::string_view(resp.body.data(), resp.body.size()));
  if (!j || !j->is_object() || !(*j)["data"].is_object()) {
    return InternalError(what + ": response is not KV v2 metadata");
  }
  const Json& d = (*j)["data"];
  KvMetadata m;
  if (d.contains("current_version") &&
      d["current_version"].is_number_integer()) {
    m.current_version = d["current_version"].get<int>();
  }
  if (d.contains("oldest_version") && d["oldest_version"].is_number_integer()) {
    m.oldest_version = d["oldest_version"].get<int>();
  }
  if (d.contains("cas_required") && d["cas_required"].is_boolean()) {
    m.cas_required = d["cas_required"].get<bool>();
  }
  m.updated_time = secrets::GetString(d, "updated_time");
  return m;
}

StatusOr<int> VaultKv2Client::Write(std::string_view path,
                                    const SecretValue& data_json,
                                    std::optional<int> cas) {
  std::string what =
      "write of " + impl_->config.mount + "/data/" + std::string(path);
  auto data = secrets::ParseJson(data_json.Reveal());
  if (!data || !data->is_object()) {
    if (data) secrets::WipeJson(*data);
    return InvalidArgumentError(
        what + ": the value is not a JSON object of properties");
  }
  Json body = Json::object();
  if (cas) body["options"] = Json{{"cas", *cas}};
  body["data"] = std::move(*data);
  SecureString wire = secrets::DumpAndWipe(body);
  KW_ASSIGN_OR_RETURN(
      HttpResponse resp,
      impl_->Send("POST", impl_->Url("data", path), std::move(wire)));
  if (resp.status != 200) return MapVaultError(resp.status, resp.body, what);
  auto j =
      secrets::ParseJson(std::string_view(resp.body.data(), resp.body.size()));
  if (!j || !j->is_object() || !(*j)["data"].is_object() ||
      !(*j)["data"]["version"].is_number_integer()) {
    return InternalError(what + ": response carries no version");
  }
  return (*j)["data"]["version"].get<int>();
}

std::int64_t VaultKv2Client::request_count() const {
  return impl_->requests.load();
}
const std::string& VaultKv2Client::address() const {
  return impl_->config.address;
}
const std::string& VaultKv2Client::mount() const { return impl_->config.mount; }

}  // namespace keyward::vault

// HttpClient: the small interface keyward uses for every HTTP exchange, and
// its libcurl implementation (the only code in keyward that includes curl).
//
// Thread-safety: HttpClient implementations are safe to call concurrently.
// The curl client keeps a pool of connections (keep-alive) shared by calls.
#ifndef KEYWARD_HTTP_HTTP_CLIENT_H_
#define KEYWARD_HTTP_HTTP_CLIENT_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keyward/env.h"
#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "POST";
  // Absolute URL: scheme://host[:port]/path[?query].
  std::string url;
  // Sent in this order. Names compare case-insensitively.
  HttpHeaders headers;
  // May carry secret material: wiped when released.
  SecureString body;

  // The first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Replaces every header named `name` with one `name: value`.
  void SetHeader(std::string name, std::string value);
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names lowercased
  SecureString body;
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpClientOptions {
  // Time allowed to establish a TCP (and TLS) connection. Default: 3 s.
  std::chrono::milliseconds connect_timeout{3000};
  // Time allowed for the whole exchange, connect included. Default: 10 s.
  std::chrono::milliseconds total_timeout{10000};
  // PEM bundle of trusted CAs. Empty: AWS_CA_BUNDLE if set, else the system
  // store. TLS peer and host verification are always on.
  std::string ca_bundle;
  // Upper bound on a response body; larger bodies fail with
  // RESOURCE_EXHAUSTED. Default 8 MiB (Secrets Manager values are <= 64 KiB).
  std::size_t max_response_bytes = 8u << 20;
  // Idle connections kept for reuse.
  int max_idle_connections = 8;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs one exchange. Returns the response for any HTTP status
  // (including 4xx/5xx). Errors: UNAVAILABLE (connection refused, reset, DNS,
  // TLS handshake failure), DEADLINE_EXCEEDED (timeouts),
  // RESOURCE_EXHAUSTED (body over the limit), INVALID_ARGUMENT (bad URL).
  // Messages name the host, never the request body.
  virtual StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

// The libcurl client. Proxies follow curl's environment rules (HTTPS_PROXY,
// HTTP_PROXY, NO_PROXY, lowercase forms). `env` supplies AWS_CA_BUNDLE.
std::unique_ptr<HttpClient> NewCurlHttpClient(HttpClientOptions options,
                                              const Environment& env);

// Splits "scheme://host[:port]/path?query". INVALID_ARGUMENT when malformed.
struct Url {
  std::string scheme;
  std::string host;       // without port
  std::string authority;  // host[:port] as written (for the Host header)
  int port = 0;           // explicit or default for the scheme
  std::string path;       // "/" when empty
  std::string query;      // without '?'
};
StatusOr<Url> ParseUrl(std::string_view url);

}  // namespace keyward

#endif  // KEYWARD_HTTP_HTTP_CLIENT_H_

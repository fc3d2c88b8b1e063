// HttpFrontEnd: the HTTP/1.1 front end of `keyward server` (Boost.Beast on
// Boost.Asio event loops): accepts POST / with X-Amz-Target:
// secretsmanager.<Operation>, verifies the SigV4 signature, dispatches to
// SecretsService and writes an access log line per request (never a value).
//
// Limits (ServerOptions): request body size (413 from Content-Length, before
// the body is read), header size (8 KiB, 431), a deadline for each whole
// request (so trickling clients are cut off), write timeout, keep-alive
// timeout and requests per connection, open connections.
//
// Thread-safety: Start/Stop from one thread; Stop may be called from any
// thread (e.g. a signal-waiting thread) while Run blocks.
#ifndef KEYWARD_SERVER_HTTP_SERVER_H_
#define KEYWARD_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "keyward/server/auth.h"
#include "keyward/server/service.h"
#include "keyward/status.h"

namespace keyward::server {

struct ServerOptions {
  // Loopback by default. Any other address requires tls_cert + tls_key.
  std::string host = "127.0.0.1";
  int port = 0;  // 0: pick a free port (see HttpFrontEnd::port())
  std::string tls_cert;
  std::string tls_key;
  // Largest accepted request body (a 64 KiB value is ~88 KiB as base64 JSON).
  std::size_t max_body_bytes = 256 * 1024;
  // The first request of a connection must arrive whole (headers, then body
  // each) within read_timeout; later ones within keep_alive_timeout.
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};
  std::chrono::seconds keep_alive_timeout{5};
  std::size_t max_requests_per_connection = 10000;
  // Connections beyond this are closed at accept. 0: from RLIMIT_NOFILE
  // (at most 4096).
  std::size_t max_connections = 0;
  // Event-loop threads. 0: one per CPU core.
  int threads = 0;
  // One JSON line per request. Null: no access log.
  std::function<void(const std::string&)> access_log;
  // Operational warnings (accept failures, connection limit). Null: discard.
  std::function<void(const std::string&)> warn;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

class HttpFrontEnd {
 public:
  // Binds the listening socket. INVALID_ARGUMENT for a non-loopback host
  // without TLS; UNAVAILABLE when the address cannot be bound.
  static StatusOr<std::unique_ptr<HttpFrontEnd>> Bind(
      ServerOptions options, SecretsService* service,
      const RequestAuthenticator* auth);
  ~HttpFrontEnd();
  int port() const;
  bool tls() const;
  // Serves until Stop(). Returns after in-flight requests have finished.
  Status Run();
  void Stop();

  struct Impl;

 private:
  explicit HttpFrontEnd(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_HTTP_SERVER_H_

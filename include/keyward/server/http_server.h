// HttpFrontEnd: `keyward server`'s HTTP API on the shared HttpListener
// (keyward/server/http_listener.h: event loops, limits, TLS): accepts POST /
// with X-Amz-Target: secretsmanager.<Operation>, verifies the SigV4
// signature, dispatches to SecretsService and writes an access log line per
// request (never a value). With an StsService, requests without
// X-Amz-Target whose body is a form (Content-Type
// application/x-www-form-urlencoded, or a GET with ?Action=) are STS Query
// requests, signed for service "sts" and answered in STS's XML. Reads are
// answered on the event loop; operations
// that write (and fsync) run on the listener's blocking pool. GET /healthz
// answers 200 "ok" without authentication and reveals nothing else.
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
#include "keyward/server/http_listener.h"
#include "keyward/server/service.h"
#include "keyward/status.h"

namespace keyward::server {

class StsService;  // src/server/sts_service.h

// The listener's options (host, port, TLS, limits, threads, warn) plus the
// access log.
struct ServerOptions : ListenerOptions {
  // One JSON line per request. Null: no access log.
  std::function<void(const std::string&)> access_log;
  // The clock the access log's "time" is read from. Default: the real OS.
  Runtime runtime;
};

class HttpFrontEnd {
 public:
  // Binds the listening socket (`sts` null: no STS). INVALID_ARGUMENT for a
  // non-loopback host without TLS; UNAVAILABLE when the address cannot be
  // bound.
  static StatusOr<std::unique_ptr<HttpFrontEnd>> Bind(
      ServerOptions options, SecretsService* service,
      const RequestAuthenticator* auth, const StsService* sts = nullptr);
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

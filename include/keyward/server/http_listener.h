// HttpListener: keyward's one HTTP/1.1 front end (Boost.Beast on Boost.Asio
// event loops), shared by `keyward server` (HttpFrontEnd, SigV4 + Secrets
// Manager JSON) and `keyward agent` (the AWS Secrets Manager Agent API). It
// owns sockets, TLS, limits and keep-alive; what a request means is an
// HttpHandler's business.
//
// Requests are answered inline on the connection's event loop when the
// handler can do so without blocking (cache hits, in-memory reads); a handler
// that would block (disk writes, network fetches) declines, and is called
// again on a small blocking pool, so one slow request never stalls the other
// connections of its loop.
//
// Limits (ListenerOptions): request body size (413 from Content-Length,
// before the body is read), header size (8 KiB, 431), a deadline for each
// whole request (so trickling clients are cut off), write timeout, keep-alive
// timeout and requests per connection, open connections. Framing is strict
// (RFC 9112 §6.3): a Transfer-Encoding other than exactly `chunked`, or one
// together with Content-Length, gets 400 and the connection closes. TLS is
// 1.2 or later, ECDHE key exchange only, without renegotiation.
//
// Thread-safety: Bind/Run from one thread; Stop may be called from any thread
// (e.g. a signal-waiting thread) while Run blocks. The handler is called
// concurrently from every event-loop and pool thread.
#ifndef KEYWARD_SERVER_HTTP_LISTENER_H_
#define KEYWARD_SERVER_HTTP_LISTENER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::server {

struct ListenerOptions {
  // Loopback by default. Any other address requires tls_cert + tls_key,
  // unless allow_plaintext_non_loopback is set.
  std::string host = "127.0.0.1";
  int port = 0;  // 0: pick a free port (see HttpListener::port())
  std::string tls_cert;
  std::string tls_key;
  bool allow_plaintext_non_loopback = false;
  // Largest accepted request body.
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
  // When true, up to max_connections more are still accepted and their
  // requests reach the handler marked over_limit() (so it can answer 429, as
  // the AWS Secrets Manager Agent does); only beyond twice the limit are
  // connections closed at accept.
  bool answer_over_limit = false;
  // IP_TTL / IPV6_UNICAST_HOPS set on every accepted socket (1: replies
  // cannot leave the host). 0: leave the system default.
  int accepted_socket_ttl = 0;
  // Event-loop threads. 0: one per CPU core.
  int threads = 0;
  // Threads of the blocking pool (requests the handler declines inline).
  int blocking_threads = 2;
  // Operational warnings (accept failures, connection limit). Null: discard.
  std::function<void(const std::string&)> warn;
};

// One request as a handler sees it. Valid only during the Handle call.
class HttpRequestView {
 public:
  std::string_view method() const;
  // The request target as sent: "/path?query".
  std::string_view target() const;
  // The first field named `name` (case-insensitive); empty when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  void ForEachHeader(
      const std::function<void(std::string_view, std::string_view)>& f) const;
  // The body; a handler may wipe or move it.
  std::string& body();
  bool keep_alive() const;
  const std::string& remote() const { return *remote_; }
  bool tls() const { return tls_; }
  // The connection was accepted beyond max_connections (answer_over_limit).
  bool over_limit() const { return over_limit_; }

  struct Impl;
  HttpRequestView(Impl* impl, const std::string* remote, bool tls,
                  bool over_limit)
      : impl_(impl), remote_(remote), tls_(tls), over_limit_(over_limit) {}

 private:
  Impl* impl_;
  const std::string* remote_;
  bool tls_;
  bool over_limit_;
};

struct HttpReply {
  int status = 200;
  SecureString body;  // may hold a secret value: wiped after it is written
  // Content-Type; empty: no Content-Type field.
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields
  bool keep_alive = true;  // false: close the connection after this reply
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Answers `req`. Called first on the connection's event loop with
  // may_block false: a handler that would block returns nullopt and is called
  // again for the same request on the blocking pool with may_block true
  // (where it must answer).
  virtual std::optional<HttpReply> Handle(HttpRequestView& req,
                                          bool may_block) = 0;
  // The reply for a request the listener refuses itself: 400 (malformed,
  // ambiguous framing), 413 (body too large), 431 (headers too large). The
  // connection closes after it whatever keep_alive says.
  virtual HttpReply Refuse(int status, std::string_view message) = 0;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

class HttpListener {
 public:
  // Binds the listening socket. INVALID_ARGUMENT for a non-loopback host
  // without TLS (unless allowed) or unusable TLS files; UNAVAILABLE when the
  // address cannot be bound. `handler` must outlive the listener.
  static StatusOr<std::unique_ptr<HttpListener>> Bind(ListenerOptions options,
                                                      HttpHandler* handler);
  ~HttpListener();
  int port() const;
  bool tls() const;
  // Connections open right now (including over-limit ones).
  std::size_t connections() const;
  // Serves until Stop(). Returns after in-flight requests have finished.
  Status Run();
  void Stop();

  struct Impl;

 private:
  explicit HttpListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_HTTP_LISTENER_H_

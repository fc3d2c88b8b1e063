// With http_listener_setup.cc, the only files of keyward that include
// Boost.Asio / Boost.Beast.
//
// Design: `threads` event loops (one io_context each, one thread each, like
// nginx's workers). The acceptor hands each new connection to the next loop
// round-robin; a connection then lives on that one thread, so sessions need
// no locks. The handler answers inline when it can; requests it declines run
// on a small blocking pool and their reply is posted back to the loop.
//
// Slow or hostile clients: the first request of a connection must arrive
// whole within read_timeout, later ones within keep_alive_timeout (a
// deadline for the whole header, then a fresh one for the body: a client
// trickling bytes is cut off, not waited for); headers are capped at 8 KiB
// and bodies at max_body_bytes (refused from Content-Length, before reading);
// at most max_connections are open at once (more are closed at accept).
#include "keyward/server/http_listener.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>
#include <thread>
#include <unordered_set>

#include "server/http_listener_setup.h"

namespace keyward::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;

struct HttpRequestView::Impl {
  Request* req;
};

namespace {

using Response = http::response<http::buffer_body>;

constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::size_t kDrainLimit = 1 << 20;
constexpr auto kDrainTimeout = std::chrono::seconds(1);

// "Sat, 28 Nov 2026 12:00:00 GMT", formatted once a second per thread.
const std::string& HttpDate() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  std::time_t now = std::time(nullptr);
  if (now != last || text.empty()) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::size_t n =
        std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text.assign(buf, n);
    last = now;
  }
  return text;
}

std::string_view Sv(beast::string_view v) { return {v.data(), v.size()}; }

// RFC 9112 §6.1/§6.3: the only transfer coding a server must understand is
// chunked, and it must be the final one; anything else (gzip, "xchunked",
// "chunked, identity", several fields) cannot be framed reliably, and a body
// length a front proxy sees differently is request smuggling. Content-Length
// together with Transfer-Encoding is refused as well (§6.1 allows it).
bool AmbiguousFraming(const Request& req) {
  auto range = req.equal_range(http::field::transfer_encoding);
  if (range.first == range.second) return false;
  if (std::next(range.first) != range.second) return true;
  std::string_view te = Sv(range.first->value());
  while (!te.empty() && (te.front() == ' ' || te.front() == '\t'))
    te.remove_prefix(1);
  while (!te.empty() && (te.back() == ' ' || te.back() == '\t'))
    te.remove_suffix(1);
  if (!beast::iequals(beast::string_view(te.data(), te.size()), "chunked"))
    return true;
  return req.count(http::field::content_length) != 0;
}

// A session as its event loop's stop task sees it.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called on the session's own thread when the server stops: a session
  // waiting for a request closes now; one handling a request closes after
  // its response.
  virtual void OnStop() = 0;
};

// Declaration order matters: the io_context is destroyed before `sessions`
// (its pending handlers own sessions, which unregister themselves), and the
// guard before the io_context.
struct Worker {
  std::unordered_set<SessionBase*> sessions;  // only touched on `thread`
  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  std::thread thread;
};

}  // namespace

std::string_view HttpRequestView::method() const {
  return Sv(impl_->req->method_string());
}
std::string_view HttpRequestView::target() const {
  return Sv(impl_->req->target());
}
std::string_view HttpRequestView::header(std::string_view name) const {
  auto it = impl_->req->find(beast::string_view(name.data(), name.size()));
  return it == impl_->req->end() ? std::string_view() : Sv(it->value());
}
bool HttpRequestView::has_header(std::string_view name) const {
  return impl_->req->find(beast::string_view(name.data(), name.size())) !=
         impl_->req->end();
}
void HttpRequestView::ForEachHeader(
    const std::function<void(std::string_view, std::string_view)>& f) const {
  for (const auto& field : *impl_->req)
    f(Sv(field.name_string()), Sv(field.value()));
}
std::string& HttpRequestView::body() { return impl_->req->body(); }
bool HttpRequestView::keep_alive() const { return impl_->req->keep_alive(); }

struct HttpListener::Impl {
  ListenerOptions opt;
  HttpHandler* handler = nullptr;
  std::optional<net::ssl::context> ssl;  // outlives the sessions using it
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  std::optional<net::thread_pool> blocking;
  std::size_t next_worker = 0;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> refused{0};
  bool v6 = false;
  int port = 0;

  void Accept();
  void StartSession(Worker& w, tcp::socket sock, bool over_limit);
  void Warn(const std::string& msg) {
    if (opt.warn) opt.warn(msg);
  }
};

namespace {

template <bool kTls>
class Session : public SessionBase,
                public std::enable_shared_from_this<Session<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>,
                                    beast::tcp_stream>;

 public:
  Session(HttpListener::Impl* impl, Worker* w, tcp::socket sock,
          net::ssl::context* ssl, bool over_limit)
      : impl_(impl),
        w_(w),
        stream_(MakeStream(std::move(sock), ssl)),
        buffer_(kHeaderLimit + impl->opt.max_body_bytes + 4096),
        over_limit_(over_limit) {
    beast::error_code ec;
    auto ep = Tcp().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    w_->sessions.insert(this);
  }
  ~Session() override {
    w_->sessions.erase(this);
    impl_->connections.fetch_sub(1, std::memory_order_relaxed);
  }

  void Start() {
    if (impl_->stopping.load()) return;  // dropped: the socket closes
    if constexpr (kTls) {
      Tcp().expires_after(impl_->opt.read_timeout);
      stream_.async_handshake(
          net::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) {
            if (!ec) self->ReadHeader();
          });
    } else {
      ReadHeader();
    }
  }

  void OnStop() override {
    stop_ = true;
    if (!busy_) Tcp().cancel();
  }

 private:
  static Stream MakeStream(tcp::socket sock, net::ssl::context* ssl) {
    if constexpr (kTls) {
      return Stream(std::move(sock), *ssl);
    } else {
      (void)ssl;
      return Stream(std::move(sock));
    }
  }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    busy_ = false;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(impl_->opt.max_body_bytes);
    Tcp().expires_after(requests_ == 0 ? impl_->opt.read_timeout
                                       : impl_->opt.keep_alive_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (AmbiguousFraming(parser_->get())) {
      return Refuse(400, "Transfer-Encoding other than chunked");
    }
    Tcp().expires_after(impl_->opt.read_timeout);
    auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      continue_.emplace(http::status::continue_, 11);
      http::async_write(
          stream_, *continue_,
          [self = this->shared_from_this()](beast::error_code e, std::size_t) {
            self->continue_.reset();
            if (!e) self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->OnReadError(ec);
          self->Dispatch();
        });
  }

  void Refuse(int status, std::string_view message) {
    HttpReply r = impl_->handler->Refuse(status, message);
    r.keep_alive = false;
    Write(std::move(r));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || stop_) {
      return;  // gone, idle too long, or stopping: just close
    }
    if (ec == http::error::body_limit) {
      return Refuse(413, "The request body is too large (limit " +
                             std::to_string(impl_->opt.max_body_bytes) +
                             " bytes).");
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return Refuse(431, "The request headers are too large.");
    }
    if (ec.category() ==
        http::make_error_code(http::error::bad_method).category()) {
      return Refuse(400, "Malformed HTTP request: " + ec.message());
    }
    // TLS or socket errors: nothing sensible can be sent.
  }

  void Dispatch() {
    busy_ = true;
    ++requests_;
    Request local = parser_->release();
    parser_.reset();
    {
      HttpRequestView::Impl vi{&local};
      HttpRequestView view(&vi, &remote_, kTls, over_limit_);
      std::optional<HttpReply> r = impl_->handler->Handle(view, false);
      if (r) return Write(std::move(*r));
    }
    // Declined inline: the guard keeps this loop running until the reply is
    // posted back. `mutable`, so that `self` really moves into the reply's
    // handler: a copy left in this lambda could drop the session's last
    // reference on the pool thread, and ~Session touches w_->sessions, which
    // only the loop's thread may (a data race ThreadSanitizer reported).
    auto req = std::make_shared<Request>(std::move(local));
    net::post(
        *impl_->blocking, [self = this->shared_from_this(), req,
                           guard = net::make_work_guard(w_->ioc)]() mutable {
          HttpRequestView::Impl vi{req.get()};
          HttpRequestView view(&vi, &self->remote_, kTls, self->over_limit_);
          std::optional<HttpReply> answer;
          try {
            answer = self->impl_->handler->Handle(view, true);
          } catch (const std::exception&) {
            answer.reset();
          }
          auto r = std::make_shared<HttpReply>(
              answer ? std::move(*answer)
                     : self->impl_->handler->Refuse(500, "internal error"));
          auto ex = self->Tcp().get_executor();
          net::post(
              ex, [self = std::move(self), r] { self->Write(std::move(*r)); });
        });
  }

  void Write(HttpReply r) {
    busy_ = true;
    body_ = std::move(r.body);
    bool keep = r.keep_alive && !stop_ && !over_limit_ &&
                !impl_->stopping.load() &&
                requests_ < impl_->opt.max_requests_per_connection;
    res_.emplace();
    res_->version(11);
    res_->result(static_cast<unsigned>(r.status));
    if (!r.content_type.empty())
      res_->set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res_->set(name, value);
    res_->set(http::field::date, HttpDate());
    res_->keep_alive(keep);
    res_->body().data = body_.data();
    res_->body().size = body_.size();
    res_->body().more = false;
    res_->content_length(body_.size());
    Tcp().expires_after(impl_->opt.write_timeout);
    http::async_write(stream_, *res_,
                      [self = this->shared_from_this(), keep](
                          beast::error_code ec, std::size_t) {
                        self->res_.reset();
                        self->body_ = SecureString();  // wiped on release
                        if (ec) return;
                        if (keep) return self->ReadHeader();
                        self->Close();
                      });
  }

  // Graceful close: TLS close_notify, or FIN and then a short drain of what
  // the client may still be sending (so it reads our response rather than a
  // reset).
  void Close() {
    busy_ = false;
    Tcp().expires_after(kDrainTimeout);
    if constexpr (kTls) {
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return;
      Drain();
    }
  }

  void Drain() {
    drain_.resize(16 * 1024);
    Tcp().async_read_some(
        net::buffer(drain_),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          self->drained_ += n;
          if (!ec && self->drained_ < kDrainLimit) self->Drain();
        });
  }

  HttpListener::Impl* impl_;
  Worker* w_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<Response> res_;
  SecureString body_;
  std::string remote_;
  std::vector<char> drain_;
  std::size_t drained_ = 0;
  std::size_t requests_ = 0;
  bool over_limit_ = false;
  bool busy_ = false;
  bool stop_ = false;
};

}  // namespace

void HttpListener::Impl::Accept() {
  Worker& w = *workers[next_worker++ % workers.size()];
  acceptor->async_accept(
      w.ioc, [this, &w](beast::error_code ec, tcp::socket sock) {
        if (stopping.load() || ec == net::error::operation_aborted) return;
        if (ec) {
          // EMFILE and friends: back off instead of spinning.
          Warn("accept failed: " + ec.message());
          accept_retry->expires_after(std::chrono::milliseconds(100));
          accept_retry->async_wait([this](beast::error_code e) {
            if (!e && !stopping.load()) Accept();
          });
          return;
        }
        std::size_t open = connections.load(std::memory_order_relaxed);
        std::size_t hard = opt.answer_over_limit ? 2 * opt.max_connections
                                                 : opt.max_connections;
        if (open >= hard) {
          if (refused.fetch_add(1) % 1000 == 0) {
            Warn("connection limit (" + std::to_string(opt.max_connections) +
                 ") reached; closing new connections");
          }
          beast::error_code ignored;
          sock.close(ignored);
        } else {
          bool over = open >= opt.max_connections;
          connections.fetch_add(1, std::memory_order_relaxed);
          net::post(w.ioc, [this, &w, over, s = std::move(sock)]() mutable {
            StartSession(w, std::move(s), over);
          });
        }
        Accept();
      });
}

void HttpListener::Impl::StartSession(Worker& w, tcp::socket sock,
                                      bool over_limit) {
  beast::error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  if (opt.accepted_socket_ttl > 0) {
    // Like the AWS agent's set_ttl(1): a reply cannot cross a router.
    int ttl = opt.accepted_socket_ttl;
    int fd = sock.native_handle();
    if (v6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
    } else {
      ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    }
  }
  if (ssl) {
    std::make_shared<Session<true>>(this, &w, std::move(sock), &*ssl,
                                    over_limit)
        ->Start();
  } else {
    std::make_shared<Session<false>>(this, &w, std::move(sock), nullptr,
                                     over_limit)
        ->Start();
  }
}

HttpListener::HttpListener(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

HttpListener::~HttpListener() {
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

StatusOr<std::unique_ptr<HttpListener>> HttpListener::Bind(
    ListenerOptions options, HttpHandler* handler) {
  bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return InvalidArgumentError(
        "--tls-cert and --tls-key must be given together");
  }
  bool plaintext_ok = tls || options.allow_plaintext_non_loopback;
  if (!IsLoopbackHost(options.host) && !plaintext_ok) {
    return InvalidArgumentError("refusing to listen on non-loopback address " +
                                options.host +
                                " without TLS: give --tls-cert and --tls-key");
  }
  auto impl = std::make_unique<Impl>();
  impl->opt = std::move(options);
  impl->handler = handler;
  ListenerOptions& opt = impl->opt;
  int threads = opt.threads > 0
                    ? opt.threads
                    : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  if (opt.max_connections == 0)
    opt.max_connections = internal::DefaultMaxConnections();
  if (tls) {
    impl->ssl.emplace(net::ssl::context::tls_server);
    KW_RETURN_IF_ERROR(internal::ConfigureTls(*impl->ssl, opt));
  }
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->guard.emplace(w->ioc.get_executor());
    impl->workers.push_back(std::move(w));
  }
  impl->blocking.emplace(std::max(1, opt.blocking_threads));

  net::io_context& main = impl->workers[0]->ioc;
  KW_ASSIGN_OR_RETURN(tcp::endpoint ep,
                      internal::ResolveListenAddress(main, opt, plaintext_ok));
  beast::error_code ec;
  impl->v6 = ep.address().is_v6();
  impl->acceptor.emplace(main);
  auto& acc = *impl->acceptor;
  std::string where = opt.host + ":" + std::to_string(opt.port);
  if (acc.open(ep.protocol(), ec);
      !ec && (acc.set_option(net::socket_base::reuse_address(true), ec), !ec) &&
      (acc.bind(ep, ec), !ec) &&
      (acc.listen(net::socket_base::max_listen_connections, ec), !ec)) {
    impl->port = acc.local_endpoint().port();
  } else {
    return UnavailableError("cannot bind " + where + ": " + ec.message() +
                            (opt.port != 0 ? " (in use?)" : ""));
  }
  impl->accept_retry.emplace(main);
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(impl)));
}

int HttpListener::port() const { return impl_->port; }
bool HttpListener::tls() const { return impl_->ssl.has_value(); }
std::size_t HttpListener::connections() const {
  return impl_->connections.load(std::memory_order_relaxed);
}

Status HttpListener::Run() {
  auto run = [this](Worker* w) {
    for (;;) {
      try {
        w->ioc.run();
        return;
      } catch (const std::exception& e) {
        impl_->Warn(std::string("event loop error: ") + e.what());
      }
    }
  };
  net::post(impl_->workers[0]->ioc, [this] { impl_->Accept(); });
  for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
    Worker* w = impl_->workers[i].get();
    w->thread = std::thread(run, w);
  }
  run(impl_->workers[0].get());
  for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
    if (impl_->workers[i]->thread.joinable()) impl_->workers[i]->thread.join();
  }
  impl_->blocking->join();
  return OkStatus();
}

void HttpListener::Stop() {
  if (impl_->stopping.exchange(true)) return;
  Impl* impl = impl_.get();
  net::post(impl->workers[0]->ioc, [impl] {
    beast::error_code ec;
    impl->acceptor->close(ec);
    impl->accept_retry->cancel();
  });
  for (auto& wp : impl->workers) {
    Worker* w = wp.get();
    net::post(w->ioc, [w] {
      std::vector<SessionBase*> open(w->sessions.begin(), w->sessions.end());
      for (SessionBase* s : open) s->OnStop();
      w->guard.reset();
    });
  }
}

}  // namespace keyward::server

// The only file of keyward server that includes Boost.Asio / Boost.Beast.
//
// Design: `threads` event loops (one io_context each, one thread each, like
// nginx's workers). The acceptor hands each new connection to the next loop
// round-robin; a connection then lives on that one thread, so sessions need
// no locks. Read-only operations are answered inline on the loop (they take a
// shared lock on the in-memory model and decrypt one value). Operations that
// write (and therefore fsync) run on a small blocking pool, so a slow disk
// never stalls the loops' other connections.
//
// Slow or hostile clients: the first request of a connection must arrive
// whole within read_timeout, later ones within keep_alive_timeout (a
// deadline for the whole header, then a fresh one for the body: a client
// trickling bytes is cut off, not waited for); headers are capped at 8 KiB
// and bodies at max_body_bytes (refused from Content-Length, before reading);
// at most max_connections are open at once (more are closed at accept).
#include "keyward/server/http_server.h"

#include <sys/resource.h>

#include <array>
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
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <unordered_set>

#include "keyward/env.h"
#include "keyward/secrets/client.h"

namespace keyward::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;
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

// x-amzn-RequestId: a UUID v4 from a per-thread PRNG. Request ids are
// correlation ids, not secrets; this keeps RAND_bytes (and its getpid(2)
// fork check) off the hot path.
std::string RequestId() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
  }()};
  std::array<unsigned char, 16> b;
  for (std::size_t i = 0; i < b.size(); i += 8) {
    std::uint64_t word = rng();
    std::memcpy(b.data() + i, &word, 8);
  }
  return secrets::FormatUuidV4(b);
}

std::string_view Sv(beast::string_view v) { return {v.data(), v.size()}; }

// Operations that change the store (and fsync): run on the blocking pool.
bool IsWrite(std::string_view op) {
  return !(op == "GetSecretValue" || op == "BatchGetSecretValue" ||
           op == "DescribeSecret" || op == "ListSecrets" ||
           op == "ListSecretVersionIds" || op == "GetRandomPassword");
}

// What a session sends back: status, JSON body (may hold a value), and
// whether the connection may stay open.
struct Reply {
  int status = 200;
  SecureString body;
  bool keep_alive = true;
};

Reply ErrorReply(int status, std::string_view type, std::string_view message) {
  Reply r;
  r.status = status;
  r.body = ErrorBody(type, message);
  r.keep_alive = false;
  return r;
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

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" ||
         host.starts_with("127.");
}

struct HttpFrontEnd::Impl {
  ServerOptions opt;
  SecretsService* service = nullptr;
  const RequestAuthenticator* auth = nullptr;
  std::optional<net::ssl::context> ssl;  // outlives the sessions using it
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  std::optional<net::thread_pool> blocking;
  std::size_t next_worker = 0;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> refused{0};
  int port = 0;

  void Accept();
  void StartSession(Worker& w, tcp::socket sock);
  Reply Process(Request& req, const std::string& remote);
  void Log(std::string_view remote, const ApiResponse& api, std::string_view op,
           std::string_view key_id,
           std::chrono::steady_clock::time_point start);
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
  Session(HttpFrontEnd::Impl* impl, Worker* w, tcp::socket sock,
          net::ssl::context* ssl)
      : impl_(impl),
        w_(w),
        stream_(MakeStream(std::move(sock), ssl)),
        buffer_(kHeaderLimit + impl->opt.max_body_bytes + 4096) {
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

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || stop_) {
      return;  // gone, idle too long, or stopping: just close
    }
    if (ec == http::error::body_limit) {
      return Write(ErrorReply(413, "ValidationException",
                              "The request body is too large (limit " +
                                  std::to_string(impl_->opt.max_body_bytes) +
                                  " bytes)."));
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return Write(ErrorReply(431, "ValidationException",
                              "The request headers are too large."));
    }
    if (ec.category() ==
        http::make_error_code(http::error::bad_method).category()) {
      return Write(ErrorReply(400, "ValidationException",
                              "Malformed HTTP request: " + ec.message()));
    }
    // TLS or socket errors: nothing sensible can be sent.
  }

  void Dispatch() {
    busy_ = true;
    ++requests_;
    Request local = parser_->release();
    parser_.reset();
    std::string_view op = Sv(local["X-Amz-Target"]);
    if (op.starts_with("secretsmanager.")) op.remove_prefix(15);
    if (!IsWrite(op)) return Write(impl_->Process(local, remote_));
    // The guard keeps this loop running until the reply is posted back.
    auto req = std::make_shared<Request>(std::move(local));
    net::post(*impl_->blocking, [self = this->shared_from_this(), req,
                                 guard = net::make_work_guard(w_->ioc)] {
      auto r =
          std::make_shared<Reply>(self->impl_->Process(*req, self->remote_));
      auto ex = self->Tcp().get_executor();
      net::post(ex,
                [self = std::move(self), r] { self->Write(std::move(*r)); });
    });
  }

  void Write(Reply r) {
    busy_ = true;
    body_ = std::move(r.body);
    bool keep = r.keep_alive && !stop_ && !impl_->stopping.load() &&
                requests_ < impl_->opt.max_requests_per_connection;
    res_.emplace();
    res_->version(11);
    res_->result(static_cast<unsigned>(r.status));
    res_->set(http::field::content_type, "application/x-amz-json-1.1");
    res_->set("x-amzn-RequestId", RequestId());
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

  HttpFrontEnd::Impl* impl_;
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
  bool busy_ = false;
  bool stop_ = false;
};

}  // namespace

void HttpFrontEnd::Impl::Accept() {
  Worker& w = *workers[next_worker++ % workers.size()];
  acceptor->async_accept(w.ioc, [this, &w](beast::error_code ec,
                                           tcp::socket sock) {
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
    if (connections.load(std::memory_order_relaxed) >= opt.max_connections) {
      if (refused.fetch_add(1) % 1000 == 0) {
        Warn("connection limit (" + std::to_string(opt.max_connections) +
             ") reached; closing new connections");
      }
      beast::error_code ignored;
      sock.close(ignored);
    } else {
      connections.fetch_add(1, std::memory_order_relaxed);
      net::post(w.ioc, [this, &w, s = std::move(sock)]() mutable {
        StartSession(w, std::move(s));
      });
    }
    Accept();
  });
}

void HttpFrontEnd::Impl::StartSession(Worker& w, tcp::socket sock) {
  beast::error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  if (ssl) {
    std::make_shared<Session<true>>(this, &w, std::move(sock), &*ssl)->Start();
  } else {
    std::make_shared<Session<false>>(this, &w, std::move(sock), nullptr)
        ->Start();
  }
}

Reply HttpFrontEnd::Impl::Process(Request& req, const std::string& remote) {
  auto start = std::chrono::steady_clock::now();
  ApiResponse api;
  std::string op, key_id;
  try {
    // Rebuild the request as the client signed it.
    HttpRequest signed_req;
    signed_req.method = std::string(req.method_string());
    std::string_view host = Sv(req[http::field::host]);
    std::string_view target = Sv(req.target());
    signed_req.url.reserve(16 + host.size() + target.size());
    signed_req.url = ssl ? "https://" : "http://";
    signed_req.url += host.empty() ? std::string_view("localhost") : host;
    signed_req.url += target.empty() ? std::string_view("/") : target;
    signed_req.headers.reserve(16);
    for (const auto& field : req) {
      signed_req.headers.emplace_back(std::string(field.name_string()),
                                      std::string(field.value()));
    }
    signed_req.body.assign(req.body().begin(), req.body().end());
    WipeString(req.body());

    auto key = auth->Verify(signed_req);
    if (!key.ok()) {
      api.error_type = key.status().error_type();
      api.http_status = HttpStatusForError(api.error_type);
      api.body = ErrorBody(api.error_type, key.status().message());
    } else {
      key_id = (*key)->access_key_id;
      std::string_view amz_target = Sv(req["X-Amz-Target"]);
      constexpr std::string_view kPrefix = "secretsmanager.";
      if (req.method() != http::verb::post ||
          !amz_target.starts_with(kPrefix)) {
        api.error_type = "UnknownOperationException";
        api.http_status = 400;
        api.body = ErrorBody(
            api.error_type,
            "Expected POST / with X-Amz-Target: secretsmanager.<Operation>");
      } else {
        op = std::string(amz_target.substr(kPrefix.size()));
        Caller caller{key_id, (*key)->policy ? &*(*key)->policy : nullptr,
                      key->region};
        api = service->Handle(
            op,
            std::string_view(signed_req.body.data(), signed_req.body.size()),
            caller);
      }
    }
  } catch (const std::exception&) {
    api = ApiResponse();
    api.error_type = "InternalServiceError";
    api.http_status = 500;
    api.body =
        ErrorBody(api.error_type, "An error occurred on the server side.");
  }
  Log(remote, api, op, key_id, start);
  Reply r;
  r.status = api.http_status;
  r.body = std::move(api.body);
  r.keep_alive = req.keep_alive();
  return r;
}

void HttpFrontEnd::Impl::Log(std::string_view remote, const ApiResponse& api,
                             std::string_view op, std::string_view key_id,
                             std::chrono::steady_clock::time_point start) {
  if (!opt.access_log) return;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  nlohmann::json line{{"time", FormatIso8601(Clock::Real().Now())},
                      {"remote", remote},
                      {"op", op},
                      {"secret_id", api.secret_id},
                      {"access_key", key_id},
                      {"status", api.http_status},
                      {"error", api.error_type},
                      {"us", us}};
  opt.access_log(
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

HttpFrontEnd::HttpFrontEnd(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

HttpFrontEnd::~HttpFrontEnd() {
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

StatusOr<std::unique_ptr<HttpFrontEnd>> HttpFrontEnd::Bind(
    ServerOptions options, SecretsService* service,
    const RequestAuthenticator* auth) {
  bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return InvalidArgumentError(
        "--tls-cert and --tls-key must be given together");
  }
  if (!IsLoopbackHost(options.host) && !tls) {
    return InvalidArgumentError("refusing to listen on non-loopback address " +
                                options.host +
                                " without TLS: give --tls-cert and --tls-key");
  }
  auto impl = std::make_unique<Impl>();
  impl->opt = std::move(options);
  impl->service = service;
  impl->auth = auth;
  ServerOptions& opt = impl->opt;
  int threads = opt.threads > 0
                    ? opt.threads
                    : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  if (opt.max_connections == 0) {
    // Leave room under the descriptor limit for the store and log files.
    rlimit rl{};
    std::size_t limit = 1024;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur > 128) {
      limit = std::min<std::size_t>(4096, rl.rlim_cur - 64);
    }
    opt.max_connections = limit;
  }
  if (tls) {
    impl->ssl.emplace(net::ssl::context::tls_server);
    auto& ctx = *impl->ssl;
    ctx.set_options(
        net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
        net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
        net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    beast::error_code ec;
    ctx.use_certificate_chain_file(opt.tls_cert, ec);
    if (!ec) ctx.use_private_key_file(opt.tls_key, net::ssl::context::pem, ec);
    if (ec) {
      return InvalidArgumentError("cannot load TLS certificate " +
                                  opt.tls_cert + " / key " + opt.tls_key +
                                  ": " + ec.message());
    }
  }
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->guard.emplace(w->ioc.get_executor());
    impl->workers.push_back(std::move(w));
  }
  impl->blocking.emplace(2);

  net::io_context& main = impl->workers[0]->ioc;
  std::string host = opt.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  tcp::resolver resolver(main);
  auto results = resolver.resolve(host, std::to_string(opt.port),
                                  tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return InvalidArgumentError("cannot resolve listen address " + opt.host +
                                (ec ? ": " + ec.message() : ""));
  }
  tcp::endpoint ep = results.begin()->endpoint();
  // Resolving "localhost" may yield a non-loopback address on odd hosts.
  if (!tls && !ep.address().is_loopback()) {
    return InvalidArgumentError(opt.host + " resolves to " +
                                ep.address().to_string() +
                                ", not a loopback address");
  }
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
  return std::unique_ptr<HttpFrontEnd>(new HttpFrontEnd(std::move(impl)));
}

int HttpFrontEnd::port() const { return impl_->port; }
bool HttpFrontEnd::tls() const { return impl_->ssl.has_value(); }

Status HttpFrontEnd::Run() {
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

void HttpFrontEnd::Stop() {
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

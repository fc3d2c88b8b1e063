// The only file of keyward server that includes cpp-httplib.
#include "keyward/server/http_server.h"

#include <httplib.h>

#include <atomic>
#include <ctime>
#include <nlohmann/json.hpp>

#include "keyward/secrets/client.h"

namespace keyward::server {
namespace {

std::string HttpDate() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// Sends `body` without copying it into httplib's std::string body; the
// buffer is wiped when httplib releases it.
void SetBody(httplib::Response& res, SecureString body) {
  auto shared = std::make_shared<SecureString>(std::move(body));
  res.set_content_provider(shared->size(), "application/x-amz-json-1.1",
                           [shared](std::size_t offset, std::size_t length,
                                    httplib::DataSink& sink) {
                             return sink.write(shared->data() + offset, length);
                           });
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" ||
         host.starts_with("127.");
}

struct HttpFrontEnd::Impl {
  ServerOptions opt;
  SecretsService* service = nullptr;
  const RequestAuthenticator* auth = nullptr;
  std::unique_ptr<httplib::Server> server;
  int port = 0;
  std::atomic<std::uint64_t> request_seq{0};

  void Handle(const httplib::Request& req, httplib::Response& res);
  void Log(const httplib::Request& req, const ApiResponse& api,
           std::string_view op, std::string_view key_id,
           std::chrono::steady_clock::time_point start);
};

void HttpFrontEnd::Impl::Handle(const httplib::Request& req,
                                httplib::Response& res) {
  auto start = std::chrono::steady_clock::now();
  // Rebuild the request as the client signed it.
  HttpRequest signed_req;
  signed_req.method = req.method;
  std::string host = req.get_header_value("Host");
  signed_req.url = (!opt.tls_cert.empty() ? "https://" : "http://") +
                   (host.empty() ? "localhost" : host) +
                   (req.target.empty() ? "/" : req.target);
  for (const auto& [name, value] : req.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" ||
        name == "LOCAL_ADDR" || name == "LOCAL_PORT") {
      continue;  // httplib's pseudo headers
    }
    signed_req.headers.emplace_back(name, value);
  }
  signed_req.body.assign(req.body.begin(), req.body.end());
  WipeString(const_cast<std::string&>(req.body));

  ApiResponse api;
  std::string op, key_id;
  auto key = auth->Verify(signed_req);
  if (!key.ok()) {
    api.error_type = key.status().error_type();
    api.http_status = HttpStatusForError(api.error_type);
    api.body = ErrorBody(api.error_type, key.status().message());
  } else {
    key_id = (*key)->access_key_id;
    std::string target = req.get_header_value("X-Amz-Target");
    constexpr std::string_view kPrefix = "secretsmanager.";
    if (req.method != "POST" ||
        !std::string_view(target).starts_with(kPrefix)) {
      api.error_type = "UnknownOperationException";
      api.http_status = 400;
      api.body = ErrorBody(
          api.error_type,
          "Expected POST / with X-Amz-Target: secretsmanager.<Operation>");
    } else {
      op = target.substr(kPrefix.size());
      Caller caller{key_id, (*key)->policy ? &*(*key)->policy : nullptr};
      api = service->Handle(
          op, std::string_view(signed_req.body.data(), signed_req.body.size()),
          caller);
    }
  }
  res.status = api.http_status;
  res.set_header("x-amzn-RequestId", secrets::NewUuid());
  res.set_header("Date", HttpDate());
  Log(req, api, op, key_id, start);
  SetBody(res, std::move(api.body));
}

void HttpFrontEnd::Impl::Log(const httplib::Request& req,
                             const ApiResponse& api, std::string_view op,
                             std::string_view key_id,
                             std::chrono::steady_clock::time_point start) {
  if (!opt.access_log) return;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  nlohmann::json line{{"time", FormatIso8601(Clock::Real().Now())},
                      {"remote", req.remote_addr},
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
HttpFrontEnd::~HttpFrontEnd() = default;

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
  if (tls) {
    auto ssl = std::make_unique<httplib::SSLServer>(impl->opt.tls_cert.c_str(),
                                                    impl->opt.tls_key.c_str());
    if (!ssl->is_valid()) {
      return InvalidArgumentError("cannot load TLS certificate " +
                                  impl->opt.tls_cert + " / key " +
                                  impl->opt.tls_key);
    }
    impl->server = std::move(ssl);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *impl->server;
  int threads = impl->opt.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(impl->opt.max_body_bytes);
  s.set_read_timeout(impl->opt.read_timeout);
  s.set_write_timeout(impl->opt.write_timeout);
  s.set_keep_alive_timeout(impl->opt.keep_alive_timeout.count());
  s.set_keep_alive_max_count(impl->opt.max_requests_per_connection);
  s.set_tcp_nodelay(true);
  Impl* raw = impl.get();
  auto handler = [raw](const httplib::Request& req, httplib::Response& res) {
    raw->Handle(req, res);
  };
  s.Post(R"(/.*)", handler);
  s.Get(R"(/.*)", handler);
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413) {
      SetBody(res, ErrorBody("ValidationException",
                             "The request body is too large."));
    }
  });
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        SetBody(res, ErrorBody("InternalServiceError",
                               "An error occurred on the server side."));
      });
  if (impl->opt.port == 0) {
    impl->port = s.bind_to_any_port(impl->opt.host);
    if (impl->port <= 0)
      return UnavailableError("cannot bind " + impl->opt.host);
  } else {
    if (!s.bind_to_port(impl->opt.host, impl->opt.port)) {
      return UnavailableError("cannot bind " + impl->opt.host + ":" +
                              std::to_string(impl->opt.port) + " (in use?)");
    }
    impl->port = impl->opt.port;
  }
  return std::unique_ptr<HttpFrontEnd>(new HttpFrontEnd(std::move(impl)));
}

int HttpFrontEnd::port() const { return impl_->port; }
bool HttpFrontEnd::tls() const { return impl_->opt.tls_cert.size() > 0; }

Status HttpFrontEnd::Run() {
  if (!impl_->server->listen_after_bind()) {
    return UnavailableError("the listening socket failed");
  }
  return OkStatus();
}

void HttpFrontEnd::Stop() { impl_->server->stop(); }

}  // namespace keyward::server

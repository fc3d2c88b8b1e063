// keyward server's request handler on the shared HttpListener: rebuilds the
// request as the client signed it, verifies SigV4, dispatches to
// SecretsService and logs one access line per request (never a value).
// Read-only operations are answered inline on the event loop (they take a
// shared lock on the in-memory model and decrypt one value); operations that
// write (and therefore fsync) are declined inline and run on the listener's
// blocking pool, so a slow disk never stalls a loop's other connections.
#include "keyward/server/http_server.h"

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "aws/error_table.h"
#include "keyward/env.h"
#include "keyward/secrets/client.h"
#include "server/sts_service.h"

namespace keyward::server {
namespace {

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

// Operations that change the store (and fsync): run on the blocking pool.
bool IsWrite(std::string_view op) {
  return !(op == "GetSecretValue" || op == "BatchGetSecretValue" ||
           op == "DescribeSecret" || op == "ListSecrets" ||
           op == "ListSecretVersionIds" || op == "GetRandomPassword" ||
           op == "GetResourcePolicy" || op == "ValidateResourcePolicy");
}

}  // namespace

struct HttpFrontEnd::Impl : HttpHandler {
  ServerOptions opt;
  SecretsService* service = nullptr;
  const RequestAuthenticator* auth = nullptr;
  const StsService* sts = nullptr;
  std::unique_ptr<HttpListener> listener;

  std::optional<HttpReply> Handle(HttpRequestView& req,
                                  bool may_block) override;
  HttpReply Refuse(int status, std::string_view message) override;
  HttpReply Process(HttpRequestView& req);
  bool IsStsQuery(HttpRequestView& req) const;
  HttpReply StsReply(HttpRequestView& req, const HttpRequest& signed_req,
                     std::chrono::steady_clock::time_point start);
  void Log(std::string_view remote, const ApiResponse& api, std::string_view op,
           std::string_view key_id,
           std::chrono::steady_clock::time_point start);
};

namespace {

HttpReply AwsReply(int status, SecureString body, bool keep_alive) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "application/x-amz-json-1.1";
  r.headers.emplace_back("x-amzn-RequestId", RequestId());
  r.keep_alive = keep_alive;
  return r;
}

}  // namespace

std::optional<HttpReply> HttpFrontEnd::Impl::Handle(HttpRequestView& req,
                                                    bool may_block) {
  if (req.target() == "/healthz" && req.method() == "GET") {
    // For load balancers and systemd: unauthenticated, so it says nothing
    // but that the process answers.
    HttpReply r;
    r.body = "ok\n";
    r.content_type = "text/plain";
    r.keep_alive = req.keep_alive();
    return r;
  }
  std::string_view op = req.header("X-Amz-Target");
  if (op.starts_with("secretsmanager.")) op.remove_prefix(15);
  // STS never writes: answered inline.
  if (!may_block && IsWrite(op) && !IsStsQuery(req)) return std::nullopt;
  return Process(req);
}

HttpReply HttpFrontEnd::Impl::Refuse(int status, std::string_view message) {
  std::string_view type =
      status == 500 ? "InternalServiceError" : "ValidationException";
  return AwsReply(status, ErrorBody(type, message), false);
}

HttpReply HttpFrontEnd::Impl::Process(HttpRequestView& req) {
  auto start = std::chrono::steady_clock::now();
  ApiResponse api;
  std::string op, key_id;
  try {
    // Rebuild the request as the client signed it.
    HttpRequest signed_req;
    signed_req.method = std::string(req.method());
    std::string_view host = req.header("Host");
    std::string_view target = req.target();
    signed_req.url.reserve(16 + host.size() + target.size());
    signed_req.url = req.tls() ? "https://" : "http://";
    signed_req.url += host.empty() ? std::string_view("localhost") : host;
    signed_req.url += target.empty() ? std::string_view("/") : target;
    signed_req.headers.reserve(16);
    req.ForEachHeader([&](std::string_view name, std::string_view value) {
      signed_req.headers.emplace_back(std::string(name), std::string(value));
    });
    signed_req.body.assign(req.body().begin(), req.body().end());
    WipeString(req.body());

    if (IsStsQuery(req)) return StsReply(req, signed_req, start);
    auto key = auth->Verify(signed_req);
    if (!key.ok()) {
      api.error_type = key.status().error_type();
      api.http_status = aws::HttpStatusForAwsError(api.error_type);
      api.body = ErrorBody(api.error_type, key.status().message());
    } else {
      key_id = (*key)->access_key_id;
      std::string_view amz_target = req.header("X-Amz-Target");
      constexpr std::string_view kPrefix = "secretsmanager.";
      if (req.method() != "POST" || !amz_target.starts_with(kPrefix)) {
        api.error_type = "UnknownOperationException";
        api.http_status = 400;
        api.body = ErrorBody(
            api.error_type,
            "Expected POST / with X-Amz-Target: secretsmanager.<Operation>");
      } else {
        op = std::string(amz_target.substr(kPrefix.size()));
        Caller caller{key_id, (*key)->policy ? &*(*key)->policy : nullptr,
                      key->region};
        caller.principal = (*key)->principal.get();
        caller.source_ip = req.remote();
        caller.secure_transport = req.tls();
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
  Log(req.remote(), api, op, key_id, start);
  return AwsReply(api.http_status, std::move(api.body), req.keep_alive());
}

bool HttpFrontEnd::Impl::IsStsQuery(HttpRequestView& req) const {
  if (sts == nullptr || !req.header("X-Amz-Target").empty()) return false;
  std::string_view type = req.header("Content-Type");
  if (req.method() == "POST")
    return type.starts_with("application/x-www-form-urlencoded");
  return req.method() == "GET" &&
         req.target().find("Action=") != std::string_view::npos;
}

namespace {

// The request's form parameters: a POST's body or a GET's query string.
std::string_view FormOf(std::string_view method, const HttpRequest& r) {
  if (method == "POST") return {r.body.data(), r.body.size()};
  std::string_view url = r.url;
  std::size_t q = url.find('?');
  return q == std::string_view::npos ? std::string_view() : url.substr(q + 1);
}

// STS's names for the authentication errors (RequestAuthenticator speaks
// the JSON protocols' names).
std::string_view StsAuthCode(std::string_view type) {
  if (type == "MissingAuthenticationTokenException")
    return "MissingAuthenticationToken";
  if (type == "IncompleteSignatureException") return "IncompleteSignature";
  if (type == "UnrecognizedClientException") return "InvalidClientTokenId";
  if (type == "ExpiredTokenException") return "ExpiredToken";
  return "SignatureDoesNotMatch";
}

}  // namespace

HttpReply HttpFrontEnd::Impl::StsReply(
    HttpRequestView& req, const HttpRequest& signed_req,
    std::chrono::steady_clock::time_point start) {
  std::string request_id = RequestId();
  std::string op, key_id;
  StsResponse r;
  auto key = auth->Verify(signed_req, "sts");
  if (!key.ok()) {
    r = StsService::Error(StsAuthCode(key.status().error_type()),
                          key.status().message(), request_id);
  } else {
    key_id = (*key)->access_key_id;
    StsRequestContext context;
    context.source_ip = req.remote();
    context.secure_transport = req.tls();
    r = sts->Handle(FormOf(req.method(), signed_req), *key->key, request_id,
                    context);
    op = "sts:" + r.action;
  }
  ApiResponse api;
  api.http_status = r.http_status;
  api.error_type = std::move(r.error_type);
  Log(req.remote(), api, op, key_id, start);
  HttpReply reply;
  reply.status = r.http_status;
  reply.body = std::move(r.body);
  reply.content_type = "text/xml";
  reply.headers.emplace_back("x-amzn-RequestId", request_id);
  reply.keep_alive = req.keep_alive();
  return reply;
}

void HttpFrontEnd::Impl::Log(std::string_view remote, const ApiResponse& api,
                             std::string_view op, std::string_view key_id,
                             std::chrono::steady_clock::time_point start) {
  if (!opt.access_log) return;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  nlohmann::json line{{"time", FormatIso8601(opt.runtime.clock->Now())},
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

HttpFrontEnd::~HttpFrontEnd() = default;

StatusOr<std::unique_ptr<HttpFrontEnd>> HttpFrontEnd::Bind(
    ServerOptions options, SecretsService* service,
    const RequestAuthenticator* auth, const StsService* sts) {
  auto impl = std::make_unique<Impl>();
  impl->sts = sts;
  impl->opt = std::move(options);
  impl->service = service;
  impl->auth = auth;
  // The server never serves plain HTTP off loopback, whatever the options.
  ListenerOptions lopt = impl->opt;
  lopt.allow_plaintext_non_loopback = false;
  KW_ASSIGN_OR_RETURN(impl->listener, HttpListener::Bind(lopt, impl.get()));
  return std::unique_ptr<HttpFrontEnd>(new HttpFrontEnd(std::move(impl)));
}

int HttpFrontEnd::port() const { return impl_->listener->port(); }
bool HttpFrontEnd::tls() const { return impl_->listener->tls(); }
Status HttpFrontEnd::Run() { return impl_->listener->Run(); }
void HttpFrontEnd::Stop() { impl_->listener->Stop(); }

}  // namespace keyward::server

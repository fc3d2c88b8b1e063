// The libcurl HttpClient: the only file in keyward that includes curl.
//
// Connection reuse: a pool of easy handles (each keeps its connection alive)
// plus a shared connection cache and DNS cache (CURLSH), so concurrent calls
// reuse connections too. TLS verification is always on.
#include <curl/curl.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include "keyward/http/http_client.h"

namespace keyward {
namespace {

std::once_flag g_curl_init;

struct BodyReader {
  const SecureString* body;
  std::size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* r = static_cast<BodyReader*>(userdata);
  std::size_t n = std::min(size * nitems, r->body->size() - r->offset);
  std::memcpy(buffer, r->body->data() + r->offset, n);
  r->offset += n;
  return n;
}

// libcurl rewinds the body when it sends the request again by itself: a
// kept-alive connection found dead is retried on a fresh one (and a
// redirect or an auth round would do the same). Without this it fails with
// CURLE_SEND_FAIL_REWIND.
int SeekBody(void* userdata, curl_off_t offset, int origin) {
  auto* r = static_cast<BodyReader*>(userdata);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<std::size_t>(offset) > r->body->size())
    return CURL_SEEKFUNC_CANTSEEK;
  r->offset = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

struct Sink {
  HttpResponse* response;
  std::size_t limit;
  bool overflow = false;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* s = static_cast<Sink*>(userdata);
  std::size_t n = size * nmemb;
  if (s->response->body.size() + n > s->limit) {
    s->overflow = true;
    return 0;  // aborts the transfer
  }
  s->response->body.append(ptr, n);
  return n;
}

size_t WriteHeader(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* resp = static_cast<HttpResponse*>(userdata);
  std::size_t n = size * nitems;
  std::string_view line(buffer, n);
  if (line.starts_with("HTTP/")) {
    resp->headers.clear();  // a new response (e.g. after 100-continue)
    return n;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  resp->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient(HttpClientOptions options, const Environment& env)
      : options_(std::move(options)) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (options_.ca_bundle.empty()) {
      if (auto b = env.Get("AWS_CA_BUNDLE"); b && !b->empty())
        options_.ca_bundle = *b;
    }
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlHttpClient::Lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlHttpClient::Unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~CurlHttpClient() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
    curl_share_cleanup(share_);
  }

  StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    CURL* h = Acquire();
    StatusOr<HttpResponse> result = Perform(h, request);
    Release(h, result.ok());
    return result;
  }

 private:
  static void Lock(CURL*, curl_lock_data data, curl_lock_access,
                   void* userptr) {
    static_cast<CurlHttpClient*>(userptr)->share_mu_[data % kLocks].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* userptr) {
    static_cast<CurlHttpClient*>(userptr)->share_mu_[data % kLocks].unlock();
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    CURL* h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_SHARE, share_);
    return h;
  }

  void Release(CURL* h, bool healthy) {
    std::lock_guard<std::mutex> l(mu_);
    if (healthy &&
        static_cast<int>(idle_.size()) < options_.max_idle_connections) {
      idle_.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }

  // Everything but the method, headers and body; `h` was reset.
  void SetTransportOptions(CURL* h, const HttpRequest& request) {
    curl_easy_setopt(h, CURLOPT_SHARE, share_);
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(options_.total_timeout.count()));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (!options_.ca_bundle.empty())
      curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    // Proxies: curl reads HTTPS_PROXY/https_proxy/HTTP_PROXY/NO_PROXY itself.
  }

  // The request's headers as curl's list (the caller frees it); our copies
  // of each line are wiped, as they may carry a session token.
  static struct curl_slist* HeaderList(const HttpRequest& request) {
    struct curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) {
      std::string line = k + ": " + v;
      headers = curl_slist_append(headers, line.c_str());
      SecureWipe(line.data(), line.size());
    }
    // No 100-continue round trip.
    return curl_slist_append(headers, "Expect:");
  }

  // The method and, for POST/PUT, the body streamed from `reader` (which
  // libcurl may rewind to send it again on a fresh connection).
  static void SetMethodAndBody(CURL* h, const HttpRequest& request,
                               BodyReader* reader) {
    if (request.method == "POST" || request.method == "PUT") {
      const bool post = request.method == "POST";
      curl_easy_setopt(h, post ? CURLOPT_POST : CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadBody);
      curl_easy_setopt(h, CURLOPT_READDATA, reader);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &SeekBody);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, reader);
      curl_easy_setopt(
          h, post ? CURLOPT_POSTFIELDSIZE_LARGE : CURLOPT_INFILESIZE_LARGE,
          static_cast<curl_off_t>(request.body.size()));
    } else if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (!request.body.empty()) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
      }
    }
  }

  StatusOr<HttpResponse> Perform(CURL* h, const HttpRequest& request) {
    curl_easy_reset(h);
    SetTransportOptions(h, request);
    struct curl_slist* headers = HeaderList(request);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    BodyReader reader{&request.body};
    SetMethodAndBody(h, request, &reader);

    HttpResponse response;
    Sink sink{&response, options_.max_response_bytes};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &WriteHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);

    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);  // note: curl copies, our copies were wiped
    if (rc != CURLE_OK) return TransportError(rc, request.url, sink.overflow);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    response.status = static_cast<int>(code);
    return response;
  }

  Status TransportError(CURLcode rc, const std::string& url, bool overflow) {
    std::string where = HostOf(url);
    std::string what = curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_WRITE_ERROR:
        if (overflow) {
          return ResourceExhaustedError(
              "response from " + where + " exceeds the " +
              std::to_string(options_.max_response_bytes) + "-byte limit");
        }
        return InternalError("writing the response from " + where + " failed");
      case CURLE_OPERATION_TIMEDOUT:
        return DeadlineExceededError(
            "request to " + where + " timed out (" + what +
            "; connect timeout " +
            std::to_string(options_.connect_timeout.count()) + " ms, total " +
            std::to_string(options_.total_timeout.count()) + " ms)");
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return InvalidArgumentError("malformed endpoint URL '" + url +
                                    "': " + what);
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
        return UnavailableError(
            "TLS verification of " + where + " failed: " + what +
            " (set AWS_CA_BUNDLE to your CA bundle if a proxy or private "
            "CA is in the path)");
      default:
        return UnavailableError("cannot reach " + where + ": " + what);
    }
  }

  static std::string HostOf(const std::string& url) {
    auto u = ParseUrl(url);
    return u.ok() ? u->scheme + "://" + u->authority : url;
  }

  static constexpr int kLocks = 8;
  HttpClientOptions options_;
  CURLSH* share_ = nullptr;
  std::mutex share_mu_[kLocks];
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient(HttpClientOptions options,
                                              const Environment& env) {
  return std::make_unique<CurlHttpClient>(std::move(options), env);
}

}  // namespace keyward

#include "aws/service_call.h"

#include <algorithm>
#include <ctime>

#include "aws/error_table.h"

namespace keyward::aws {

bool IsRetryable(const Status& status) {
  if (status.ok()) return false;
  // A known AWS error type decides by its row (LimitExceededException is a
  // quota, not throttling: never retried); anything else by its code.
  if (const AwsErrorInfo* row = FindAwsError(status.error_type()))
    return row->retryable;
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

Clock::time_point ParseHttpDate(std::string_view s, bool* ok) {
  std::tm tm{};
  std::string str(s);
  *ok = strptime(str.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) != nullptr;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

ServiceCaller::ServiceCaller(ServiceCallOptions options)
    : options_(std::move(options)) {
  retry_tokens_ = options_.retry.retry_quota;
}

StatusOr<HttpResponse> ServiceCaller::Attempt(const HttpRequest& base,
                                              const Credentials& creds) {
  HttpRequest req = base;
  SigningParams params;
  params.region = options_.region;
  params.service = options_.service;
  params.time = options_.runtime.clock->Now() +
                std::chrono::milliseconds(skew_ms_.load());
  KW_RETURN_IF_ERROR(SignRequest(req, creds, params, &key_cache_));
  if (!options_.user_agent.empty())
    req.headers.emplace_back("User-Agent", options_.user_agent);
  return options_.http->Send(req);
}

bool ServiceCaller::LearnSkew(const HttpResponse& resp, const Status& error) {
  const std::string& t = error.error_type();
  bool skew_error = t == "RequestExpired" || t == "RequestTimeTooSkewed" ||
                    t == "RequestInTheFuture" ||
                    (t == "InvalidSignatureException" &&
                     error.message().find("expired") != std::string::npos);
  if (!skew_error) return false;
  auto date = resp.Header("date");
  if (!date) return false;
  bool ok = false;
  Clock::time_point server = ParseHttpDate(*date, &ok);
  if (!ok) return false;
  auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(
      server - options_.runtime.clock->Now());
  if (std::chrono::abs(skew) < std::chrono::minutes(4)) return false;
  skew_ms_.store(skew.count());
  return true;
}

bool ServiceCaller::AcquireRetry(int cost) {
  if (options_.retry.retry_quota <= 0) return true;
  int have = retry_tokens_.load(std::memory_order_relaxed);
  do {
    if (have < cost) return false;
  } while (!retry_tokens_.compare_exchange_weak(have, have - cost,
                                                std::memory_order_relaxed));
  return true;
}

void ServiceCaller::ReleaseRetry(int amount) {
  if (options_.retry.retry_quota <= 0) return;
  int have = retry_tokens_.load(std::memory_order_relaxed);
  int want;
  do {
    want = std::min(options_.retry.retry_quota, have + amount);
  } while (want != have && !retry_tokens_.compare_exchange_weak(
                               have, want, std::memory_order_relaxed));
}

void ServiceCaller::Sleep(std::chrono::milliseconds d) {
  options_.runtime.sleep->SleepFor(d);
}

StatusOr<SecureString> ServiceCaller::Call(const HttpRequest& request,
                                           const CredentialSource& credentials,
                                           const ErrorDecoder& decode,
                                           std::string_view context,
                                           const RetryClassifier& retryable) {
  const RetryOptions& retry = options_.retry;
  const int max_attempts = std::max(1, retry.max_attempts);
  Status last;
  bool skew_retried = false;
  int last_retry_cost = 0;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    KW_ASSIGN_OR_RETURN(std::shared_ptr<const Credentials> creds,
                        credentials());
    StatusOr<HttpResponse> resp = Attempt(request, *creds);
    if (resp.ok() && resp->status >= 200 && resp->status < 300) {
      ReleaseRetry(last_retry_cost > 0 ? last_retry_cost : 1);
      return std::move(resp->body);
    }
    if (!resp.ok()) {
      last = resp.status().WithContext(context);
    } else {
      last = decode(*resp);
      if (!skew_retried && LearnSkew(*resp, last)) {
        skew_retried = true;
        --attempt;  // a clock correction does not use up an attempt
        continue;
      }
    }
    bool again = retryable ? retryable(last) : IsRetryable(last);
    if (!again || attempt == max_attempts) break;
    int cost = last.code() == StatusCode::kDeadlineExceeded ? 10 : 5;
    if (!AcquireRetry(cost)) {
      last = Status(last.code(),
                    last.message() +
                        " (not retried: this client's retry quota is "
                        "exhausted after repeated failures)",
                    last.error_type());
      break;
    }
    last_retry_cost = cost;
    auto cap = std::min<std::int64_t>(
        retry.max_backoff.count(), retry.base_delay.count() << (attempt - 1));
    double r = options_.runtime.random->Unit();
    Sleep(std::chrono::milliseconds(
        static_cast<std::int64_t>(r * static_cast<double>(cap))));
  }
  return last;
}

}  // namespace keyward::aws

// The agent's /metrics: response counters, the caches' counters summed over
// profiles, and per-secret health (inventory secrets only, so a client's
// typo never becomes a series; never a value).
#include <chrono>

#include "agent/agent_internal.h"
#include "agent/prometheus.h"

namespace keyward::agent {
namespace {

// One secret's health, with the application whose cache holds it.
struct HealthRow {
  std::string app;
  SecretHealth health;
};

SecretCacheStats& operator+=(SecretCacheStats& sum, const SecretCacheStats& s) {
  sum.hits += s.hits;
  sum.misses += s.misses;
  sum.refreshes += s.refreshes;
  sum.refresh_failures += s.refresh_failures;
  sum.evictions += s.evictions;
  sum.get_secret_value_calls += s.get_secret_value_calls;
  sum.batch_get_secret_value_calls += s.batch_get_secret_value_calls;
  sum.describe_secret_calls += s.describe_secret_calls;
  sum.entries += s.entries;
  return sum;
}

void CacheCounters(PromText& p, const SecretCacheStats& sum) {
  p.Single("keyward_agent_cache_hits_total", "counter",
           "reads served from the cache", sum.hits);
  p.Single("keyward_agent_cache_misses_total", "counter",
           "reads that had to ask Secrets Manager", sum.misses);
  p.Single("keyward_agent_refreshes_total", "counter",
           "successful background refreshes", sum.refreshes);
  p.Single("keyward_agent_refresh_failures_total", "counter",
           "failed refreshes", sum.refresh_failures);
  p.Single("keyward_agent_evictions_total", "counter", "entries evicted (LRU)",
           sum.evictions);
}

void UpstreamRequests(PromText& p, const SecretCacheStats& sum) {
  constexpr char kName[] = "keyward_agent_upstream_requests_total";
  p.Family(kName, "counter", "requests sent to Secrets Manager by operation");
  p.Sample(kName, {{"operation", "GetSecretValue"}},
           sum.get_secret_value_calls);
  p.Sample(kName, {{"operation", "BatchGetSecretValue"}},
           sum.batch_get_secret_value_calls);
  p.Sample(kName, {{"operation", "DescribeSecret"}}, sum.describe_secret_calls);
}

void SecretHealthGauges(PromText& p, const std::vector<HealthRow>& rows,
                        double ttl_seconds) {
  auto age = [](const HealthRow& r) {
    return std::chrono::duration<double>(r.health.age).count();
  };
  auto family = [&](const char* name, const char* help, auto value) {
    p.Family(name, "gauge", help);
    for (const HealthRow& r : rows) {
      p.Sample(name, {{"secret", r.health.name}, {"app", r.app}}, value(r));
    }
  };
  family("keyward_agent_secret_age_seconds",
         "seconds since the value was last fetched or verified (inventory "
         "secrets only)",
         age);
  family("keyward_agent_secret_stale",
         "1 when the served value is older than ttl (upstream failing)",
         [&](const HealthRow& r) {
           return std::uint64_t{age(r) > ttl_seconds ? 1u : 0u};
         });
  family("keyward_agent_secret_serving",
         "1 when reads of the secret return a value", [](const HealthRow& r) {
           return std::uint64_t{r.health.serving ? 1u : 0u};
         });
  family("keyward_agent_secret_refresh_failures",
         "consecutive failed refreshes of the secret", [](const HealthRow& r) {
           return static_cast<std::uint64_t>(r.health.consecutive_failures);
         });
}

}  // namespace

std::string Agent::Metrics() const {
  std::shared_ptr<const State> st = impl_->state.load();
  PromText p;
  p.Single("keyward_agent_ready", "gauge",
           "1 once every prefetched secret is loaded", ready_.load() ? 1 : 0);
  constexpr char kResponses[] = "keyward_agent_responses_total";
  p.Family(kResponses, "counter", "HTTP responses by status code");
  for (std::size_t i = 0; i <= internal::kCodes.size(); ++i) {
    std::uint64_t n = impl_->responses[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    std::string code = i < internal::kCodes.size()
                           ? std::to_string(internal::kCodes[i])
                           : "other";
    p.Sample(kResponses, {{"code", code}}, n);
  }
  SecretCacheStats sum;
  std::vector<HealthRow> rows;
  std::map<SecretCache*, std::string> app_of;
  for (const internal::Principal& pr : st->principals)
    app_of[pr.cache] = pr.app;
  for (const auto& [profile, cache] : impl_->caches) {
    sum += cache->Stats();
    auto it = app_of.find(cache.get());
    std::string app = it == app_of.end() ? "" : it->second;
    for (SecretHealth& h : cache->Health()) {
      // Inventory names only, and the entries that track AWSCURRENT.
      if (st->inventory_names.count(h.name) && h.pin.version_id.empty() &&
          h.pin.version_stage.empty())
        rows.push_back({app, std::move(h)});
    }
  }
  CacheCounters(p, sum);
  p.Single("keyward_agent_refresh_now_total", "counter", "refreshNow requests",
           impl_->refresh_now.load());
  p.Single("keyward_agent_refresh_now_limited_total", "counter",
           "refreshNow requests served from the cache (rate limit)",
           impl_->refresh_now_limited.load());
  p.Single("keyward_agent_denied_by_inventory_total", "counter",
           "reads refused because the application is not a consumer",
           impl_->denied_by_inventory.load());
  UpstreamRequests(p, sum);
  p.Single("keyward_agent_cached_secrets", "gauge", "entries in the caches",
           sum.entries);
  SecretHealthGauges(p, rows, st->config.ttl_seconds);
  return p.Take();
}

}  // namespace keyward::agent

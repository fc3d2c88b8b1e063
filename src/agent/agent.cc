#include "agent/agent.h"

#include <array>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "agent/request.h"
#include "agent/response.h"
#include "agent/token.h"
#include "aws/error_table.h"
#include "keyward/inventory/inventory.h"

namespace keyward::agent {

using server::HttpReply;
using server::HttpRequestView;

namespace {

// One token and what it may read.
struct Principal {
  std::string app;  // "" in single-token mode
  SecretValue token;
  SecretCache* cache = nullptr;
  // Secret names the app consumes (per-app mode); null: anything.
  const std::unordered_set<std::string>* allowed = nullptr;
};

// Response counters by status class (for /metrics).
constexpr std::array<int, 9> kCodes = {200, 400, 403, 404, 405,
                                       429, 500, 502, 503};

int CodeIndex(int status) {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == status) return static_cast<int>(i);
  }
  return -1;
}

HttpReply Text(int status, std::string_view body, bool keep_alive) {
  HttpReply r;
  r.status = status;
  r.body.assign(body.begin(), body.end());
  r.keep_alive = keep_alive;
  return r;
}

// The secret name an id refers to: a name, or a Secrets Manager ARN
// (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX, or
// without the random suffix when a client builds it by hand).
std::vector<std::string> CandidateNames(const std::string& id) {
  constexpr std::string_view kMarker = ":secret:";
  if (!id.starts_with("arn:")) return {id};
  std::size_t pos = id.find(kMarker);
  if (pos == std::string::npos) return {};
  std::string name = id.substr(pos + kMarker.size());
  std::vector<std::string> out = {name};
  if (name.size() > 7 && name[name.size() - 7] == '-')
    out.push_back(name.substr(0, name.size() - 7));
  return out;
}

std::string PromEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

// An immutable view of the configuration, swapped whole on reload.
struct Agent::State {
  AgentConfig config;
  std::vector<Principal> principals;
  std::unordered_map<std::string, std::unordered_set<std::string>> allowed;
  std::set<std::string> inventory_names;  // metrics show only these
  // What Prefetch loads: cache -> secret names.
  std::map<SecretCache*, std::set<std::string>> prefetch;
};

struct Agent::Impl {
  AgentDeps deps;
  std::atomic<std::shared_ptr<const State>> state;
  std::mutex control_mu;  // Create/Reload/Prefetch
  // Caches by AWS profile; never removed while the agent lives.
  std::map<std::string, std::unique_ptr<SecretCache>> caches;
  std::vector<SecretHandle> prefetched;
  std::array<std::atomic<std::uint64_t>, kCodes.size() + 1> responses{};
  std::atomic<std::uint64_t> refresh_now{0};
  std::atomic<std::uint64_t> refresh_now_limited{0};
  std::atomic<std::uint64_t> denied_by_inventory{0};
  std::atomic<bool>* ready = nullptr;

  void Log(LogLevel level, const std::string& msg) const {
    if (deps.log) deps.log(level, msg);
  }
  StatusOr<SecretCache*> CacheFor(const AgentConfig& c,
                                  const std::string& profile);
  StatusOr<std::shared_ptr<const State>> Build(AgentConfig c);
  void Count(int status) {
    int i = CodeIndex(status);
    responses[i < 0 ? kCodes.size() : static_cast<std::size_t>(i)].fetch_add(
        1, std::memory_order_relaxed);
  }
  HttpReply Answer(int status, std::string_view body, bool keep_alive) {
    Count(status);
    return Text(status, body, keep_alive);
  }
  std::optional<HttpReply> GetSecret(const State& st, const Principal& p,
                                     const AgentRequest& r, bool keep_alive,
                                     bool may_block);
};

StatusOr<SecretCache*> Agent::Impl::CacheFor(const AgentConfig& c,
                                             const std::string& profile) {
  auto it = caches.find(profile);
  if (it != caches.end()) return it->second.get();
  KW_ASSIGN_OR_RETURN(std::shared_ptr<secrets::SecretsManagerApi> client,
                      deps.make_client(profile));
  SecretCacheOptions o;
  o.client = std::move(client);
  o.ttl = std::chrono::seconds(c.ttl_seconds);
  // Refresh exactly once per ttl, at expiry: reads never wait for it (the
  // value is served while the DescribeSecret is in flight).
  o.refresh_ahead = std::chrono::seconds(0);
  o.ttl_jitter = 0;
  o.max_staleness = std::chrono::seconds(c.max_staleness_seconds);
  o.min_forced_refresh_interval =
      std::chrono::seconds(c.refresh_now_min_interval_seconds);
  o.max_entries = static_cast<std::size_t>(c.cache_size);
  o.background_refresh = deps.background_refresh;
  o.runtime = deps.runtime;
  o.log = deps.log;
  KW_ASSIGN_OR_RETURN(std::unique_ptr<SecretCache> cache,
                      SecretCache::Create(std::move(o)));
  SecretCache* raw = cache.get();
  caches.emplace(profile, std::move(cache));
  return raw;
}

StatusOr<std::shared_ptr<const Agent::State>> Agent::Impl::Build(
    AgentConfig c) {
  KW_RETURN_IF_ERROR(ValidateAgentConfig(c));
  auto st = std::make_shared<State>();
  std::vector<std::string> apps = c.AllApps();
  inventory::Inventory inv;
  if (!c.inventory.empty()) {
    KW_ASSIGN_OR_RETURN(
        inventory::ParsedInventory parsed,
        inventory::LoadInventory(c.inventory, *deps.runtime.fs));
    if (parsed.HasErrors()) {
      for (const auto& f : parsed.findings) {
        if (f.severity == Severity::kError)
          return InvalidArgumentError("inventory " + f.ToString());
      }
    }
    inv = std::move(parsed.inventory);
    for (const auto& s : inv.secrets) st->inventory_names.insert(s.name);
  }
  for (const std::string& app : apps) {
    if (inv.FindApplication(app) == nullptr) {
      auto it = c.origin.find("apps");
      return InvalidArgumentError(
          (it == c.origin.end() ? std::string("--app") : it->second) +
          ": application '" + app + "' is not in the inventory " + c.inventory);
    }
    auto& names = st->allowed[app];
    for (const inventory::Secret* s : inv.SecretsForApp(app))
      names.insert(s->name);
  }
  if (c.per_app()) {
    for (const std::string& app : apps) {
      auto it = c.applications.find(app);
      AppSettings s = it == c.applications.end() ? AppSettings() : it->second;
      std::string profile = s.profile.empty() ? c.profile : s.profile;
      KW_ASSIGN_OR_RETURN(SecretCache * cache, CacheFor(c, profile));
      std::string file = c.TokenFileFor(app);
      auto token = EnsureTokenFile(file, s.group, *deps.runtime.random);
      if (!token.ok()) return token.status();
      Principal p;
      p.app = app;
      p.token = std::move(*token);
      p.cache = cache;
      p.allowed = &st->allowed[app];
      st->principals.push_back(std::move(p));
      st->prefetch[cache].insert(st->allowed[app].begin(),
                                 st->allowed[app].end());
    }
  } else {
    KW_ASSIGN_OR_RETURN(SecretCache * cache, CacheFor(c, c.profile));
    KW_ASSIGN_OR_RETURN(SecretValue token,
                        ResolveSsrfToken(c.ssrf_env_variables,
                                         *deps.runtime.env, *deps.runtime.fs));
    Principal p;
    p.token = std::move(token);
    p.cache = cache;
    st->principals.push_back(std::move(p));
    for (const auto& [app, names] : st->allowed)
      st->prefetch[cache].insert(names.begin(), names.end());
  }
  st->config = std::move(c);
  return std::shared_ptr<const State>(std::move(st));
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->ready = &ready_;
}

Agent::~Agent() = default;

StatusOr<std::unique_ptr<Agent>> Agent::Create(AgentConfig config,
                                               AgentDeps deps) {
  auto impl = std::make_unique<Impl>();
  if (!deps.log) {
    deps.log = [](LogLevel level, std::string_view msg) {
      if (level == LogLevel::kInfo) return;
      std::fprintf(stderr, "keyward agent: %s\n", std::string(msg).c_str());
    };
  }
  if (!deps.make_client) {
    Runtime rt = deps.runtime;
    std::string region = config.region, endpoint = config.endpoint_url;
    deps.make_client = [rt, region, endpoint](const std::string& profile)
        -> StatusOr<std::shared_ptr<secrets::SecretsManagerApi>> {
      secrets::ClientOverrides o;
      o.region = region;
      o.endpoint_url = endpoint;
      o.profile = profile;
      o.region_option = "--region (or 'region:' in the agent's config)";
      KW_ASSIGN_OR_RETURN(secrets::ClientConfig cc,
                          secrets::ResolveClientConfig(rt, o));
      KW_ASSIGN_OR_RETURN(auto client,
                          secrets::SecretsManagerClient::Create(std::move(cc)));
      return std::shared_ptr<secrets::SecretsManagerApi>(std::move(client));
    };
  }
  impl->deps = std::move(deps);
  KW_ASSIGN_OR_RETURN(std::shared_ptr<const State> st,
                      impl->Build(std::move(config)));
  bool nothing_to_load = true;
  for (const auto& [cache, names] : st->prefetch)
    nothing_to_load = nothing_to_load && names.empty();
  impl->state.store(std::move(st));
  std::unique_ptr<Agent> agent(new Agent(std::move(impl)));
  agent->ready_.store(nothing_to_load);
  return agent;
}

Status Agent::Prefetch() {
  std::lock_guard<std::mutex> l(impl_->control_mu);
  std::shared_ptr<const State> st = impl_->state.load();
  std::vector<SecretHandle> handles;
  std::vector<std::string> names;
  for (const auto& [cache, set] : st->prefetch) {
    std::vector<SecretCache::LoadRequest> reqs;
    for (const std::string& n : set) {
      reqs.push_back({n, {}, {}});
      names.push_back(n);
    }
    std::vector<SecretHandle> got = cache->LoadDeclared(reqs);
    handles.insert(handles.end(), got.begin(), got.end());
  }
  int failed = 0;
  Status first;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    auto s = handles[i].Get();
    if (s.ok()) continue;
    ++failed;
    if (first.ok()) first = s.status();
    impl_->Log(LogLevel::kWarning,
               "prefetch of '" + names[i] +
                   "' failed (retrying): " + s.status().message());
  }
  impl_->prefetched = std::move(handles);
  ready_.store(failed == 0);
  if (failed == 0) {
    if (!names.empty()) {
      impl_->Log(LogLevel::kInfo,
                 "prefetched " + std::to_string(names.size()) + " secret(s)");
    }
    return OkStatus();
  }
  return Status(first.code(),
                std::to_string(failed) + " of " + std::to_string(names.size()) +
                    " secret(s) not loaded yet; first: " + first.message());
}

bool Agent::WaitReady(const std::function<bool()>& stop) {
  while (!ready_.load()) {
    if (stop()) return false;
    bool all = true;
    {
      std::lock_guard<std::mutex> l(impl_->control_mu);
      for (const SecretHandle& h : impl_->prefetched) {
        if (!h.Get().ok()) {
          all = false;
          break;
        }
      }
    }
    if (all) {
      ready_.store(true);
      impl_->Log(LogLevel::kInfo, "every prefetched secret is loaded: ready");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

Status Agent::Reload(AgentConfig config) {
  std::shared_ptr<const State> old = impl_->state.load();
  const AgentConfig& o = old->config;
  // Settings bound at start: keep the running value, say so.
  auto keep = [&](const char* name, auto& now, const auto& then) {
    if (now != then) {
      impl_->Log(LogLevel::kWarning, std::string("reload: ") + name +
                                         " changed; restart the agent to "
                                         "apply it (keeping the old value)");
      now = then;
    }
  };
  keep("listen", config.host, o.host);
  keep("listen", config.port, o.port);
  keep("allow_non_loopback", config.allow_non_loopback, o.allow_non_loopback);
  keep("ttl_seconds", config.ttl_seconds, o.ttl_seconds);
  keep("max_staleness_seconds", config.max_staleness_seconds,
       o.max_staleness_seconds);
  keep("refresh_now_min_interval_seconds",
       config.refresh_now_min_interval_seconds,
       o.refresh_now_min_interval_seconds);
  keep("cache_size", config.cache_size, o.cache_size);
  keep("max_conn", config.max_conn, o.max_conn);
  keep("threads", config.threads, o.threads);
  keep("region", config.region, o.region);
  keep("endpoint_url", config.endpoint_url, o.endpoint_url);
  {
    std::lock_guard<std::mutex> l(impl_->control_mu);
    KW_ASSIGN_OR_RETURN(std::shared_ptr<const State> st,
                        impl_->Build(std::move(config)));
    impl_->state.store(std::move(st));
  }
  Status s = Prefetch();
  impl_->Log(LogLevel::kInfo, "configuration reloaded");
  return s;
}

StatusOr<SecretCache*> Agent::DefaultCache() {
  std::lock_guard<std::mutex> l(impl_->control_mu);
  std::shared_ptr<const State> st = impl_->state.load();
  return impl_->CacheFor(st->config, st->config.profile);
}

server::ListenerOptions Agent::ListenerOptionsFor() const {
  std::shared_ptr<const State> st = impl_->state.load();
  const AgentConfig& c = st->config;
  server::ListenerOptions o;
  o.host = c.host;
  o.port = c.port;
  o.allow_plaintext_non_loopback = c.allow_non_loopback;
  o.max_body_bytes = 64 * 1024;  // GET only; a body is never needed
  o.max_connections = static_cast<std::size_t>(c.max_conn);
  o.answer_over_limit = true;
  o.accepted_socket_ttl = 1;
  o.threads = c.threads > 0
                  ? c.threads
                  : static_cast<int>(std::min(
                        4u, std::max(1u, std::thread::hardware_concurrency())));
  o.blocking_threads = 4;
  // The AWS agent gives a connection 61 s in all; keep-alive clients (SDKs,
  // requests.Session) reuse connections, so idle ones may stay a while.
  o.read_timeout = std::chrono::seconds(10);
  o.keep_alive_timeout = std::chrono::seconds(60);
  o.write_timeout = std::chrono::seconds(10);
  o.max_requests_per_connection = 1000000;
  o.warn = [this](const std::string& m) { impl_->Log(LogLevel::kWarning, m); };
  return o;
}

server::HttpReply Agent::Refuse(int status, std::string_view message) {
  impl_->Count(status);
  return Text(status, message, false);
}

std::optional<HttpReply> Agent::Handle(HttpRequestView& req, bool may_block) {
  std::shared_ptr<const State> st = impl_->state.load();
  const AgentConfig& c = st->config;
  std::string_view path = TargetPath(req.target());
  bool keep = req.keep_alive();
  bool ping = path == "/ping";
  if (req.over_limit() && !ping) {
    return impl_->Answer(429, "Connection limit exceeded", false);
  }
  const Principal* who = nullptr;
  if (!ping) {
    if (req.has_header("X-Forwarded-For")) {
      impl_->Log(LogLevel::kWarning,
                 "rejecting request with X-Forwarded-For header");
      return impl_->Answer(400, "Forwarded", keep);
    }
    for (const std::string& h : c.ssrf_headers) {
      if (!req.has_header(h)) continue;
      std::string_view presented = req.header(h);
      for (const Principal& p : st->principals) {
        if (TokensEqual(presented, p.token)) who = &p;
      }
      if (who != nullptr) break;
    }
    if (who == nullptr) {
      impl_->Log(LogLevel::kWarning, "rejecting request with incorrect token");
      return impl_->Answer(403, "Bad Token", keep);
    }
  }
  if (req.method() != "GET") return impl_->Answer(405, "Not allowed", keep);
  AgentRequest r = ParseAgentRequest(req.target(), c.path_prefix);
  switch (r.kind) {
    case RequestKind::kPing:
      if (!ready_.load()) return impl_->Answer(503, "not ready", keep);
      return impl_->Answer(200, "healthy", keep);
    case RequestKind::kMetrics: {
      HttpReply m = impl_->Answer(200, "", keep);
      std::string text = Metrics();
      m.body.assign(text.begin(), text.end());
      m.content_type = "text/plain; version=0.0.4";
      return m;
    }
    case RequestKind::kNotFound:
      return impl_->Answer(404, "Not found", keep);
    case RequestKind::kBadRequest:
      return impl_->Answer(400, r.error, keep);
    case RequestKind::kGetSecret:
      return impl_->GetSecret(*st, *who, r, keep, may_block);
  }
  return impl_->Answer(404, "Not found", keep);
}

std::optional<HttpReply> Agent::Impl::GetSecret(const State& st,
                                                const Principal& p,
                                                const AgentRequest& r,
                                                bool keep_alive,
                                                bool may_block) {
  if (p.allowed != nullptr) {
    bool allowed = false;
    for (const std::string& name : CandidateNames(r.secret_id)) {
      if (p.allowed->count(name)) allowed = true;
    }
    if (!allowed) {
      denied_by_inventory.fetch_add(1, std::memory_order_relaxed);
      Log(LogLevel::kWarning, "application " + p.app +
                                  " asked for a secret it does not consume "
                                  "(refused before Secrets Manager)");
      HttpReply d =
          Answer(403,
                 AwsErrorBody("AccessDeniedException",
                              "Application " + p.app +
                                  " is not a consumer of this secret in the "
                                  "inventory " +
                                  st.config.inventory),
                 keep_alive);
      return d;
    }
  }
  VersionPin pin{r.version_stage, r.version_id};
  std::optional<StatusOr<Secret>> got;
  if (r.refresh_now) {
    if (!may_block) return std::nullopt;
    refresh_now.fetch_add(1, std::memory_order_relaxed);
    Status s = p.cache->ForceRefresh(r.secret_id, pin);
    if (s.code() == StatusCode::kResourceExhausted) {
      // Rate-limited: the value refreshed moments ago is served.
      refresh_now_limited.fetch_add(1, std::memory_order_relaxed);
    }
  } else {
    got = p.cache->Peek(r.secret_id, pin);
    if (!got && !may_block) return std::nullopt;
  }
  if (!got) got = p.cache->Get(r.secret_id, pin);
  if (got->ok()) {
    Count(200);
    HttpReply ok;
    ok.body = FormatGetSecretValue(**got);
    ok.keep_alive = keep_alive;
    return ok;
  }
  const Status& e = got->status();
  int status = 400;
  std::string body;
  if (!e.error_type().empty()) {
    status = aws::HttpStatusForAwsError(e.error_type());
    body = AwsErrorBody(e.error_type(), e.message());
  } else if (e.code() == StatusCode::kDeadlineExceeded) {
    status = 504;
    body = AwsErrorBody("TimeoutError", "Timeout");
  } else if (e.code() == StatusCode::kUnavailable) {
    status = 502;
    body = AwsErrorBody("ConnectionError", "Read Error");
  } else if (e.code() == StatusCode::kInvalidArgument) {
    status = 400;
    body = AwsErrorBody("ValidationException", e.message());
  } else {
    status = 500;
    body = AwsErrorBody("InternalFailure", "");
  }
  return Answer(status, body, keep_alive);
}

int Agent::RunPendingRefreshes() {
  int n = 0;
  for (auto& [profile, cache] : impl_->caches)
    n += cache->RunPendingRefreshes();
  return n;
}

std::string Agent::Metrics() const {
  std::shared_ptr<const State> st = impl_->state.load();
  std::ostringstream o;
  auto metric = [&](const char* name, const char* type, const char* help) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type
      << '\n';
  };
  metric("keyward_agent_ready", "gauge",
         "1 once every prefetched secret is loaded");
  o << "keyward_agent_ready " << (ready_.load() ? 1 : 0) << '\n';
  metric("keyward_agent_responses_total", "counter",
         "HTTP responses by status code");
  for (std::size_t i = 0; i <= kCodes.size(); ++i) {
    std::uint64_t n = impl_->responses[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    o << "keyward_agent_responses_total{code=\""
      << (i < kCodes.size() ? std::to_string(kCodes[i]) : "other") << "\"} "
      << n << '\n';
  }
  SecretCacheStats sum;
  std::vector<std::pair<std::string, SecretHealth>> health;
  std::map<SecretCache*, std::string> app_of;
  for (const Principal& p : st->principals) app_of[p.cache] = p.app;
  for (const auto& [profile, cache] : impl_->caches) {
    SecretCacheStats s = cache->Stats();
    sum.hits += s.hits;
    sum.misses += s.misses;
    sum.refreshes += s.refreshes;
    sum.refresh_failures += s.refresh_failures;
    sum.evictions += s.evictions;
    sum.get_secret_value_calls += s.get_secret_value_calls;
    sum.batch_get_secret_value_calls += s.batch_get_secret_value_calls;
    sum.describe_secret_calls += s.describe_secret_calls;
    sum.entries += s.entries;
    std::string app = app_of.count(cache.get()) ? app_of[cache.get()] : "";
    for (SecretHealth& h : cache->Health()) {
      // Inventory names only (a client's typo never becomes a series), and
      // the entries that track AWSCURRENT.
      if (st->inventory_names.count(h.name) && h.pin.version_id.empty() &&
          h.pin.version_stage.empty())
        health.emplace_back(app, std::move(h));
    }
  }
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    metric(name, "counter", help);
    o << name << ' ' << v << '\n';
  };
  counter("keyward_agent_cache_hits_total", "reads served from the cache",
          sum.hits);
  counter("keyward_agent_cache_misses_total",
          "reads that had to ask Secrets Manager", sum.misses);
  counter("keyward_agent_refreshes_total", "successful background refreshes",
          sum.refreshes);
  counter("keyward_agent_refresh_failures_total", "failed refreshes",
          sum.refresh_failures);
  counter("keyward_agent_evictions_total", "entries evicted (LRU)",
          sum.evictions);
  counter("keyward_agent_refresh_now_total", "refreshNow requests",
          impl_->refresh_now.load());
  counter("keyward_agent_refresh_now_limited_total",
          "refreshNow requests served from the cache (rate limit)",
          impl_->refresh_now_limited.load());
  counter("keyward_agent_denied_by_inventory_total",
          "reads refused because the application is not a consumer",
          impl_->denied_by_inventory.load());
  metric("keyward_agent_upstream_requests_total", "counter",
         "requests sent to Secrets Manager by operation");
  o << "keyward_agent_upstream_requests_total{operation=\"GetSecretValue\"} "
    << sum.get_secret_value_calls << '\n';
  o << "keyward_agent_upstream_requests_total{operation="
       "\"BatchGetSecretValue\"} "
    << sum.batch_get_secret_value_calls << '\n';
  o << "keyward_agent_upstream_requests_total{operation=\"DescribeSecret\"} "
    << sum.describe_secret_calls << '\n';
  metric("keyward_agent_cached_secrets", "gauge", "entries in the caches");
  o << "keyward_agent_cached_secrets " << sum.entries << '\n';
  double ttl = st->config.ttl_seconds;
  metric("keyward_agent_secret_age_seconds", "gauge",
         "seconds since the value was last fetched or verified (inventory "
         "secrets only)");
  for (const auto& [app, h] : health) {
    o << "keyward_agent_secret_age_seconds{secret=\"" << PromEscape(h.name)
      << "\"" << (app.empty() ? "" : ",app=\"" + PromEscape(app) + "\"") << "} "
      << std::chrono::duration<double>(h.age).count() << '\n';
  }
  metric("keyward_agent_secret_stale", "gauge",
         "1 when the served value is older than ttl (upstream failing)");
  for (const auto& [app, h] : health) {
    bool stale = std::chrono::duration<double>(h.age).count() > ttl;
    o << "keyward_agent_secret_stale{secret=\"" << PromEscape(h.name) << "\""
      << (app.empty() ? "" : ",app=\"" + PromEscape(app) + "\"") << "} "
      << (stale ? 1 : 0) << '\n';
  }
  metric("keyward_agent_secret_serving", "gauge",
         "1 when reads of the secret return a value");
  for (const auto& [app, h] : health) {
    o << "keyward_agent_secret_serving{secret=\"" << PromEscape(h.name) << "\""
      << (app.empty() ? "" : ",app=\"" + PromEscape(app) + "\"") << "} "
      << (h.serving ? 1 : 0) << '\n';
  }
  metric("keyward_agent_secret_refresh_failures", "gauge",
         "consecutive failed refreshes of the secret");
  for (const auto& [app, h] : health) {
    o << "keyward_agent_secret_refresh_failures{secret=\"" << PromEscape(h.name)
      << "\"" << (app.empty() ? "" : ",app=\"" + PromEscape(app) + "\"") << "} "
      << h.consecutive_failures << '\n';
  }
  return o.str();
}

}  // namespace keyward::agent

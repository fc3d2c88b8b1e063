#include "agent/agent.h"

#include <cstdio>
#include <thread>

#include "agent/agent_internal.h"
#include "agent/response.h"
#include "agent/token.h"
#include "aws/error_table.h"
#include "keyward/inventory/inventory.h"

namespace keyward::agent {

using server::HttpReply;
using server::HttpRequestView;

namespace {

using internal::Principal;
using internal::Text;

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

// The HTTP status and AWS-shaped body of a failed read, as the AWS agent
// answers them: AWS's own error passed through, else a transport error.
std::pair<int, std::string> ErrorAnswer(const Status& e) {
  if (!e.error_type().empty()) {
    return {aws::HttpStatusForAwsError(e.error_type()),
            AwsErrorBody(e.error_type(), e.message())};
  }
  switch (e.code()) {
    case StatusCode::kDeadlineExceeded:
      return {504, AwsErrorBody("TimeoutError", "Timeout")};
    case StatusCode::kUnavailable:
      return {502, AwsErrorBody("ConnectionError", "Read Error")};
    case StatusCode::kInvalidArgument:
      return {400, AwsErrorBody("ValidationException", e.message())};
    default:
      return {500, AwsErrorBody("InternalFailure", "")};
  }
}

// The inventory the agent checks applications against ("" = none); its
// secret names go to `names`.
StatusOr<inventory::Inventory> LoadAgentInventory(
    const std::string& path, const FileSystem& fs,
    std::set<std::string>* names) {
  if (path.empty()) return inventory::Inventory();
  KW_ASSIGN_OR_RETURN(inventory::ParsedInventory parsed,
                      inventory::LoadInventory(path, fs));
  for (const auto& f : parsed.findings) {
    if (f.severity == Severity::kError)
      return InvalidArgumentError("inventory " + f.ToString());
  }
  for (const auto& s : parsed.inventory.secrets) names->insert(s.name);
  return std::move(parsed.inventory);
}

}  // namespace

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
  KW_ASSIGN_OR_RETURN(
      inventory::Inventory inv,
      LoadAgentInventory(c.inventory, *deps.runtime.fs, &st->inventory_names));
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
  auto [status, body] = ErrorAnswer(got->status());
  return Answer(status, body, keep_alive);
}

int Agent::RunPendingRefreshes() {
  int n = 0;
  for (auto& [profile, cache] : impl_->caches)
    n += cache->RunPendingRefreshes();
  return n;
}

}  // namespace keyward::agent

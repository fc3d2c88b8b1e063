// Agent: the request handler and state behind `keyward agent`, a local
// daemon that serves the AWS Secrets Manager Agent's HTTP API
// (agent/request.h, agent/response.h) from SecretCache (keyward/
// secret_cache.h) on the shared HttpListener.
//
// Rules, in the AWS agent's order (server.rs get_result):
//   1. a connection over max_conn gets 429 "Connection limit exceeded"
//      (/ping excepted);
//   2. except for /ping: X-Forwarded-For -> 400 "Forwarded"; no configured
//      header carrying a valid token -> 403 "Bad Token";
//   3. a method other than GET -> 405 "Not allowed";
//   4. /ping -> "healthy" (503 "not ready" until the prefetch has loaded);
//      /secretsmanager/get and {path_prefix}ID -> the GetSecretValue body;
//      /metrics -> Prometheus text; else 404 "Not found".
// Upstream errors keep the store's error type (AWS JSON, status 400, 500 for
// InternalServiceError; 504 TimeoutError / 502 ConnectionError for timeouts
// and network failures, as the AWS agent maps them).
//
// Beyond the AWS agent: refresh is in the background and version-aware
// (1 DescribeSecret per secret per ttl); reads are served from the last good
// value through upstream outages up to max_staleness; refreshNow is
// rate-limited per secret (a limited request is served from the cache);
// `apps` prefetch every secret those applications consume from the
// inventory with BatchGetSecretValue; per-app mode gives every application
// its own token and its own AWS principal (profile), and refuses (403
// AccessDeniedException) a secret whose inventory consumers do not include
// the application before Secrets Manager is asked.
//
// Thread-safety: Handle and Metrics run concurrently on any thread; Reload
// and Prefetch from one control thread. Configuration is swapped atomically
// (a request sees the old or the new one, never a mix); caches are kept
// across reloads.
#ifndef KEYWARD_SRC_AGENT_AGENT_H_
#define KEYWARD_SRC_AGENT_AGENT_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/config.h"
#include "keyward/env.h"
#include "keyward/secret_cache.h"
#include "keyward/secrets/client.h"
#include "keyward/server/http_listener.h"
#include "keyward/status.h"

namespace keyward::agent {

using LogLevel = SecretCacheOptions::LogLevel;

struct AgentDeps {
  // Environment (tokens), files (inventory, token files), clock; also
  // what the default make_client resolves the client from.
  Runtime runtime;
  // The Secrets Manager client for an AWS profile ("" = the default chain).
  // Default: ResolveClientConfig with config.region/endpoint_url + profile.
  std::function<StatusOr<std::shared_ptr<secrets::SecretsManagerApi>>(
      const std::string& profile)>
      make_client;
  // Log sink (never values). Default: stderr.
  std::function<void(LogLevel, std::string_view)> log;
  // Caches refresh on their own threads. Tests set false.
  bool background_refresh = true;
};

class Agent : public server::HttpHandler {
 public:
  // Resolves tokens (single: from the environment; per-app: token files),
  // loads the inventory and creates the caches. Errors name the file or
  // variable at fault.
  static StatusOr<std::unique_ptr<Agent>> Create(AgentConfig config,
                                                 AgentDeps deps);
  ~Agent() override;

  // Loads every secret the configured applications consume (blocking) and
  // marks the agent ready when all of them loaded; otherwise the failures
  // are logged, the caches keep retrying and WaitReady reports when they
  // have all arrived. With no applications the agent is ready at once.
  Status Prefetch();
  bool ready() const { return ready_.load(); }
  // Blocks until ready or `stop` returns true (polled every 200 ms).
  bool WaitReady(const std::function<bool()>& stop);

  // Applies a new configuration without dropping any cache. Settings that
  // need a restart (listen address, ttl, AWS endpoint...) are reported with
  // a warning and keep their old value. Validation errors leave the running
  // configuration untouched.
  Status Reload(AgentConfig config);

  // The cache of the default principal (`profile`), created when needed:
  // templates render from it.
  StatusOr<SecretCache*> DefaultCache();

  // The listener options this configuration asks for.
  server::ListenerOptions ListenerOptionsFor() const;

  std::optional<server::HttpReply> Handle(server::HttpRequestView& req,
                                          bool may_block) override;
  server::HttpReply Refuse(int status, std::string_view message) override;

  // Runs every due refresh of every cache on the calling thread (tests,
  // with background_refresh false); returns how many were attempted.
  int RunPendingRefreshes();

  // Prometheus text exposition (format 0.0.4): counters and per-secret
  // gauges for inventory secrets only; never a value.
  std::string Metrics() const;

  struct State;
  struct Impl;

 private:
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
};

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_AGENT_H_

// The agent's state and implementation, shared by agent.cc (requests,
// reloads) and agent_metrics.cc (/metrics). Internal to src/agent.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agent/agent.h"
#include "agent/request.h"

namespace keyward::agent {
namespace internal {

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

inline int CodeIndex(int status) {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == status) return static_cast<int>(i);
  }
  return -1;
}

inline server::HttpReply Text(int status, std::string_view body,
                              bool keep_alive) {
  server::HttpReply r;
  r.status = status;
  r.body.assign(body.begin(), body.end());
  r.keep_alive = keep_alive;
  return r;
}

}  // namespace internal

// An immutable view of the configuration, swapped whole on reload.
struct Agent::State {
  AgentConfig config;
  std::vector<internal::Principal> principals;
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
  std::array<std::atomic<std::uint64_t>, internal::kCodes.size() + 1>
      responses{};
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
    int i = internal::CodeIndex(status);
    responses[i < 0 ? internal::kCodes.size() : static_cast<std::size_t>(i)]
        .fetch_add(1, std::memory_order_relaxed);
  }
  server::HttpReply Answer(int status, std::string_view body, bool keep_alive) {
    Count(status);
    return internal::Text(status, body, keep_alive);
  }
  std::optional<server::HttpReply> GetSecret(const State& st,
                                             const internal::Principal& p,
                                             const AgentRequest& r,
                                             bool keep_alive, bool may_block);
};

}  // namespace keyward::agent

// VaultDouble: an in-test HTTP server on 127.0.0.1 (port 0) that follows
// HashiCorp Vault's documented KV version 2 API for one mount ("secret"):
//
//   GET  /v1/secret/data/:path[?version=N]   200
//   {"data":{"data":{..},"metadata":{..}}} | 404 POST /v1/secret/data/:path
//   (PUT too)     {"options":{"cas":N},"data":{..}}
//                                            200 {"data":{"version":N,...}}
//                                            400 {"errors":["check-and-set
//                                            parameter did
//                                                 not match the current
//                                                 version"]}
//   GET  /v1/secret/metadata/:path           200
//   {"data":{"current_version":N,...}} | 404 missing/wrong X-Vault-Token 403
//   {"errors":["permission denied"]}
//
// No Vault server can be installed on the build machines, so keyward's Vault
// client and `migrate vault` are tested against this double. Faults can be
// injected (sealed after N writes, a concurrent writer racing the next write).
//
// Header-only so tests in several folders can share it (links cpp-httplib).
#ifndef KEYWARD_TESTS_VAULT_VAULT_DOUBLE_H_
#define KEYWARD_TESTS_VAULT_VAULT_DOUBLE_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace keyward::testing {

class VaultDouble {
 public:
  using Json = nlohmann::json;

  explicit VaultDouble(std::string token = "root-token-for-tests")
      : token_(std::move(token)) {
    server_.Get(R"(/v1/secret/data/(.+))",
                [this](const httplib::Request& q, httplib::Response& r) {
                  Handle(q, r, [&] { ReadData(q, r); });
                });
    auto write = [this](const httplib::Request& q, httplib::Response& r) {
      Handle(q, r, [&] { WriteData(q, r); });
    };
    server_.Post(R"(/v1/secret/data/(.+))", write);
    server_.Put(R"(/v1/secret/data/(.+))", write);
    server_.Get(R"(/v1/secret/metadata/(.+))",
                [this](const httplib::Request& q, httplib::Response& r) {
                  Handle(q, r, [&] { ReadMetadata(q, r); });
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~VaultDouble() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  VaultDouble(const VaultDouble&) = delete;
  VaultDouble& operator=(const VaultDouble&) = delete;

  std::string address() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  const std::string& token() const { return token_; }

  // Direct access, as another Vault client would have it.
  int Put(const std::string& path, const Json& data) {
    std::lock_guard<std::mutex> l(mu_);
    return PutLocked(path, data);
  }
  std::optional<Json> Get(const std::string& path) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = kv_.find(path);
    if (it == kv_.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  int CurrentVersion(const std::string& path) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = kv_.find(path);
    return it == kv_.end() ? 0 : static_cast<int>(it->second.size());
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> l(mu_);
    return kv_.size();
  }

  // Faults: after `n` more successful writes every write answers 503
  // ("Vault is sealed"); -1 disables.
  void SealAfterWrites(int n) { seal_after_writes_ = n; }
  // The next write to `path` first sees another client's write (a race the
  // client's check-and-set must catch).
  void RaceNextWrite(const std::string& path, Json data) {
    std::lock_guard<std::mutex> l(mu_);
    races_[path] = std::move(data);
  }
  // Reads of `path` return this data instead of the stored data (simulates
  // a corrupting proxy, for read-back verification tests).
  void CorruptReadsOf(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    corrupt_.insert(path);
  }

  std::int64_t requests() const { return requests_.load(); }
  std::int64_t writes() const { return writes_.load(); }
  std::string last_namespace() const {
    std::lock_guard<std::mutex> l(mu_);
    return last_namespace_;
  }
  // Every request body received (tests assert what was and was not sent).
  std::vector<std::string> bodies() const {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_;
  }

 private:
  template <typename F>
  void Handle(const httplib::Request& q, httplib::Response& r, F&& f) {
    requests_.fetch_add(1);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (q.has_header("X-Vault-Namespace")) {
        last_namespace_ = q.get_header_value("X-Vault-Namespace");
      }
      if (!q.body.empty() && bodies_.size() < 100) bodies_.push_back(q.body);
    }
    if (q.get_header_value("X-Vault-Token") != token_) {
      return Error(r, 403, "permission denied");
    }
    f();
  }
  static void Error(httplib::Response& r, int status,
                    const std::string& message) {
    r.status = status;
    Json errors = Json::array();
    if (!message.empty()) errors.push_back(message);
    r.set_content(Json{{"errors", errors}}.dump(), "application/json");
  }
  static Json Metadata(int version) {
    return Json{{"created_time", "2026-11-28T20:00:00.000000Z"},
                {"custom_metadata", nullptr},
                {"deletion_time", ""},
                {"destroyed", false},
                {"version", version}};
  }
  int PutLocked(const std::string& path, const Json& data) {
    auto& versions = kv_[path];
    versions.push_back(data);
    return static_cast<int>(versions.size());
  }

  void ReadData(const httplib::Request& q, httplib::Response& r) {
    std::string path = q.matches[1];
    std::lock_guard<std::mutex> l(mu_);
    auto it = kv_.find(path);
    if (it == kv_.end() || it->second.empty()) return Error(r, 404, "");
    int version = static_cast<int>(it->second.size());
    if (q.has_param("version")) {
      int v = std::atoi(q.get_param_value("version").c_str());
      if (v > 0) version = v;
    }
    if (version > static_cast<int>(it->second.size())) return Error(r, 404, "");
    Json data = it->second[version - 1];
    if (corrupt_.count(path)) data["corrupted-by-double"] = "x";
    Json body{{"request_id", "00000000-0000-0000-0000-000000000000"},
              {"lease_id", ""},
              {"renewable", false},
              {"lease_duration", 0},
              {"data", {{"data", data}, {"metadata", Metadata(version)}}},
              {"wrap_info", nullptr},
              {"warnings", nullptr},
              {"auth", nullptr}};
    r.set_content(body.dump(), "application/json");
  }

  void WriteData(const httplib::Request& q, httplib::Response& r) {
    std::string path = q.matches[1];
    Json req = Json::parse(q.body, nullptr, /*allow_exceptions=*/false);
    if (!req.is_object() || !req.contains("data") || !req["data"].is_object()) {
      return Error(r, 400, "no data provided");
    }
    std::lock_guard<std::mutex> l(mu_);
    if (seal_after_writes_ == 0) return Error(r, 503, "Vault is sealed");
    auto race = races_.find(path);
    if (race != races_.end()) {
      PutLocked(path, race->second);
      races_.erase(race);
    }
    int current = 0;
    auto it = kv_.find(path);
    if (it != kv_.end()) current = static_cast<int>(it->second.size());
    if (req.contains("options") && req["options"].contains("cas")) {
      if (!req["options"]["cas"].is_number_integer())
        return Error(r, 400, "invalid cas");
      if (req["options"]["cas"].get<int>() != current) {
        return Error(
            r, 400,
            "check-and-set parameter did not match the current version");
      }
    }
    int version = PutLocked(path, req["data"]);
    writes_.fetch_add(1);
    if (seal_after_writes_ > 0) --seal_after_writes_;
    Json body{{"data", Metadata(version)}};
    r.set_content(body.dump(), "application/json");
  }

  void ReadMetadata(const httplib::Request& q, httplib::Response& r) {
    std::string path = q.matches[1];
    std::lock_guard<std::mutex> l(mu_);
    auto it = kv_.find(path);
    if (it == kv_.end() || it->second.empty()) return Error(r, 404, "");
    int n = static_cast<int>(it->second.size());
    Json body{{"data",
               {{"cas_required", false},
                {"created_time", "2026-11-28T20:00:00.000000Z"},
                {"current_version", n},
                {"max_versions", 0},
                {"oldest_version", 1},
                {"updated_time", "2026-11-28T20:00:00.000000Z"}}}};
    r.set_content(body.dump(), "application/json");
  }

  std::string token_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Json>> kv_;
  std::map<std::string, Json> races_;
  std::set<std::string> corrupt_;
  std::string last_namespace_;
  std::vector<std::string> bodies_;
  std::atomic<int> seal_after_writes_{-1};
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> writes_{0};
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_VAULT_VAULT_DOUBLE_H_

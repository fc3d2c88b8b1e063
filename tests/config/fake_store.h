// An in-memory SecretsManagerApi for SecretConfig / SecretCache unit tests:
// versioned secrets with AWSCURRENT, per-operation call counts, and switches
// for outages, denied operations and blocking fetches.
#ifndef KEYWARD_TESTS_CONFIG_FAKE_STORE_H_
#define KEYWARD_TESTS_CONFIG_FAKE_STORE_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "keyward/secrets/client.h"

namespace keyward::testing {

class FakeStore : public secrets::SecretsManagerApi {
 public:
  // Adds a new AWSCURRENT version (ids "v1", "v2", ... per secret).
  std::string Put(const std::string& name, std::string_view value,
                  bool binary = false) {
    std::lock_guard<std::mutex> l(mu_);
    Secret& s = secrets_[name];
    std::string id = "v" + std::to_string(s.versions.size() + 1);
    secrets::SecretPayload p;
    (binary ? p.binary : p.string) = SecretValue(value);
    s.versions[id] = std::move(p);
    s.previous = s.current;
    s.current = id;
    return id;
  }
  void ScheduleDeletion(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    secrets_[name].deleted = true;
  }
  void Erase(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    secrets_.erase(name);
  }
  // Every call fails with `s` (OK: normal operation).
  void SetOutage(Status s) {
    std::lock_guard<std::mutex> l(mu_);
    outage_ = std::move(s);
  }
  void DenyBatch() { deny_batch_ = true; }
  void DenyDescribe() { deny_describe_ = true; }
  void DenyGet(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    denied_.insert({name, true});
  }
  // Called (outside the lock) at the start of every GetSecretValue.
  std::function<void()> on_get;

  int gets() const { return gets_; }
  int batches() const { return batches_; }
  int describes() const { return describes_; }
  int calls() const { return gets_ + batches_ + describes_; }
  void ResetCounts() { gets_ = batches_ = describes_ = 0; }

  StatusOr<secrets::SecretValueResult> GetSecretValue(
      const secrets::GetSecretValueRequest& req) override {
    ++gets_;
    if (on_get) on_get();
    std::lock_guard<std::mutex> l(mu_);
    if (!outage_.ok()) return outage_;
    return Lookup(req.secret_id, req.version_id, req.version_stage);
  }

  StatusOr<secrets::BatchGetSecretValueResult> BatchGetSecretValue(
      const secrets::BatchGetSecretValueRequest& req) override {
    ++batches_;
    std::lock_guard<std::mutex> l(mu_);
    if (!outage_.ok()) return outage_;
    if (deny_batch_) {
      return Status(StatusCode::kPermissionDenied,
                    "not authorized to BatchGetSecretValue",
                    "AccessDeniedException");
    }
    if (req.secret_ids.size() > 20)
      return InvalidArgumentError("more than 20 ids");
    secrets::BatchGetSecretValueResult out;
    for (const std::string& id : req.secret_ids) {
      auto r = Lookup(id, "", "");
      if (r.ok()) {
        out.values.push_back(std::move(*r));
      } else {
        out.errors.push_back({id, r.status().error_type(), "failed"});
      }
    }
    return out;
  }

  StatusOr<secrets::SecretMetadata> DescribeSecret(
      const std::string& id) override {
    ++describes_;
    std::lock_guard<std::mutex> l(mu_);
    if (!outage_.ok()) return outage_;
    if (deny_describe_) {
      return Status(StatusCode::kPermissionDenied,
                    "not authorized to DescribeSecret",
                    "AccessDeniedException");
    }
    auto it = secrets_.find(id);
    if (it == secrets_.end()) return NotFound(id);
    secrets::SecretMetadata md;
    md.name = id;
    for (const auto& [vid, payload] : it->second.versions) {
      std::vector<std::string> stages;
      if (vid == it->second.current) stages.push_back("AWSCURRENT");
      if (vid == it->second.previous) stages.push_back("AWSPREVIOUS");
      md.version_ids_to_stages[vid] = stages;
    }
    if (it->second.deleted)
      md.deleted_date = Clock::time_point(std::chrono::seconds(1800000000));
    return md;
  }

 private:
  struct Secret {
    std::map<std::string, secrets::SecretPayload> versions;
    std::string current, previous;
    bool deleted = false;
  };
  static Status NotFound(const std::string& id) {
    return Status(StatusCode::kNotFound,
                  "GetSecretValue: secret '" + id + "' not found",
                  "ResourceNotFoundException");
  }
  StatusOr<secrets::SecretValueResult> Lookup(const std::string& id,
                                              const std::string& vid,
                                              const std::string& stage) {
    if (denied_.count(id)) {
      return Status(StatusCode::kPermissionDenied,
                    "not authorized to read '" + id + "'",
                    "AccessDeniedException");
    }
    auto it = secrets_.find(id);
    if (it == secrets_.end()) return NotFound(id);
    if (it->second.deleted) {
      return Status(StatusCode::kFailedPrecondition,
                    "'" + id + "' is marked for deletion",
                    "InvalidRequestException");
    }
    std::string v = !vid.empty()             ? vid
                    : stage == "AWSPREVIOUS" ? it->second.previous
                                             : it->second.current;
    auto vit = it->second.versions.find(v);
    if (vit == it->second.versions.end()) return NotFound(id);
    secrets::SecretValueResult r;
    r.name = id;
    r.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id +
            "-AbCdEf";
    r.version_id = v;
    r.payload = vit->second;
    return r;
  }

  std::mutex mu_;
  std::map<std::string, Secret> secrets_;
  std::map<std::string, bool> denied_;
  Status outage_;
  std::atomic<bool> deny_batch_{false}, deny_describe_{false};
  std::atomic<int> gets_{0}, batches_{0}, describes_{0};
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_CONFIG_FAKE_STORE_H_

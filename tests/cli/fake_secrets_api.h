// An in-memory SecretsManagerApi for the CLI workflow tests: versioned
// secrets with AWSCURRENT/AWSPREVIOUS, the write calls the workflows make
// (CreateSecret, PutSecretValue, UpdateSecretVersionStage,
// GetRandomPassword) and a log of the calls. No network.
#ifndef KEYWARD_TESTS_CLI_FAKE_SECRETS_API_H_
#define KEYWARD_TESTS_CLI_FAKE_SECRETS_API_H_

#include <map>
#include <string>
#include <vector>

#include "keyward/secrets/client.h"

namespace keyward::testing {

class FakeSecretsApi : public secrets::SecretsManagerApi {
 public:
  struct Version {
    std::string id;
    std::string value;
    std::vector<std::string> stages;
    Clock::time_point created;
  };
  struct Secret {
    std::string description;
    std::vector<secrets::Tag> tags;
    std::vector<Version> versions;  // oldest first
    bool deleted = false;
  };

  // Adds a version that becomes AWSCURRENT (the old one AWSPREVIOUS).
  std::string Seed(const std::string& name, const std::string& value,
                   Clock::time_point created = {}) {
    Secret& s = secrets_[name];
    std::string id = name + "#v" + std::to_string(s.versions.size() + 1);
    for (auto& v : s.versions) {
      std::erase(v.stages, std::string("AWSPREVIOUS"));
      for (auto& st : v.stages) {
        if (st == "AWSCURRENT") st = "AWSPREVIOUS";
      }
    }
    s.versions.push_back({id, value, {"AWSCURRENT"}, created});
    return id;
  }
  Secret* Find(const std::string& name) {
    auto it = secrets_.find(name);
    return it == secrets_.end() ? nullptr : &it->second;
  }
  std::string CurrentValue(const std::string& name) {
    const Version* v = WithStage(name, "AWSCURRENT");
    return v ? v->value : "";
  }

  std::vector<std::string> calls;  // operation names, in order

  StatusOr<secrets::SecretMetadata> DescribeSecret(
      const std::string& id) override {
    calls.push_back("DescribeSecret");
    Secret* s = Find(id);
    if (s == nullptr) return NotFound(id);
    secrets::SecretMetadata md;
    md.name = id;
    md.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id;
    for (const auto& v : s->versions) md.version_ids_to_stages[v.id] = v.stages;
    if (s->deleted) md.deleted_date = Clock::time_point(std::chrono::hours(1));
    return md;
  }
  StatusOr<secrets::SecretValueResult> GetSecretValue(
      const secrets::GetSecretValueRequest& req) override {
    calls.push_back("GetSecretValue");
    const Version* v =
        WithStage(req.secret_id,
                  req.version_stage.empty() ? "AWSCURRENT" : req.version_stage);
    if (v == nullptr) return NotFound(req.secret_id);
    secrets::SecretValueResult r;
    r.name = req.secret_id;
    r.version_id = v->id;
    r.payload.string = SecretValue(v->value);
    return r;
  }
  StatusOr<secrets::WriteResult> CreateSecret(
      const secrets::CreateSecretRequest& req) override {
    calls.push_back("CreateSecret");
    if (Find(req.name) != nullptr) {
      return Status(StatusCode::kAlreadyExists, "exists",
                    "ResourceExistsException");
    }
    std::string id = Seed(req.name, std::string(req.payload.string->Reveal()));
    secrets_[req.name].description = req.description;
    secrets_[req.name].tags = req.tags;
    return secrets::WriteResult{
        "arn:" + req.name, req.name, id, {"AWSCURRENT"}};
  }
  StatusOr<secrets::WriteResult> PutSecretValue(
      const secrets::PutSecretValueRequest& req) override {
    calls.push_back("PutSecretValue");
    if (Find(req.secret_id) == nullptr) return NotFound(req.secret_id);
    std::string id =
        Seed(req.secret_id, std::string(req.payload.string->Reveal()));
    return secrets::WriteResult{
        "arn:" + req.secret_id, req.secret_id, id, {"AWSCURRENT"}};
  }
  StatusOr<secrets::ListSecretVersionIdsResult> ListSecretVersionIds(
      const secrets::ListSecretVersionIdsRequest& req) override {
    calls.push_back("ListSecretVersionIds");
    Secret* s = Find(req.secret_id);
    if (s == nullptr) return NotFound(req.secret_id);
    secrets::ListSecretVersionIdsResult r;
    r.name = req.secret_id;
    for (const auto& v : s->versions)
      r.versions.push_back({v.id, v.stages, v.created, std::nullopt});
    return r;
  }
  Status UpdateSecretVersionStage(
      const secrets::UpdateSecretVersionStageRequest& req) override {
    calls.push_back("UpdateSecretVersionStage");
    Secret* s = Find(req.secret_id);
    if (s == nullptr) return NotFound(req.secret_id);
    // AWSCURRENT moves; the version it leaves becomes AWSPREVIOUS.
    for (auto& v : s->versions)
      std::erase(v.stages, std::string("AWSPREVIOUS"));
    for (auto& v : s->versions) {
      if (v.id == req.remove_from_version_id) {
        std::erase(v.stages, req.version_stage);
        v.stages.push_back("AWSPREVIOUS");
      }
      if (v.id == req.move_to_version_id) v.stages.push_back(req.version_stage);
    }
    return OkStatus();
  }
  StatusOr<SecretValue> GetRandomPassword(
      const secrets::GetRandomPasswordRequest& req) override {
    calls.push_back("GetRandomPassword");
    return SecretValue(std::string(req.password_length.value_or(32), 'x'));
  }

 private:
  static Status NotFound(const std::string& id) {
    return Status(StatusCode::kNotFound, "secret '" + id + "' not found",
                  "ResourceNotFoundException");
  }
  const Version* WithStage(const std::string& name, const std::string& stage) {
    Secret* s = Find(name);
    if (s == nullptr || s->deleted) return nullptr;
    for (const auto& v : s->versions) {
      for (const auto& st : v.stages) {
        if (st == stage) return &v;
      }
    }
    return nullptr;
  }
  std::map<std::string, Secret> secrets_;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_CLI_FAKE_SECRETS_API_H_

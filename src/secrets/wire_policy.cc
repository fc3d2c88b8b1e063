// The wire codec's request errors and strict member readers, and the shapes
// of the resource-policy operations (wire.h).
#include <algorithm>
#include <limits>

#include "secrets/wire.h"
#include "secrets/wire_internal.h"

namespace keyward::secrets::wire {

using namespace internal;  // NOLINT(build/namespaces): the codec's readers

Status SerializationError(std::string_view what) {
  return Status(StatusCode::kInvalidArgument, std::string(what),
                "SerializationException");
}

Status ValidationError(std::string_view member, std::string_view constraint) {
  std::string text;
  std::string_view t = kValidationTemplate;
  std::size_t a = t.find("{0}");
  std::size_t b = t.find("{1}");
  text.append(t.substr(0, a));
  text.append(member);
  text.append(t.substr(a + 3, b - a - 3));
  text.append(constraint);
  text.append(t.substr(b + 3));
  return Status(StatusCode::kInvalidArgument, std::move(text),
                "ValidationException");
}

StatusOr<std::optional<std::string>> ReadOptString(const Json& req,
                                                   const char* key) {
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return SerializationError(
        std::string("Start of structure or map found where not expected (") +
        key + ")");
  }
  return std::optional<std::string>(it->get<std::string>());
}

StatusOr<std::string> ReadRequiredString(const Json& req, const char* key) {
  KW_ASSIGN_OR_RETURN(std::optional<std::string> v, ReadOptString(req, key));
  if (!v) return ValidationError(key, "Member must not be null");
  return std::move(*v);
}

StatusOr<std::optional<std::int64_t>> ReadOptInt(const Json& req,
                                                 const char* key) {
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) {
    return SerializationError(std::string("NUMBER_VALUE expected for ") + key);
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

StatusOr<bool> ReadOptBool(const Json& req, const char* key, bool fallback) {
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return SerializationError(std::string("Boolean expected for ") + key);
  }
  return it->get<bool>();
}

StatusOr<std::vector<std::string>> ReadOptStringList(const Json& req,
                                                     const char* key) {
  std::vector<std::string> out;
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return SerializationError(std::string("Expected list for ") + key);
  }
  for (const auto& e : *it) {
    if (!e.is_string()) {
      return SerializationError(std::string("Expected strings in ") + key);
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

StatusOr<std::vector<Tag>> ReadTagList(const Json& req) {
  std::vector<Tag> tags;
  auto it = req.find("Tags");
  if (it == req.end() || it->is_null()) return tags;
  if (!it->is_array()) return SerializationError("Expected list for Tags");
  for (const auto& t : *it) {
    if (!t.is_object()) return SerializationError("Expected Tag objects");
    KW_ASSIGN_OR_RETURN(std::optional<std::string> key,
                        ReadOptString(t, "Key"));
    KW_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        ReadOptString(t, "Value"));
    tags.push_back({key.value_or(""), value.value_or("")});
  }
  return tags;
}

Json ToJson(const TagResourceRequest& r) {
  return Json{{"SecretId", r.secret_id}, {"Tags", ToJson(r.tags)}};
}

// Tags absent is a ValidationException; null reads as empty.
template <>
StatusOr<TagResourceRequest> FromJson<TagResourceRequest>(const Json& j) {
  TagResourceRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  if (!j.contains("Tags"))
    return ValidationError("tags", "Member must not be null");
  KW_ASSIGN_OR_RETURN(r.tags, ReadTagList(j));
  return r;
}

Json ToJson(const UntagResourceRequest& r) {
  return Json{{"SecretId", r.secret_id}, {"TagKeys", r.tag_keys}};
}

template <>
StatusOr<UntagResourceRequest> FromJson<UntagResourceRequest>(const Json& j) {
  UntagResourceRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  if (!j.contains("TagKeys"))
    return ValidationError("tagKeys", "Member must not be null");
  KW_ASSIGN_OR_RETURN(r.tag_keys, ReadOptStringList(j, "TagKeys"));
  return r;
}

// PasswordLength outside int's range is clamped, so that the server's range
// check (after authorization, as AWS) still refuses it.
template <>
StatusOr<GetRandomPasswordRequest> FromJson<GetRandomPasswordRequest>(
    const Json& j) {
  GetRandomPasswordRequest r;
  KW_ASSIGN_OR_RETURN(std::optional<std::int64_t> length,
                      ReadOptInt(j, "PasswordLength"));
  if (length) {
    r.password_length = static_cast<int>(
        std::clamp<std::int64_t>(*length, std::numeric_limits<int>::min(),
                                 std::numeric_limits<int>::max()));
  }
  KW_ASSIGN_OR_RETURN(std::optional<std::string> exclude,
                      ReadOptString(j, "ExcludeCharacters"));
  r.exclude_characters = exclude.value_or("");
  KW_ASSIGN_OR_RETURN(r.exclude_numbers,
                      ReadOptBool(j, "ExcludeNumbers", false));
  KW_ASSIGN_OR_RETURN(r.exclude_punctuation,
                      ReadOptBool(j, "ExcludePunctuation", false));
  KW_ASSIGN_OR_RETURN(r.exclude_uppercase,
                      ReadOptBool(j, "ExcludeUppercase", false));
  KW_ASSIGN_OR_RETURN(r.exclude_lowercase,
                      ReadOptBool(j, "ExcludeLowercase", false));
  KW_ASSIGN_OR_RETURN(r.include_space, ReadOptBool(j, "IncludeSpace", false));
  KW_ASSIGN_OR_RETURN(bool each,
                      ReadOptBool(j, "RequireEachIncludedType", true));
  r.require_each_included_type = each;
  return r;
}

Json ToJson(const StageMoveRequest& r) {
  Json j{{"SecretId", r.secret_id}, {"VersionStage", r.version_stage}};
  if (r.remove_from_version_id)
    j["RemoveFromVersionId"] = *r.remove_from_version_id;
  if (r.move_to_version_id) j["MoveToVersionId"] = *r.move_to_version_id;
  return j;
}

template <>
StatusOr<StageMoveRequest> FromJson<StageMoveRequest>(const Json& j) {
  StageMoveRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_ASSIGN_OR_RETURN(r.version_stage, ReadRequiredString(j, "VersionStage"));
  KW_ASSIGN_OR_RETURN(r.remove_from_version_id,
                      ReadOptString(j, "RemoveFromVersionId"));
  KW_ASSIGN_OR_RETURN(r.move_to_version_id,
                      ReadOptString(j, "MoveToVersionId"));
  if (r.version_stage.empty() || r.version_stage.size() > 256) {
    return ValidationError("versionStage",
                           "Member must have length between 1 and 256");
  }
  return r;
}

Json ToJson(const VersionListRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  if (r.max_results) j["MaxResults"] = *r.max_results;
  if (r.next_token) j["NextToken"] = *r.next_token;
  if (r.include_deprecated) j["IncludeDeprecated"] = true;
  return j;
}

template <>
StatusOr<VersionListRequest> FromJson<VersionListRequest>(const Json& j) {
  VersionListRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_ASSIGN_OR_RETURN(std::optional<std::int64_t> n,
                      ReadOptInt(j, "MaxResults"));
  if (n && (*n < 1 || *n > 100)) {
    return ValidationError("maxResults",
                           "Member must have value between 1 and 100");
  }
  if (n) r.max_results = static_cast<int>(*n);
  KW_ASSIGN_OR_RETURN(r.include_deprecated,
                      ReadOptBool(j, "IncludeDeprecated", false));
  KW_ASSIGN_OR_RETURN(r.next_token, ReadOptString(j, "NextToken"));
  return r;
}

Json ToJson(const EmptyResult&) { return Json::object(); }

template <>
StatusOr<EmptyResult> FromJson<EmptyResult>(const Json&) {
  return EmptyResult{};
}

namespace {

// The model's bounds on a resource policy (1..20480 characters).
StatusOr<std::string> ReadPolicyText(const Json& req) {
  constexpr std::size_t kMaxPolicyBytes = 20480;
  KW_ASSIGN_OR_RETURN(std::string text,
                      ReadRequiredString(req, "ResourcePolicy"));
  if (text.empty()) {
    return ValidationError(
        "resourcePolicy", "Member must have length greater than or equal to 1");
  }
  if (text.size() > kMaxPolicyBytes) {
    return ValidationError(
        "resourcePolicy",
        "Member must have length less than or equal to 20480");
  }
  return text;
}

}  // namespace

Json ToJson(const SecretIdRequest& r) {
  return Json{{"SecretId", r.secret_id}};
}

template <>
StatusOr<SecretIdRequest> FromJson<SecretIdRequest>(const Json& j) {
  KW_ASSIGN_OR_RETURN(std::string id, ReadRequiredString(j, "SecretId"));
  return SecretIdRequest{std::move(id)};
}

Json ToJson(const PutResourcePolicyRequest& r) {
  return Json{{"SecretId", r.secret_id},
              {"ResourcePolicy", r.resource_policy},
              {"BlockPublicPolicy", r.block_public_policy}};
}

template <>
StatusOr<PutResourcePolicyRequest> FromJson<PutResourcePolicyRequest>(
    const Json& j) {
  PutResourcePolicyRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_ASSIGN_OR_RETURN(r.resource_policy, ReadPolicyText(j));
  KW_ASSIGN_OR_RETURN(r.block_public_policy,
                      ReadOptBool(j, "BlockPublicPolicy", false));
  return r;
}

Json ToJson(const ValidateResourcePolicyRequest& r) {
  Json j{{"ResourcePolicy", r.resource_policy}};
  if (r.secret_id) j["SecretId"] = *r.secret_id;
  return j;
}

template <>
StatusOr<ValidateResourcePolicyRequest> FromJson<ValidateResourcePolicyRequest>(
    const Json& j) {
  ValidateResourcePolicyRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadOptString(j, "SecretId"));
  KW_ASSIGN_OR_RETURN(r.resource_policy, ReadPolicyText(j));
  return r;
}

Json ToJson(const SecretRef& r) {
  return Json{{"ARN", r.arn}, {"Name", r.name}};
}

template <>
StatusOr<SecretRef> FromJson<SecretRef>(const Json& j) {
  return SecretRef{GetString(j, "ARN"), GetString(j, "Name")};
}

Json ToJson(const ValidateResourcePolicyResult& r) {
  Json errors = Json::array();
  for (const auto& e : r.validation_errors) {
    errors.push_back(
        {{"CheckName", e.check_name}, {"ErrorMessage", e.error_message}});
  }
  return Json{{"PolicyValidationPassed", r.policy_validation_passed},
              {"ValidationErrors", std::move(errors)}};
}

template <>
StatusOr<ValidateResourcePolicyResult> FromJson<ValidateResourcePolicyResult>(
    const Json& j) {
  ValidateResourcePolicyResult r;
  r.policy_validation_passed = GetBool(j, "PolicyValidationPassed");
  if (auto it = j.find("ValidationErrors"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      r.validation_errors.push_back(
          {GetString(e, "CheckName"), GetString(e, "ErrorMessage")});
    }
  }
  return r;
}

}  // namespace keyward::secrets::wire

#include "keyward/server/service.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <mutex>
#include <set>

#include "keyward/naming.h"
#include "keyward/secrets/client.h"
#include "secrets/json_codec.h"
#include "server/messages.h"

namespace keyward::server {

using secrets::Json;

namespace {

constexpr std::string_view kCurrent = "AWSCURRENT";
constexpr std::string_view kPrevious = "AWSPREVIOUS";
constexpr std::size_t kMaxVersions = 100;
// Versions younger than a day are never pruned; past this many a write is
// refused (AWS: "you will reach the quota for secret versions").
constexpr std::size_t kMaxVersionsHard = 500;
// AWS: at most 20 staging labels attached across a secret's versions.
constexpr std::size_t kMaxLabels = 20;
constexpr std::size_t kMaxTags = 50;
constexpr double kDay = 86400.0;

// Every error text comes from the one table in messages.cc.
Status NotFound() { return ApiFailure(Msg::kSecretNotFound); }
Status LimitExceeded() { return ApiFailure(Msg::kQuotaExceeded); }
Status MarkedForDeletion() { return ApiFailure(Msg::kMarkedForDeletion); }
Status Validation(std::string_view member, std::string_view constraint) {
  return ApiFailure(Msg::kValidation, {member, constraint});
}
Status Serialization(std::string_view what) {
  return ApiFailure(Msg::kSerialization, {what});
}

// Wipes a parsed request (it may hold a value) when the handler returns.
struct WipeOnExit {
  Json& j;
  ~WipeOnExit() { secrets::WipeJson(j); }
};

// Typed access to request members; SerializationException for wrong types.
StatusOr<std::optional<std::string>> OptString(const Json& req,
                                               const char* key) {
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Serialization(
        std::string("Start of structure or map found where not expected (") +
        key + ")");
  }
  return std::optional<std::string>(it->get<std::string>());
}

StatusOr<std::string> RequiredString(const Json& req, const char* key) {
  KW_ASSIGN_OR_RETURN(std::optional<std::string> v, OptString(req, key));
  if (!v) {
    return Validation(key, "Member must not be null");
  }
  return *v;
}

StatusOr<std::optional<std::int64_t>> OptInt(const Json& req, const char* key) {
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) {
    return Serialization(std::string("NUMBER_VALUE expected for ") + key);
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

StatusOr<bool> OptBool(const Json& req, const char* key, bool fallback) {
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return Serialization(std::string("Boolean expected for ") + key);
  }
  return it->get<bool>();
}

StatusOr<std::vector<std::string>> OptStringList(const Json& req,
                                                 const char* key) {
  std::vector<std::string> out;
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return Serialization(std::string("Expected list for ") + key);
  }
  for (const auto& e : *it) {
    if (!e.is_string()) {
      return Serialization(std::string("Expected strings in ") + key);
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

double Round3(double t) { return std::round(t * 1000.0) / 1000.0; }

bool HasStage(const StoredVersion& v, std::string_view stage) {
  return std::find(v.stages.begin(), v.stages.end(), stage) != v.stages.end();
}
void DropStage(StoredVersion& v, std::string_view stage) {
  v.stages.erase(std::remove(v.stages.begin(), v.stages.end(), stage),
                 v.stages.end());
}

std::string RandomSuffix() {
  static constexpr char kAlnum[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char buf[6];
  RAND_bytes(buf, sizeof buf);
  std::string s;
  for (unsigned char b : buf) s.push_back(kAlnum[b % 62]);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The payload of a write request.
struct Payload {
  bool present = false;
  bool binary = false;
  SecureString bytes;
};

// Strict RFC 4648 base64 (OpenSSL's decoder also accepts '=' inside the
// text and surrounding whitespace, which would store junk bytes).
bool IsStrictBase64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i + pad < s.size(); ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/')
      return false;
  }
  return true;
}

StatusOr<Payload> ReadPayload(const Json& req) {
  KW_ASSIGN_OR_RETURN(std::optional<std::string> str,
                      OptString(req, "SecretString"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> bin,
                      OptString(req, "SecretBinary"));
  Payload p;
  if (str && bin) {
    return ApiFailure(Msg::kBothValues);
  }
  if (str) {
    p.present = true;
    p.bytes.assign(str->begin(), str->end());
    WipeString(*str);
  } else if (bin) {
    std::optional<SecureString> decoded;
    if (IsStrictBase64(*bin)) decoded = secrets::Base64Decode(*bin);
    if (!decoded) {
      return ApiFailure(Msg::kBadBase64);
    }
    p.present = true;
    p.binary = true;
    p.bytes = std::move(*decoded);
  }
  if (p.present && p.bytes.size() > secrets::kMaxSecretValueBytes) {
    return Validation(p.binary ? "secretBinary" : "secretString",
                      "Member must have length less than or equal to 65536");
  }
  if (p.present && p.bytes.empty()) {
    return Validation(p.binary ? "secretBinary" : "secretString",
                      "Member must have length greater than or equal to 1");
  }
  return p;
}

Status CheckToken(const std::string& token) {
  if (token.size() < 32 || token.size() > 64) {
    return ApiFailure(Msg::kTokenLength);
  }
  return OkStatus();
}

StatusOr<std::vector<secrets::Tag>> ReadTags(const Json& req) {
  std::vector<secrets::Tag> tags;
  auto it = req.find("Tags");
  if (it == req.end() || it->is_null()) return tags;
  if (!it->is_array()) return Serialization("Expected list for Tags");
  for (const auto& t : *it) {
    if (!t.is_object()) return Serialization("Expected Tag objects");
    KW_ASSIGN_OR_RETURN(std::optional<std::string> key, OptString(t, "Key"));
    KW_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        OptString(t, "Value"));
    if (!key || key->empty() || key->size() > 128) {
      return ApiFailure(Msg::kTagKeyLength);
    }
    if (value && value->size() > 256) return ApiFailure(Msg::kTagValueLength);
    if (Lower(*key).starts_with("aws:")) {
      return ApiFailure(Msg::kTagKeyReserved);
    }
    tags.push_back({*key, value.value_or("")});
  }
  return tags;
}

Status MergeTags(std::vector<secrets::Tag>& into,
                 const std::vector<secrets::Tag>& add) {
  for (const auto& t : add) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const auto& x) { return x.key == t.key; });
    if (it != into.end()) {
      it->value = t.value;
    } else {
      into.push_back(t);
    }
  }
  if (into.size() > kMaxTags) {
    return ApiFailure(Msg::kTooManyTags);
  }
  return OkStatus();
}

Json TagsJson(const std::vector<secrets::Tag>& tags) {
  Json out = Json::array();
  for (const auto& t : tags)
    out.push_back({{"Key", t.key}, {"Value", t.value}});
  return out;
}

// ListSecrets / BatchGetSecretValue filters, as AWS documents them and as
// tests verified against AWS record (moto's test_list_secrets.py):
//   name, tag-key, tag-value, primary-region: prefix match, case-sensitive;
//   description and all: word match, not case-sensitive ("all" searches the
//     name, description, tag keys and tag values); a filter value's words
//     must each start a word of the same attribute ("o t" matches "one two");
//   owning-service: nothing here is owned by a service;
//   a leading '!' negates (the secret matches when no attribute matches);
//   values of one filter are ORed, filters (even with the same key) ANDed.
struct Filter {
  std::string key;
  std::vector<std::string> values;
};

StatusOr<std::vector<Filter>> ReadFilters(const Json& req) {
  std::vector<Filter> out;
  auto it = req.find("Filters");
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_array()) return Serialization("Expected list for Filters");
  if (it->size() > 10) return ApiFailure(Msg::kTooManyFilters);
  static const std::vector<std::string> kKeys = {
      "description",    "name",           "tag-key", "tag-value",
      "primary-region", "owning-service", "all"};
  std::size_t index = 0;
  for (const auto& f : *it) {
    ++index;
    if (!f.is_object()) return Serialization("Expected Filter objects");
    Filter filter;
    KW_ASSIGN_OR_RETURN(std::optional<std::string> key, OptString(f, "Key"));
    if (!key) return ApiFailure(Msg::kInvalidFilterKey);
    filter.key = *key;
    if (std::find(kKeys.begin(), kKeys.end(), filter.key) == kKeys.end()) {
      return ApiFailure(Msg::kFilterKeyEnum,
                        {filter.key, std::to_string(index)});
    }
    KW_ASSIGN_OR_RETURN(filter.values, OptStringList(f, "Values"));
    if (filter.values.empty())
      return ApiFailure(Msg::kInvalidFilterValues, {filter.key});
    if (filter.values.size() > 10) return ApiFailure(Msg::kTooManyFilterValues);
    out.push_back(std::move(filter));
  }
  return out;
}

}  // namespace

// Words as AWS's word match sees them (verified: "AppBeta" finds
// "prod/AppBeta/x"; "COMPANYthings" is "COMPAN" + "Ythings"; a string with
// two different separators is one word; a lone separator is no word):
// split at whitespace, then at the one separator character among
// "/-_+=.@" a piece uses, then before every character that starts a run of
// lowercase letters.
std::vector<std::string> FilterWords(std::string_view text) {
  static constexpr std::string_view kSeparators = "/-_+=.@";
  std::vector<std::string> out;
  auto split_case = [&out](std::string_view part) {
    std::string cur;
    std::size_t i = 0;
    auto lower = [&part](std::size_t k) {
      return k < part.size() && part[k] >= 'a' && part[k] <= 'z';
    };
    while (i < part.size()) {
      if (!lower(i) && lower(i + 1)) {
        if (!cur.empty()) out.push_back(std::move(cur));
        cur.clear();
        std::size_t j = i + 1;
        while (lower(j)) ++j;
        out.emplace_back(part.substr(i, j - i));
        i = j;
      } else {
        cur.push_back(part[i++]);
      }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
  };
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    std::size_t j = i;
    while (j < text.size() &&
           !std::isspace(static_cast<unsigned char>(text[j])))
      ++j;
    std::string_view piece = text.substr(i, j - i);
    i = j;
    if (piece.empty()) continue;
    std::string used;
    for (char c : piece) {
      if (kSeparators.find(c) != std::string_view::npos &&
          used.find(c) == std::string::npos) {
        used.push_back(c);
      }
    }
    if (used.size() >= 2) {
      out.emplace_back(piece);
      continue;
    }
    std::size_t start = 0;
    while (start <= piece.size()) {
      std::size_t end =
          used.empty() ? std::string_view::npos : piece.find(used[0], start);
      std::string_view part = piece.substr(start, end == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : end - start);
      if (!part.empty()) split_case(part);
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }
  return out;
}

namespace {

bool WordMatch(std::string_view attr, std::string_view value) {
  std::vector<std::string> want = FilterWords(value);
  if (want.empty()) return false;
  std::vector<std::string> have = FilterWords(attr);
  for (auto& w : want) {
    w = Lower(w);
    bool found = false;
    for (const auto& h : have) found |= Lower(h).starts_with(w);
    if (!found) return false;
  }
  return true;
}

bool FilterMatches(const StoredSecret& s, const Filter& f) {
  std::vector<std::string_view> attrs;
  bool words = false;
  if (f.key == "name") {
    attrs = {s.name};
  } else if (f.key == "description") {
    // Without a description a secret matches no description filter, not
    // even a negated one (as recorded by test_with_filter_with_negation).
    if (s.description.empty()) return false;
    attrs = {s.description};
    words = true;
  } else if (f.key == "tag-key") {
    for (const auto& t : s.tags) attrs.push_back(t.key);
  } else if (f.key == "tag-value") {
    for (const auto& t : s.tags) attrs.push_back(t.value);
  } else if (f.key == "primary-region") {
    attrs = {s.region};
  } else if (f.key == "all") {
    attrs = {s.name};
    if (!s.description.empty()) attrs.push_back(s.description);
    for (const auto& t : s.tags) {
      attrs.push_back(t.key);
      attrs.push_back(t.value);
    }
    words = true;
  }
  for (std::string_view v : f.values) {
    bool negate = v.starts_with("!");
    if (negate) v.remove_prefix(1);
    bool hit = false;
    for (auto a : attrs) hit |= words ? WordMatch(a, v) : a.starts_with(v);
    if (hit != negate) return true;
  }
  return false;
}

bool AllFiltersMatch(const StoredSecret& s,
                     const std::vector<Filter>& filters) {
  for (const auto& f : filters) {
    if (!FilterMatches(s, f)) return false;
  }
  return true;
}

std::string EncodeToken(std::size_t offset) {
  return secrets::Base64Encode("kw1:" + std::to_string(offset));
}
StatusOr<std::size_t> DecodeToken(const std::string& token) {
  auto bad = [] { return ApiFailure(Msg::kNextToken); };
  std::optional<SecureString> raw = secrets::Base64Decode(token);
  if (!raw || raw->size() < 5 || raw->substr(0, 4) != "kw1:") return bad();
  std::size_t n = 0;
  for (char c : raw->substr(4)) {
    if (c < '0' || c > '9' || n > 1000000000) return bad();
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

StatusOr<int> PageSize(const Json& req, int max, int fallback) {
  KW_ASSIGN_OR_RETURN(std::optional<std::int64_t> n, OptInt(req, "MaxResults"));
  if (!n) return fallback;
  if (*n < 1 || *n > max) {
    return Validation("maxResults", "Member must have value between 1 and " +
                                        std::to_string(max));
  }
  return static_cast<int>(*n);
}

}  // namespace

struct SecretsService::Impl {
  ServiceOptions opt;
  std::unique_ptr<SecretStore> store;
  std::unique_ptr<ValueCipher> cipher;
  mutable std::shared_mutex mu;
  // Every region's secrets; ARNs carry the region, names are per region
  // (NameKey).
  std::map<std::string, StoredSecret> by_arn;                // guarded by mu
  std::unordered_map<std::string, std::string> name_to_arn;  // guarded by mu
  // Secrets whose LastAccessedDate changed since the last store write, and
  // when the oldest such change happened (guarded by mu).
  std::set<std::string> touched;
  double first_touch = 0;

  double Now() const { return Round3(ToEpochSeconds(opt.clock->Now())); }

  const std::string& RegionOf(const Caller& c) const {
    return c.region.empty() ? opt.region : c.region;
  }
  static std::string NameKey(std::string_view region, std::string_view name) {
    std::string key(region);
    key.push_back('\n');
    key.append(name);
    return key;
  }
  std::string ArnFor(std::string_view region, std::string_view name,
                     std::string_view suffix) const {
    return ArnPrefix(region) + std::string(name) + "-" + std::string(suffix);
  }
  std::string ArnPrefix(std::string_view region) const {
    return "arn:aws:secretsmanager:" + std::string(region) + ":" +
           opt.account_id + ":secret:";
  }

  // The secret `id` (name, ARN or partial ARN) names in `region`, including
  // secrets scheduled for deletion whose window has not passed. An ARN of
  // another region names nothing here (as in AWS, each region's endpoint
  // sees only its own secrets). Requires mu.
  StoredSecret* Find(const std::string& id, const std::string& region) {
    auto it = name_to_arn.find(NameKey(region, id));
    std::string arn;
    std::string prefix = ArnPrefix(region);
    if (it != name_to_arn.end()) {
      arn = it->second;
    } else if (id.starts_with(prefix)) {
      if (by_arn.count(id)) {
        arn = id;
      } else if (auto n = name_to_arn.find(
                     NameKey(region, id.substr(prefix.size())));
                 n != name_to_arn.end()) {
        arn = n->second;  // partial ARN (without the random suffix)
      }
    }
    auto s = by_arn.find(arn);
    if (s == by_arn.end()) return nullptr;
    if (s->second.deleted != 0 && s->second.deleted <= Now())
      return nullptr;  // expired
    return &s->second;
  }

  // The resource ARN used for authorization of a request naming `id`.
  std::string ResourceFor(const std::string& id, const std::string& region) {
    if (StoredSecret* s = Find(id, region)) return s->arn;
    if (id.starts_with("arn:")) return id;
    return ArnPrefix(region) + id;
  }

  // Evaluates `op` on `resource` (the secret's ARN when it exists). The
  // message names the resource as the request `named` it, never the
  // resolved ARN: the same text whether or not the secret exists, so a
  // denied caller learns nothing about other secrets.
  Status Authorize(const Caller& caller, std::string_view op,
                   const std::string& resource, std::string_view named) {
    if (caller.policy == nullptr) return OkStatus();
    std::string action = "secretsmanager:" + std::string(op);
    if (caller.policy->Allowed(action, resource)) return OkStatus();
    return ApiFailure(Msg::kAccessDenied, {"arn:aws:iam::" + opt.account_id +
                                               ":user/" + caller.access_key_id,
                                           action, named});
  }
  Status AuthorizeId(const Caller& caller, std::string_view op,
                     const std::string& id) {
    return Authorize(caller, op, ResourceFor(id, RegionOf(caller)), id);
  }

  // Persists `s` (already modified in memory; `before` is its stored state,
  // null for a new secret): enforces the staging-label quota, re-encrypts
  // the values whose labels changed (labels are bound into the associated
  // data) and writes only what changed. Requires mu held exclusively.
  Status Persist(StoredSecret& s, const StoredSecret* before) {
    std::set<std::string_view> labels;
    for (const auto& v : s.versions)
      labels.insert(v.stages.begin(), v.stages.end());
    if (labels.size() > kMaxLabels) return LimitExceeded();
    if (before != nullptr) KW_RETURN_IF_ERROR(Reseal(s, *before));
    FlushTouched();
    Status st = before ? store->SaveChanges(s, *before) : store->Save(s);
    if (!st.ok()) {
      warn("store write failed: " + st.message());
      return ApiFailure(Msg::kInternal);
    }
    return OkStatus();
  }

  void warn(const std::string& msg) const {
    if (opt.warn) opt.warn(msg);
  }

  // Removes secrets whose recovery window has passed. Requires exclusive mu.
  void PurgeExpired() {
    double now = Now();
    for (auto it = by_arn.begin(); it != by_arn.end();) {
      if (it->second.deleted != 0 && it->second.deleted <= now) {
        if (!store->Remove(it->first).ok()) {
          ++it;
          continue;
        }
        if (auto n =
                name_to_arn.find(NameKey(it->second.region, it->second.name));
            n != name_to_arn.end() && n->second == it->first) {
          name_to_arn.erase(n);
        }
        it = by_arn.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Re-encrypts every version of `s` whose labels differ from `before`.
  Status Reseal(StoredSecret& s, const StoredSecret& before) {
    std::map<std::string_view, const StoredVersion*> old;
    for (const auto& v : before.versions) old[v.version_id] = &v;
    for (auto& v : s.versions) {
      auto it = old.find(v.version_id);
      if (it == old.end() || it->second->stages == v.stages) continue;
      KW_ASSIGN_OR_RETURN(SecureString plain, DecryptVersion(s, *it->second));
      auto blob = cipher->Encrypt(std::string_view(plain.data(), plain.size()),
                                  AadFor(s, v));
      SecureWipe(plain.data(), plain.size());
      if (!blob.ok()) return blob.status();
      v.blob = std::move(blob).value();
    }
    return OkStatus();
  }

  static std::string AadFor(const StoredSecret& s, const StoredVersion& v) {
    return ValueAadV2(s.arn, v.version_id, v.binary, v.stages);
  }

  StatusOr<SecureString> DecryptVersion(const StoredSecret& s,
                                        const StoredVersion& v) const {
    auto plain = cipher->Decrypt(v.blob, AadFor(s, v));
    if (!plain.ok()) {
      warn("INTEGRITY FAILURE: the stored value of secret " + s.name +
           " version " + v.version_id +
           " failed authentication (modified, moved or wrong key); not served");
      return ApiFailure(Msg::kIntegrityFailure);
    }
    return std::move(plain).value();
  }

  // Adds a version carrying `stages`, moving those stages from other versions
  // (AWSCURRENT's previous holder becomes AWSPREVIOUS).
  Status AddVersion(StoredSecret& s, const std::string& version_id,
                    const Payload& p, std::vector<std::string> stages) {
    StoredVersion v;
    v.version_id = version_id;
    v.created = Now();
    v.binary = p.binary;
    s.versions.push_back(std::move(v));
    for (const auto& stage : stages) MoveStage(s, stage, s.versions.back());
    // Encrypted once its labels are final (they are associated data).
    KW_ASSIGN_OR_RETURN(
        s.versions.back().blob,
        cipher->Encrypt(std::string_view(p.bytes.data(), p.bytes.size()),
                        AadFor(s, s.versions.back())));
    Prune(s);
    if (s.versions.size() > kMaxVersionsHard) return LimitExceeded();
    s.last_changed = Now();
    return OkStatus();
  }

  void MoveStage(StoredSecret& s, const std::string& stage, StoredVersion& to) {
    StoredVersion* from = nullptr;
    for (auto& v : s.versions) {
      if (&v != &to && HasStage(v, stage)) from = &v;
    }
    if (from != nullptr) DropStage(*from, stage);
    if (!HasStage(to, stage)) to.stages.push_back(stage);
    if (stage == kCurrent && from != nullptr) {
      for (auto& v : s.versions) DropStage(v, kPrevious);
      from->stages.push_back(std::string(kPrevious));
    }
  }

  // AWS: outdated (unlabelled) versions are removed when there are more
  // than 100, but never one created less than 24 hours ago.
  void Prune(StoredSecret& s) {
    double cutoff = Now() - kDay;
    while (s.versions.size() > kMaxVersions) {
      auto it = std::find_if(s.versions.begin(), s.versions.end(),
                             [cutoff](const StoredVersion& v) {
                               return v.stages.empty() && v.created <= cutoff;
                             });
      if (it == s.versions.end()) break;
      s.versions.erase(it);
    }
  }

  StoredVersion* FindVersion(StoredSecret& s, std::string_view id) {
    for (auto& v : s.versions) {
      if (v.version_id == id) return &v;
    }
    return nullptr;
  }

  // Idempotency: an existing version with this token. Returns true (and sets
  // *same) when it exists.
  StatusOr<bool> ExistingToken(StoredSecret& s, const std::string& token,
                               const Payload& p) {
    StoredVersion* v = FindVersion(s, token);
    if (v == nullptr) return false;
    KW_ASSIGN_OR_RETURN(SecureString old, DecryptVersion(s, *v));
    if (v->binary != p.binary || old != p.bytes) {
      return ApiFailure(Msg::kTokenInUse, {token, s.arn});
    }
    return true;
  }

  StatusOr<std::string> TokenOrNew(const Json& req) {
    KW_ASSIGN_OR_RETURN(std::optional<std::string> token,
                        OptString(req, "ClientRequestToken"));
    if (!token) return opt.new_uuid();
    KW_RETURN_IF_ERROR(CheckToken(*token));
    return *token;
  }

  Json ValueJson(const StoredSecret& s, const StoredVersion& v,
                 SecureString& plain) const {
    Json out{{"ARN", s.arn},
             {"Name", s.name},
             {"VersionId", v.version_id},
             {"VersionStages", v.stages},
             {"CreatedDate", v.created}};
    if (v.binary) {
      out["SecretBinary"] =
          secrets::Base64Encode(std::string_view(plain.data(), plain.size()));
    } else {
      out["SecretString"] = std::string(plain.data(), plain.size());
    }
    SecureWipe(plain.data(), plain.size());
    return out;
  }

  Json MetadataJson(const StoredSecret& s, bool list) const {
    Json versions = Json::object();
    for (const auto& v : s.versions) {
      if (!v.stages.empty()) versions[v.version_id] = v.stages;
    }
    // Like AWS: RotationEnabled only once rotation was configured (never,
    // here), the version map only when there are versions.
    Json out{{"ARN", s.arn},
             {"Name", s.name},
             {"LastChangedDate", s.last_changed},
             {"CreatedDate", s.created}};
    if (!versions.empty())
      out[list ? "SecretVersionsToStages" : "VersionIdsToStages"] = versions;
    if (!s.description.empty()) out["Description"] = s.description;
    if (!s.kms_key_id.empty()) out["KmsKeyId"] = s.kms_key_id;
    if (s.last_accessed != 0) out["LastAccessedDate"] = s.last_accessed;
    if (s.deleted != 0) out["DeletedDate"] = s.deletion_requested;
    if (!s.tags.empty()) out["Tags"] = TagsJson(s.tags);
    return out;
  }

  // Selects the version GetSecretValue asks for.
  StatusOr<StoredVersion*> SelectVersion(StoredSecret& s,
                                         const std::string& version_id,
                                         const std::string& stage_in) {
    std::string stage = stage_in.empty() && version_id.empty()
                            ? std::string(kCurrent)
                            : stage_in;
    StoredVersion* v = nullptr;
    if (!version_id.empty()) {
      v = FindVersion(s, version_id);
      if (v == nullptr) {
        return ApiFailure(Msg::kNoValueForVersion, {version_id});
      }
      if (!stage.empty() && !HasStage(*v, stage)) {
        return ApiFailure(Msg::kStageNotOnVersion);
      }
      return v;
    }
    for (auto& c : s.versions) {
      if (HasStage(c, stage)) v = &c;
    }
    if (v == nullptr) {
      return ApiFailure(Msg::kNoValueForStage, {stage});
    }
    return v;
  }

  // Stores written before staging labels were bound into the associated
  // data ("value_aad" meta absent) are re-encrypted once, all secrets and
  // the meta row in one transaction, so a crash leaves either format
  // entirely. A value that fails the old check is left as it is (it keeps
  // failing, and is never served) and reported.
  Status MigrateValueAad(std::vector<StoredSecret>& all) {
    auto done = store->GetMeta("value_aad");
    if (done.ok() && *done == "2") return OkStatus();
    if (done.ok()) {
      return FailedPreconditionError(
          "store: unknown value format " + *done +
          " (written by a newer keyward?); refusing to start");
    }
    if (done.status().code() != StatusCode::kNotFound) return done.status();
    std::vector<const StoredSecret*> changed;
    for (auto& s : all) {
      for (auto& v : s.versions) {
        auto plain =
            cipher->Decrypt(v.blob, ValueAad(s.name, v.version_id, v.binary));
        if (!plain.ok()) {
          warn("INTEGRITY FAILURE: the stored value of secret " + s.name +
               " version " + v.version_id +
               " failed authentication during migration; left as is");
          continue;
        }
        auto blob = cipher->Encrypt(
            std::string_view(plain->data(), plain->size()), AadFor(s, v));
        SecureWipe(plain->data(), plain->size());
        if (!blob.ok()) return blob.status();
        v.blob = std::move(blob).value();
      }
      if (!s.versions.empty()) changed.push_back(&s);
    }
    return store->SaveMany(changed, "value_aad", "2");
  }

  // --- operations ---------------------------------------------------------

  StatusOr<Json> GetSecretValue(const Json& req, const Caller& caller,
                                std::string* id_out);
  StatusOr<Json> GetOne(const std::string& id, const std::string& version_id,
                        const std::string& stage, const Caller& caller);
  void TouchAccessed(const std::string& arn, const std::string& version_id);
  // Writes the pending LastAccessedDate updates. Requires exclusive mu.
  void FlushTouched();
  StatusOr<Json> BatchGetSecretValue(const Json& req, const Caller& caller);
  StatusOr<Json> DescribeSecret(const Json& req, const Caller& caller);
  StatusOr<Json> ListSecrets(const Json& req, const Caller& caller);
  StatusOr<Json> CreateSecret(const Json& req, const Caller& caller);
  StatusOr<Json> PutSecretValue(const Json& req, const Caller& caller);
  StatusOr<Json> UpdateSecret(const Json& req, const Caller& caller);
  StatusOr<Json> DeleteSecret(const Json& req, const Caller& caller);
  StatusOr<Json> RestoreSecret(const Json& req, const Caller& caller);
  StatusOr<Json> ListSecretVersionIds(const Json& req, const Caller& caller);
  StatusOr<Json> UpdateSecretVersionStage(const Json& req,
                                          const Caller& caller);
  StatusOr<Json> TagResource(const Json& req, const Caller& caller);
  StatusOr<Json> UntagResource(const Json& req, const Caller& caller);
  StatusOr<Json> GetRandomPassword(const Json& req, const Caller& caller);

  // Looks up a live secret for a write, authorizing `op` first.
  StatusOr<StoredSecret*> ForWrite(const std::string& id, std::string_view op,
                                   const Caller& caller,
                                   bool allow_deleted = false) {
    KW_RETURN_IF_ERROR(AuthorizeId(caller, op, id));
    StoredSecret* s = Find(id, RegionOf(caller));
    if (s == nullptr) return NotFound();
    if (s->deleted != 0 && !allow_deleted) return MarkedForDeletion();
    return s;
  }
};

StatusOr<Json> SecretsService::Impl::GetOne(const std::string& id,
                                            const std::string& version_id,
                                            const std::string& stage,
                                            const Caller& caller) {
  std::string arn, vid;
  bool touch = false;
  Json out;
  {
    std::shared_lock lock(mu);
    KW_RETURN_IF_ERROR(AuthorizeId(caller, "GetSecretValue", id));
    StoredSecret* s = Find(id, RegionOf(caller));
    if (s == nullptr) return NotFound();
    if (s->deleted != 0) return MarkedForDeletion();
    KW_ASSIGN_OR_RETURN(StoredVersion * v,
                        SelectVersion(*s, version_id, stage));
    KW_ASSIGN_OR_RETURN(SecureString plain, DecryptVersion(*s, *v));
    out = ValueJson(*s, *v, plain);
    double today = std::floor(Now() / kDay) * kDay;
    touch = s->last_accessed != today || v->last_accessed != today;
    arn = s->arn;
    vid = v->version_id;
  }
  if (touch) TouchAccessed(arn, vid);
  return out;
}

// LastAccessedDate has day granularity (as in AWS), so this happens at most
// once a day per version and the hot read path stays lock-shared. The date
// is updated in memory now and written with the next write, at most a
// minute later, or at shutdown, in one batched transaction: a read never
// waits for an fsync of its own.
void SecretsService::Impl::TouchAccessed(const std::string& arn,
                                         const std::string& version_id) {
  std::unique_lock lock(mu);
  auto it = by_arn.find(arn);
  if (it == by_arn.end()) return;
  double now = Now();
  double today = std::floor(now / kDay) * kDay;
  it->second.last_accessed = today;
  if (StoredVersion* v = FindVersion(it->second, version_id))
    v->last_accessed = today;
  if (touched.empty()) first_touch = now;
  touched.insert(arn);
  if (now - first_touch >= 60) FlushTouched();
}

void SecretsService::Impl::FlushTouched() {
  if (touched.empty()) return;
  std::vector<const StoredSecret*> batch;
  for (const auto& arn : touched) {
    auto it = by_arn.find(arn);
    if (it != by_arn.end()) batch.push_back(&it->second);
  }
  Status st = store->SaveDocs(batch);
  if (!st.ok()) {
    warn("store write failed (last accessed dates): " + st.message());
  }
  touched.clear();
}

StatusOr<Json> SecretsService::Impl::GetSecretValue(const Json& req,
                                                    const Caller& caller,
                                                    std::string* id_out) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  *id_out = id;
  KW_ASSIGN_OR_RETURN(std::optional<std::string> version_id,
                      OptString(req, "VersionId"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> stage,
                      OptString(req, "VersionStage"));
  return GetOne(id, version_id.value_or(""), stage.value_or(""), caller);
}

StatusOr<Json> SecretsService::Impl::BatchGetSecretValue(const Json& req,
                                                         const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      OptStringList(req, "SecretIdList"));
  KW_ASSIGN_OR_RETURN(std::vector<Filter> filters, ReadFilters(req));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> token,
                      OptString(req, "NextToken"));
  bool has_ids = req.contains("SecretIdList") && !req["SecretIdList"].is_null();
  bool has_filters = req.contains("Filters") && !req["Filters"].is_null();
  if (has_ids == has_filters) {
    return ApiFailure(Msg::kBatchIdsOrFilters);
  }
  if (has_ids && req.contains("MaxResults")) {
    return ApiFailure(Msg::kBatchMaxResultsNeedsFilters);
  }
  if (ids.size() > 20)
    return Validation("secretIdList",
                      "Member must have length less than or equal to 20");
  KW_RETURN_IF_ERROR(Authorize(caller, "BatchGetSecretValue", "*", "*"));
  // Filters enumerate secrets: AWS requires ListSecrets for them too.
  if (has_filters)
    KW_RETURN_IF_ERROR(Authorize(caller, "ListSecrets", "*", "*"));
  Json out{{"SecretValues", Json::array()}, {"Errors", Json::array()}};
  if (has_filters) {
    KW_ASSIGN_OR_RETURN(int page, PageSize(req, 20, 20));
    std::size_t offset = 0;
    if (token) {
      KW_ASSIGN_OR_RETURN(offset, DecodeToken(*token));
    }
    {
      std::shared_lock lock(mu);
      std::vector<const StoredSecret*> matches;
      const std::string& region = RegionOf(caller);
      for (const auto& [arn, s] : by_arn) {
        if (s.region == region && s.deleted == 0 && AllFiltersMatch(s, filters))
          matches.push_back(&s);
      }
      std::sort(matches.begin(), matches.end(), [](auto* a, auto* b) {
        return std::tie(a->created, a->name) < std::tie(b->created, b->name);
      });
      for (std::size_t i = offset;
           i < matches.size() && ids.size() < static_cast<std::size_t>(page);
           ++i) {
        ids.push_back(matches[i]->name);
      }
      if (offset + ids.size() < matches.size())
        out["NextToken"] = EncodeToken(offset + ids.size());
    }
  }
  for (const auto& id : ids) {
    StatusOr<Json> v = GetOne(id, "", "", caller);
    if (v.ok()) {
      out["SecretValues"].push_back(std::move(v).value());
    } else {
      out["Errors"].push_back({{"SecretId", id},
                               {"ErrorCode", v.status().error_type()},
                               {"Message", v.status().message()}});
    }
  }
  return out;
}

StatusOr<Json> SecretsService::Impl::DescribeSecret(const Json& req,
                                                    const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  std::shared_lock lock(mu);
  KW_RETURN_IF_ERROR(AuthorizeId(caller, "DescribeSecret", id));
  StoredSecret* s = Find(id, RegionOf(caller));
  if (s == nullptr) return NotFound();
  return MetadataJson(*s, false);
}

StatusOr<Json> SecretsService::Impl::ListSecrets(const Json& req,
                                                 const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::vector<Filter> filters, ReadFilters(req));
  KW_ASSIGN_OR_RETURN(int page, PageSize(req, 100, 100));
  KW_ASSIGN_OR_RETURN(bool include_deleted,
                      OptBool(req, "IncludePlannedDeletion", false));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> token,
                      OptString(req, "NextToken"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> order,
                      OptString(req, "SortOrder"));
  if (order && *order != "asc" && *order != "desc") {
    return Validation("sortOrder",
                      "Member must satisfy enum value set: [asc, desc]");
  }
  KW_ASSIGN_OR_RETURN(std::optional<std::string> sort_by,
                      OptString(req, "SortBy"));
  static const std::vector<std::string> kSortKeys = {
      "created-date", "last-accessed-date", "last-changed-date", "name"};
  if (sort_by && std::find(kSortKeys.begin(), kSortKeys.end(), *sort_by) ==
                     kSortKeys.end()) {
    return Validation("sortBy",
                      "Member must satisfy enum value set: [created-date, "
                      "last-accessed-date, last-changed-date, name]");
  }
  std::size_t offset = 0;
  if (token) {
    KW_ASSIGN_OR_RETURN(offset, DecodeToken(*token));
  }
  KW_RETURN_IF_ERROR(Authorize(caller, "ListSecrets", "*", "*"));
  std::shared_lock lock(mu);
  double now = Now();
  std::vector<const StoredSecret*> matches;
  const std::string& region = RegionOf(caller);
  for (const auto& [arn, s] : by_arn) {
    if (s.region != region) continue;
    if (s.deleted != 0 && (!include_deleted || s.deleted <= now)) continue;
    if (AllFiltersMatch(s, filters)) matches.push_back(&s);
  }
  bool desc = order && *order == "desc";
  // AWS: sorted by SortBy (default created-date), SortOrder (default asc).
  std::string by = sort_by.value_or("created-date");
  auto key = [&by](const StoredSecret* s) {
    double d = by == "last-accessed-date"  ? s->last_accessed
               : by == "last-changed-date" ? s->last_changed
               : by == "name"              ? 0.0
                                           : s->created;
    return std::pair<double, const std::string&>(d, s->name);
  };
  std::stable_sort(matches.begin(), matches.end(),
                   [&](const StoredSecret* a, const StoredSecret* b) {
                     auto ka = key(a), kb = key(b);
                     return desc ? kb < ka : ka < kb;
                   });
  Json out{{"SecretList", Json::array()}};
  std::size_t end =
      std::min(matches.size(), offset + static_cast<std::size_t>(page));
  for (std::size_t i = offset; i < end; ++i)
    out["SecretList"].push_back(MetadataJson(*matches[i], true));
  if (end < matches.size()) out["NextToken"] = EncodeToken(end);
  return out;
}

StatusOr<Json> SecretsService::Impl::CreateSecret(const Json& req,
                                                  const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string name, RequiredString(req, "Name"));
  Status limits = CheckStoreNameLimits(name);
  if (!limits.ok()) {
    return ApiFailure(Msg::kInvalidName);
  }
  KW_ASSIGN_OR_RETURN(Payload payload, ReadPayload(req));
  KW_ASSIGN_OR_RETURN(std::string token, TokenOrNew(req));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> description,
                      OptString(req, "Description"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> kms,
                      OptString(req, "KmsKeyId"));
  KW_ASSIGN_OR_RETURN(std::vector<secrets::Tag> tags, ReadTags(req));
  if (description && description->size() > 2048) {
    return Validation("description",
                      "Member must have length less than or equal to 2048");
  }
  std::unique_lock lock(mu);
  PurgeExpired();
  if (StoredSecret* s = Find(name, RegionOf(caller))) {
    KW_RETURN_IF_ERROR(Authorize(caller, "CreateSecret", s->arn, name));
    if (s->deleted != 0) {
      return ApiFailure(Msg::kCreateWhileScheduled);
    }
    if (payload.present) {
      KW_ASSIGN_OR_RETURN(bool same, ExistingToken(*s, token, payload));
      if (same)
        return Json{{"ARN", s->arn}, {"Name", s->name}, {"VersionId", token}};
    }
    return ApiFailure(Msg::kSecretExists, {name});
  }
  StoredSecret s;
  s.name = name;
  s.region = RegionOf(caller);
  s.arn = ArnFor(s.region, name, RandomSuffix());
  KW_RETURN_IF_ERROR(Authorize(caller, "CreateSecret", s.arn, name));
  s.description = description.value_or("");
  s.kms_key_id = kms.value_or("");
  s.created = s.last_changed = Now();
  KW_RETURN_IF_ERROR(MergeTags(s.tags, tags));
  if (payload.present)
    KW_RETURN_IF_ERROR(AddVersion(s, token, payload, {std::string(kCurrent)}));
  KW_RETURN_IF_ERROR(Persist(s, nullptr));
  Json out{{"ARN", s.arn}, {"Name", s.name}};
  if (payload.present) out["VersionId"] = token;
  name_to_arn[NameKey(s.region, s.name)] = s.arn;
  by_arn[s.arn] = std::move(s);
  return out;
}

StatusOr<Json> SecretsService::Impl::PutSecretValue(const Json& req,
                                                    const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  KW_ASSIGN_OR_RETURN(Payload payload, ReadPayload(req));
  KW_ASSIGN_OR_RETURN(std::string token, TokenOrNew(req));
  KW_ASSIGN_OR_RETURN(std::vector<std::string> stages,
                      OptStringList(req, "VersionStages"));
  if (!payload.present) {
    return ApiFailure(Msg::kNeedValue);
  }
  if (req.contains("VersionStages") && (stages.empty() || stages.size() > 20)) {
    return Validation("versionStages",
                      "Member must have length between 1 and 20");
  }
  if (stages.empty()) stages.push_back(std::string(kCurrent));
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s, ForWrite(id, "PutSecretValue", caller));
  KW_ASSIGN_OR_RETURN(bool same, ExistingToken(*s, token, payload));
  // AWS: the first version of a secret always gets AWSCURRENT, whatever
  // VersionStages says.
  if (s->versions.empty() &&
      std::find(stages.begin(), stages.end(), kCurrent) == stages.end()) {
    stages.push_back(std::string(kCurrent));
  }
  if (!same) {
    StoredSecret updated = *s;
    KW_RETURN_IF_ERROR(AddVersion(updated, token, payload, stages));
    KW_RETURN_IF_ERROR(Persist(updated, s));
    *s = std::move(updated);
  }
  StoredVersion* v = FindVersion(*s, token);
  return Json{{"ARN", s->arn},
              {"Name", s->name},
              {"VersionId", token},
              {"VersionStages", v ? v->stages : std::vector<std::string>{}}};
}

StatusOr<Json> SecretsService::Impl::UpdateSecret(const Json& req,
                                                  const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  KW_ASSIGN_OR_RETURN(Payload payload, ReadPayload(req));
  KW_ASSIGN_OR_RETURN(std::string token, TokenOrNew(req));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> description,
                      OptString(req, "Description"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> kms,
                      OptString(req, "KmsKeyId"));
  if (description && description->size() > 2048) {
    return Validation("description",
                      "Member must have length less than or equal to 2048");
  }
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s, ForWrite(id, "UpdateSecret", caller));
  StoredSecret updated = *s;
  if (description) updated.description = *description;
  if (kms) updated.kms_key_id = *kms;
  updated.last_changed = Now();
  bool new_version = false;
  if (payload.present) {
    KW_ASSIGN_OR_RETURN(bool same, ExistingToken(updated, token, payload));
    if (!same) {
      KW_RETURN_IF_ERROR(
          AddVersion(updated, token, payload, {std::string(kCurrent)}));
    }
    new_version = true;
  }
  KW_RETURN_IF_ERROR(Persist(updated, s));
  *s = std::move(updated);
  Json out{{"ARN", s->arn}, {"Name", s->name}};
  if (new_version) out["VersionId"] = token;
  return out;
}

StatusOr<Json> SecretsService::Impl::DeleteSecret(const Json& req,
                                                  const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  KW_ASSIGN_OR_RETURN(std::optional<std::int64_t> window,
                      OptInt(req, "RecoveryWindowInDays"));
  KW_ASSIGN_OR_RETURN(bool force,
                      OptBool(req, "ForceDeleteWithoutRecovery", false));
  if (force && window) {
    return ApiFailure(Msg::kForceWithWindow);
  }
  if (window && (*window < 7 || *window > 30)) {
    return ApiFailure(Msg::kWindowRange);
  }
  std::unique_lock lock(mu);
  double now = Now();
  if (force && Find(id, RegionOf(caller)) == nullptr) {
    // AWS documents that forcibly deleting a nonexistent secret does not
    // return ResourceNotFoundException.
    KW_RETURN_IF_ERROR(AuthorizeId(caller, "DeleteSecret", id));
    bool arn = id.starts_with("arn:");
    std::string name = arn ? id.substr(id.rfind(':') + 1) : id;
    return Json{
        {"ARN", arn ? id : ArnFor(RegionOf(caller), id, RandomSuffix())},
        {"Name", name},
        {"DeletionDate", now}};
  }
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(id, "DeleteSecret", caller, true));
  if (force) {
    Status st = store->Remove(s->arn);
    if (!st.ok()) {
      warn("store write failed: " + st.message());
      return ApiFailure(Msg::kInternal);
    }
    Json out{{"ARN", s->arn}, {"Name", s->name}, {"DeletionDate", now}};
    name_to_arn.erase(NameKey(s->region, s->name));
    by_arn.erase(s->arn);
    return out;
  }
  if (s->deleted != 0) {
    return ApiFailure(Msg::kAlreadyScheduledForDeletion);
  }
  StoredSecret updated = *s;
  updated.deletion_requested = now;
  updated.deleted = now + static_cast<double>(window.value_or(30)) * kDay;
  updated.last_changed = now;
  KW_RETURN_IF_ERROR(Persist(updated, s));
  *s = std::move(updated);
  return Json{{"ARN", s->arn}, {"Name", s->name}, {"DeletionDate", s->deleted}};
}

StatusOr<Json> SecretsService::Impl::RestoreSecret(const Json& req,
                                                   const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(id, "RestoreSecret", caller, true));
  if (s->deleted != 0) {
    StoredSecret updated = *s;
    updated.deleted = updated.deletion_requested = 0;
    updated.last_changed = Now();
    KW_RETURN_IF_ERROR(Persist(updated, s));
    *s = std::move(updated);
  }
  return Json{{"ARN", s->arn}, {"Name", s->name}};
}

StatusOr<Json> SecretsService::Impl::ListSecretVersionIds(
    const Json& req, const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  KW_ASSIGN_OR_RETURN(int page, PageSize(req, 100, 100));
  KW_ASSIGN_OR_RETURN(bool include_deprecated,
                      OptBool(req, "IncludeDeprecated", false));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> token,
                      OptString(req, "NextToken"));
  std::size_t offset = 0;
  if (token) {
    KW_ASSIGN_OR_RETURN(offset, DecodeToken(*token));
  }
  std::shared_lock lock(mu);
  KW_RETURN_IF_ERROR(AuthorizeId(caller, "ListSecretVersionIds", id));
  StoredSecret* s = Find(id, RegionOf(caller));
  if (s == nullptr) return NotFound();
  std::vector<const StoredVersion*> versions;
  for (const auto& v : s->versions) {
    if (include_deprecated || !v.stages.empty()) versions.push_back(&v);
  }
  Json out{{"ARN", s->arn}, {"Name", s->name}, {"Versions", Json::array()}};
  std::size_t end =
      std::min(versions.size(), offset + static_cast<std::size_t>(page));
  for (std::size_t i = offset; i < end; ++i) {
    const StoredVersion& v = *versions[i];
    Json j{{"VersionId", v.version_id},
           {"VersionStages", v.stages},
           {"CreatedDate", v.created}};
    if (v.last_accessed != 0) j["LastAccessedDate"] = v.last_accessed;
    out["Versions"].push_back(std::move(j));
  }
  if (end < versions.size()) out["NextToken"] = EncodeToken(end);
  return out;
}

StatusOr<Json> SecretsService::Impl::UpdateSecretVersionStage(
    const Json& req, const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  KW_ASSIGN_OR_RETURN(std::string stage, RequiredString(req, "VersionStage"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> remove_from,
                      OptString(req, "RemoveFromVersionId"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> move_to,
                      OptString(req, "MoveToVersionId"));
  if (stage.empty() || stage.size() > 256) {
    return Validation("versionStage",
                      "Member must have length between 1 and 256");
  }
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(id, "UpdateSecretVersionStage", caller));
  StoredSecret updated = *s;
  StoredVersion* holder = nullptr;
  for (auto& v : updated.versions) {
    if (HasStage(v, stage)) holder = &v;
  }
  if (remove_from && FindVersion(updated, *remove_from) == nullptr) {
    return ApiFailure(Msg::kVersionMissing, {*remove_from});
  }
  if (!move_to && !remove_from) {
    return ApiFailure(Msg::kMoveOrRemove);
  }
  if (remove_from &&
      (holder == nullptr || holder->version_id != *remove_from)) {
    return ApiFailure(Msg::kStageNotAttached, {stage, *remove_from});
  }
  if (move_to) {
    StoredVersion* target = FindVersion(updated, *move_to);
    if (target == nullptr) {
      return ApiFailure(Msg::kVersionMissing, {*move_to});
    }
    if (holder != nullptr && holder != target && !remove_from) {
      return ApiFailure(Msg::kRemoveFromRequired, {stage, holder->version_id});
    }
    MoveStage(updated, stage, *target);
  } else {
    if (stage == kCurrent) {
      return ApiFailure(Msg::kCantRemoveCurrent);
    }
    DropStage(*holder, stage);
  }
  updated.last_changed = Now();
  KW_RETURN_IF_ERROR(Persist(updated, s));
  *s = std::move(updated);
  return Json{{"ARN", s->arn}, {"Name", s->name}};
}

StatusOr<Json> SecretsService::Impl::TagResource(const Json& req,
                                                 const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  if (!req.contains("Tags"))
    return Validation("tags", "Member must not be null");
  KW_ASSIGN_OR_RETURN(std::vector<secrets::Tag> tags, ReadTags(req));
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s, ForWrite(id, "TagResource", caller));
  StoredSecret updated = *s;
  KW_RETURN_IF_ERROR(MergeTags(updated.tags, tags));
  updated.last_changed = Now();
  KW_RETURN_IF_ERROR(Persist(updated, s));
  *s = std::move(updated);
  return Json::object();
}

StatusOr<Json> SecretsService::Impl::UntagResource(const Json& req,
                                                   const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string id, RequiredString(req, "SecretId"));
  if (!req.contains("TagKeys"))
    return Validation("tagKeys", "Member must not be null");
  KW_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                      OptStringList(req, "TagKeys"));
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s, ForWrite(id, "UntagResource", caller));
  StoredSecret updated = *s;
  std::erase_if(updated.tags, [&](const secrets::Tag& t) {
    return std::find(keys.begin(), keys.end(), t.key) != keys.end();
  });
  updated.last_changed = Now();
  KW_RETURN_IF_ERROR(Persist(updated, s));
  *s = std::move(updated);
  return Json::object();
}

StatusOr<Json> SecretsService::Impl::GetRandomPassword(const Json& req,
                                                       const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::optional<std::int64_t> length,
                      OptInt(req, "PasswordLength"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> exclude,
                      OptString(req, "ExcludeCharacters"));
  KW_ASSIGN_OR_RETURN(bool no_numbers, OptBool(req, "ExcludeNumbers", false));
  KW_ASSIGN_OR_RETURN(bool no_punct, OptBool(req, "ExcludePunctuation", false));
  KW_ASSIGN_OR_RETURN(bool no_upper, OptBool(req, "ExcludeUppercase", false));
  KW_ASSIGN_OR_RETURN(bool no_lower, OptBool(req, "ExcludeLowercase", false));
  KW_ASSIGN_OR_RETURN(bool space, OptBool(req, "IncludeSpace", false));
  KW_ASSIGN_OR_RETURN(bool each, OptBool(req, "RequireEachIncludedType", true));
  KW_RETURN_IF_ERROR(Authorize(caller, "GetRandomPassword", "*", "*"));
  std::int64_t n = length.value_or(32);
  if (n < 1 || n > 4096) {
    return Validation("passwordLength",
                      "Member must have value between 1 and 4096");
  }
  std::vector<std::string> classes;
  auto keep = [&](std::string chars) {
    std::erase_if(chars, [&](char c) {
      return exclude && exclude->find(c) != std::string::npos;
    });
    if (!chars.empty()) classes.push_back(chars);
  };
  if (!no_lower) keep("abcdefghijklmnopqrstuvwxyz");
  if (!no_upper) keep("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  if (!no_numbers) keep("0123456789");
  if (!no_punct) keep("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
  if (space) keep(" ");
  std::string all;
  for (const auto& c : classes) all += c;
  if (all.empty() || (each && static_cast<std::size_t>(n) < classes.size())) {
    return ApiFailure(Msg::kPasswordImpossible);
  }
  auto pick = [](const std::string& from) {
    std::uint32_t r;
    std::uint32_t limit =
        UINT32_MAX - UINT32_MAX % static_cast<std::uint32_t>(from.size());
    do {
      RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
    } while (r >= limit);
    return from[r % from.size()];
  };
  SecureString pw;
  for (;;) {
    pw.clear();
    for (std::int64_t i = 0; i < n; ++i) pw.push_back(pick(all));
    bool ok = true;
    for (const auto& c : classes) {
      if (each && pw.find_first_of(c.c_str()) == SecureString::npos) ok = false;
    }
    if (ok) break;
  }
  Json out{{"RandomPassword", std::string(pw.data(), pw.size())}};
  return out;
}

SecretsService::SecretsService(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
SecretsService::~SecretsService() {
  if (!impl_) return;
  std::unique_lock lock(impl_->mu);
  impl_->FlushTouched();
}

StatusOr<std::unique_ptr<SecretsService>> SecretsService::Create(
    std::unique_ptr<SecretStore> store, std::unique_ptr<ValueCipher> cipher,
    ServiceOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.clock == nullptr) options.clock = &Clock::Real();
  if (!options.new_uuid) options.new_uuid = [] { return secrets::NewUuid(); };
  impl->opt = std::move(options);
  impl->store = std::move(store);
  impl->cipher = std::move(cipher);
  // A known value encrypted at first start tells a wrong key file apart from
  // tampered rows.
  auto check = impl->store->GetMeta("key_check");
  if (check.ok()) {
    if (!impl->cipher->Decrypt(*check, "keyward-key-check").ok()) {
      return FailedPreconditionError(
          "the key file does not match this store (the store was created with "
          "another master "
          "key)");
    }
  } else if (check.status().code() == StatusCode::kNotFound) {
    KW_ASSIGN_OR_RETURN(std::string blob,
                        impl->cipher->Encrypt("ok", "keyward-key-check"));
    KW_RETURN_IF_ERROR(impl->store->PutMeta("key_check", blob));
  } else {
    return check.status();
  }
  KW_ASSIGN_OR_RETURN(std::vector<StoredSecret> all, impl->store->LoadAll());
  KW_RETURN_IF_ERROR(impl->MigrateValueAad(all));
  for (auto& s : all) {
    impl->name_to_arn[Impl::NameKey(s.region, s.name)] = s.arn;
    std::string arn = s.arn;
    impl->by_arn[arn] = std::move(s);
  }
  impl->PurgeExpired();
  return std::unique_ptr<SecretsService>(new SecretsService(std::move(impl)));
}

std::size_t SecretsService::size() const {
  std::shared_lock lock(impl_->mu);
  std::size_t n = 0;
  for (const auto& [arn, s] : impl_->by_arn) n += s.deleted == 0;
  return n;
}

ApiResponse SecretsService::Handle(std::string_view operation,
                                   std::string_view body,
                                   const Caller& caller) {
  ApiResponse resp;
  if (secrets::JsonNestingExceeds(body)) {
    // Refused before parsing: a deep tree would exhaust the stack in
    // whatever walks it (the reported crash was the wipe of such a body).
    resp.error_type = "SerializationException";
    resp.http_status = 400;
    resp.body =
        ErrorBody(resp.error_type,
                  "The request body nests arrays or objects deeper than " +
                      std::to_string(secrets::kMaxJsonDepth) + " levels.");
    return resp;
  }
  std::optional<Json> parsed =
      secrets::ParseJson(body.empty() ? std::string_view("{}") : body);
  if (!parsed || !parsed->is_object()) {
    resp.error_type = "SerializationException";
    resp.http_status = 400;
    resp.body = ErrorBody(resp.error_type, FormatMessage(Msg::kNotJsonObject));
    return resp;
  }
  Json& req = *parsed;
  WipeOnExit wipe{req};
  if (auto it = req.find("SecretId"); it != req.end() && it->is_string()) {
    resp.secret_id = it->get<std::string>();
  } else if (auto n = req.find("Name"); n != req.end() && n->is_string()) {
    resp.secret_id = n->get<std::string>();
  }
  Impl& d = *impl_;
  StatusOr<Json> result = Status(StatusCode::kUnimplemented, "", "");
  std::string ignored;
  if (operation == "GetSecretValue") {
    result = d.GetSecretValue(req, caller, &ignored);
  } else if (operation == "BatchGetSecretValue") {
    result = d.BatchGetSecretValue(req, caller);
  } else if (operation == "DescribeSecret") {
    result = d.DescribeSecret(req, caller);
  } else if (operation == "ListSecrets") {
    result = d.ListSecrets(req, caller);
  } else if (operation == "CreateSecret") {
    result = d.CreateSecret(req, caller);
  } else if (operation == "PutSecretValue") {
    result = d.PutSecretValue(req, caller);
  } else if (operation == "UpdateSecret") {
    result = d.UpdateSecret(req, caller);
  } else if (operation == "DeleteSecret") {
    result = d.DeleteSecret(req, caller);
  } else if (operation == "RestoreSecret") {
    result = d.RestoreSecret(req, caller);
  } else if (operation == "ListSecretVersionIds") {
    result = d.ListSecretVersionIds(req, caller);
  } else if (operation == "UpdateSecretVersionStage") {
    result = d.UpdateSecretVersionStage(req, caller);
  } else if (operation == "TagResource") {
    result = d.TagResource(req, caller);
  } else if (operation == "UntagResource") {
    result = d.UntagResource(req, caller);
  } else if (operation == "GetRandomPassword") {
    result = d.GetRandomPassword(req, caller);
  } else {
    result = ApiFailure(Msg::kUnknownOperation);
  }
  if (result.ok()) {
    resp.body = secrets::DumpAndWipe(*result);
    return resp;
  }
  resp.error_type = result.status().error_type();
  if (resp.error_type.empty()) resp.error_type = "InternalServiceError";
  resp.http_status = HttpStatusForError(resp.error_type);
  resp.body = ErrorBody(resp.error_type, result.status().message());
  return resp;
}

SecureString ErrorBody(std::string_view type, std::string_view message) {
  Json j{{"__type", type}, {"message", message}};
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return SecureString(s.begin(), s.end());
}

int HttpStatusForError(std::string_view type) {
  if (type == "InternalServiceError" || type == "InternalFailure") return 500;
  if (type == "ServiceUnavailable") return 503;
  return 400;
}

}  // namespace keyward::server

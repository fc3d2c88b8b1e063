// Request helpers shared by the operations of keyward server.

#include <cctype>
#include <cmath>

#include "core/text.h"
#include "keyward/naming.h"
#include "server/service_internal.h"

namespace keyward::server {

// Every error text comes from the one table in messages.cc.
Status NotFound() { return ApiFailure(Msg::kSecretNotFound); }

Status LimitExceeded() { return ApiFailure(Msg::kQuotaExceeded); }

Status MarkedForDeletion() { return ApiFailure(Msg::kMarkedForDeletion); }

// The protocol's request errors and member readers are the wire codec's
// (secrets/wire.h), so client, server and codec share one text.
Status Validation(std::string_view member, std::string_view constraint) {
  return secrets::wire::ValidationError(member, constraint);
}

double Round3(double t) { return std::round(t * 1000.0) / 1000.0; }

bool HasStage(const StoredVersion& v, std::string_view stage) {
  return std::find(v.stages.begin(), v.stages.end(), stage) != v.stages.end();
}

void DropStage(StoredVersion& v, std::string_view stage) {
  v.stages.erase(std::remove(v.stages.begin(), v.stages.end(), stage),
                 v.stages.end());
}

std::string RandomSuffix(const Random& random) {
  static constexpr char kAlnum[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 6; ++i) s.push_back(kAlnum[random.Uniform(62)]);
  return s;
}

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

StatusOr<Payload> PayloadOf(const std::optional<SecretValue>& str,
                            const std::optional<SecretValue>& bin) {
  Payload p;
  if (str && bin) {
    return ApiFailure(Msg::kBothValues);
  }
  if (str) {
    p.present = true;
    std::string_view text = str->Reveal();
    p.bytes.assign(text.begin(), text.end());
  } else if (bin) {
    std::optional<SecureString> decoded;
    if (IsStrictBase64(bin->Reveal()))
      decoded = secrets::Base64Decode(bin->Reveal());
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

Status CheckTags(const std::vector<secrets::Tag>& tags) {
  for (const auto& t : tags) {
    if (t.key.empty() || t.key.size() > 128) {
      return ApiFailure(Msg::kTagKeyLength);
    }
    if (t.value.size() > 256) return ApiFailure(Msg::kTagValueLength);
    if (text::AsciiLower(t.key).starts_with("aws:")) {
      return ApiFailure(Msg::kTagKeyReserved);
    }
  }
  return OkStatus();
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
  return secrets::wire::ToJson(tags);
}

StatusOr<std::vector<Filter>> CheckFilters(
    const std::optional<std::vector<secrets::wire::FilterEntry>>& entries) {
  std::vector<Filter> out;
  if (!entries) return out;
  if (entries->size() > 10) return ApiFailure(Msg::kTooManyFilters);
  static const std::vector<std::string> kKeys = {
      "description",    "name",           "tag-key", "tag-value",
      "primary-region", "owning-service", "all"};
  std::size_t index = 0;
  for (const auto& e : *entries) {
    ++index;
    if (!e.key) return ApiFailure(Msg::kInvalidFilterKey);
    Filter filter{*e.key, e.values};
    if (std::find(kKeys.begin(), kKeys.end(), filter.key) == kKeys.end()) {
      return ApiFailure(Msg::kFilterKeyEnum,
                        {filter.key, std::to_string(index)});
    }
    if (filter.values.empty())
      return ApiFailure(Msg::kInvalidFilterValues, {filter.key});
    if (filter.values.size() > 10) return ApiFailure(Msg::kTooManyFilterValues);
    out.push_back(std::move(filter));
  }
  return out;
}

bool WordMatch(std::string_view attr, std::string_view value) {
  std::vector<std::string> want = FilterWords(value);
  if (want.empty()) return false;
  std::vector<std::string> have = FilterWords(attr);
  for (auto& w : want) {
    w = text::AsciiLower(w);
    bool found = false;
    for (const auto& h : have) found |= text::AsciiLower(h).starts_with(w);
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
    // Only replicated secrets have a primary region (moto's model and
    // test_secrets_duplication.py): a replica by its primary's.
    if (s.primary_region.empty() && s.replicas.empty()) return false;
    attrs = {s.primary_region.empty() ? s.region : s.primary_region};
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

StatusOr<int> PageSize(std::optional<std::int64_t> n, int max, int fallback) {
  if (!n) return fallback;
  if (*n < 1 || *n > max) {
    return Validation("maxResults", "Member must have value between 1 and " +
                                        std::to_string(max));
  }
  return static_cast<int>(*n);
}

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

}  // namespace keyward::server

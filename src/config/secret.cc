// keyward::Secret accessors and SecretData construction.
#include <charconv>
#include <ostream>

#include "config/secret_data.h"
#include "keyward/secret_cache.h"
#include "secrets/json_codec.h"

namespace keyward {
namespace internal {
namespace {

std::string JoinNames(const SecretData& data) {
  std::string out;
  for (const auto& [k, v] : data.properties) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out.empty() ? "(none)" : out;
}

bool LooksLikeJsonObject(std::string_view s) {
  std::size_t i = s.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && s[i] == '{';
}

}  // namespace

SecretData BuildSecretData(secrets::SecretValueResult&& result,
                           std::string_view fallback_name,
                           Clock::time_point now) {
  SecretData d;
  d.name =
      result.name.empty() ? std::string(fallback_name) : std::move(result.name);
  d.version_id = std::move(result.version_id);
  d.arn = std::move(result.arn);
  d.version_stages = std::move(result.version_stages);
  d.created_date = result.created_date;
  d.fetched_at = now;
  if (result.payload.binary && !result.payload.string) {
    d.binary = true;
    d.value = std::move(*result.payload.binary);
    return d;
  }
  if (result.payload.string) d.value = std::move(*result.payload.string);
  if (!LooksLikeJsonObject(d.value.Reveal())) return d;
  std::optional<secrets::Json> j = secrets::ParseJson(d.value.Reveal());
  if (!j || !j->is_object()) {
    if (j) secrets::WipeJson(*j);
    return d;
  }
  d.json = true;
  for (auto& [key, item] : j->items()) {
    if (item.is_string()) {
      d.properties.emplace(key,
                           SecretValue(item.get_ref<const std::string&>()));
    } else {
      std::string text = item.dump();
      d.properties.emplace(key, SecretValue(text));
      WipeString(text);
    }
  }
  secrets::WipeJson(*j);
  return d;
}

Status CheckRequiredProperties(const SecretData& data,
                               const std::vector<std::string>& required) {
  if (required.empty()) return OkStatus();
  if (!data.json) {
    return FailedPreconditionError(
        std::string("value is ") +
        (data.binary ? "binary" : "not a JSON object") +
        ", but properties are declared");
  }
  std::string missing;
  int n = 0;
  for (const std::string& key : required) {
    if (data.properties.count(key)) continue;
    if (!missing.empty()) missing += ", ";
    missing += "'" + key + "'";
    ++n;
  }
  if (n == 0) return OkStatus();
  return NotFoundError(
      std::string(n == 1 ? "missing property " : "missing properties ") +
      missing + " (version " + data.version_id + " has: " + JoinNames(data) +
      ")");
}

}  // namespace internal

namespace {
const internal::SecretData& Empty() {
  static const internal::SecretData* const kEmpty = new internal::SecretData();
  return *kEmpty;
}
}  // namespace

#define KW_DATA (data_ ? *data_ : Empty())

const std::string& Secret::name() const { return KW_DATA.name; }
const std::string& Secret::version_id() const { return KW_DATA.version_id; }
bool Secret::is_binary() const { return KW_DATA.binary; }
bool Secret::is_json() const { return KW_DATA.json; }
const SecretValue& Secret::value() const { return KW_DATA.value; }
Clock::time_point Secret::fetched_at() const { return KW_DATA.fetched_at; }
const std::string& Secret::arn() const { return KW_DATA.arn; }
const std::vector<std::string>& Secret::version_stages() const {
  return KW_DATA.version_stages;
}
std::optional<Clock::time_point> Secret::created_date() const {
  return KW_DATA.created_date;
}

std::vector<std::string> Secret::property_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : KW_DATA.properties) out.push_back(k);
  return out;
}

bool Secret::has_property(std::string_view key) const {
  return KW_DATA.properties.find(key) != KW_DATA.properties.end();
}

StatusOr<SecretValue> Secret::Property(std::string_view key) const {
  const internal::SecretData& d = KW_DATA;
  if (!d.json) {
    return FailedPreconditionError("secret '" + d.name +
                                   "' has no properties: its value is " +
                                   (d.binary ? "binary" : "not a JSON object"));
  }
  auto it = d.properties.find(key);
  if (it == d.properties.end()) {
    return NotFoundError("secret '" + d.name + "' (version " + d.version_id +
                         ") has no property '" + std::string(key) +
                         "'; it has: " + internal::JoinNames(d));
  }
  return it->second;
}

const SecretValue* Secret::FindProperty(std::string_view key) const {
  if (!data_) return nullptr;
  auto it = data_->properties.find(key);
  return it == data_->properties.end() ? nullptr : &it->second;
}

StatusOr<std::int64_t> Secret::Int(std::string_view key) const {
  KW_ASSIGN_OR_RETURN(SecretValue v, Property(key));
  std::string_view text = v.Reveal();
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return InvalidArgumentError(
        "property '" + std::string(key) + "' of secret '" + name() +
        "' is not an integer (" + std::to_string(text.size()) + " characters)");
  }
  return out;
}

StatusOr<int> Secret::Port(std::string_view key) const {
  KW_ASSIGN_OR_RETURN(std::int64_t n, Int(key));
  if (n < 1 || n > 65535) {
    return InvalidArgumentError("property '" + std::string(key) +
                                "' of secret '" + name() +
                                "' is not a TCP port (1..65535)");
  }
  return static_cast<int>(n);
}

std::ostream& operator<<(std::ostream& os, const Secret& s) {
  return os << "Secret(" << s.name() << ", version " << s.version_id()
            << ", <redacted>)";
}

#undef KW_DATA

}  // namespace keyward

#include "agent/response.h"

#include <charconv>
#include <chrono>

#include "secrets/json_codec.h"

namespace keyward::agent {
namespace {

void AppendQuoted(std::string_view s, SecureString* out) {
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

}  // namespace

std::string RustSecondsString(Clock::time_point t) {
  // Duration::as_secs_f64: secs + nanos / 1e9, each as f64 (which is what
  // ToEpochSeconds computes).
  double v = ToEpochSeconds(t);
  char buf[64];
  // Shortest round-trip digits in fixed notation, like Rust's Display.
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

SecureString FormatGetSecretValue(const Secret& secret) {
  SecureString out;
  out.reserve(160 + secret.value().size() * 2);
  auto field = [&](std::string_view name) {
    out.append(out.empty() ? "{\"" : ",\"");
    out.append(name);
    out.append("\":");
  };
  auto string_or_null = [&](std::string_view name, const std::string& v) {
    field(name);
    if (v.empty()) {
      out.append("null");
    } else {
      AppendQuoted(v, &out);
    }
  };
  string_or_null("ARN", secret.arn());
  string_or_null("Name", secret.name());
  string_or_null("VersionId", secret.version_id());
  std::string_view value = secret.value().Reveal();
  if (secret.is_binary()) {
    field("SecretBinary");
    std::string b64 = secrets::Base64Encode(value);
    AppendQuoted(b64, &out);
    WipeString(b64);
  } else {
    field("SecretString");
    AppendQuoted(value, &out);
  }
  if (!secret.version_stages().empty()) {
    field("VersionStages");
    out.push_back('[');
    bool first = true;
    for (const std::string& stage : secret.version_stages()) {
      if (!first) out.push_back(',');
      first = false;
      AppendQuoted(stage, &out);
    }
    out.push_back(']');
  }
  field("CreatedDate");
  if (auto created = secret.created_date()) {
    AppendQuoted(RustSecondsString(*created), &out);
  } else {
    out.append("null");
  }
  out.push_back('}');
  return out;
}

std::string AwsErrorBody(std::string_view code, std::string_view message) {
  if (message.empty() || code == "InternalFailure") {
    return "{\"__type\":\"InternalFailure\"}";
  }
  SecureString out = "{\"__type\":\"";
  AppendJsonEscaped(code, &out);
  out.append("\", \"message\":\"");
  AppendJsonEscaped(message, &out);
  out.append("\"}");
  return std::string(out.begin(), out.end());
}

}  // namespace keyward::agent

// JSON helpers for the Secrets Manager client and server: parsing without
// exceptions, base64 for SecretBinary, and wiping json trees that held
// secret material.
#ifndef KEYWARD_SRC_SECRETS_JSON_CODEC_H_
#define KEYWARD_SRC_SECRETS_JSON_CODEC_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"
#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::secrets {

using json::Json;
using json::JsonNestingExceeds;
using json::kMaxJsonDepth;
using json::ParseJson;
using json::WipeJson;

// Serializes `j` into a wiped-on-release buffer, then wipes `j`.
SecureString DumpAndWipe(Json& j);

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid base64.
std::optional<SecureString> Base64Decode(std::string_view text);

// Typed field access (absent or wrong type -> default).
std::string GetString(const Json& j, const char* key);
std::optional<double> GetNumber(const Json& j, const char* key);

}  // namespace keyward::secrets

#endif  // KEYWARD_SRC_SECRETS_JSON_CODEC_H_

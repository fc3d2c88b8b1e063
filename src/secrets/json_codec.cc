#include "secrets/json_codec.h"

#include <openssl/evp.h>

#include <vector>

namespace keyward::secrets {

bool JsonNestingExceeds(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

std::optional<Json> ParseJson(std::string_view text) {
  if (JsonNestingExceeds(text)) return std::nullopt;
  Json j = Json::parse(text.begin(), text.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void WipeJson(Json& j) {
  std::vector<Json*> pending{&j};
  while (!pending.empty()) {
    Json* node = pending.back();
    pending.pop_back();
    if (node->is_string()) {
      WipeString(node->get_ref<std::string&>());
    } else if (node->is_structured()) {
      for (auto& child : *node) pending.push_back(&child);
    }
  }
}

SecureString DumpAndWipe(Json& j) {
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  SecureString out(s.begin(), s.end());
  WipeString(s);
  WipeJson(j);
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<SecureString> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  SecureString out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string GetString(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::optional<double> GetNumber(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace keyward::secrets

#include "core/json.h"

#include <string>
#include <vector>

#include "keyward/secret_value.h"

namespace keyward::json {

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

}  // namespace keyward::json

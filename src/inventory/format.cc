// FormatInventory: writes a version-1 inventory (used by `inventory import`).
#include <algorithm>
#include <array>

#include "keyward/inventory/inventory.h"

namespace keyward::inventory {
namespace {

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  static constexpr std::array<std::string_view, 12> kReserved = {
      "true", "false", "yes", "no", "on",   "off",
      "null", "~",     "y",   "n",  "True", "False"};
  if (std::find(kReserved.begin(), kReserved.end(), s) != kReserved.end())
    return true;
  bool numeric = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' ||
           c == 'e' || c == '_';
  });
  if (numeric) return true;
  char first = s.front();
  bool first_ok =
      (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') ||
      (first >= '0' && first <= '9') || first == '_' || first == '/';
  if (!first_ok || s.back() == ' ') return true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
              c == '/' || c == '@' || c == ' ' || c == '(' || c == ')' ||
              c == '\'';
    if (c == ':' && i + 1 < s.size() && s[i + 1] != ' ') ok = true;  // ARNs
    if (!ok) return true;
  }
  return false;
}

std::string Scalar(std::string_view s) {
  if (!NeedsQuotes(s)) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[(c >> 4) & 15];
          out += kHex[c & 15];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string FlowList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + Scalar(items[i]);
  return out + "]";
}

std::string RotationLine(const Rotation& r) {
  std::string out =
      "{status: " + Scalar(r.status == RotationStatus::kUnset
                               ? std::string("none")
                               : std::string(RotationStatusName(r.status)));
  if (r.interval_days)
    out += ", interval_days: " + std::to_string(*r.interval_days);
  if (!r.last_rotated.empty()) out += ", last_rotated: " + r.last_rotated;
  if (!r.notes.empty()) out += ", notes: " + Scalar(r.notes);
  return out + "}";
}

}  // namespace

std::string FormatInventory(
    const Inventory& inv,
    const std::map<std::string, std::string>& consumer_comments) {
  std::string out =
      "version: " + std::to_string(inv.version == 0 ? 1 : inv.version) + "\n";
  out += inv.applications.empty() ? "applications: {}\n" : "applications:\n";
  for (const Application& a : inv.applications) {
    out += "  " + Scalar(a.name) + ":\n";
    out += "    description: " + Scalar(a.description) + "\n";
    if (!a.owner.empty()) out += "    owner: " + Scalar(a.owner) + "\n";
    if (!a.iam_principal.empty())
      out += "    iam_principal: " + Scalar(a.iam_principal) + "\n";
    if (!a.namespace_.empty())
      out += "    namespace: " + Scalar(a.namespace_) + "\n";
  }
  out += inv.secrets.empty() ? "secrets: []\n" : "secrets:\n";
  for (const Secret& s : inv.secrets) {
    out += "  - name: " + Scalar(s.name) + "\n";
    out += "    description: " + Scalar(s.description) + "\n";
    out += "    consumers: " + FlowList(s.consumers);
    auto c = consumer_comments.find(s.name);
    if (c != consumer_comments.end()) out += "  # " + c->second;
    out += "\n";
    out += "    properties: " + FlowList(s.properties) + "\n";
    if (s.explicit_category)
      out += "    category: " +
             Scalar(s.category == NameCategory::kUnknown
                        ? std::string()
                        : std::string(CategoryName(s.category))) +
             "\n";
    out += "    rotation: " + RotationLine(s.rotation) + "\n";
  }
  return out;
}

}  // namespace keyward::inventory

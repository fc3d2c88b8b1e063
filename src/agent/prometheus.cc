#include "agent/prometheus.h"

namespace keyward::agent {

std::string PromText::EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void PromText::Family(std::string_view name, std::string_view type,
                      std::string_view help) {
  out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type
       << '\n';
}

void PromText::Head(std::string_view name,
                    std::initializer_list<Label> labels) {
  out_ << name;
  char sep = '{';
  for (const auto& [key, value] : labels) {
    if (value.empty()) continue;
    out_ << sep << key << "=\"" << EscapeLabelValue(value) << '"';
    sep = ',';
  }
  if (sep == ',') out_ << '}';
  out_ << ' ';
}

void PromText::Sample(std::string_view name,
                      std::initializer_list<Label> labels,
                      std::uint64_t value) {
  Head(name, labels);
  out_ << value << '\n';
}

void PromText::Sample(std::string_view name,
                      std::initializer_list<Label> labels, double value) {
  Head(name, labels);
  out_ << value << '\n';
}

void PromText::Single(std::string_view name, std::string_view type,
                      std::string_view help, std::uint64_t value) {
  Family(name, type, help);
  Sample(name, {}, value);
}

}  // namespace keyward::agent

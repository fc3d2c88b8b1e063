// The Prometheus text exposition format (version 0.0.4), as the agent's
// /metrics writes it: a family (# HELP and # TYPE) then its samples, label
// values escaped (backslash, double quote, newline).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace keyward::agent {

class PromText {
 public:
  using Label = std::pair<std::string_view, std::string_view>;

  // "# HELP name help" and "# TYPE name type" (counter, gauge).
  void Family(std::string_view name, std::string_view type,
              std::string_view help);
  // "name{k="v",...} value"; labels with an empty value are left out.
  void Sample(std::string_view name, std::initializer_list<Label> labels,
              std::uint64_t value);
  void Sample(std::string_view name, std::initializer_list<Label> labels,
              double value);
  // A family of one unlabelled sample.
  void Single(std::string_view name, std::string_view type,
              std::string_view help, std::uint64_t value);

  std::string Take() { return out_.str(); }

  static std::string EscapeLabelValue(std::string_view v);

 private:
  void Head(std::string_view name, std::initializer_list<Label> labels);
  std::ostringstream out_;
};

}  // namespace keyward::agent

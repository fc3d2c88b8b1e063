#include "cli/color.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>

namespace keyward::cli {

bool UseColor(bool no_color_flag, const Environment& env,
              const std::ostream& out) {
  if (no_color_flag) return false;
  if (auto v = env.Get("NO_COLOR"); v && !v->empty()) return false;
  if (&out == &std::cout) return ::isatty(STDOUT_FILENO) == 1;
  if (&out == &std::cerr) return ::isatty(STDERR_FILENO) == 1;
  return false;  // a string stream (tests, captured output)
}

std::string Paint(bool on, std::string_view word) {
  if (!on) return std::string(word);
  const char* sgr = nullptr;
  std::string w(word);
  if (w == "PASS" || w == "OK" || w == "met" || w == "in sync") {
    sgr = "32";
  } else if (w == "FAIL" || w == "error" || w == "ERROR" ||
             w.find("OVERDUE") != std::string::npos || w == "NOT met") {
    sgr = "31";
  } else if (w == "SKIP" || w == "warning" || w == "drift" ||
             w.find("disagree") != std::string::npos) {
    sgr = "33";
  }
  if (sgr == nullptr) return w;
  return "\033[" + std::string(sgr) + "m" + w + "\033[0m";
}

void PrintTable(std::ostream& out,
                const std::vector<std::vector<std::string>>& rows, bool color) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      // The header row is never painted.
      line += r == 0 ? row[i] : Paint(color, row[i]);
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

}  // namespace keyward::cli

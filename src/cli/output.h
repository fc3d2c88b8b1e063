// Output helpers shared by CLI commands: aligned text tables and times.
#ifndef KEYWARD_SRC_CLI_OUTPUT_H_
#define KEYWARD_SRC_CLI_OUTPUT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "keyward/env.h"

namespace keyward::cli {

// Prints rows as left-aligned columns separated by two spaces; the first row
// is the header. Trailing spaces are trimmed.
void PrintTable(std::ostream& out,
                const std::vector<std::vector<std::string>>& rows);

// "2026-11-28T20:10:00Z", or "-" when absent.
std::string TimeOrDash(const std::optional<Clock::time_point>& t);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_OUTPUT_H_

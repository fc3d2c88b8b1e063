// Colour for status words and findings. On only when the output stream is a
// terminal (stdout/stderr of this process), --no-color was not given and
// NO_COLOR is unset or empty (https://no-color.org); never in -o json.
#ifndef KEYWARD_SRC_CLI_COLOR_H_
#define KEYWARD_SRC_CLI_COLOR_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/env.h"

namespace keyward::cli {

// Whether to colour what goes to `out`.
bool UseColor(bool no_color_flag, const Environment& env,
              const std::ostream& out);

// `word` wrapped in the colour for a status word (PASS, met, in sync ->
// green; FAIL, error, OVERDUE, NOT -> red; SKIP, warning, drift -> yellow);
// unchanged when `on` is false or the word has no colour.
std::string Paint(bool on, std::string_view word);

// PrintTable (output.h) with status cells painted: column widths are
// computed on the plain text, so columns stay aligned.
void PrintTable(std::ostream& out,
                const std::vector<std::vector<std::string>>& rows, bool color);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_COLOR_H_

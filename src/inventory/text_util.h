// Small text helpers shared by the inventory, IAM and scan code.
#ifndef KEYWARD_SRC_INVENTORY_TEXT_UTIL_H_
#define KEYWARD_SRC_INVENTORY_TEXT_UTIL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyward::inventory {

// Levenshtein distance (bounded inputs; O(n*m)).
int EditDistance(std::string_view a, std::string_view b);

// The closest candidate within a small edit distance, or "".
std::string ClosestMatch(std::string_view word,
                         const std::vector<std::string_view>& candidates);

// "YYYY-MM-DD" -> days since 1970-01-01; nullopt when malformed or invalid.
std::optional<long> ParseDate(std::string_view s);
// Days since the epoch -> "YYYY-MM-DD".
std::string FormatDate(long days);

// Lowercase words [a-z0-9]+ joined by single hyphens.
bool IsKebabWords(std::string_view s);

}  // namespace keyward::inventory

#endif  // KEYWARD_SRC_INVENTORY_TEXT_UTIL_H_

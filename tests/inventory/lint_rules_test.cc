// The lint rule table (keyward/lint_rules.h) is the one catalogue of rules:
// docs/inventory.md's "Findings" table must list every id with the same
// severity and meaning, and nothing else.
#include "keyward/lint_rules.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace keyward {
namespace {

struct DocRow {
  std::string severity;  // "fatal", "error", "warning"
  std::string meaning;
};

// id -> the rows that list it (an id may be listed twice, at two
// severities).
std::multimap<std::string, DocRow> ReadDocTable() {
  std::ifstream in(std::string(KEYWARD_SOURCE_DIR) + "/docs/inventory.md");
  std::multimap<std::string, DocRow> out;
  std::string line;
  bool in_findings = false;
  while (std::getline(in, line)) {
    if (line.starts_with("## ")) in_findings = line == "## Findings";
    if (!in_findings || !line.starts_with("| `")) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(cell);
    if (cells.size() < 3) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(' '));
      s.erase(s.find_last_not_of(' ') + 1);
      return s;
    };
    std::string sev = trim(cells[1]);
    sev = sev.substr(0, sev.find(' '));
    std::string meaning = trim(cells[2]);
    for (std::size_t p = cells[0].find('`'); p != std::string::npos;) {
      std::size_t e = cells[0].find('`', p + 1);
      out.insert({cells[0].substr(p + 1, e - p - 1), {sev, meaning}});
      p = cells[0].find('`', e + 1);
    }
  }
  return out;
}

TEST(LintRulesTest, TableIsInEnumOrderWithUniqueRules) {
  std::set<std::pair<std::string_view, Severity>> seen;
  for (std::size_t i = 0; i < LintRules().size(); ++i) {
    const LintRuleInfo& r = LintRules()[i];
    EXPECT_EQ(static_cast<std::size_t>(r.rule), i);
    EXPECT_EQ(&RuleInfo(r.rule), &r);
    EXPECT_TRUE(seen.insert({r.id, r.severity}).second)
        << r.id << " appears twice at one severity";
  }
}

TEST(LintRulesTest, DocsListEveryRuleWithItsSeverityAndMeaning) {
  auto docs = ReadDocTable();
  ASSERT_GT(docs.size(), 30u) << "docs/inventory.md's Findings table not found";
  for (const LintRuleInfo& r : LintRules()) {
    auto [lo, hi] = docs.equal_range(std::string(r.id));
    bool found = false;
    for (auto it = lo; it != hi; ++it) {
      if (it->second.severity != SeverityName(r.severity)) continue;
      found = true;
      EXPECT_TRUE(it->second.meaning.starts_with(r.doc))
          << r.id << ": docs say '" << it->second.meaning
          << "', the table says '" << r.doc << "'";
    }
    EXPECT_TRUE(found) << "docs/inventory.md does not list " << r.id << " as "
                       << SeverityName(r.severity);
  }
}

TEST(LintRulesTest, DocsListNoRuleTheTableLacks) {
  for (const auto& [id, row] : ReadDocTable()) {
    bool known = false;
    for (const LintRuleInfo& r : LintRules()) {
      if (r.id == id && SeverityName(r.severity) == row.severity) known = true;
    }
    EXPECT_TRUE(known) << "docs/inventory.md lists " << id << " as "
                       << row.severity << ", which keyward/lint_rules.h lacks";
  }
}

}  // namespace
}  // namespace keyward

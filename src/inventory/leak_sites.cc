#include "inventory/leak_sites.h"

#include <algorithm>

#include "keyward/inventory/leak.h"

namespace keyward::inventory {
namespace {

using Kind = YamlNode::Kind;

// The first line (up to 24 bytes) of a match's text.
std::string_view MatchFragment(const YamlNode& n, const LeakMatch& m) {
  std::string_view frag = std::string_view(n.value).substr(m.offset, m.length);
  return frag.substr(0, std::min<std::size_t>(frag.find('\n'), 24));
}

// The source text of 1-based `line`, or empty.
std::string_view SourceLine(std::string_view text, int line) {
  std::size_t pos = 0;
  for (int l = 1; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  std::size_t nl = text.find('\n', pos);
  return text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
}

bool SourceHasMatchAt(std::string_view text, const YamlNode& n,
                      const LeakMatch& m, int line, int column) {
  std::string_view frag = MatchFragment(n, m);
  std::string_view src = SourceLine(text, line);
  return !frag.empty() && column >= 1 &&
         static_cast<std::size_t>(column - 1) < src.size() &&
         src.substr(static_cast<std::size_t>(column - 1)).starts_with(frag);
}

// Where a match inside a multi-line scalar (a `|` or `>` block, or a
// folded quoted/plain scalar) is in the file: the first line at or after
// the scalar's start that holds the match's first line (up to 24 bytes).
// Leaves line/column alone when it is not found (e.g. a match spanning a
// fold).
void LocateInSource(std::string_view text, const YamlNode& n,
                    const LeakMatch& m, int* line, int* column) {
  std::string_view value = n.value;
  std::string_view frag = MatchFragment(n, m);
  if (frag.empty()) return;
  std::size_t newlines = std::count(value.begin(), value.end(), '\n');
  std::size_t pos = 0;
  int l = 1;
  while (l < n.line && pos < text.size()) {  // the scalar's first line
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return;
    pos = nl + 1;
    ++l;
  }
  // Folded scalars hide their line breaks: look a few lines further.
  for (std::size_t i = 0; i <= 2 * newlines + 8 && pos < text.size();
       ++i, ++l) {
    std::size_t nl = text.find('\n', pos);
    std::string_view src = text.substr(
        pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (std::size_t at = src.find(frag); at != std::string_view::npos) {
      *line = l;
      *column = static_cast<int>(at) + 1;
      return;
    }
    if (nl == std::string_view::npos) return;
    pos = nl + 1;
  }
}

void Scan(const YamlNode& n, std::string_view text,
          std::vector<LeakSite>& out) {
  switch (n.kind) {
    case Kind::kNull:
      return;
    case Kind::kScalar:
      if (auto m = DetectSecret(n.value)) {
        // Point at the match itself: where a single-line scalar puts it,
        // when the source there really holds it; otherwise (blocks, folded
        // or escaped scalars) by finding it in the source.
        int line = n.line;
        int column =
            n.column + (n.quoted ? 1 : 0) + static_cast<int>(m->offset);
        if (!SourceHasMatchAt(text, n, *m, line, column)) {
          column = n.column;
          LocateInSource(text, n, *m, &line, &column);
        }
        out.push_back({&n, line, column, m->kind});
      }
      return;
    case Kind::kSequence:
      for (const YamlNode& i : n.items) Scan(i, text, out);
      return;
    case Kind::kMapping:
      for (const auto& [k, v] : n.entries) {
        Scan(k, text, out);
        Scan(v, text, out);
      }
      return;
  }
}

}  // namespace

std::vector<LeakSite> FindLeakSites(const YamlNode& root,
                                    std::string_view text) {
  std::vector<LeakSite> out;
  Scan(root, text, out);
  return out;
}

}  // namespace keyward::inventory

// Internal to the inventory: which scalars of a YAML tree look like secret
// values, and where in the source file each match is (so the finding points
// at the match itself, also inside block and folded scalars).
#ifndef KEYWARD_SRC_INVENTORY_LEAK_SITES_H_
#define KEYWARD_SRC_INVENTORY_LEAK_SITES_H_

#include <string>
#include <string_view>
#include <vector>

#include "inventory/yaml_tree.h"

namespace keyward::inventory {

struct LeakSite {
  const YamlNode* node = nullptr;  // the scalar (a key or a value)
  int line = 0;                    // 1-based, of the match in `text`
  int column = 0;
  std::string kind;  // what it looks like, e.g. "an AWS access key id"
};

// Every scalar of `root`, keys included, in document order, that
// DetectSecret flags. `text` is the source `root` was parsed from.
std::vector<LeakSite> FindLeakSites(const YamlNode& root,
                                    std::string_view text);

}  // namespace keyward::inventory

#endif  // KEYWARD_SRC_INVENTORY_LEAK_SITES_H_

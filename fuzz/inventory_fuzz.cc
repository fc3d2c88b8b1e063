// libFuzzer target: the inventory parser, every lint rule, the leak detector
// and the formatter. Invariants: no crash, no hang, and a clean inventory
// survives FormatInventory -> ParseInventory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keyward/inventory/inventory.h"
#include "keyward/inventory/scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  keyward::inventory::ParseOptions options;
  options.max_bytes = 1 << 20;
  auto parsed = keyward::inventory::ParseInventory(text, "fuzz.yaml", options);
  (void)keyward::inventory::ScanText(text, "fuzz.env");
  if (!parsed.ok() || parsed->HasErrors()) return 0;
  std::string again = keyward::inventory::FormatInventory(parsed->inventory);
  auto reparsed =
      keyward::inventory::ParseInventory(again, "again.yaml", options);
  if (!reparsed.ok()) __builtin_trap();
  return 0;
}

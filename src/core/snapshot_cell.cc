#include "core/snapshot_cell.h"

namespace keyward::internal {

std::uint64_t NextSnapshotCellId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace keyward::internal

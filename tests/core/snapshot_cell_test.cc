// SnapshotCell: readers on several threads while writers publish new values
// into cells that share slots (a 4-slot table for 8 cells), with nested
// pinned reads. A value is a number and copies of it, scribbled over when
// destroyed: a freed or torn read breaks the agreement (and ASan/TSan report
// it).
#include "core/snapshot_cell.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

namespace keyward::internal {
namespace {

struct Value {
  explicit Value(std::uint64_t v) : n(v) { copies.fill(v); }
  ~Value() {
    n = ~0ull;
    copies.fill(0);
  }
  bool Whole() const {
    for (std::uint64_t c : copies) {
      if (c != n) return false;
    }
    return n != ~0ull;
  }
  std::uint64_t n;
  std::array<std::uint64_t, 16> copies;
};

using Cell = SnapshotCell<Value, 4>;

TEST(SnapshotCellTest, NothingPublishedReadsNull) {
  Cell cell;
  Cell::Slot tmp;
  EXPECT_FALSE(cell.HasValue());
  EXPECT_EQ(cell.Read(&tmp).local, nullptr);
  cell.Publish(std::make_shared<const Value>(7));
  EXPECT_TRUE(cell.HasValue());
  ASSERT_NE(cell.Read(&tmp).local, nullptr);
  EXPECT_EQ(cell.Read(&tmp).local->n, 7u);
  EXPECT_NE(cell.Peek(), nullptr);
}

TEST(SnapshotCellTest, ANewVersionIsSeenByTheNextRead) {
  Cell cell;
  Cell::Slot tmp;
  cell.Publish(std::make_shared<const Value>(1));
  EXPECT_EQ(cell.Read(&tmp).local->n, 1u);
  std::shared_ptr<const Value> kept = cell.Read(&tmp).local;
  cell.Publish(std::make_shared<const Value>(2));
  EXPECT_EQ(cell.Peek(), nullptr);  // the slot is stale
  EXPECT_EQ(cell.Read(&tmp).local->n, 2u);
  EXPECT_TRUE(kept->Whole());  // a copy outlives the slot's reference
  EXPECT_EQ(kept->n, 1u);
}

TEST(SnapshotCellTest, TheLastReferenceFreesTheValue) {
  std::weak_ptr<const Value> weak;
  {
    Cell cell;
    auto v = std::make_shared<const Value>(1);
    weak = v;
    cell.Publish(std::move(v));
    Cell::Slot tmp;
    EXPECT_EQ(cell.Read(&tmp).local->n, 1u);  // this thread's slot holds it
    cell.Publish(std::make_shared<const Value>(2));
    EXPECT_FALSE(weak.expired());
    EXPECT_EQ(cell.Read(&tmp).local->n, 2u);  // slot refilled: released
    EXPECT_TRUE(weak.expired());
  }
}

TEST(SnapshotCellTest, PinnedReadsDoNotReplaceSlots) {
  Cell cell;
  cell.Publish(std::make_shared<const Value>(1));
  Cell::Slot tmp;
  const Cell::Slot& outer = cell.Read(&tmp);
  ASSERT_EQ(&outer, cell.Peek());
  {
    SnapshotPin pin;
    cell.Publish(std::make_shared<const Value>(2));
    Cell::Slot inner_tmp;
    const Cell::Slot& inner = cell.Read(&inner_tmp);
    EXPECT_EQ(&inner, &inner_tmp);  // served from the temporary
    EXPECT_EQ(inner.local->n, 2u);
    EXPECT_EQ(outer.local->n, 1u);  // still valid and whole
    EXPECT_TRUE(outer.local->Whole());
  }
  EXPECT_EQ(cell.Read(&tmp).local->n, 2u);
}

TEST(SnapshotCellTest, ConcurrentReadersNeverSeeAFreedOrTornValue) {
  constexpr int kCells = 8;  // two cells per slot of the 4-slot table
  std::vector<std::unique_ptr<Cell>> cells;
  for (int i = 0; i < kCells; ++i) {
    cells.push_back(std::make_unique<Cell>());
    cells.back()->Publish(std::make_shared<const Value>(0));
  }
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<std::uint64_t> reads{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&, r] {
      std::uint64_t last[kCells] = {};
      for (unsigned i = r; !done.load(std::memory_order_relaxed); ++i) {
        int c = static_cast<int>(i % kCells);
        Cell::Slot tmp;
        const Cell::Slot& s = cells[c]->Read(&tmp);
        if (!s.local || !s.local->Whole() || s.local->n < last[c]) {
          bad.fetch_add(1);
          continue;
        }
        last[c] = s.local->n;  // versions never go backwards on a thread
        {
          SnapshotPin pin;  // nested read of a cell sharing the slot
          Cell::Slot tmp2;
          const Cell::Slot& n = cells[(c + 4) % kCells]->Read(&tmp2);
          if (!n.local || !n.local->Whole()) bad.fetch_add(1);
          if (!s.local->Whole()) bad.fetch_add(1);
        }
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // Two writers (each owning half of the cells) publish increasing values.
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (std::uint64_t k = 1; k <= 5000; ++k) {
        for (int c = w; c < kCells; c += 2)
          cells[c]->Publish(std::make_shared<const Value>(k));
      }
    });
  }
  threads[4].join();
  threads[3].join();
  while (reads.load() < 10000) std::this_thread::yield();
  done = true;
  for (int i = 0; i < 3; ++i) threads[i].join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace keyward::internal

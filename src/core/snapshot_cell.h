// SnapshotCell<T>: an immutable value published by writers and read by many
// threads without a lock, without a reference-count operation on a shared
// cache line and without writing anything another core reads.
//
// How a read works. Every cell has a process-unique id and a version counter
// (bumped on each Publish, in its own cache line). Every reader thread owns a
// small direct-mapped table of slots (per T, allocated on the thread's first
// read); a slot remembers (cell id, version, the snapshot). A read loads the
// cell's version (a plain load of a line that only changes on publish, so it
// stays shared in every core's cache), compares it with the thread's slot and,
// when they match, returns the slot: no lock, no atomic read-modify-write, no
// store. When they do not match (first read on this thread, new version,
// another cell took the slot) the slow path takes the cell's mutex, copies the
// owning pointer and refills the slot.
//
// Reclamation. A slot owns its snapshot through a holder object allocated by
// the reader thread (its own control block, in its own cache line) that keeps
// one reference to the published snapshot. So a snapshot stays alive while
// any slot or any copy handed out from a slot still refers to it, and it is
// destroyed (and, for secrets, wiped) when the last one goes: no reader can
// ever see a freed or torn value, whatever the timing. Copies handed out from
// a slot (Slot::local, or a view built from it) increment the holder's count,
// which only this thread touches in the common case. The cost of this
// simplicity: a thread keeps the snapshot it last read of each cell until
// its next read of that cell (or of another cell mapped to the same slot), or
// until it exits; a rotated value read by a now idle thread is wiped then, not
// at rotation time.
//
// Nesting. The slot returned by Read() stays valid until this thread's next
// Read() of a cell of the same type. Code that must hand out a reference to a
// slot while calling back into user code (SecretHandle::Read) holds a
// SnapshotPin: while one is alive on a thread, reads on that thread never
// replace a slot (a miss is served from the caller's temporary instead).
//
// Thread-safety: Publish/Load/Read are safe from any thread. A thread's slots
// are only touched by that thread.
#ifndef KEYWARD_SRC_CORE_SNAPSHOT_CELL_H_
#define KEYWARD_SRC_CORE_SNAPSHOT_CELL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <variant>

namespace keyward::internal {

// Ids are never reused, so a slot can never mistake a new cell allocated at a
// freed cell's address for the old one.
std::uint64_t NextSnapshotCellId();

// > 0 while a SnapshotPin is alive on this thread.
inline thread_local int t_snapshot_pins = 0;

class SnapshotPin {
 public:
  SnapshotPin() { ++t_snapshot_pins; }
  ~SnapshotPin() { --t_snapshot_pins; }
  SnapshotPin(const SnapshotPin&) = delete;
  SnapshotPin& operator=(const SnapshotPin&) = delete;
};

template <typename T>
void NoView(const std::shared_ptr<const T>&, std::monostate*) {}

// `View` is derived from the snapshot once per slot fill by `MakeView` (e.g.
// a keyward::Secret aliasing part of it), so that readers can be handed a
// reference to it without building anything per read.
template <typename T, std::size_t kSlots = 256, typename View = std::monostate,
          void (*MakeView)(const std::shared_ptr<const T>&, View*) = NoView<T>>
class SnapshotCell {
  static_assert((kSlots & (kSlots - 1)) == 0, "kSlots: a power of two");

 public:
  struct Slot {
    std::uint64_t id = 0;
    std::uint64_t version = 0;
    // The snapshot (null: nothing published yet), owned through this
    // thread's holder.
    std::shared_ptr<const T> local;
    View view{};
  };

  SnapshotCell() : id_(NextSnapshotCellId()) {}
  SnapshotCell(const SnapshotCell&) = delete;
  SnapshotCell& operator=(const SnapshotCell&) = delete;

  // Makes `next` (never null) the value readers see. The previous value is
  // released outside the lock (readers may still hold it).
  void Publish(std::shared_ptr<const T> next) {
    {
      std::lock_guard<std::mutex> l(mu_);
      owner_.swap(next);
      version_.store(version_.load(std::memory_order_relaxed) + 1,
                     std::memory_order_release);
    }
  }
  // An owning copy of the current value (null: none). Takes the mutex: for
  // writers and slow paths.
  std::shared_ptr<const T> Load() const {
    std::lock_guard<std::mutex> l(mu_);
    return owner_;
  }
  bool HasValue() const {
    return version_.load(std::memory_order_acquire) != 0;
  }

  // The current value as this thread's slot (see the file comment for how
  // long the reference stays valid). `tmp` receives the value instead when
  // the slot cannot be used (pinned, or the thread is exiting).
  const Slot& Read(Slot* tmp) const {
    if (const Slot* s = Peek()) return *s;
    return ReadSlow(tmp);
  }
  // The fast path alone: this thread's slot when it holds the current value
  // (valid as for Read), else null (then call Read).
  const Slot* Peek() const {
    const std::uint64_t v = version_.load(std::memory_order_acquire);
    const Table* t = t_table;
    if (t == nullptr) return nullptr;
    const Slot& s = t->slots[id_ & (kSlots - 1)];
    return s.id == id_ && s.version == v ? &s : nullptr;
  }

 private:
  struct alignas(64) Holder {
    std::shared_ptr<const T> global;
  };
  struct alignas(64) Table {
    Slot slots[kSlots];
  };
  struct TableOwner {
    ~TableOwner() {
      Table* t = t_table;
      t_table = nullptr;
      t_table_gone = true;
      delete t;
    }
  };
  static inline thread_local Table* t_table = nullptr;
  static inline thread_local bool t_table_gone = false;

  static Table* ThisThreadTable() {
    if (t_table != nullptr) return t_table;
    if (t_table_gone) return nullptr;  // thread-exit destructors
    static thread_local TableOwner owner;
    (void)owner;
    t_table = new Table();
    return t_table;
  }

  const Slot& ReadSlow(Slot* tmp) const {
    Slot fresh;
    fresh.id = id_;
    std::shared_ptr<const T> global;
    {
      std::lock_guard<std::mutex> l(mu_);
      fresh.version = version_.load(std::memory_order_relaxed);
      global = owner_;
    }
    if (global) {
      const T* raw = global.get();
      auto holder = std::make_shared<Holder>(Holder{std::move(global)});
      fresh.local = std::shared_ptr<const T>(std::move(holder), raw);
      MakeView(fresh.local, &fresh.view);
    }
    Table* t = t_snapshot_pins > 0 ? nullptr : ThisThreadTable();
    if (t == nullptr) {
      *tmp = std::move(fresh);
      return *tmp;
    }
    Slot& s = t->slots[id_ & (kSlots - 1)];
    Slot old = std::exchange(s, std::move(fresh));
    return s;  // `old` (maybe the last reference to a snapshot) dies here
  }

  // Read-mostly line: readers only load version_ and id_.
  alignas(64) std::atomic<std::uint64_t> version_{0};
  const std::uint64_t id_;
  // Writers' line.
  alignas(64) mutable std::mutex mu_;
  std::shared_ptr<const T> owner_;
};

}  // namespace keyward::internal

#endif  // KEYWARD_SRC_CORE_SNAPSHOT_CELL_H_

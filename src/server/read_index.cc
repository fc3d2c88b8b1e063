#include "server/read_index.h"

#include <map>
#include <utility>

namespace keyward::server {

std::string ReadIndex::NameKey(std::string_view region, std::string_view name) {
  std::string key;
  key.reserve(region.size() + 1 + name.size());
  key.append(region);
  key.push_back('\n');
  key.append(name);
  return key;
}

void ReadIndex::Apply(
    const std::vector<std::pair<std::string, SecretPtr>>& edits) {
  std::map<std::size_t, std::shared_ptr<Map>> next;
  for (const auto& [key, entry] : edits) {
    std::size_t i = ShardOf(key);
    auto& m = next[i];
    if (!m) {
      std::shared_ptr<const Map> cur = shards_[i].Load();
      m = cur ? std::make_shared<Map>(*cur) : std::make_shared<Map>();
    }
    if (entry) {
      m->entries.insert_or_assign(key, entry);
    } else {
      m->entries.erase(key);
    }
  }
  for (auto& [i, m] : next) shards_[i].Publish(std::move(m));
}

void ReadIndex::Put(const StoredSecret& s) {
  auto copy = std::make_shared<const StoredSecret>(s);
  Apply({{s.arn, copy}, {NameKey(s.region, s.name), copy}});
}

void ReadIndex::Remove(const std::string& arn) {
  std::shared_ptr<const Map> shard = shards_[ShardOf(arn)].Load();
  if (!shard) return;
  auto it = shard->entries.find(arn);
  if (it == shard->entries.end()) return;
  std::vector<std::pair<std::string, SecretPtr>> edits{{arn, nullptr}};
  std::string name_key = NameKey(it->second->region, it->second->name);
  std::shared_ptr<const Map> names = shards_[ShardOf(name_key)].Load();
  if (names) {
    if (auto n = names->entries.find(name_key);
        n != names->entries.end() && n->second->arn == arn) {
      edits.emplace_back(std::move(name_key), nullptr);
    }
  }
  Apply(edits);
}

void ReadIndex::Load(const std::vector<const StoredSecret*>& all) {
  std::vector<std::pair<std::string, SecretPtr>> edits;
  edits.reserve(all.size() * 2);
  for (const StoredSecret* s : all) {
    auto copy = std::make_shared<const StoredSecret>(*s);
    edits.emplace_back(s->arn, copy);
    edits.emplace_back(NameKey(s->region, s->name), std::move(copy));
  }
  Apply(edits);
}

const StoredSecret* ReadIndex::Lookup(std::string_view key, Slot* tmp) const {
  const Slot& slot = shards_[ShardOf(key)].Read(tmp);
  if (!slot.local) return nullptr;
  auto it = slot.local->entries.find(key);
  return it == slot.local->entries.end() ? nullptr : it->second.get();
}

const StoredSecret* ReadIndex::Find(std::string_view id,
                                    std::string_view region,
                                    std::string_view arn_prefix,
                                    Slot* tmp) const {
  // Each lookup runs only when the previous one found nothing, so the one
  // pointer returned stays backed by this thread's slot.
  if (const StoredSecret* s = Lookup(NameKey(region, id), tmp)) return s;
  if (!id.starts_with(arn_prefix)) return nullptr;
  if (const StoredSecret* s = Lookup(id, tmp)) return s;
  // A partial ARN (without the random suffix).
  return Lookup(NameKey(region, id.substr(arn_prefix.size())), tmp);
}

}  // namespace keyward::server

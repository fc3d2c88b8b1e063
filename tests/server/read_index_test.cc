// The server's lock-free read index (src/server/read_index.h): lookups by
// name, ARN and partial ARN, replacement and removal, and readers running
// while a writer republishes and removes entries (run under TSan in the
// sanitizer lane).
#include "server/read_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace keyward::server {
namespace {

constexpr char kPrefix[] = "arn:aws:secretsmanager:us-east-1:1:secret:";

StoredSecret Secret(const std::string& name, const std::string& suffix,
                    const std::string& description = "") {
  StoredSecret s;
  s.name = name;
  s.region = "us-east-1";
  s.arn = std::string(kPrefix) + name + "-" + suffix;
  s.description = description;
  return s;
}

TEST(ReadIndexTest, FindsByNameArnAndPartialArn) {
  ReadIndex index;
  index.Put(Secret("platform-data/pg/app", "AbCdEf"));
  ReadIndex::Slot tmp;
  const std::string arn = std::string(kPrefix) + "platform-data/pg/app-AbCdEf";
  for (std::string id : {std::string("platform-data/pg/app"), arn,
                         std::string(kPrefix) + "platform-data/pg/app"}) {
    const StoredSecret* s = index.Find(id, "us-east-1", kPrefix, &tmp);
    ASSERT_NE(s, nullptr) << id;
    EXPECT_EQ(s->arn, arn);
  }
  EXPECT_EQ(index.Find("platform-data/pg/app", "eu-west-1", kPrefix, &tmp),
            nullptr);
  EXPECT_EQ(index.Find("platform-data/pg/other", "us-east-1", kPrefix, &tmp),
            nullptr);
  EXPECT_EQ(index.Find(std::string(kPrefix) + "platform-data/pg/app-XXXXXX",
                       "us-east-1", kPrefix, &tmp),
            nullptr);
}

TEST(ReadIndexTest, PutReplacesAndRemoveForgets) {
  ReadIndex index;
  index.Put(Secret("a", "111111", "one"));
  index.Put(Secret("a", "111111", "two"));
  ReadIndex::Slot tmp;
  const StoredSecret* s = index.Find("a", "us-east-1", kPrefix, &tmp);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->description, "two");
  index.Remove(s->arn);
  EXPECT_EQ(index.Find("a", "us-east-1", kPrefix, &tmp), nullptr);
  index.Remove(std::string(kPrefix) + "a-111111");  // absent: nothing
}

TEST(ReadIndexTest, RemovingAnOldArnKeepsTheNameOfItsSuccessor) {
  ReadIndex index;
  index.Put(Secret("a", "111111"));
  index.Put(Secret("a", "222222"));  // re-created under the same name
  index.Remove(std::string(kPrefix) + "a-111111");
  ReadIndex::Slot tmp;
  const StoredSecret* s = index.Find("a", "us-east-1", kPrefix, &tmp);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->arn, std::string(kPrefix) + "a-222222");
}

TEST(ReadIndexTest, LoadPublishesEverySecret) {
  std::vector<StoredSecret> all;
  for (int i = 0; i < 1000; ++i)
    all.push_back(Secret("s" + std::to_string(i), "000000"));
  std::vector<const StoredSecret*> ptrs;
  for (const auto& s : all) ptrs.push_back(&s);
  ReadIndex index;
  index.Load(ptrs);
  ReadIndex::Slot tmp;
  for (int i = 0; i < 1000; ++i) {
    const StoredSecret* s =
        index.Find("s" + std::to_string(i), "us-east-1", kPrefix, &tmp);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, "s" + std::to_string(i));
  }
}

// Readers on several threads while a writer republishes each secret with a
// new generation (description == tag of every version) and removes and
// re-adds some: a reader sees either nothing or one whole, consistent copy.
TEST(ReadIndexTest, ReadersNeverSeeATornOrFreedSecret) {
  ReadIndex index;
  constexpr int kSecrets = 200;
  auto make = [](int i, int gen) {
    StoredSecret s =
        Secret("s" + std::to_string(i), "000000", std::to_string(gen));
    for (int v = 0; v < 3; ++v) {
      StoredVersion ver;
      ver.version_id = std::to_string(gen);
      ver.blob = std::string(64, static_cast<char>('a' + gen % 26));
      s.versions.push_back(ver);
    }
    return s;
  };
  for (int i = 0; i < kSecrets; ++i) index.Put(make(i, 0));
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, torn{0}, live{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      ReadIndex::Slot tmp;
      long n = 0;
      for (int i = t; !stop.load(std::memory_order_relaxed); ++i) {
        const StoredSecret* s = index.Find("s" + std::to_string(i % kSecrets),
                                           "us-east-1", kPrefix, &tmp);
        ++n;
        live.fetch_add(1, std::memory_order_relaxed);
        if (s == nullptr) continue;
        for (const auto& v : s->versions) {
          if (v.version_id != s->description ||
              v.blob !=
                  std::string(64, static_cast<char>(
                                      'a' + std::stoi(v.version_id) % 26)))
            torn.fetch_add(1);
        }
      }
      reads.fetch_add(n);
    });
  }
  // Publish while the readers run: at least 300 generations, and until the
  // readers have done 30,000 lookups.
  for (int gen = 1; gen <= 300 || live.load() < 30000; ++gen) {
    int i = gen % kSecrets;
    if (gen % 7 == 0) {
      index.Remove(std::string(kPrefix) + "s" + std::to_string(i) + "-000000");
    }
    index.Put(make(i, gen));
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

}  // namespace
}  // namespace keyward::server

// SecretCache's refresh side: fetching or verifying an entry against the
// store, deciding what readers see (refresh_policy.h's pure functions),
// publishing it, bulk loading with BatchGetSecretValue, and the refresher
// thread.
#include <algorithm>

#include "config/secret_cache_internal.h"
#include "keyward/secrets/errors.h"

namespace keyward {

using internal::CacheEntry;
using internal::Published;
using LogLevel = SecretCacheOptions::LogLevel;

namespace {

// The principal (or the endpoint) cannot use an optional operation.
bool IsNotAllowed(const Status& s) {
  return s.code() == StatusCode::kPermissionDenied ||
         s.code() == StatusCode::kUnimplemented ||
         s.error_type() == "UnknownOperationException" ||
         s.error_type() == "InvalidAction";
}

// The version `pin` names in the secret's metadata, or "" when none does.
std::string PinnedVersion(const secrets::SecretMetadata& md,
                          const VersionPin& pin) {
  std::string target;
  if (!pin.version_id.empty()) {
    if (md.version_ids_to_stages.count(pin.version_id)) target = pin.version_id;
    return target;
  }
  std::string stage = pin.version_stage.empty()
                          ? std::string(secrets::kAwsCurrent)
                          : pin.version_stage;
  for (const auto& [id, stages] : md.version_ids_to_stages) {
    for (const std::string& s : stages) {
      if (s == stage) target = id;
    }
  }
  return target;
}

}  // namespace

void SecretCache::Impl::Remove(const std::shared_ptr<CacheEntry>& e) {
  Shard& s = ShardFor(e->key);
  std::lock_guard<std::mutex> l(s.mu);
  std::shared_ptr<const EntryMap> map = s.cell.Load();
  auto it = map->find(e->key);
  if (it != map->end() && it->second == e) {
    auto next = std::make_shared<EntryMap>(*map);
    next->erase(e->key);
    s.cell.Publish(std::move(next));
    if (!e->declared.load()) adhoc_entries.fetch_sub(1);
  }
}

std::vector<std::shared_ptr<CacheEntry>> SecretCache::Impl::AllEntries() const {
  std::vector<std::shared_ptr<CacheEntry>> out;
  for (const Shard& s : shards) {
    std::shared_ptr<const EntryMap> map = s.cell.Load();
    for (const auto& [k, e] : *map) out.push_back(e);
  }
  return out;
}

void SecretCache::Impl::EvictIfNeeded() {
  while (adhoc_entries.load() > opt.max_entries) {
    std::shared_ptr<CacheEntry> victim;
    std::uint64_t oldest = UINT64_MAX;
    for (const auto& e : AllEntries()) {
      if (e->declared.load() || !e->cell.HasValue()) continue;
      std::uint64_t t = e->last_access.load(std::memory_order_relaxed);
      if (t < oldest) {
        oldest = t;
        victim = e;
      }
    }
    if (!victim) return;
    Remove(victim);
    evictions.fetch_add(1);
  }
}

// Schedules the next refresh of a value fetched or verified at `now`
// (caller holds e.mu): refresh_ahead before expiry, minus jitter.
void SecretCache::Impl::ScheduleAfterSuccess(CacheEntry& e,
                                             Clock::time_point now) {
  internal::SuccessSchedule s = internal::ScheduleOnSuccess(now, opt, Random());
  e.expires_at = s.expires_at;
  e.next_refresh = s.next_refresh;
}

// Fetches or verifies `e` against the store (caller holds e.refresh_mu).
SecretCache::Impl::Outcome SecretCache::Impl::Fetch(CacheEntry& e,
                                                    const Published* prev) {
  Outcome out;
  const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
  if (have && opt.version_check && describe_allowed.load()) {
    auto md = CallDescribe(e.name);
    if (!md.ok() && IsNotAllowed(md.status())) {
      describe_allowed.store(false);
      Log(LogLevel::kInfo, "DescribeSecret is not allowed (" +
                               md.status().ToString() +
                               "); refreshing with GetSecretValue");
    } else if (!md.ok()) {
      out.status = md.status();
      return out;
    } else if (md->deleted_date) {
      out.status =
          Status(StatusCode::kFailedPrecondition,
                 "secret '" + e.name + "' is scheduled for deletion on " +
                     FormatIso8601(*md->deleted_date) +
                     "; restore it (keyward restore / RestoreSecret) or stop "
                     "using it",
                 "InvalidRequestException");
      return out;
    } else {
      std::string target = PinnedVersion(*md, e.pin);
      if (!target.empty() && target == have->version_id)
        return out;  // unchanged
    }
  }
  auto r = CallGet(e);
  if (!r.ok()) {
    out.status = r.status();
    return out;
  }
  if (have && r->version_id == have->version_id) return out;  // unchanged
  out.data = internal::BuildSecretData(std::move(*r), e.name, clock->Now());
  Status valid =
      internal::CheckRequiredProperties(*out.data, e.required_properties);
  if (!valid.ok()) {
    if (have) {
      valid = valid.WithContext("new version " + out.data->version_id +
                                " rejected, still serving " + have->version_id);
    }
    out.status = valid;
    out.rejected = true;
    out.data.reset();
  }
  return out;
}

// What readers see after the failed refresh `out` (caller holds e.mu;
// `e.failures` counts it): null to keep serving `prev`.
std::shared_ptr<const Published> SecretCache::Impl::OnFailure(
    const CacheEntry& e, const std::shared_ptr<const Published>& prev,
    const Outcome& out, Clock::time_point now, LogLevel* level) {
  const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
  internal::RefreshState state{have != nullptr, e.has_success, e.last_success,
                               e.expires_at, e.failures};
  *level = LogLevel::kWarning;
  switch (
      internal::DecideOnFailure(state, out.status, out.rejected, now, opt)) {
    case internal::FailureView::kNoValue:
      return std::make_shared<Published>(Published{out.status, false, {}});
    case internal::FailureView::kKeepServing:
      return nullptr;
    case internal::FailureView::kStale: {
      *level = LogLevel::kError;
      auto p = std::make_shared<Published>(*prev);
      p->error = UnavailableError(
          "secret '" + e.name + "': the last good value (version " +
          have->version_id + ") is older than max_staleness (" +
          internal::WholeSeconds(now - e.last_success) +
          "); last error: " + out.status.ToString());
      return p;
    }
    case internal::FailureView::kExpiredError: {
      *level = LogLevel::kError;
      auto p = std::make_shared<Published>(*prev);
      p->error = out.status;
      return p;
    }
  }
  return nullptr;
}

// What readers see after the successful refresh `out` (caller holds
// e.mu): a new version, the old one without its error, or null (no
// change). Sets `change` and `log_line` for a new version.
std::shared_ptr<const Published> SecretCache::Impl::OnSuccess(
    CacheEntry& e, const std::shared_ptr<const Published>& prev, Outcome& out,
    Clock::time_point now, std::optional<SecretChange>* change,
    std::string* log_line) {
  const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
  e.has_success = true;
  e.last_success = now;
  e.failures = 0;
  e.last_error = OkStatus();
  if (prev) {
    ++e.refreshes;
    refreshes.fetch_add(1);
  }
  ScheduleAfterSuccess(e, now);
  if (out.data) {
    ++e.versions_fetched;
    auto p = std::make_shared<Published>();
    p->has_data = true;
    p->data = std::move(*out.data);
    if (!have || have->version_id != p->data.version_id) {
      *change = SecretChange{e.name, have ? have->version_id : "", Secret()};
      if (have)
        *log_line = e.name + ": now serving version " + p->data.version_id +
                    " (was " + have->version_id + ")";
    }
    return p;
  }
  if (prev && !prev->error.ok() && have) {
    auto p = std::make_shared<Published>(*prev);
    p->error = OkStatus();
    return p;
  }
  return nullptr;
}

// Applies `out` to `e` and publishes what readers should now see. Runs
// listeners for a new version. Returns the outcome status.
Status SecretCache::Impl::Apply(const std::shared_ptr<CacheEntry>& ep,
                                std::shared_ptr<const Published> prev,
                                Outcome out) {
  CacheEntry& e = *ep;
  Clock::time_point now = clock->Now();
  const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
  std::optional<SecretChange> change;
  std::string log_line;
  LogLevel level = LogLevel::kInfo;
  {
    std::lock_guard<std::mutex> l(e.mu);
    std::shared_ptr<const Published> next;
    if (out.status.ok()) {
      next = OnSuccess(e, prev, out, now, &change, &log_line);
    } else {
      ++e.failures;
      e.last_error = out.status;
      if (prev) refresh_failures.fetch_add(1);
      e.next_refresh = now + internal::Backoff(e.failures, opt, Random());
      next = OnFailure(e, prev, out, now, &level);
      log_line = "refresh of '" + e.name + "' failed (attempt " +
                 std::to_string(e.failures) +
                 (have ? ", serving version " + have->version_id + ", age " +
                             internal::WholeSeconds(now - e.last_success)
                       : std::string(", no value")) +
                 (next && have ? ", value withheld" : "") + ", retry in " +
                 internal::WholeSeconds(e.next_refresh - now) +
                 "): " + out.status.ToString();
    }
    if (next) e.cell.Publish(next);
    if (change)
      change->secret =
          MakeSecret(std::shared_ptr<const SecretData>(next, &next->data));
  }
  e.loaded_cv.notify_all();
  // A failed first fetch is the caller's error to handle: Get() returns it
  // and SecretConfig::Load folds it into its one error, so nothing is
  // printed on its own. Later failed attempts of a declared entry log.
  bool quiet =
      !prev && !out.status.ok() && (!e.declared.load() || e.failures <= 1);
  if (!log_line.empty() && !quiet) Log(level, log_line);
  if (change) Notify(*change);
  return out.status;
}

Status SecretCache::Impl::Refresh(const std::shared_ptr<CacheEntry>& e) {
  std::lock_guard<std::mutex> l(e->refresh_mu);
  std::shared_ptr<const Published> prev = e->cell.Load();
  Outcome out = Fetch(*e, prev.get());
  return Apply(e, std::move(prev), std::move(out));
}

void SecretCache::Impl::Notify(const SecretChange& change) {
  std::vector<std::function<void(const SecretChange&)>> fns;
  {
    std::lock_guard<std::mutex> l(listeners_mu);
    for (const auto& [id, fn] : listeners) fns.push_back(fn);
  }
  for (const auto& fn : fns) fn(change);
}

Status SecretCache::Impl::BatchFetch(
    const std::vector<std::shared_ptr<CacheEntry>>& chunk,
    std::map<std::string, Outcome>* outcomes) {
  secrets::BatchGetSecretValueRequest req;
  for (const auto& e : chunk) req.secret_ids.push_back(e->name);
  do {
    batch_calls.fetch_add(1, std::memory_order_relaxed);
    auto r = api->BatchGetSecretValue(req);
    if (!r.ok()) return r.status();
    for (secrets::SecretValueResult& v : r->values) {
      std::string name = v.name;
      Outcome o;
      o.data = internal::BuildSecretData(std::move(v), name, clock->Now());
      (*outcomes)[name] = std::move(o);
    }
    for (const secrets::BatchError& err : r->errors) {
      (*outcomes)[err.secret_id].status =
          secrets::MapAwsError(400, err.error_code, err.message,
                               {"BatchGetSecretValue", err.secret_id, "", ""});
    }
    req.next_token = r->next_token;
  } while (!req.next_token.empty());
  return OkStatus();
}

// One BatchGetSecretValue chunk. Entries the batch could not answer
// (batch not allowed, or not in the response) are appended to `fallback`.
void SecretCache::Impl::LoadChunk(
    const std::vector<std::shared_ptr<CacheEntry>>& chunk,
    std::vector<std::shared_ptr<CacheEntry>>* fallback,
    std::mutex* fallback_mu) {
  if (!batch_allowed.load()) {  // learnt by an earlier chunk
    std::lock_guard<std::mutex> l(*fallback_mu);
    fallback->insert(fallback->end(), chunk.begin(), chunk.end());
    return;
  }
  std::map<std::string, Outcome> outcomes;
  Status chunk_error = BatchFetch(chunk, &outcomes);

  if (!chunk_error.ok() && IsNotAllowed(chunk_error)) {
    if (batch_allowed.exchange(false)) {
      Log(LogLevel::kInfo, "BatchGetSecretValue is not allowed (" +
                               chunk_error.ToString() +
                               "); loading with GetSecretValue");
    }
    std::lock_guard<std::mutex> l(*fallback_mu);
    fallback->insert(fallback->end(), chunk.begin(), chunk.end());
    return;
  }
  for (const auto& e : chunk) {
    if (!chunk_error.ok()) {
      Apply(e, nullptr, Outcome{chunk_error, std::nullopt, false})
          .IgnoreError();
      continue;
    }
    auto it = outcomes.find(e->name);
    if (it == outcomes.end()) {
      std::lock_guard<std::mutex> l(*fallback_mu);
      fallback->push_back(e);
      continue;
    }
    Outcome o = std::move(it->second);
    if (o.data) {
      Status valid =
          internal::CheckRequiredProperties(*o.data, e->required_properties);
      if (!valid.ok()) o = Outcome{valid, std::nullopt, true};
    }
    Apply(e, nullptr, std::move(o)).IgnoreError();
  }
}

void SecretCache::Impl::RefresherLoop() {
  std::unique_lock<std::mutex> l(wake_mu);
  while (!stop) {
    l.unlock();
    RunPending();
    auto next = NextRefresh();
    l.lock();
    if (stop) break;
    Clock::duration wait = std::chrono::seconds(60);
    if (next) wait = std::min(wait, *next - clock->Now());
    wait = std::max<Clock::duration>(wait, std::chrono::milliseconds(10));
    // No predicate: LoadDeclared/ForceRefresh notify so that new entries
    // are scheduled at once (a `stop`-only predicate swallowed those
    // wake-ups and delayed the first refresh by up to 60 s). `stop` is
    // set under wake_mu and checked above, so it cannot be missed.
    wake_cv.wait_for(l, wait);
  }
}

int SecretCache::Impl::RunPending() {
  Clock::time_point now = clock->Now();
  std::vector<std::shared_ptr<CacheEntry>> due;
  for (const auto& e : AllEntries()) {
    if (!e->cell.HasValue()) continue;  // first fetch in flight
    std::lock_guard<std::mutex> l(e->mu);
    if (e->next_refresh <= now) due.push_back(e);
  }
  for (const auto& e : due) Refresh(e).IgnoreError();
  return static_cast<int>(due.size());
}

std::optional<Clock::time_point> SecretCache::Impl::NextRefresh() const {
  std::optional<Clock::time_point> next;
  for (const auto& e : AllEntries()) {
    if (!e->cell.HasValue()) continue;
    std::lock_guard<std::mutex> l(e->mu);
    if (!next || e->next_refresh < *next) next = e->next_refresh;
  }
  return next;
}

}  // namespace keyward

// RotateSecret and CancelRotateSecret, and the rotation runner: one thread
// that runs the rotation hook for each step of a rotation (never holding the
// service's lock, since the hook calls back into the server) and starts
// scheduled rotations when their window opens.
//
// AWS's protocol, kept here: RotateSecret stages a version without a value
// as AWSPENDING (its id is the ClientRequestToken) and returns; the rotation
// function then runs createSecret (stores the new value in that version),
// setSecret, testSecret and finishSecret (moves AWSCURRENT to it). A failed
// step stops the rotation: AWSPENDING stays where it is, AWSCURRENT is
// untouched, RotationEnabled stays, and the next RotateSecret answers "A
// previous rotation isn't complete" and retries it. After a successful
// finishSecret the server removes AWSPENDING and sets LastRotatedDate and
// the next window.
#include <condition_variable>
#include <deque>
#include <set>
#include <thread>

#include "server/service_internal.h"

namespace keyward::server {

namespace {

constexpr std::string_view kPending = "AWSPENDING";
constexpr const char* kSteps[] = {"createSecret", "setSecret", "testSecret",
                                  "finishSecret"};

// The request's rules as the server keeps them, with its semantic checks.
StatusOr<std::optional<RotationRules>> CheckRules(
    const std::optional<secrets::wire::RotationRules>& in) {
  if (!in) return std::optional<RotationRules>();
  if (in->automatically_after_days && *in->automatically_after_days == 0) {
    return ApiFailure(
        Msg::kBadRotationRules,
        {"RotationRules.AutomaticallyAfterDays must be within 1-1000."});
  }
  RotationRules r;
  r.automatically_after_days = in->automatically_after_days.value_or(0);
  r.schedule_expression = in->schedule_expression.value_or("");
  r.duration = in->duration.value_or("");
  KW_RETURN_IF_ERROR(ValidateRotationRules(r));
  return std::optional<RotationRules>(r);
}

// The request's ClientRequestToken (checked), or a new one.
StatusOr<std::string> TokenOf(const std::optional<std::string>& token,
                              const ServiceOptions& opt) {
  if (!token) return opt.new_uuid();
  KW_RETURN_IF_ERROR(CheckToken(*token));
  return *token;
}

RotationRules RulesOf(const StoredRotation& r) {
  return {r.after_days, r.schedule, r.duration};
}

// The version AWSPENDING is on when it is not also AWSCURRENT's: a rotation
// that has not finished.
const StoredVersion* UnfinishedPending(const StoredSecret& s) {
  for (const auto& v : s.versions) {
    if (HasStage(v, kPending) && !HasStage(v, kCurrent)) return &v;
  }
  return nullptr;
}

}  // namespace

// One queued rotation.
struct RotationJob {
  std::string arn;
  std::string token;
};

class Rotator {
 public:
  Rotator(SecretsService::Impl* impl, std::unique_ptr<RotationHook> hook,
          RotationOptions options)
      : impl_(impl), hook_(std::move(hook)), opt_(options) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Rotator() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  const RotationOptions& options() const { return opt_; }

  // Queues a rotation unless one for the secret is queued or running.
  void Enqueue(RotationJob job) {
    {
      std::lock_guard lock(mu_);
      if (!busy_.insert(job.arn).second) return;
      queue_.push_back(std::move(job));
    }
    cv_.notify_all();
  }

  // Whether the scheduler may start a rotation of `arn` now (not queued, and
  // not failed within the last retry interval: an "hour").
  bool MayStart(const std::string& arn, double now) {
    std::lock_guard lock(mu_);
    if (busy_.count(arn)) return false;
    auto f = failed_.find(arn);
    return f == failed_.end() || now - f->second >= opt_.day_seconds / 24;
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    auto next_check = std::chrono::steady_clock::now();
    while (!stop_) {
      if (!queue_.empty()) {
        RotationJob job = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        bool ok = Run(job);
        lock.lock();
        busy_.erase(job.arn);
        if (ok) {
          failed_.erase(job.arn);
        } else {
          failed_[job.arn] = impl_->Now();
        }
        continue;
      }
      if (std::chrono::steady_clock::now() >= next_check) {
        lock.unlock();
        impl_->StartDueRotations();
        lock.lock();
        next_check = std::chrono::steady_clock::now() + opt_.check_interval;
        continue;
      }
      cv_.wait_until(lock, next_check);
    }
  }

  // Runs the four steps; true when the rotation completed.
  bool Run(const RotationJob& job) {
    RotationEvent event;
    event.secret_id = job.arn;
    event.client_request_token = job.token;
    event.rotation_token = impl_->opt.new_uuid();
    std::string name;
    for (const char* step : kSteps) {
      {
        std::shared_lock lock(impl_->mu);
        auto it = impl_->by_arn.find(job.arn);
        if (it == impl_->by_arn.end() || it->second.deleted != 0 ||
            !it->second.rotation.enabled) {
          impl_->warn("rotation of secret " + job.arn + " stopped before its " +
                      step +
                      " step: the secret was deleted or its rotation "
                      "cancelled");
          return false;
        }
        name = it->second.name;
        event.region = it->second.region;
      }
      event.step = step;
      if (Status st = hook_->Run(event); !st.ok()) {
        impl_->warn("rotation of secret " + name + " (version " + job.token +
                    ") failed: " + st.message() +
                    "; AWSPENDING stays on that version, AWSCURRENT is "
                    "unchanged");
        return false;
      }
    }
    return impl_->FinishRotation(job.arn, job.token);
  }

  SecretsService::Impl* impl_;
  std::unique_ptr<RotationHook> hook_;
  RotationOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RotationJob> queue_;
  std::set<std::string> busy_;
  std::map<std::string, double> failed_;
  bool stop_ = false;
  std::thread thread_;
};

void SecretsService::StartRotation(std::unique_ptr<RotationHook> hook,
                                   RotationOptions options) {
  impl_->rotator =
      std::make_shared<Rotator>(impl_.get(), std::move(hook), options);
}

// Stages a version without a value as AWSPENDING for a new rotation.
static void StagePending(StoredSecret& s, const std::string& token,
                         double now) {
  StoredVersion v;
  v.version_id = token;
  v.created = now;
  v.has_value = false;
  s.versions.push_back(std::move(v));
  for (auto& other : s.versions) {
    if (&other != &s.versions.back()) DropStage(other, kPending);
  }
  s.versions.back().stages.push_back(std::string(kPending));
}

StatusOr<secrets::WriteResult> SecretsService::Impl::RotateSecret(
    const secrets::wire::RotateSecretRequest& req, const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::string token,
                      TokenOf(req.client_request_token, opt));
  const std::optional<std::string>& lambda = req.rotation_lambda_arn;
  KW_ASSIGN_OR_RETURN(std::optional<RotationRules> rules,
                      CheckRules(req.rotation_rules));
  const bool immediately = req.rotate_immediately;
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(req.secret_id, "RotateSecret", caller));
  if (!rotator) return ApiFailure(Msg::kNoRotationHook);
  if (lambda.value_or(s->rotation.lambda_arn).empty())
    return ApiFailure(Msg::kNoRotationLambda);
  if (const StoredVersion* p = UnfinishedPending(*s)) {
    if (p->version_id == token)  // a retry of this request
      return secrets::WriteResult{s->arn, s->name, p->version_id, {}};
    rotator->Enqueue({s->arn, p->version_id});
    return ApiFailure(Msg::kRotationInProgress);
  }
  if (immediately && FindVersion(*s, token) != nullptr)
    return ApiFailure(Msg::kTokenInUse, {token, s->arn});
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& updated) {
    StoredRotation& r = updated.rotation;
    r.configured = r.enabled = true;
    if (lambda) r.lambda_arn = *lambda;
    if (rules) {
      r.after_days = rules->automatically_after_days;
      r.schedule = rules->schedule_expression;
      r.duration = rules->duration;
    }
    double now = Now();
    r.next =
        NextRotationWindow(RulesOf(r), now, rotator->options().day_seconds);
    if (immediately) StagePending(updated, token, now);
    updated.last_changed = now;
    return OkStatus();
  }));
  if (immediately) rotator->Enqueue({s->arn, token});
  return secrets::WriteResult{s->arn, s->name, token, {}};
}

StatusOr<secrets::WriteResult> SecretsService::Impl::CancelRotateSecret(
    const secrets::wire::SecretIdRequest& req, const Caller& caller) {
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(req.secret_id, "CancelRotateSecret", caller));
  if (s->rotation.lambda_arn.empty()) return ApiFailure(Msg::kNoRotationLambda);
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& updated) {
    updated.rotation.enabled = false;
    updated.rotation.next = 0;
    updated.last_changed = Now();
    return OkStatus();
  }));
  secrets::WriteResult out{s->arn, s->name, "", {}};
  // AWS: the version the cancelled rotation created, to be cleaned up.
  if (const StoredVersion* p = UnfinishedPending(*s))
    out.version_id = p->version_id;
  return out;
}

bool SecretsService::Impl::FinishRotation(const std::string& arn,
                                          const std::string& token) {
  std::unique_lock lock(mu);
  auto it = by_arn.find(arn);
  if (it == by_arn.end()) return false;
  StoredSecret* s = &it->second;
  StoredSecret updated = *s;
  StoredVersion* v = FindVersion(updated, token);
  if (v == nullptr || !HasStage(*v, kCurrent) || !v->has_value) {
    warn("rotation of secret " + s->name + " (version " + token +
         ") did not finish: finishSecret did not make that version "
         "AWSCURRENT; AWSPENDING stays on it");
    return false;
  }
  DropStage(*v, kPending);
  double now = Now();
  updated.rotation.last_rotated = now;
  if (updated.rotation.enabled) {
    updated.rotation.next =
        NextRotationWindow(RulesOf(updated.rotation), now,
                           rotator ? rotator->options().day_seconds : 86400);
  }
  if (!Persist(updated, s).ok()) return false;
  *s = std::move(updated);
  return true;
}

void SecretsService::Impl::StartDueRotations() {
  std::unique_lock lock(mu);
  if (!rotator) return;
  double now = Now();
  for (auto& [arn, s] : by_arn) {
    const StoredRotation& r = s.rotation;
    if (!r.enabled || r.next == 0 || r.next > now || s.deleted != 0 ||
        !s.primary_region.empty() || !rotator->MayStart(arn, now)) {
      continue;
    }
    if (const StoredVersion* p = UnfinishedPending(s)) {
      rotator->Enqueue({arn, p->version_id});  // retry the unfinished one
      continue;
    }
    StoredSecret updated = s;
    std::string token = opt.new_uuid();
    StagePending(updated, token, now);
    if (!Persist(updated, &s).ok()) continue;
    s = std::move(updated);
    rotator->Enqueue({arn, token});
  }
}

// DescribeSecret/ListSecrets members for rotation, as AWS reports them once
// rotation was configured. The API reference differs per operation on
// LastRotatedDate: DescribeSecret returns null "if the secret isn't configured
// for rotation or rotation has been disabled", ListSecrets only "if the secret
// hasn't ever rotated"; the date stays stored for a later RotateSecret.
void AddRotation(const StoredSecret& s, bool list, secrets::SecretMetadata& m) {
  const StoredRotation& r = s.rotation;
  if (!r.configured) return;
  m.rotation_configured = true;
  m.rotation_enabled = r.enabled;
  m.rotation_lambda_arn = r.lambda_arn;
  secrets::RotationRules rules;
  if (r.after_days != 0) rules.automatically_after_days = r.after_days;
  if (!r.schedule.empty()) rules.schedule_expression = r.schedule;
  if (!r.duration.empty()) rules.duration = r.duration;
  if (rules != secrets::RotationRules{}) m.rotation_rules = std::move(rules);
  if (r.last_rotated != 0 && (r.enabled || list))
    m.last_rotated_date = FromEpochSeconds(r.last_rotated);
  if (r.enabled && r.next != 0) m.next_rotation_date = FromEpochSeconds(r.next);
}

}  // namespace keyward::server

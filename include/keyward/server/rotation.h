// Secret rotation in `keyward server`: the rotation schedule (RotationRules
// as AWS Secrets Manager accepts them) and the local rotation hook that
// stands in for a rotation Lambda.
//
// AWS invokes a rotation Lambda four times per rotation with the event
// {"Step": "createSecret"|"setSecret"|"testSecret"|"finishSecret",
//  "SecretId": ARN, "ClientRequestToken": the AWSPENDING version id,
//  "RotationToken": an id of this rotation}. keyward server runs a command
// instead (`--rotation-hook CMD`), the event on its stdin (never in argv),
// with an environment that points AWS SDKs and the aws CLI at the server
// itself, so the hook calls back exactly as a Lambda would.
//
// Thread-safety: the free functions are pure; CommandRotationHook::Run is
// safe to call concurrently.
#ifndef KEYWARD_SERVER_ROTATION_H_
#define KEYWARD_SERVER_ROTATION_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/process.h"
#include "keyward/status.h"

namespace keyward::server {

// RotationRules as given to RotateSecret and reported by DescribeSecret.
struct RotationRules {
  std::int64_t automatically_after_days = 0;  // 0: not given
  std::string schedule_expression;            // "rate(...)"/"cron(...)"
  std::string duration;                       // "3h"; empty: not given
  bool operator==(const RotationRules&) const = default;
};

// Checks `rules` as AWS does: AutomaticallyAfterDays 1..1000; not both it
// and ScheduleExpression; rate(N days) with N 1..1000, rate(N hours) with N
// 4..23 (AWS rotates at most every four hours); cron() with AWS's six fields
// (minutes hours day-of-month month day-of-week year; '?' in one of the
// day fields); Duration "Nh" with N 1..24. INVALID_ARGUMENT naming the
// member otherwise (the message never repeats more than the expression).
Status ValidateRotationRules(const RotationRules& rules);

// The start of the next rotation window after `after` (epoch seconds), as
// AWS schedules it: AutomaticallyAfterDays N and rate(N days): the UTC day
// N days after `after`'s day (the window opens at midnight UTC); rate(N
// hours): `after` + N hours; cron(): the next minute the expression
// matches after `after`. `day_seconds` is the length of a day (86400; a
// test can shrink it so schedules expire within seconds). 0 when the rules
// give no schedule (or a cron expression never matches within 5 years).
double NextRotationWindow(const RotationRules& rules, double after,
                          double day_seconds = 86400);

// One invocation of the hook (one step of one rotation).
struct RotationEvent {
  std::string step;       // createSecret, setSecret, testSecret, finishSecret
  std::string secret_id;  // the secret's ARN
  std::string client_request_token;
  std::string rotation_token;
  std::string region;  // the secret's region (AWS_REGION for the hook)
};

// The event JSON AWS sends a rotation Lambda.
std::string RotationEventJson(const RotationEvent& event);

// Runs one rotation step. OK when the step succeeded; otherwise a status
// whose message says how the step failed (exit status, signal, timeout),
// never what the hook printed.
class RotationHook {
 public:
  virtual ~RotationHook() = default;
  virtual Status Run(const RotationEvent& event) = 0;
};

struct CommandHookOptions {
  std::vector<std::string> argv;  // the command, split like a shell would
  // Environment entries ("NAME=value") set for the hook on top of the
  // server's own environment (which loses AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_PROFILE first, so the
  // entries here decide the principal). AWS_REGION and AWS_DEFAULT_REGION
  // are set per event.
  std::vector<std::string> env;
  std::chrono::milliseconds timeout{60000};
  // Runs the command. Default: RunProcessWithIo; tests pass a fake.
  std::function<StatusOr<ProcessResult>(const ProcessRequest&,
                                        const ProcessIo&)>
      run;
};

// The hook that runs a command per step (`keyward server --rotation-hook`).
// Its stdout and stderr are read and discarded: a hook may print values.
std::unique_ptr<RotationHook> CommandRotationHook(CommandHookOptions options);

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_ROTATION_H_

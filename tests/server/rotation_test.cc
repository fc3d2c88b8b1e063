// RotationRules validation and schedules, the event JSON, and the command
// hook (stdin, environment, failure reporting) with a real child process.
#include "keyward/server/rotation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>

namespace keyward::server {
namespace {

double Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<double>(timegm(&tm));
}

RotationRules Days(std::int64_t n) { return {n, "", ""}; }
RotationRules Expr(std::string e, std::string d = "") {
  return {0, std::move(e), std::move(d)};
}

TEST(RotationRulesTest, AcceptsWhatAwsAccepts) {
  // AWS API reference, RotationRulesType; "Schedule expressions in Secrets
  // Manager rotation" (rate and cron forms, a window of 1-24 hours).
  for (const auto& ok :
       {Days(1), Days(1000), Expr("rate(10 days)"), Expr("rate(1 day)"),
        Expr("rate(4 hours)"), Expr("rate(23 hours)", "2h"),
        Expr("cron(0 16 1,15 * ? *)"), Expr("cron(0 8 ? * SUN-MON *)", "4h"),
        Expr("cron(0 */4 * * ? *)"), Expr("cron(30 2 ? JAN-MAR 2 2030)")}) {
    EXPECT_TRUE(ValidateRotationRules(ok).ok())
        << ok.schedule_expression << " " << ok.automatically_after_days;
  }
}

TEST(RotationRulesTest, RefusesWhatAwsRefuses) {
  struct Case {
    RotationRules rules;
    std::string type;
  };
  const Case cases[] = {
      // Text as recorded by moto's test_rotate_secret_rotation_period_
      // validation (server-side check, botocore validation off).
      {Days(1001), "InvalidParameterException"},
      {Days(-1), "InvalidParameterException"},
      {{3, "rate(3 days)", ""}, "InvalidParameterException"},  // both
      {Expr("rate(0 days)"), "InvalidParameterException"},
      {Expr("rate(1001 days)"), "InvalidParameterException"},
      {Expr("rate(2 hours)"), "InvalidParameterException"},  // under 4 h
      {Expr("rate(10 minutes)"), "InvalidParameterException"},
      {Expr("cron(0 16 1 * *)"), "InvalidParameterException"},      // 5 fields
      {Expr("cron(0 16 1 * MON *)"), "InvalidParameterException"},  // no '?'
      {Expr("cron(0 25 ? * MON *)"), "InvalidParameterException"},
      {Expr("every day"), "InvalidParameterException"},
      {Expr("rate(1 day)", "25h"), "InvalidParameterException"},
      {Expr("rate(1 day)", "0h"), "InvalidParameterException"},
      {Expr("", "3h"), "InvalidParameterException"},  // window, no schedule
  };
  for (const auto& c : cases) {
    Status s = ValidateRotationRules(c.rules);
    EXPECT_FALSE(s.ok()) << c.rules.schedule_expression;
    EXPECT_EQ(s.error_type(), c.type) << c.rules.schedule_expression;
  }
}

TEST(RotationRulesTest, NextWindow) {
  double after = Utc(2026, 3, 10, 15, 42, 7);
  // Days and rate(N days): the window opens at midnight UTC N days later.
  EXPECT_EQ(NextRotationWindow(Days(1), after), Utc(2026, 3, 11));
  EXPECT_EQ(NextRotationWindow(Expr("rate(30 days)"), after), Utc(2026, 4, 9));
  EXPECT_EQ(NextRotationWindow(Expr("rate(6 hours)"), after), after + 6 * 3600);
  // cron: the next matching minute.
  EXPECT_EQ(NextRotationWindow(Expr("cron(0 16 1,15 * ? *)"), after),
            Utc(2026, 3, 15, 16, 0));
  EXPECT_EQ(NextRotationWindow(Expr("cron(0 16 * * ? *)"), after),
            Utc(2026, 3, 10, 16, 0));
  // 2026-03-10 is a Tuesday; day-of-week 1 is Sunday.
  EXPECT_EQ(NextRotationWindow(Expr("cron(0 8 ? * SUN *)"), after),
            Utc(2026, 3, 15, 8, 0));
  EXPECT_EQ(NextRotationWindow(Expr("cron(15 3 ? * 2 *)"), after),
            Utc(2026, 3, 16, 3, 15));
  EXPECT_EQ(NextRotationWindow(Expr("cron(0 0 1 JAN ? 2027)"), after),
            Utc(2027, 1, 1));
  EXPECT_EQ(NextRotationWindow(Expr("cron(0 0 1 JAN ? 2020)"), after), 0);
  EXPECT_EQ(NextRotationWindow(RotationRules{}, after), 0);
  // A shortened day (tests): 1 "day" of 2 seconds.
  EXPECT_EQ(NextRotationWindow(Days(1), 101.5, 2), 102);
}

TEST(RotationEventTest, JsonAsAwsSendsIt) {
  RotationEvent e{"createSecret", "arn:aws:secretsmanager:us-east-1:1:secret:a",
                  "tok", "rot", "us-east-1"};
  EXPECT_EQ(RotationEventJson(e),
            R"({"ClientRequestToken":"tok","RotationToken":"rot",)"
            R"("SecretId":"arn:aws:secretsmanager:us-east-1:1:secret:a",)"
            R"("Step":"createSecret"})");
}

TEST(CommandRotationHookTest, EventOnStdinEnvironmentAndStatus) {
  struct Call {
    ProcessRequest request;
    ProcessIo io;
  };
  std::vector<Call> calls;
  std::vector<int> exits = {0, 3};
  CommandHookOptions o;
  o.argv = {"my-hook", "--flag"};
  o.env = {"AWS_ENDPOINT_URL=http://127.0.0.1:1", "AWS_PROFILE=keyward-local"};
  o.timeout = std::chrono::milliseconds(1234);
  o.run = [&](const ProcessRequest& r,
              const ProcessIo& io) -> StatusOr<ProcessResult> {
    calls.push_back({r, io});
    ProcessResult result;
    result.exit_code = exits[calls.size() - 1];
    result.err = "secret-ish output";  // never reported
    return result;
  };
  auto hook = CommandRotationHook(o);
  RotationEvent e{"setSecret", "arn:x", "tok", "", "eu-west-1"};
  EXPECT_TRUE(hook->Run(e).ok());
  Status failed = hook->Run(e);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.message(),
            "the rotation hook's setSecret step exited with status 3");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].request.argv, o.argv);  // the event is never in argv
  EXPECT_EQ(calls[0].request.timeout, o.timeout);
  EXPECT_EQ(calls[0].io.stdin_data, RotationEventJson(e));
  const auto& env = calls[0].io.env;
  auto has = [&env](const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
  };
  EXPECT_TRUE(has("AWS_ENDPOINT_URL=http://127.0.0.1:1"));
  EXPECT_TRUE(has("AWS_PROFILE=keyward-local"));
  EXPECT_TRUE(has("AWS_REGION=eu-west-1"));
  EXPECT_TRUE(has("AWS_DEFAULT_REGION=eu-west-1"));
  for (const auto& entry : env) {
    EXPECT_FALSE(entry.starts_with("AWS_ACCESS_KEY_ID=")) << entry;
    EXPECT_FALSE(entry.starts_with("AWS_SECRET_ACCESS_KEY=")) << entry;
  }
}

TEST(CommandRotationHookTest, RealChildReadsTheEventAndTimesOut) {
  CommandHookOptions o;
  // Exits 0 only when stdin carries the event and the region is set.
  o.argv = {"sh", "-c",
            "grep -q '\"Step\":\"testSecret\"' && test \"$AWS_REGION\" = "
            "ap-south-1"};
  auto hook = CommandRotationHook(o);
  RotationEvent e{"testSecret", "arn:x", "tok", "r", "ap-south-1"};
  EXPECT_TRUE(hook->Run(e).ok());
  e.step = "setSecret";
  EXPECT_FALSE(hook->Run(e).ok());
  o.argv = {"sleep", "5"};
  o.timeout = std::chrono::milliseconds(200);
  Status slow = CommandRotationHook(o)->Run(e);
  EXPECT_EQ(slow.code(), StatusCode::kDeadlineExceeded) << slow.message();
  o.argv = {"sh", "-c", "kill -9 $$"};
  o.timeout = std::chrono::milliseconds(5000);
  Status killed = CommandRotationHook(o)->Run(e);
  EXPECT_EQ(killed.message(),
            "the rotation hook's setSecret step was killed by signal 9");
}

}  // namespace
}  // namespace keyward::server

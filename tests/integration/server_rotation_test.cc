// Rotation in keyward server, end to end with real peers: boto3 and the aws
// CLI call RotateSecret/DescribeSecret/CancelRotateSecret, and the example
// hook (examples/rotation/single_user_hook.py, boto3) performs the four
// rotation steps against the server, as a rotation Lambda does against AWS.
//   - a rotation changes the value, AWSCURRENT/AWSPREVIOUS move, AWSPENDING
//     goes, RotationEnabled/RotationRules/LastRotatedDate/NextRotationDate
//     are reported, and survive a restart;
//   - a failing step leaves AWSPENDING and the current value (AWS's
//     "Troubleshoot rotation"), the next RotateSecret gets AWS's error;
//   - RotateImmediately=false only schedules, and the schedule rotates once
//     its window opens (a day shortened to 2 s by a test-only flag).
// No value ever reaches a log or the test output (canary).
#include <gtest/gtest.h>

#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

constexpr char kCanary[] = "rotation-canary-5d1f0a";

std::string HookCommand(const std::string& extra = "") {
  return std::string("python3 ") + KEYWARD_SOURCE_DIR +
         "/examples/rotation/single_user_hook.py" + extra;
}

std::map<std::string, std::string> ClientEnv(const KeywardServer& server) {
  return {{"AWS_ENDPOINT_URL", server.endpoint()},
          {"AWS_SHARED_CREDENTIALS_FILE", server.credentials_file()},
          {"AWS_PROFILE", "keyward-local"},
          {"AWS_REGION", "us-east-1"},
          {"AWS_DEFAULT_REGION", "us-east-1"},
          {"AWS_ACCESS_KEY_ID", "\x01unset"},
          {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
          {"AWS_CONFIG_FILE", "/dev/null"},
          {"KW_CANARY", kCanary}};
}

// Helpers every script starts with. Assertion messages name members and
// stages, never values.
const char kPrelude[] = R"PY(
import os, sys, time, json, boto3
from botocore.exceptions import ClientError
c = boto3.client('secretsmanager')
CANARY = os.environ['KW_CANARY']
LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:local-rotation'
def check(cond, what):
    if not cond:
        print('FAILED: ' + what); sys.exit(1)
def wait_for(pred, what, timeout=90):
    end = time.time() + timeout
    while time.time() < end:
        r = pred()
        if r: return r
        time.sleep(0.2)
    check(False, 'timed out waiting for ' + what)
def stages(name):
    return c.describe_secret(SecretId=name).get('VersionIdsToStages', {})
def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response['Error']['Code'], e.response['Error']['Message']
    return None, None
)PY";

void ExpectNoCanary(const TempDir& dir, const CommandResult& r) {
  for (const auto& text : {r.out, r.err, Slurp(dir.File("server.log")),
                           Slurp(dir.File("access.log"))}) {
    EXPECT_EQ(text.find(kCanary), std::string::npos);
  }
}

CommandResult RunScript(const KeywardServer& server, const std::string& body) {
  return RunCommand({"python3", "-c", std::string(kPrelude) + body},
                    ClientEnv(server), "", 240000);
}

TEST(ServerRotationTest, ExampleHookRotatesEndToEnd) {
  KW_REQUIRE_PEER("python3");
  KW_REQUIRE_PEER("aws");
  TempDir dir;
  auto server = KeywardServer::Start(dir, {"--rotation-hook", HookCommand(),
                                           "--rotation-check-interval", "0.2"});
  ASSERT_TRUE(server.ok()) << server.status().message();
  CommandResult r = RunScript(**server, R"PY(
first = c.create_secret(Name='app/db', SecretString=json.dumps(
    {'username': 'app', 'password': CANARY}))['VersionId']
token = c.rotate_secret(SecretId='app/db', RotationLambdaARN=LAMBDA,
    RotationRules={'AutomaticallyAfterDays': 30})['VersionId']
d = wait_for(lambda: (lambda d: d if 'LastRotatedDate' in d else None)(
    c.describe_secret(SecretId='app/db')), 'LastRotatedDate')
check(d['VersionIdsToStages'].get(token) == ['AWSCURRENT'], 'new version is AWSCURRENT only')
check(d['VersionIdsToStages'].get(first) == ['AWSPREVIOUS'], 'old version is AWSPREVIOUS')
check(d['RotationEnabled'] is True, 'RotationEnabled')
check(d['RotationLambdaARN'] == LAMBDA, 'RotationLambdaARN stored as given')
check(d['RotationRules'] == {'AutomaticallyAfterDays': 30}, 'RotationRules')
nxt = d['NextRotationDate'].timestamp()
check(nxt % 86400 == 0, 'NextRotationDate opens at midnight UTC')
days = (nxt - d['LastRotatedDate'].timestamp()) / 86400
check(29 < days <= 30, 'NextRotationDate 30 days on')
v = json.loads(c.get_secret_value(SecretId='app/db')['SecretString'])
check(v['username'] == 'app', 'other members kept')
check(v['password'] != CANARY and len(v['password']) == 32, 'new password')
old = json.loads(c.get_secret_value(SecretId='app/db', VersionStage='AWSPREVIOUS')['SecretString'])
check(old['password'] == CANARY, 'AWSPREVIOUS holds the old value')
listed = [s for s in c.list_secrets()['SecretList'] if s['Name'] == 'app/db'][0]
check(listed['RotationEnabled'] is True and 'NextRotationDate' in listed, 'ListSecrets reports rotation')
print(token)
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string first_token = r.out.substr(0, r.out.find('\n'));
  // The aws CLI rotates again with the stored configuration.
  auto env = ClientEnv(**server);
  CommandResult cli =
      RunCommand({"aws", "secretsmanager", "rotate-secret", "--secret-id",
                  "app/db", "--query", "VersionId", "--output", "text"},
                 env, "", 240000);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  std::string second = cli.out.substr(0, cli.out.find('\n'));
  r = RunScript(**server, "first = '" + first_token + "'\nsecond = '" + second +
                              "'\n" + R"PY(
wait_for(lambda: stages('app/db').get(second) == ['AWSCURRENT'], 'second rotation')
s = stages('app/db')
check(s.get(first) == ['AWSPREVIOUS'], 'AWSPREVIOUS moved to the first rotation')
check(not any('AWSPENDING' in v for v in s.values()), 'no AWSPENDING left')
# Cancelled: the API reference says DescribeSecret returns null for
# NextRotationDate and LastRotatedDate once rotation is disabled, ListSecrets
# keeps LastRotatedDate (null there only if the secret never rotated).
out = c.cancel_rotate_secret(SecretId='app/db')
check('VersionId' not in out, 'no unfinished version to name')
d = c.describe_secret(SecretId='app/db')
check(d['RotationEnabled'] is False, 'RotationEnabled false')
check('NextRotationDate' not in d and 'LastRotatedDate' not in d, 'dates null when disabled')
listed = [s for s in c.list_secrets()['SecretList'] if s['Name'] == 'app/db'][0]
check('LastRotatedDate' in listed and 'NextRotationDate' not in listed, 'ListSecrets dates')
)PY");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoCanary(dir, r);
}

TEST(ServerRotationTest, FailedStepLeavesPendingAndCurrent) {
  KW_REQUIRE_PEER("python3");
  TempDir dir;
  auto server = KeywardServer::Start(
      dir, {"--rotation-hook", HookCommand(" --fail-at setSecret"),
            "--rotation-check-interval", "0.2"});
  ASSERT_TRUE(server.ok()) << server.status().message();
  CommandResult r = RunScript(**server, R"PY(
first = c.create_secret(Name='svc', SecretString=CANARY)['VersionId']
token = c.rotate_secret(SecretId='svc', RotationLambdaARN=LAMBDA)['VersionId']
# createSecret stores the pending value; setSecret fails.
wait_for(lambda: error_of(lambda: c.get_secret_value(SecretId='svc',
    VersionStage='AWSPENDING'))[0] is None, 'the pending value')
time.sleep(1)
s = stages('svc')
check(s.get(token) == ['AWSPENDING'], 'AWSPENDING stays on the new version')
check(s.get(first) == ['AWSCURRENT'], 'AWSCURRENT untouched')
check(c.get_secret_value(SecretId='svc')['SecretString'] == CANARY, 'current value untouched')
d = c.describe_secret(SecretId='svc')
check(d['RotationEnabled'] is True and 'LastRotatedDate' not in d, 'still enabled, never rotated')
code, msg = error_of(lambda: c.rotate_secret(SecretId='svc'))
check(code == 'InvalidRequestException', 'second RotateSecret refused')
check(msg == "A previous rotation isn't complete. That rotation will be reattempted.", 'AWS message')
# A retry of the same request is answered with the same version.
again = c.rotate_secret(SecretId='svc', ClientRequestToken=token)['VersionId']
check(again == token, 'idempotent retry')
out = c.cancel_rotate_secret(SecretId='svc')
check(out['VersionId'] == token, 'CancelRotateSecret names the unfinished version')
d = c.describe_secret(SecretId='svc')
check(d['RotationEnabled'] is False and 'NextRotationDate' not in d, 'cancelled')
check(d['RotationLambdaARN'] == LAMBDA, 'the function stays configured')
)PY");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The failure is logged (how the step failed, never what it printed).
  std::string log;
  for (int i = 0; i < 600; ++i) {
    log = Slurp(dir.File("server.log"));
    if (log.find("step exited") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(log.find("rotation hook's setSecret step exited with status 1; "
                     "AWSPENDING stays on that version"),
            std::string::npos)
      << log;
  ExpectNoCanary(dir, r);
}

TEST(ServerRotationTest, FailedCreateLeavesAnEmptyPendingVersion) {
  KW_REQUIRE_PEER("python3");
  TempDir dir;
  auto server = KeywardServer::Start(
      dir, {"--rotation-hook", HookCommand(" --fail-at createSecret")});
  ASSERT_TRUE(server.ok()) << server.status().message();
  CommandResult r = RunScript(**server, R"PY(
c.create_secret(Name='svc', SecretString=CANARY)
token = c.rotate_secret(SecretId='svc', RotationLambdaARN=LAMBDA)['VersionId']
check(stages('svc').get(token) == ['AWSPENDING'], 'RotateSecret stages AWSPENDING')
code, msg = error_of(lambda: c.get_secret_value(SecretId='svc', VersionStage='AWSPENDING'))
check(code == 'ResourceNotFoundException', 'the pending version has no value')
check(msg == "Secrets Manager can't find the specified secret value for staging label: AWSPENDING", msg)
ids = [v['VersionId'] for v in c.list_secret_version_ids(SecretId='svc')['Versions']]
check(token in ids, 'ListSecretVersionIds shows it')
)PY");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectNoCanary(dir, r);
}

TEST(ServerRotationTest, ErrorsWithoutHookOrFunction) {
  KW_REQUIRE_PEER("python3");
  TempDir dir;
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status().message();
  CommandResult r = RunScript(**server, R"PY(
c.create_secret(Name='svc', SecretString=CANARY)
code, msg = error_of(lambda: c.rotate_secret(SecretId='svc', RotationLambdaARN=LAMBDA))
check(code == 'InvalidRequestException' and '--rotation-hook' in msg, 'no hook')
code, _ = error_of(lambda: c.rotate_secret(SecretId='svc', RotationLambdaARN=LAMBDA,
    RotationRules={'AutomaticallyAfterDays': 1001}))
check(code == 'InvalidParameterException' or code == 'ValidationException', 'days range')
code, _ = error_of(lambda: c.rotate_secret(SecretId='svc', RotationLambdaARN=LAMBDA,
    RotationRules={'ScheduleExpression': 'rate(2 hours)'}))
check(code == 'InvalidParameterException', 'rate under 4 hours')
code, msg = error_of(lambda: c.cancel_rotate_secret(SecretId='svc'))
check(code == 'InvalidRequestException' and 'Lambda function ARN' in msg, 'cancel without rotation')
code, _ = error_of(lambda: c.rotate_secret(SecretId='nope', RotationLambdaARN=LAMBDA))
check(code == 'ResourceNotFoundException', 'missing secret')
d = c.describe_secret(SecretId='svc')
check('RotationEnabled' not in d, 'nothing configured by refused calls')
)PY");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(ServerRotationTest, ScheduleRotatesWhenTheWindowOpens) {
  KW_REQUIRE_PEER("python3");
  TempDir dir;
  std::vector<std::string> flags = {"--rotation-hook",
                                    HookCommand(),
                                    "--rotation-check-interval",
                                    "0.2",
                                    "--test-rotation-day-seconds",
                                    "3"};
  {
    auto server = KeywardServer::Start(dir, flags);
    ASSERT_TRUE(server.ok()) << server.status().message();
    CommandResult r = RunScript(**server, R"PY(
first = c.create_secret(Name='sched', SecretString=CANARY)['VersionId']
c.rotate_secret(SecretId='sched', RotationLambdaARN=LAMBDA,
    RotationRules={'AutomaticallyAfterDays': 1}, RotateImmediately=False)
d = c.describe_secret(SecretId='sched')
check(list(d['VersionIdsToStages']) == [first], 'RotateImmediately=false only schedules')
check('NextRotationDate' in d and 'LastRotatedDate' not in d, 'scheduled')
# One "day" is 3 s here: the window opens within 3 s and the timer rotates.
d = wait_for(lambda: (lambda d: d if 'LastRotatedDate' in d else None)(
    c.describe_secret(SecretId='sched')), 'the scheduled rotation', 30)
check(c.get_secret_value(SecretId='sched')['SecretString'] != CANARY, 'rotated value')
check(d['NextRotationDate'] > d['LastRotatedDate'], 'next window scheduled')
)PY");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ExpectNoCanary(dir, r);
  }
  // The configuration survives a restart (stored with the secret).
  flags = {"--rotation-hook", HookCommand()};
  auto again = KeywardServer::Start(dir, flags);
  ASSERT_TRUE(again.ok()) << again.status().message();
  CommandResult r = RunScript(**again, R"PY(
d = c.describe_secret(SecretId='sched')
check(d['RotationEnabled'] is True and d['RotationLambdaARN'] == LAMBDA, 'config kept')
check(d['RotationRules'] == {'AutomaticallyAfterDays': 1}, 'rules kept')
check('LastRotatedDate' in d, 'dates kept')
)PY");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace keyward::testing

// `keyward exec --watch` and `keyward template` end to end against a real
// `keyward server`: a python3 child restarted with the rotated value after
// `keyward put`, signal forwarding, exit statuses, signal-on-change, and a
// template re-rendered after rotations while a python reader looping on the
// file never sees a partial file. keyward's own output never holds a value.
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "tests/integration/server_fixture.h"

extern char** environ;

namespace keyward::testing {
namespace {

constexpr char kName[] = "platform-data/postgres/orders";

constexpr char kInventoryYaml[] = R"(version: 1
applications:
  orders:
    description: Order service
secrets:
  - name: platform-data/postgres/orders
    description: Orders PostgreSQL login
    consumers: [orders]
    properties: [username, password]
    rotation: {status: manual}
)";

// A started process in its own process group, with its exit status.
class Proc {
 public:
  static std::unique_ptr<Proc> Start(
      const std::vector<std::string>& argv,
      const std::map<std::string, std::string>& env, const std::string& log) {
    std::map<std::string, std::string> all;
    for (char** e = environ; *e; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      all[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) {
      if (v == "\x01unset") {
        all.erase(k);
      } else {
        all[k] = v;
      }
    }
    std::vector<std::string> envs;
    for (const auto& [k, v] : all) envs.push_back(k + "=" + v);
    std::vector<char*> cargv, cenv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (auto& e : envs) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      ::execvpe(cargv[0], cargv.data(), cenv.data());
      _exit(127);
    }
    auto p = std::unique_ptr<Proc>(new Proc());
    p->pid_ = pid;
    return p;
  }
  ~Proc() {
    if (!reaped_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // The exit status (code, or 128+signal), or -1 after `timeout_ms`.
  int Wait(int timeout_ms = 20000) {
    for (int i = 0; i < timeout_ms / 10; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        ::kill(-pid_, SIGKILL);  // leftovers of the group, if any
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  Proc() = default;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Polls `path` until `pred` holds for its contents (20 s).
template <typename Pred>
bool WaitFor(const std::string& path, Pred pred) {
  for (int i = 0; i < 2000; ++i) {
    if (pred(Slurp(path))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The child: appends "<pid> <password>" to argv[1] at start, exits 0 on
// SIGTERM, 42 on SIGUSR1, appends "hup" on SIGHUP and "int" on SIGINT.
constexpr char kChild[] = R"(
import os, signal, sys, time
out = sys.argv[1]
def note(text):
    with open(out, 'a') as f:
        f.write(text + '\n')
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.signal(signal.SIGUSR1, lambda *a: sys.exit(42))
signal.signal(signal.SIGHUP, lambda *a: note('hup'))
signal.signal(signal.SIGINT, lambda *a: note('int'))
note('%d %s' % (os.getpid(), os.environ['POSTGRES_ORDERS_PASSWORD']))
while True:
    time.sleep(0.05)
)";

class SuperviseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KW_REQUIRE_PEER("python3");
    auto s = KeywardServer::Start(dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    dir_.Write("secrets-inventory.yaml", kInventoryYaml);
    inventory_ = dir_.File("secrets-inventory.yaml");
    env_ = {{"AWS_ENDPOINT_URL", server_->endpoint()},
            {"AWS_SHARED_CREDENTIALS_FILE", server_->credentials_file()},
            {"AWS_PROFILE", "keyward-local"},
            {"AWS_CONFIG_FILE", "/dev/null"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ACCESS_KEY_ID", "\x01unset"},
            {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
            {"AWS_SESSION_TOKEN", "\x01unset"}};
    Put("pw-one-5b1f");
  }
  void Put(const std::string& password) {
    auto r = RunCommand(
        {KeywardBinary(), "--inventory", inventory_, "put", kName}, env_,
        R"({"username":"orders","password":")" + password + "\"}");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::unique_ptr<Proc> Watch(std::vector<std::string> flags) {
    std::vector<std::string> argv = {
        KeywardBinary(), "--inventory", inventory_,           "exec", "--app",
        "orders",        "--watch",     "--refresh-interval", "1s"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"--", "python3", "-c", kChild, out_});
    return Proc::Start(argv, env_, log_);
  }
  // The lines the child wrote.
  std::vector<std::string> Lines() {
    std::vector<std::string> lines;
    std::istringstream in(Slurp(out_));
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }
  bool WaitForLines(std::size_t n) {
    return WaitFor(out_,
                   [&](const std::string&) { return Lines().size() >= n; });
  }
  void ExpectNoValuesInLog() {
    std::string log = Slurp(log_);
    for (const char* v : {"pw-one", "pw-two", "pw-three", "pw-four"})
      EXPECT_EQ(log.find(v), std::string::npos) << v << " in:\n" << log;
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
  std::string inventory_;
  std::map<std::string, std::string> env_;
  std::string out_ = dir_.File("child.out");
  std::string log_ = dir_.File("keyward.log");
};

TEST_F(SuperviseTest, RestartsTheChildWithTheRotatedValue) {
  auto p = Watch({"--stop-timeout", "5s"});
  ASSERT_TRUE(WaitForLines(1)) << Slurp(log_);
  std::string first = Lines()[0];
  EXPECT_TRUE(first.ends_with(" pw-one-5b1f")) << first;
  Put("pw-two-83aa");
  ASSERT_TRUE(WaitForLines(2)) << Slurp(log_);
  std::string second = Lines()[1];
  EXPECT_TRUE(second.ends_with(" pw-two-83aa")) << second;
  EXPECT_NE(first.substr(0, first.find(' ')),
            second.substr(0, second.find(' ')))
      << "a new process";
  // SIGTERM to keyward alone: forwarded, the child exits 0, so does keyward.
  ::kill(p->pid(), SIGTERM);
  EXPECT_EQ(p->Wait(), 0) << Slurp(log_);
  std::string log = Slurp(log_);
  EXPECT_NE(log.find("a secret changed, restarting 'python3'"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("restarted 'python3'"), std::string::npos);
  ExpectNoValuesInLog();
}

TEST_F(SuperviseTest, ForwardsSignalsAndExitsWithTheChildsStatus) {
  auto p = Watch({});
  ASSERT_TRUE(WaitForLines(1)) << Slurp(log_);
  ::kill(p->pid(), SIGHUP);  // the child notes it and keeps running
  ASSERT_TRUE(WaitForLines(2)) << Slurp(log_);
  EXPECT_EQ(Lines()[1], "hup");
  ::kill(p->pid(), SIGUSR1);  // the child exits 42
  EXPECT_EQ(p->Wait(), 42) << Slurp(log_);
  ExpectNoValuesInLog();
}

TEST_F(SuperviseTest, ChildKilledBySignalGives128PlusN) {
  auto p = Watch({});
  ASSERT_TRUE(WaitForLines(1)) << Slurp(log_);
  ::kill(p->pid(), SIGUSR2);  // default action in the child: terminate
  EXPECT_EQ(p->Wait(), 128 + SIGUSR2) << Slurp(log_);
}

TEST_F(SuperviseTest, SignalOnChangeKeepsTheSameProcess) {
  auto p = Watch({"--on-change", "signal:HUP"});
  ASSERT_TRUE(WaitForLines(1)) << Slurp(log_);
  Put("pw-two-83aa");
  ASSERT_TRUE(WaitForLines(2)) << Slurp(log_);
  EXPECT_EQ(Lines()[1], "hup");
  ::kill(p->pid(), SIGTERM);
  EXPECT_EQ(p->Wait(), 0);
  ExpectNoValuesInLog();
}

// Ctrl-C on a terminal: the kernel signals the whole foreground process
// group, so the child gets SIGINT exactly once (keyward does not forward a
// second copy).
TEST_F(SuperviseTest, CtrlCOnATerminalReachesTheChildOnce) {
  std::vector<std::string> argv = {
      KeywardBinary(), "--inventory", inventory_, "exec", "--app", "orders",
      "--watch",       "--",          "python3",  "-c",   kChild,  out_};
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    for (const auto& [k, v] : env_) {
      if (v == "\x01unset") {
        ::unsetenv(k.c_str());
      } else {
        ::setenv(k.c_str(), v.c_str(), 1);
      }
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ASSERT_TRUE(WaitForLines(1));
  ASSERT_EQ(::write(master, "\x03", 1), 1);
  ASSERT_TRUE(WaitForLines(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Lines().size(), 2u);
  EXPECT_EQ(Lines()[1], "int");
  // Two near-simultaneous SIGINTs would merge in the child; keyward's log on
  // the terminal says whether it sent one.
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  std::string terminal;
  char buf[4096];
  for (ssize_t n; (n = ::read(master, buf, sizeof(buf))) > 0;)
    terminal.append(buf, static_cast<std::size_t>(n));
  EXPECT_NE(terminal.find("exec: started 'python3'"), std::string::npos)
      << terminal;
  EXPECT_EQ(terminal.find("forwarded SIGINT"), std::string::npos) << terminal;
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 2000 && ::waitpid(pid, &status, WNOHANG) != pid; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ::close(master);
}

TEST_F(SuperviseTest, WatchOptionsNeedWatch) {
  auto r =
      RunCommand({KeywardBinary(), "--inventory", inventory_, "exec", "--app",
                  "orders", "--on-change", "restart", "--", "true"},
                 env_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = RunCommand({KeywardBinary(), "--inventory", inventory_, "exec", "--app",
                  "orders", "--watch", "--on-change", "reload", "--", "true"},
                 env_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--on-change: 'reload' is not an action"),
            std::string::npos)
      << r.err;
  r = RunCommand({KeywardBinary(), "--inventory", inventory_, "exec", "--app",
                  "orders", "--watch", "--", "/nonexistent/kw-prog"},
                 env_);
  EXPECT_EQ(r.exit_code, 127) << r.err;
}

// The template: the password twice around 200 KB of padding, so a torn read
// is visible: "BEGIN pw\n<pad>\npw END\n".
constexpr char kReader[] = R"(
import os, sys
path, stop, result = sys.argv[1:4]
pad = b'x' * 200000
reads = bad = 0
seen = set()
while not os.path.exists(stop):
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        continue
    reads += 1
    if reads == 1:
        open(stop + '.ready', 'w').close()
    lines = data.split(b'\n')
    ok = (len(lines) == 4 and lines[0].startswith(b'BEGIN ') and
          lines[2].endswith(b' END') and lines[0][6:] == lines[2][:-4] and
          lines[1] == pad and lines[3] == b'')
    if ok:
        seen.add(lines[0][6:])
    else:
        bad += 1
with open(result, 'w') as f:
    f.write('%d %d %d\n' % (reads, bad, len(seen)))
)";

TEST_F(SuperviseTest, TemplateIsReRenderedAtomicallyAfterRotation) {
  std::string dest = dir_.File("out/orders.conf");
  std::filesystem::create_directory(dir_.File("out"));
  dir_.Write("orders.tmpl", "BEGIN {{ secret \"" + std::string(kName) +
                                "\" \"password\" }}\n" +
                                std::string(200000, 'x') + "\n{{ secret \"" +
                                kName + "\" \"password\" }} END\n");
  dir_.Write("templates.yaml", "templates:\n  - destination: " + dest +
                                   "\n    source: orders.tmpl\n"
                                   "    mode: \"0640\"\n");
  std::string config = dir_.File("templates.yaml");
  auto check = RunCommand(
      {KeywardBinary(), "template", "--config", config, "--check"}, env_);
  EXPECT_EQ(check.exit_code, 0) << check.err;

  auto keyward = Proc::Start({KeywardBinary(), "template", "--config", config,
                              "--refresh-interval", "1s"},
                             env_, log_);
  auto has = [&](const std::string& pw) {
    return WaitFor(dest, [&](const std::string& s) {
      return s.starts_with("BEGIN " + pw + "\n");
    });
  };
  ASSERT_TRUE(has("pw-one-5b1f")) << Slurp(log_);
  struct stat st {};
  ASSERT_EQ(::stat(dest.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);

  std::string stop = dir_.File("stop"), result = dir_.File("result");
  auto reader = Proc::Start({"python3", "-c", kReader, dest, stop, result}, {},
                            dir_.File("reader.log"));
  ASSERT_TRUE(WaitFor(stop + ".ready", [&](const std::string&) {
    return std::filesystem::exists(stop + ".ready");
  })) << "the reader did not start";
  for (const char* pw : {"pw-two-83aa", "pw-three-0c4e", "pw-four-d2d9"}) {
    Put(pw);
    ASSERT_TRUE(has(pw)) << Slurp(log_);
  }
  dir_.Write("stop", "");
  EXPECT_EQ(reader->Wait(), 0) << Slurp(dir_.File("reader.log"));
  std::istringstream r(Slurp(result));
  int reads = -1, bad = -1, distinct = -1;
  r >> reads >> bad >> distinct;
  std::cout << "reader: " << reads << " reads, " << bad << " torn, " << distinct
            << " distinct versions\n";
  EXPECT_GT(reads, 10);
  EXPECT_EQ(bad, 0) << "torn reads out of " << reads;
  EXPECT_GE(distinct, 3);  // the reader saw the rotations happen

  ::kill(keyward->pid(), SIGTERM);
  EXPECT_EQ(keyward->Wait(), 0);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.File("out"))) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1) << "no temporary files left behind";
  ExpectNoValuesInLog();
}

TEST_F(SuperviseTest, TemplateOnceRendersAndReportsErrors) {
  std::string dest = dir_.File("db.env");
  dir_.Write("t.yaml", "templates:\n  - destination: " + dest +
                           "\n    format: dotenv\n    values:\n"
                           "      DB_PASSWORD: " +
                           std::string(kName) + "#password\n");
  auto r = RunCommand(
      {KeywardBinary(), "template", "--config", dir_.File("t.yaml"), "--once"},
      env_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Slurp(dest).find("DB_PASSWORD='pw-one-5b1f'\n"), std::string::npos);
  dir_.Write("bad.yaml", "templates:\n  - destination: " + dest +
                             "\n    format: dotenv\n    values:\n"
                             "      DB_PASSWORD: " +
                             std::string(kName) + "#nope\n");
  r = RunCommand({KeywardBinary(), "template", "--config",
                  dir_.File("bad.yaml"), "--once"},
                 env_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not rendered, the previous file stays"),
            std::string::npos)
      << r.err;
  EXPECT_NE(Slurp(dest).find("DB_PASSWORD='pw-one-5b1f'\n"), std::string::npos);
  EXPECT_EQ(r.err.find("pw-one"), std::string::npos);
}

}  // namespace
}  // namespace keyward::testing

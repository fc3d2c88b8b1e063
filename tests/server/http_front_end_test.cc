// HttpFrontEnd on a real loopback socket, in process: signed requests through
// keyward's own client, and raw hostile HTTP (garbage, huge headers, huge
// Content-Length, Expect: 100-continue, trickling clients, too many
// connections, stop with idle connections). Timeouts here are hang guards,
// never performance assertions.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "keyward/aws/credentials.h"
#include "keyward/secrets/client.h"
#include "keyward/server/http_server.h"

namespace keyward::server {
namespace {

using namespace std::chrono_literals;

constexpr char kCredentials[] =
    "[keyward-local]\naws_access_key_id = AKIDFRONTEND\n"
    "aws_secret_access_key = front-end-test-secret\n";

class FrontEnd {
 public:
  explicit FrontEnd(ServerOptions opt = {}) {
    auto store = SecretStore::Open(":memory:");
    auto cipher =
        ValueCipher::FromKey(std::string(32, 'k'), keyward::Random::Real());
    auto svc =
        SecretsService::Create(std::move(*store), std::move(*cipher), {});
    service_ = std::move(*svc);
    auto keys = ParseCredentialsFile(kCredentials, "credentials");
    auth_ =
        std::make_unique<RequestAuthenticator>(std::move(*keys), AuthOptions{});
    opt.warn = [this](const std::string& w) {
      std::lock_guard lock(mu_);
      warnings_.push_back(w);
    };
    auto front =
        HttpFrontEnd::Bind(std::move(opt), service_.get(), auth_.get());
    EXPECT_TRUE(front.ok()) << front.status();
    front_ = std::move(*front);
    thread_ = std::thread([this] { run_ = front_->Run(); });
  }
  ~FrontEnd() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    front_->Stop();
    thread_.join();
  }
  int port() const { return front_->port(); }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port());
  }
  std::unique_ptr<secrets::SecretsManagerClient> Client(
      const std::string& ca_bundle = "") const {
    secrets::ClientConfig config;
    config.region = "us-east-1";
    config.endpoint_url = endpoint();
    if (!ca_bundle.empty()) {
      config.endpoint_url = "https://localhost:" + std::to_string(port());
      config.http_options.ca_bundle = ca_bundle;
    }
    aws::Credentials c;
    c.access_key_id = "AKIDFRONTEND";
    c.secret_access_key = SecretValue("front-end-test-secret");
    config.credentials = aws::NewStaticCredentialsProvider(c);
    config.retry.max_attempts = 1;
    return std::move(*secrets::SecretsManagerClient::Create(std::move(config)));
  }
  std::vector<std::string> warnings() {
    std::lock_guard lock(mu_);
    return warnings_;
  }

 private:
  std::unique_ptr<SecretsService> service_;
  std::unique_ptr<RequestAuthenticator> auth_;
  std::unique_ptr<HttpFrontEnd> front_;
  std::thread thread_;
  Status run_;
  std::mutex mu_;
  std::vector<std::string> warnings_;
};

// A raw client socket with a receive timeout as hang guard.
class RawConn {
 public:
  explicit RawConn(int port, std::chrono::seconds guard = 20s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(guard.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads until the peer closes (true) or the guard expires / error (false).
  bool ReadToClose(std::string* out) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      out->append(buf, static_cast<std::size_t>(n));
    }
  }
  // Reads until `marker` has been seen.
  bool ReadUntil(std::string_view marker, std::string* out) {
    char buf[4096];
    while (out->find(marker) == std::string::npos) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      out->append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

secrets::CreateSecretRequest Create(const std::string& name) {
  secrets::CreateSecretRequest c;
  c.name = name;
  c.payload.string = SecretValue(R"({"password":"front-end-canary"})");
  return c;
}

TEST(HttpFrontEndTest, ServesSignedRequestsFromManyThreads) {
  FrontEnd server;
  auto client = server.Client();
  ASSERT_TRUE(client->CreateSecret(Create("platform-data/pg/app")).ok());
  // Reads run on the event loops, writes on the blocking pool: mix both.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto c = server.Client();
      for (int i = 0; i < 40; ++i) {
        if (i % 10 == 0) {
          auto r =
              c->CreateSecret(Create("platform-data/pg/t" + std::to_string(t) +
                                     "-" + std::to_string(i)));
          if (!r.ok()) ++failures;
        } else {
          auto r = c->GetSecretValue({"platform-data/pg/app", "", ""});
          if (!r.ok() || !(r->payload.string->Reveal() ==
                           R"({"password":"front-end-canary"})")) {
            ++failures;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto list = client->ListSecrets({});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->secrets.size(), 1u + 6 * 4);
}

TEST(HttpFrontEndTest, UnsignedRequestGetsAwsErrorAndKeepAlive) {
  FrontEnd server;
  RawConn conn(server.port());
  ASSERT_TRUE(conn.connected());
  std::string req =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/x-amz-json-1.1\r\nX-Amz-Target: "
      "secretsmanager.ListSecrets\r\nContent-Length: 2\r\n\r\n{}";
  ASSERT_TRUE(conn.Send(req + req));  // pipelined
  std::string out;
  ASSERT_TRUE(conn.ReadUntil("MissingAuthenticationToken", &out));
  std::string rest = out.substr(out.find("MissingAuthenticationToken") + 5);
  ASSERT_TRUE(conn.ReadUntil("MissingAuthenticationToken", &rest));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400") ||
              out.starts_with("HTTP/1.1 403"))
      << out.substr(0, 40);
  // A UUID v4, as AWS sends.
  EXPECT_TRUE(std::regex_search(
      out, std::regex("x-amzn-RequestId: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                      "[89ab][0-9a-f]{3}-[0-9a-f]{12}\r\n")))
      << out;
}

TEST(HttpFrontEndTest, GarbageGets400AndTheConnectionCloses) {
  FrontEnd server;
  RawConn conn(server.port());
  ASSERT_TRUE(conn.Send("THIS IS NOT HTTP\r\n\r\n"));
  std::string out;
  ASSERT_TRUE(conn.ReadToClose(&out));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out;
  EXPECT_NE(out.find("\"__type\":\"ValidationException\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
}

TEST(HttpFrontEndTest, HugeHeadersGet431) {
  FrontEnd server;
  RawConn conn(server.port());
  ASSERT_TRUE(conn.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Big: " +
                        std::string(16 * 1024, 'a') + "\r\n\r\n"));
  std::string out;
  ASSERT_TRUE(conn.ReadToClose(&out));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 431")) << out.substr(0, 60);
}

TEST(HttpFrontEndTest, OversizedBodyIsRefusedBeforeItIsSent) {
  ServerOptions opt;
  opt.max_body_bytes = 1024;
  FrontEnd server(opt);
  RawConn conn(server.port());
  // Only the headers: the 413 must come without waiting for the body.
  ASSERT_TRUE(conn.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n"));
  std::string out;
  ASSERT_TRUE(conn.ReadToClose(&out));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413")) << out.substr(0, 60);
  EXPECT_NE(out.find("limit 1024 bytes"), std::string::npos) << out;
}

TEST(HttpFrontEndTest, ExpectContinueIsAnswered) {
  FrontEnd server;
  RawConn conn(server.port());
  ASSERT_TRUE(conn.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "X-Amz-Target: secretsmanager.ListSecrets\r\nContent-Length: 2\r\n\r\n"));
  std::string out;
  ASSERT_TRUE(conn.ReadUntil("\r\n\r\n", &out));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 100 Continue")) << out;
  ASSERT_TRUE(conn.Send("{}"));
  out.clear();
  ASSERT_TRUE(conn.ReadUntil("MissingAuthenticationToken", &out)) << out;
}

TEST(HttpFrontEndTest, TricklingClientsAreCutOffAndDoNotStarveOthers) {
  ServerOptions opt;
  opt.threads = 1;
  opt.read_timeout = 1s;
  FrontEnd server(opt);
  // 64 slowloris connections: each sends a header byte every 200 ms.
  constexpr int kSlow = 64;
  std::vector<std::unique_ptr<RawConn>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawConn>(server.port()));
    ASSERT_TRUE(slow.back()->connected());
    slow.back()->Send("POST / HTTP/1.1\r\n");
  }
  std::atomic<bool> done{false};
  std::atomic<int> cut_off{0};
  std::thread trickler([&] {
    std::vector<bool> closed(kSlow, false);
    for (int round = 0; round < 100 && !done; ++round) {
      for (int i = 0; i < kSlow; ++i) {
        if (!closed[i] && !slow[i]->Send("X")) {
          closed[i] = true;
          ++cut_off;
        }
      }
      std::this_thread::sleep_for(200ms);
    }
  });
  // Meanwhile a normal client is served on the same single event loop.
  auto client = server.Client();
  EXPECT_TRUE(client->CreateSecret(Create("platform-data/pg/during")).ok());
  EXPECT_TRUE(client->GetSecretValue({"platform-data/pg/during", "", ""}).ok());
  // Every trickling connection is closed by the server (a read sees EOF).
  for (auto& c : slow) {
    std::string ignored;
    EXPECT_TRUE(c->ReadToClose(&ignored));
  }
  done = true;
  trickler.join();
}

TEST(HttpFrontEndTest, ConnectionLimitClosesExtraConnections) {
  ServerOptions opt;
  opt.max_connections = 4;
  FrontEnd server(opt);
  std::vector<std::unique_ptr<RawConn>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<RawConn>(server.port()));
  }
  // Give the acceptor time to count them (hang guard below, not a timing
  // assertion: the extra connection must be closed, however long it takes).
  std::this_thread::sleep_for(200ms);
  RawConn extra(server.port());
  std::string out;
  EXPECT_TRUE(extra.ReadToClose(&out));
  EXPECT_TRUE(out.empty());
  idle.clear();
  // Once they are gone, clients are served again.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = server.Client()->ListSecrets({}).ok();
    if (!served) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served);
  bool warned = false;
  for (const auto& w : server.warnings())
    warned |= w.find("connection limit (4)") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(HttpFrontEndTest, StopClosesIdleConnectionsAndReturns) {
  auto server = std::make_unique<FrontEnd>();
  auto client = server->Client();
  ASSERT_TRUE(client->ListSecrets({}).ok());  // leaves a pooled connection
  RawConn idle(server->port());
  ASSERT_TRUE(idle.connected());
  server->Stop();  // returns (joins Run) despite the open connections
  std::string out;
  EXPECT_TRUE(idle.ReadToClose(&out));
  RawConn after(server->port());
  EXPECT_FALSE(after.connected());
}

TEST(HttpFrontEndTest, ServesTlsWithTheGivenCertificate) {
  char tmpl[] = "/tmp/kw-tls-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
      "-subj /CN=localhost -addext subjectAltName=DNS:localhost "
      "-keyout " +
      dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ServerOptions opt;
  opt.tls_cert = dir + "/cert.pem";
  opt.tls_key = dir + "/key.pem";
  {
    FrontEnd server(opt);
    auto client = server.Client(dir + "/cert.pem");
    ASSERT_TRUE(client->CreateSecret(Create("platform-data/pg/tls")).ok());
    auto got = client->GetSecretValue({"platform-data/pg/tls", "", ""});
    ASSERT_TRUE(got.ok()) << got.status();
    // Plain HTTP on the TLS port gets no HTTP answer.
    RawConn plain(server.port(), 5s);
    plain.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    std::string out;
    plain.ReadToClose(&out);
    EXPECT_FALSE(out.starts_with("HTTP/1.1 2")) << out;
  }
  ServerOptions bad;
  bad.tls_cert = dir + "/cert.pem";
  bad.tls_key = dir + "/missing.pem";
  EXPECT_FALSE(HttpFrontEnd::Bind(bad, nullptr, nullptr).ok());
  std::system(("rm -rf " + dir).c_str());
}

TEST(HttpFrontEndTest, RefusesNonLoopbackWithoutTls) {
  ServerOptions opt;
  opt.host = "0.0.0.0";
  auto front = HttpFrontEnd::Bind(opt, nullptr, nullptr);
  ASSERT_FALSE(front.ok());
  EXPECT_NE(front.status().message().find("without TLS"), std::string::npos);
}

}  // namespace
// Issue 15 F7: a Transfer-Encoding the server cannot frame used to be treated
// as "no body", so the body was parsed as the next request (smuggling behind
// a proxy that frames it differently). RFC 9112 §6.3: 400, then close.
TEST(HttpFrontEndTest, TransferEncodingOtherThanChunkedGets400AndCloses) {
  FrontEnd server;
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::string te :
       {"gzip", "xchunked", "chunked, identity", "identity", "gzip, chunked"}) {
    SCOPED_TRACE(te);
    RawConn conn(server.port());
    ASSERT_TRUE(conn.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " +
                          te + "\r\n\r\n" + smuggled));
    std::string out;
    ASSERT_TRUE(conn.ReadToClose(&out));
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out.substr(0, 60);
    EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
    // Exactly one response: the smuggled request was never served.
    EXPECT_EQ(out.find("HTTP/1.1", 1), std::string::npos) << out;
  }
  {
    // Two Transfer-Encoding fields, and Transfer-Encoding with Content-Length.
    RawConn conn(server.port());
    ASSERT_TRUE(
        conn.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    std::string out;
    ASSERT_TRUE(conn.ReadToClose(&out));
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out.substr(0, 60);
  }
  {
    RawConn conn(server.port());
    ASSERT_TRUE(
        conn.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    std::string out;
    ASSERT_TRUE(conn.ReadToClose(&out));
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out.substr(0, 60);
  }
  // Plain `chunked` (any case) still works and keeps the connection.
  RawConn ok(server.port());
  ASSERT_TRUE(ok.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
      "X-Amz-Target: secretsmanager.ListSecrets\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
  std::string out;
  ASSERT_TRUE(ok.ReadUntil("MissingAuthenticationToken", &out)) << out;
  EXPECT_EQ(out.find("Connection: close"), std::string::npos) << out;
}

TEST(HttpFrontEndTest, HealthzAnswersWithoutAuthenticationAndRevealsNothing) {
  FrontEnd server;
  auto client = server.Client();
  ASSERT_TRUE(client->CreateSecret(Create("platform-data/pg/health")).ok());
  RawConn conn(server.port());
  ASSERT_TRUE(conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string out;
  ASSERT_TRUE(conn.ReadUntil("\r\n\r\nok\n", &out)) << out;
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200")) << out;
  EXPECT_EQ(out.find("platform-data"), std::string::npos) << out;
  EXPECT_EQ(out.find("front-end-canary"), std::string::npos);
  // Only GET /healthz: anything else still needs a signature.
  RawConn post(server.port());
  ASSERT_TRUE(post.Send(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  out.clear();
  ASSERT_TRUE(post.ReadUntil("MissingAuthenticationToken", &out)) << out;
}

// Runs `openssl s_client` against the server with extra flags; returns its
// combined output (stdin closed after `input`).
std::string SClient(int port, const std::string& flags,
                    const std::string& input = "") {
  std::string cmd =
      "(printf '" + input +
      "'; sleep 1) | timeout 20 openssl s_client -connect 127.0.0.1:" +
      std::to_string(port) + " " + flags + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// Issue 15 F10: TLS 1.2 or later, ECDHE key exchange only, no renegotiation.
TEST(HttpFrontEndTest, TlsIsModernEcdheOnlyWithoutRenegotiation) {
  char tmpl[] = "/tmp/kw-tls-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
      "-subj /CN=localhost -addext subjectAltName=DNS:localhost "
      "-keyout " +
      dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ServerOptions opt;
  opt.tls_cert = dir + "/cert.pem";
  opt.tls_key = dir + "/key.pem";
  {
    FrontEnd server(opt);
    std::string ok = SClient(server.port(), "-tls1_2");
    EXPECT_NE(ok.find("ECDHE"), std::string::npos) << ok;
    EXPECT_NE(ok.find("Protocol  : TLSv1.2"), std::string::npos) << ok;
    std::string v13 = SClient(server.port(), "-tls1_3");
    EXPECT_NE(v13.find("TLSv1.3"), std::string::npos) << v13;
    // TLS 1.1 and 1.0: no handshake (the client may refuse them itself at
    // its default security level; either way nothing is negotiated).
    for (const char* old : {"-tls1_1", "-tls1"}) {
      std::string out = SClient(
          server.port(), std::string(old) + " -cipher DEFAULT@SECLEVEL=0");
      EXPECT_EQ(out.find("Cipher is ECDHE"), std::string::npos) << out;
      EXPECT_NE(out.find("Cipher is (NONE)"), std::string::npos) << out;
    }
    // Static RSA key exchange and finite-field DHE are refused.
    for (const char* cipher :
         {"AES128-GCM-SHA256", "AES256-SHA", "DHE-RSA-AES128-GCM-SHA256"}) {
      std::string out =
          SClient(server.port(), std::string("-tls1_2 -cipher ") + cipher);
      EXPECT_NE(out.find("Cipher is (NONE)"), std::string::npos)
          << cipher << "\n"
          << out;
    }
    // A client-initiated renegotiation ("R" in s_client) is refused.
    std::string reneg = SClient(server.port(), "-tls1_2", "R\\n");
    EXPECT_NE(reneg.find("RENEGOTIATING"), std::string::npos) << reneg;
    EXPECT_NE(reneg.find("no renegotiation"), std::string::npos) << reneg;
  }
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace keyward::server

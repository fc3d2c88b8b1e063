// The libcurl transport against a scripted raw-socket server on 127.0.0.1:0:
// keep-alive reuse, timeouts, truncated and oversized bodies, refused
// connections.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "keyward/http/http_client.h"
#include "tests/testing/fakes.h"

namespace keyward {
namespace {

// Accepts connections and answers each request with `respond(request_text)`;
// an empty answer closes the connection.
class ScriptedServer {
 public:
  explicit ScriptedServer(
      std::function<std::string(const std::string&)> respond)
      : respond_(std::move(respond)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 16);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/";
  }
  int connections() const { return connections_; }

 private:
  void Loop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      Serve(c);
      ::close(c);
    }
  }
  void Serve(int c) {
    std::string buf;
    char tmp[4096];
    while (!stop_) {
      std::size_t end = buf.find("\r\n\r\n");
      if (end == std::string::npos) {
        ssize_t n = ::recv(c, tmp, sizeof(tmp), 0);
        if (n <= 0) return;
        buf.append(tmp, static_cast<std::size_t>(n));
        continue;
      }
      std::size_t body_len = 0;
      std::size_t cl = buf.find("Content-Length: ");
      if (cl != std::string::npos && cl < end)
        body_len = std::stoul(buf.substr(cl + 16));
      while (buf.size() < end + 4 + body_len) {
        ssize_t n = ::recv(c, tmp, sizeof(tmp), 0);
        if (n <= 0) return;
        buf.append(tmp, static_cast<std::size_t>(n));
      }
      std::string request = buf.substr(0, end + 4 + body_len);
      buf.erase(0, end + 4 + body_len);
      std::string answer = respond_(request);
      if (answer.empty()) return;
      ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    }
  }
  std::function<std::string(const std::string&)> respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: "
         "application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

HttpRequest Post(const std::string& url, const std::string& body) {
  HttpRequest r;
  r.url = url;
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", "x.Y"}};
  r.body = SecureString(body.begin(), body.end());
  return r;
}

testing::FakeEnvironment kNoEnv;

TEST(CurlHttpClient, SendsBodyAndHeadersAndReusesConnections) {
  std::atomic<int> requests{0};
  ScriptedServer server([&](const std::string& req) {
    ++requests;
    EXPECT_NE(req.find("X-Amz-Target: x.Y"), std::string::npos);
    EXPECT_NE(req.find("{\"a\":1}"), std::string::npos);
    return Ok("{\"ok\":true}");
  });
  auto client = NewCurlHttpClient({}, kNoEnv);
  for (int i = 0; i < 5; ++i) {
    auto r = client->Send(Post(server.url(), "{\"a\":1}"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(std::string(r->body.begin(), r->body.end()), "{\"ok\":true}");
    EXPECT_EQ(*r->Header("Content-Type"), "application/json");
  }
  EXPECT_EQ(requests, 5);
  EXPECT_EQ(server.connections(), 1);  // keep-alive
}

// A kept-alive connection the server dropped without answering: libcurl
// retries the request on a fresh connection by itself, which needs the POST
// body rewound (CURLOPT_SEEKFUNCTION; without it: "necessary data rewind
// wasn't possible"). The retried request carries the whole body again.
TEST(CurlHttpClient, RewindsThePostBodyWhenADeadConnectionIsRetried) {
  std::atomic<int> requests{0};
  std::atomic<int> full_bodies{0};
  const std::string body =
      std::string(R"({"payload":")") + std::string(100000, 'x') + "\"}";
  ScriptedServer server([&](const std::string& req) -> std::string {
    if (req.size() >= body.size() &&
        req.compare(req.size() - body.size(), body.size(), body) == 0)
      ++full_bodies;
    if (++requests == 2) return "";  // drop the reused connection, no byte
    return Ok("{\"ok\":true}");
  });
  auto client = NewCurlHttpClient({}, kNoEnv);
  for (int i = 0; i < 2; ++i) {
    auto r = client->Send(Post(server.url(), body));
    ASSERT_TRUE(r.ok()) << "send " << i << ": " << r.status();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(requests, 3);     // the second one retried by libcurl
  EXPECT_EQ(full_bodies, 3);  // each time the whole body, from its start
  EXPECT_EQ(server.connections(), 2);
}

TEST(CurlHttpClient, ReturnsErrorStatusesAsResponses) {
  ScriptedServer server([](const std::string&) {
    std::string body = "{\"__type\":\"ResourceNotFoundException\"}";
    return "HTTP/1.1 400 Bad Request\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  });
  auto r = NewCurlHttpClient({}, kNoEnv)->Send(Post(server.url(), "{}"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
}

TEST(CurlHttpClient, ConnectionRefusedIsUnavailable) {
  ScriptedServer* none = nullptr;
  (void)none;
  int port;
  {
    ScriptedServer s([](const std::string&) { return std::string(); });
    port = std::stoi(s.url().substr(17));
  }
  auto r =
      NewCurlHttpClient({}, kNoEnv)
          ->Send(Post("http://127.0.0.1:" + std::to_string(port) + "/", "{}"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot reach http://127.0.0.1:"),
            std::string::npos);
}

TEST(CurlHttpClient, TruncatedBodyIsAnError) {
  ScriptedServer server([](const std::string&) {
    return std::string(
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Name\":\"trunc");
  });
  HttpClientOptions o;
  o.total_timeout = std::chrono::milliseconds(2000);
  // The server keeps the connection open after the partial body, so curl
  // either times out or sees the close: both must be errors.
  auto r = NewCurlHttpClient(o, kNoEnv)->Send(Post(server.url(), "{}"));
  EXPECT_FALSE(r.ok());
}

TEST(CurlHttpClient, SlowServerTimesOut) {
  ScriptedServer server([](const std::string&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return Ok("{}");
  });
  HttpClientOptions o;
  o.total_timeout = std::chrono::milliseconds(300);
  auto r = NewCurlHttpClient(o, kNoEnv)->Send(Post(server.url(), "{}"));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos);
}

TEST(CurlHttpClient, OversizedBodyIsRefused) {
  ScriptedServer server(
      [](const std::string&) { return Ok(std::string(100000, 'x')); });
  HttpClientOptions o;
  o.max_response_bytes = 1000;
  auto r = NewCurlHttpClient(o, kNoEnv)->Send(Post(server.url(), "{}"));
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(CurlHttpClient, MalformedUrl) {
  auto r = NewCurlHttpClient({}, kNoEnv)->Send(Post("ftp://example/", "{}"));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(ParseUrl("no-scheme").ok());
  EXPECT_FALSE(ParseUrl("http://host:99999/").ok());
  auto u = ParseUrl("https://secretsmanager.eu-west-1.amazonaws.com");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/");
}

TEST(CurlHttpClient, CaBundleFromEnvironmentIsUsed) {
  // A bundle that does not exist makes TLS setup fail with a clear message.
  testing::FakeEnvironment env{{"AWS_CA_BUNDLE", "/nonexistent/ca.pem"}};
  auto r = NewCurlHttpClient({}, env)->Send(Post("https://127.0.0.1:1/", "{}"));
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace keyward

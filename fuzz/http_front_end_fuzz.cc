// libFuzzer target for keyward server's whole HTTP request path: the input
// is written as raw bytes to a real HttpFrontEnd on a loopback socket (HTTP
// parsing with Beast, limits, Expect handling, SigV4 verification, dispatch
// into SecretsService on an in-memory store), then the client half-closes
// and reads the answer to the end. The server runs in this process, so its
// code is instrumented and any crash or sanitizer report is the fuzzer's.
//
// Seeds: fuzz/http_front_end_corpus (raw requests). Flags in
// fuzz/http_front_end_fuzz.options: -detect_leaks=0, because the server
// thread allocates across input boundaries and libFuzzer would otherwise run
// a full LeakSanitizer scan after most inputs (5x slower; leaks at exit are
// still reported), and -entropic=0 (the server thread's coverage makes
// entropic scheduling's bookkeeping dominate).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include "keyward/server/http_server.h"

namespace {

using namespace keyward;          // NOLINT
using namespace keyward::server;  // NOLINT

struct Server {
  std::unique_ptr<SecretsService> service;
  std::unique_ptr<RequestAuthenticator> auth;
  std::unique_ptr<HttpFrontEnd> front;
  std::thread thread;
};

int Port() {
  static int port = [] {
    auto* s = new Server();  // lives for the process
    auto store = SecretStore::Open(":memory:");
    auto cipher =
        ValueCipher::FromKey(std::string(32, 'k'), keyward::Random::Real());
    s->service = std::move(
        *SecretsService::Create(std::move(*store), std::move(*cipher), {}));
    s->service->Handle("CreateSecret", R"({"Name":"a","SecretString":"v"})");
    auto keys = ParseCredentialsFile(
        "[k]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = "
        "secret\n",
        "f");
    s->auth =
        std::make_unique<RequestAuthenticator>(std::move(*keys), AuthOptions{});
    ServerOptions opt;
    opt.threads = 1;
    opt.max_body_bytes = 64 * 1024;
    opt.read_timeout = std::chrono::seconds(2);
    opt.keep_alive_timeout = std::chrono::seconds(2);
    s->front =
        std::move(*HttpFrontEnd::Bind(opt, s->service.get(), s->auth.get()));
    s->thread = std::thread([s] { s->front->Run().IgnoreError(); });
    s->thread.detach();
    return s->front->port();
  }();
  return port;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 128 * 1024) return 0;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(Port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::size_t off = 0;
    while (off < size) {
      ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buf[16384];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  }
  linger hard{1, 0};  // reset: no TIME_WAIT per input
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
  return 0;
}

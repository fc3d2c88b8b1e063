// Starts tests/faults/faultproxy.py in front of a loopback peer and switches
// its fault at run time through the proxy's control endpoint. Used by the
// fault scenarios in tests/integration/faults_*_test.cc.
//
//   auto proxy = FaultProxy::Start(server->endpoint()).value();
//   proxy->Set(R"({"mode": "reset_mid_response", "count": 1})");
//   ... keyward talks to proxy->endpoint() ...
//   FaultProxy::Stats s = proxy->GetStats();
#ifndef KEYWARD_TESTS_FAULTS_FAULT_PROXY_H_
#define KEYWARD_TESTS_FAULTS_FAULT_PROXY_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/testing/peers.h"

namespace keyward::testing {

class FaultProxy {
 public:
  // `upstream_endpoint` is "http://127.0.0.1:PORT" (loopback only).
  static StatusOr<std::unique_ptr<FaultProxy>> Start(
      const std::string& upstream_endpoint, const TempDir& dir) {
    std::string hostport = upstream_endpoint;
    if (auto p = hostport.find("://"); p != std::string::npos)
      hostport = hostport.substr(p + 3);
    if (auto p = hostport.find('/'); p != std::string::npos) hostport.resize(p);
    std::unique_ptr<FaultProxy> f(new FaultProxy());
    std::string ready = dir.File("faultproxy.ready");
    std::remove(ready.c_str());
    KW_ASSIGN_OR_RETURN(
        f->process_,
        Subprocess::Start(
            {"python3",
             std::string(KEYWARD_SOURCE_DIR) + "/tests/faults/faultproxy.py",
             "--upstream", hostport, "--ready-file", ready},
            {}, dir.File("faultproxy.log")));
    for (int i = 0; i < 1000; ++i) {
      std::ifstream in(ready);
      std::string word;
      if (in >> word >> f->port_ >> f->control_port_) return f;
      if (!f->process_->Running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return UnavailableError("faultproxy did not start");
  }

  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  int port() const { return port_; }

  // Switches the fault (JSON as documented in faultproxy.py).
  Status Set(const std::string& fault_json) {
    std::string reply = Control("POST", "/mode", fault_json);
    if (reply.find("\"ok\": true") == std::string::npos)
      return InternalError("faultproxy refused " + fault_json + ": " + reply);
    return OkStatus();
  }
  Status Pass() { return Set(R"({"mode": "pass"})"); }

  struct Stats {
    int requests = 0;   // requests seen (faulted or not)
    int forwarded = 0;  // requests that reached the peer
    int faulted = 0;
  };
  Stats GetStats() {
    Stats s;
    auto j = nlohmann::json::parse(Control("GET", "/stats", ""), nullptr,
                                   /*allow_exceptions=*/false);
    if (j.is_object()) {
      s.requests = j.value("requests", 0);
      s.forwarded = j.value("forwarded", 0);
      s.faulted = j.value("faulted", 0);
    }
    return s;
  }
  void ResetStats() { Control("POST", "/stats/reset", ""); }

 private:
  FaultProxy() = default;

  // One HTTP/1.1 exchange with the control port; returns the body.
  std::string Control(const std::string& method, const std::string& path,
                      const std::string& body) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return "";
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(control_port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      std::string req = method + " " + path +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
      if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(req.size())) {
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
          out.append(buf, static_cast<std::size_t>(n));
      }
    }
    ::close(fd);
    auto p = out.find("\r\n\r\n");
    return p == std::string::npos ? "" : out.substr(p + 4);
  }

  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
  int control_port_ = 0;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_FAULTS_FAULT_PROXY_H_

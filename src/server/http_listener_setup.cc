#include "server/http_listener_setup.h"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <algorithm>

namespace keyward::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" ||
         host.starts_with("127.");
}

namespace internal {
namespace {

// TLS 1.2 suites with ECDHE key exchange and AEAD ciphers (TLS 1.3's are all
// ephemeral already).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

Status ConfigureTls(net::ssl::context& ctx, const ListenerOptions& opt) {
  ctx.set_options(net::ssl::context::default_workarounds |
                  net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                  net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                  net::ssl::context::single_dh_use);
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return InternalError("cannot set the TLS 1.2 cipher list");
  }
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(opt.tls_cert, ec);
  if (!ec) ctx.use_private_key_file(opt.tls_key, net::ssl::context::pem, ec);
  if (ec) {
    return InvalidArgumentError("cannot load TLS certificate " + opt.tls_cert +
                                " / key " + opt.tls_key + ": " + ec.message());
  }
  return OkStatus();
}

std::size_t DefaultMaxConnections() {
  rlimit rl{};
  std::size_t limit = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      rl.rlim_cur > 128) {
    limit = std::min<std::size_t>(4096, rl.rlim_cur - 64);
  }
  return limit;
}

StatusOr<tcp::endpoint> ResolveListenAddress(net::io_context& ioc,
                                             const ListenerOptions& opt,
                                             bool non_loopback_ok) {
  std::string host = opt.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(opt.port),
                                  tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return InvalidArgumentError("cannot resolve listen address " + opt.host +
                                (ec ? ": " + ec.message() : ""));
  }
  tcp::endpoint ep = results.begin()->endpoint();
  // Resolving "localhost" may yield a non-loopback address on odd hosts.
  if (!non_loopback_ok && !ep.address().is_loopback()) {
    return InvalidArgumentError(opt.host + " resolves to " +
                                ep.address().to_string() +
                                ", not a loopback address");
  }
  return ep;
}

}  // namespace internal
}  // namespace keyward::server

// Internal to the HTTP front end: what HttpListener::Bind sets up before it
// listens (TLS context, connection limit, the address to bind). With
// http_listener.cc, the only files that include Boost.Asio.
#ifndef KEYWARD_SRC_SERVER_HTTP_LISTENER_SETUP_H_
#define KEYWARD_SRC_SERVER_HTTP_LISTENER_SETUP_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <cstddef>

#include "keyward/server/http_listener.h"
#include "keyward/status.h"

namespace keyward::server::internal {

// TLS 1.2+, ECDHE-only suites, server preference, no renegotiation; loads
// tls_cert and tls_key.
Status ConfigureTls(boost::asio::ssl::context& ctx, const ListenerOptions& opt);

// The connection limit when none is set: room under RLIMIT_NOFILE for the
// store and log files, at most 4096.
std::size_t DefaultMaxConnections();

// The address `opt.host`:`opt.port` names (brackets around IPv6 allowed);
// refuses a non-loopback result unless `non_loopback_ok`.
StatusOr<boost::asio::ip::tcp::endpoint> ResolveListenAddress(
    boost::asio::io_context& ioc, const ListenerOptions& opt,
    bool non_loopback_ok);

}  // namespace keyward::server::internal

#endif  // KEYWARD_SRC_SERVER_HTTP_LISTENER_SETUP_H_

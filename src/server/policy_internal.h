// Helpers shared by policy.cc (evaluation) and policy_parse.cc (parsing).
#ifndef KEYWARD_SRC_SERVER_POLICY_INTERNAL_H_
#define KEYWARD_SRC_SERVER_POLICY_INTERNAL_H_

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace keyward::server::policy_internal {

// A policy element that is a string or a non-empty list of strings
// (Action, Resource, principal lists), appended to `out`; false otherwise.
// Shared by identity/resource policies (policy_parse.cc) and STS trust
// policies (sts_roles.cc).
bool StringList(const nlohmann::json& j, std::vector<std::string>& out);

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

inline bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// Parses "a.b.c.d", "a.b.c.d/n", IPv6 and IPv6/n into network bytes.
template <typename CidrT>
inline bool ParseCidr(std::string_view text, CidrT& out, bool allow_prefix) {
  char buf[64];
  std::string_view addr = text;
  int prefix = -1;
  if (std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    if (!allow_prefix) return false;
    addr = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return false;
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return false;
      prefix = prefix * 10 + (c - '0');
    }
  }
  if (addr.size() >= sizeof buf) return false;
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  out.bytes.fill(0);
  if (inet_pton(AF_INET, buf, out.bytes.data()) == 1) {
    out.family = 4;
    if (prefix > 32) return false;
    out.prefix = prefix < 0 ? 32 : prefix;
    return true;
  }
  if (inet_pton(AF_INET6, buf, out.bytes.data()) == 1) {
    out.family = 6;
    if (prefix > 128) return false;
    out.prefix = prefix < 0 ? 128 : prefix;
    return true;
  }
  return false;
}

template <typename CidrT>
inline bool InCidr(const CidrT& net, const CidrT& ip) {
  if (net.family != ip.family) return false;
  int full = net.prefix / 8, rest = net.prefix % 8;
  if (std::memcmp(net.bytes.data(), ip.bytes.data(),
                  static_cast<std::size_t>(full)) != 0)
    return false;
  if (rest == 0) return true;
  std::uint8_t mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (net.bytes[full] & mask) == (ip.bytes[full] & mask);
}

}  // namespace keyward::server::policy_internal

#endif  // KEYWARD_SRC_SERVER_POLICY_INTERNAL_H_

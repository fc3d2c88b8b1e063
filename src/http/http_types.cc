#include <algorithm>
#include <cctype>
#include <string>

#include "keyward/http/http_client.h"

namespace keyward {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> FindHeader(const HttpHeaders& headers,
                                           std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> HttpRequest::Header(
    std::string_view name) const {
  return FindHeader(headers, name);
}

void HttpRequest::SetHeader(std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return IEquals(h.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> HttpResponse::Header(
    std::string_view name) const {
  return FindHeader(headers, name);
}

StatusOr<Url> ParseUrl(std::string_view url) {
  Url out;
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return InvalidArgumentError("malformed URL '" + std::string(url) +
                                "': expected scheme://host[:port][/path]");
  }
  out.scheme = std::string(url.substr(0, sep));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (out.scheme != "http" && out.scheme != "https") {
    return InvalidArgumentError("unsupported URL scheme '" + out.scheme +
                                "' in '" + std::string(url) +
                                "' (want http or https)");
  }
  std::string_view rest = url.substr(sep + 3);
  std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = path_start == std::string_view::npos
                              ? std::string_view()
                              : rest.substr(path_start);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError(
        "malformed URL '" + std::string(url) +
        "': missing host (or userinfo, which is not supported)");
  }
  out.authority = std::string(authority);
  std::size_t colon = authority.rfind(':');
  std::size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos &&
      (bracket == std::string_view::npos || colon > bracket)) {
    std::string port(authority.substr(colon + 1));
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), ::isdigit) ||
        std::stoi(port) > 65535) {
      return InvalidArgumentError("malformed port in URL '" + std::string(url) +
                                  "'");
    }
    out.port = std::stoi(port);
    out.host = std::string(authority.substr(0, colon));
  } else {
    out.host = std::string(authority);
    out.port = out.scheme == "https" ? 443 : 80;
  }
  std::size_t q = tail.find('?');
  out.path = std::string(tail.substr(0, q));
  if (out.path.empty()) out.path = "/";
  if (q != std::string_view::npos) out.query = std::string(tail.substr(q + 1));
  return out;
}

}  // namespace keyward

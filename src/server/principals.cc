#include "keyward/server/principals.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace keyward::server {
namespace {

std::vector<std::string_view> SplitColons(std::string_view s, int parts) {
  std::vector<std::string_view> out;
  for (int i = 0; i < parts - 1; ++i) {
    std::size_t c = s.find(':');
    if (c == std::string_view::npos) return {};
    out.push_back(s.substr(0, c));
    s.remove_prefix(c + 1);
  }
  out.push_back(s);
  return out;
}

bool IsNameChar(char c) {
  // IAM user/role names: alphanumerics and +=,.@_- ; paths add '/'.
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

}  // namespace

bool IsAccountId(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) {
           return c >= '0' && c <= '9';
         });
}

std::string Principal::AccountRootArn() const {
  return "arn:" + (partition.empty() ? std::string("aws") : partition) +
         ":iam::" + account_id + ":root";
}

std::string DerivedUniqueId(std::string_view prefix, std::string_view arn) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(arn.data()), arn.size(),
         digest);
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out(prefix);
  for (int i = 0; i < 17; ++i) out.push_back(kBase32[digest[i] % 32]);
  return out;
}

StatusOr<Principal> ParsePrincipalArn(std::string_view arn) {
  auto bad = [arn](std::string_view why) {
    return InvalidArgumentError("principal ARN '" + std::string(arn) +
                                "': " + std::string(why));
  };
  std::vector<std::string_view> f = SplitColons(arn, 6);
  if (f.size() != 6 || f[0] != "arn")
    return bad("expected arn:PARTITION:iam::ACCOUNT:user/NAME");
  Principal p;
  p.arn = std::string(arn);
  p.partition = std::string(f[1]);
  if (p.partition != "aws" && p.partition != "aws-cn" &&
      p.partition != "aws-us-gov") {
    return bad("unknown partition");
  }
  if (!f[3].empty()) return bad("IAM ARNs have no region");
  if (!IsAccountId(f[4])) return bad("the account must be 12 digits");
  p.account_id = std::string(f[4]);
  std::string_view res = f[5];
  std::size_t slash = res.find('/');
  if (slash == std::string_view::npos) return bad("no resource type");
  p.type = std::string(res.substr(0, slash));
  std::string_view rest = res.substr(slash + 1);
  if (f[2] == "iam" && (p.type == "user" || p.type == "role")) {
    std::size_t last = rest.rfind('/');
    p.name = std::string(
        last == std::string_view::npos ? rest : rest.substr(last + 1));
    p.path = last == std::string_view::npos
                 ? "/"
                 : "/" + std::string(rest.substr(0, last + 1));
    for (char c : rest) {
      if (!IsNameChar(c) && c != '/') return bad("invalid character in name");
    }
    if (p.name.empty() || p.name.size() > 64) return bad("invalid name");
    p.user_id = DerivedUniqueId(p.type == "user" ? "AIDA" : "AROA", p.arn);
    return p;
  }
  if (f[2] == "sts" && p.type == "assumed-role") {
    std::size_t s = rest.find('/');
    if (s == std::string_view::npos || s == 0 || s + 1 == rest.size())
      return bad("expected assumed-role/ROLE/SESSION");
    p.name = std::string(rest.substr(0, s));
    p.session_name = std::string(rest.substr(s + 1));
    p.path = "/";
    for (char c : rest) {
      if (!IsNameChar(c) && c != '/') return bad("invalid character in name");
    }
    p.user_id =
        DerivedUniqueId("AROA", "arn:" + p.partition + ":iam::" + p.account_id +
                                    ":role/" + p.name) +
        ":" + p.session_name;
    return p;
  }
  return bad(
      "only IAM users and roles (arn:aws:iam::ACCOUNT:user/NAME, "
      "role/NAME) and STS role sessions are principals here");
}

Principal UserPrincipal(std::string_view account_id, std::string_view name) {
  Principal p;
  p.partition = "aws";
  p.account_id = std::string(account_id);
  p.type = "user";
  p.name = std::string(name);
  p.path = "/";
  p.arn = "arn:aws:iam::" + p.account_id + ":user/" + p.name;
  p.user_id = DerivedUniqueId("AIDA", p.arn);
  return p;
}

}  // namespace keyward::server

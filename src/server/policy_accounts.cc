#include "server/policy_accounts.h"

#include <algorithm>

#include "secrets/json_codec.h"

namespace keyward::server {
namespace {

using secrets::Json;

void Collect(const Json& resources, std::string_view account_id,
             std::vector<std::string>& out) {
  Json list = resources.is_array() ? resources : Json::array({resources});
  for (const auto& r : list) {
    if (!r.is_string()) continue;
    std::string account = ArnAccount(r.get<std::string>());
    if (account.empty() || account == account_id) continue;
    if (std::find(out.begin(), out.end(), account) == out.end())
      out.push_back(account);
  }
}

}  // namespace

std::string ArnAccount(std::string_view arn) {
  std::size_t start = 0;
  for (int field = 0; field < 4; ++field) {
    std::size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return "";
    start = colon + 1;
  }
  if (!arn.starts_with("arn:")) return "";
  std::size_t end = arn.find(':', start);
  if (end == std::string_view::npos) return "";
  std::string_view account = arn.substr(start, end - start);
  if (account.find_first_of("*?") != std::string_view::npos) return "";
  return std::string(account);
}

std::vector<std::string> ForeignResourceAccounts(std::string_view policy_json,
                                                 std::string_view account_id) {
  std::vector<std::string> out;
  auto doc = secrets::ParseJson(policy_json);
  if (!doc || !doc->is_object() || !doc->contains("Statement")) return out;
  const Json& st = (*doc)["Statement"];
  Json statements = st.is_array() ? st : Json::array({st});
  for (const auto& s : statements) {
    if (!s.is_object() || s.value("Effect", "") != "Allow") continue;
    if (auto it = s.find("Resource"); it != s.end())
      Collect(*it, account_id, out);
  }
  return out;
}

std::string ForeignAccountWarning(std::string_view source, std::string_view who,
                                  const std::vector<std::string>& accounts,
                                  std::string_view account_id) {
  if (accounts.empty()) return "";
  std::string list;
  for (const auto& a : accounts) list += (list.empty() ? "" : ", ") + a;
  return "--policy " + std::string(who) + "=" + std::string(source) +
         ": its Allow statements name resources of account " + list +
         ", but this keyward server's --account-id is " +
         std::string(account_id) +
         ", so requests they should allow are denied (start with "
         "--account-id " +
         accounts.front() + " or fix the policy's ARNs)";
}

}  // namespace keyward::server

#include "keyward/iam/policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace keyward::iam {
namespace {

using Json = nlohmann::ordered_json;

bool IsAccount(std::string_view a) {
  return a.size() == 12 && std::all_of(a.begin(), a.end(), [](char c) {
           return c >= '0' && c <= '9';
         });
}

bool IsRegion(std::string_view r) {
  if (r == "*") return true;
  return !r.empty() && r.size() <= 32 &&
         std::all_of(r.begin(), r.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

// arn:{partition}:iam::{account}:... -> {partition, account}
std::pair<std::string, std::string> FromPrincipal(std::string_view arn) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    std::size_t c = arn.find(':', start);
    if (c == std::string_view::npos) return {};
    parts.emplace_back(arn.substr(start, c - start));
    start = c + 1;
  }
  return {parts[1], parts[4]};
}

StatusOr<PolicyOptions> Resolve(PolicyOptions o,
                                const inventory::Application* app,
                                std::string_view what) {
  if (app != nullptr && !app->iam_principal.empty()) {
    auto [partition, account] = FromPrincipal(app->iam_principal);
    if (o.partition.empty()) o.partition = partition;
    if (o.account.empty()) o.account = account;
  }
  if (o.partition.empty()) o.partition = "aws";
  if (o.region.empty()) {
    return InvalidArgumentError("no region for the " + std::string(what) +
                                " policy: pass --region (or set AWS_REGION)");
  }
  if (!IsRegion(o.region))
    return InvalidArgumentError("malformed region '" + o.region + "'");
  if (o.account.empty()) {
    return InvalidArgumentError(
        "no AWS account id for the " + std::string(what) +
        " policy: pass --account or declare the application's "
        "iam_principal in the inventory");
  }
  if (!IsAccount(o.account)) {
    return InvalidArgumentError("malformed account id '" + o.account +
                                "' (expected 12 digits)");
  }
  if (o.partition != "aws" && o.partition != "aws-cn" &&
      o.partition != "aws-us-gov") {
    return InvalidArgumentError("unknown partition '" + o.partition +
                                "' (aws, aws-cn or aws-us-gov)");
  }
  return o;
}

std::string Sid(std::string_view app) {
  std::string out;
  bool upper = true;
  for (char c : app) {
    if (c == '-' || c == '_') {
      upper = true;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c))) continue;
    out.push_back(
        upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : c);
    upper = false;
  }
  return out;
}

}  // namespace

std::string SecretArnPattern(std::string_view partition,
                             std::string_view region, std::string_view account,
                             std::string_view name) {
  return "arn:" + std::string(partition) +
         ":secretsmanager:" + std::string(region) + ":" + std::string(account) +
         ":secret:" + std::string(name) + "-??????";
}

StatusOr<std::string> ApplicationPolicy(const inventory::Inventory& inventory,
                                        std::string_view app,
                                        const PolicyOptions& options) {
  const inventory::Application* a = inventory.FindApplication(app);
  if (a == nullptr) {
    return NotFoundError("application '" + std::string(app) +
                         "' is not declared in " + inventory.path);
  }
  std::vector<const inventory::Secret*> secrets = inventory.SecretsForApp(app);
  if (secrets.empty()) {
    return FailedPreconditionError(
        "application '" + std::string(app) +
        "' consumes no secrets; there is nothing to grant");
  }
  KW_ASSIGN_OR_RETURN(PolicyOptions o,
                      Resolve(options, a, "'" + std::string(app) + "'"));
  Json resources = Json::array();
  for (const inventory::Secret* s : secrets) {
    resources.push_back(
        SecretArnPattern(o.partition, o.region, o.account, s->name));
  }
  Json statements = Json::array();
  statements.push_back(
      {{"Sid", "Read" + Sid(app) + "Secrets"},
       {"Effect", "Allow"},
       {"Action",
        {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}},
       {"Resource", resources}});
  if (o.batch_get) {
    statements.push_back({{"Sid", "BatchGetSecretValue"},
                          {"Effect", "Allow"},
                          {"Action", "secretsmanager:BatchGetSecretValue"},
                          {"Resource", "*"}});
  }
  Json policy = {{"Version", "2012-10-17"}, {"Statement", statements}};
  return policy.dump(2) + "\n";
}

StatusOr<std::string> OperatorPolicy(const inventory::Inventory& inventory,
                                     const PolicyOptions& options) {
  const inventory::Application* first = inventory.applications.empty()
                                            ? nullptr
                                            : &inventory.applications.front();
  KW_ASSIGN_OR_RETURN(PolicyOptions o, Resolve(options, first, "operator"));
  auto prefix = [&](std::string_view category) {
    return "arn:" + o.partition + ":secretsmanager:" + o.region + ":" +
           o.account + ":secret:" + std::string(category) + "/*";
  };
  Json statements = Json::array();
  statements.push_back(
      {{"Sid", "PopulateAndRotateConventionalSecrets"},
       {"Effect", "Allow"},
       {"Action",
        {"secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
         "secretsmanager:UpdateSecret", "secretsmanager:DescribeSecret",
         "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds",
         "secretsmanager:UpdateSecretVersionStage",
         "secretsmanager:TagResource", "secretsmanager:UntagResource",
         "secretsmanager:RestoreSecret", "secretsmanager:GetResourcePolicy",
         "secretsmanager:PutResourcePolicy",
         "secretsmanager:DeleteResourcePolicy"}},
       {"Resource", {prefix("platform-data"), prefix("platform-config")}}});
  statements.push_back(
      {{"Sid", "ListAndGeneratePasswords"},
       {"Effect", "Allow"},
       {"Action",
        {"secretsmanager:ListSecrets", "secretsmanager:GetRandomPassword",
         "secretsmanager:BatchGetSecretValue",
         "secretsmanager:ValidateResourcePolicy"}},
       {"Resource", "*"}});
  Json policy = {{"Version", "2012-10-17"}, {"Statement", statements}};
  return policy.dump(2) + "\n";
}

std::string ApplicationPrincipalArn(const inventory::Application& app,
                                    std::string_view partition,
                                    std::string_view account) {
  if (!app.iam_principal.empty()) return app.iam_principal;
  return "arn:" + std::string(partition) + ":iam::" + std::string(account) +
         ":user/" + app.name;
}

std::string DefaultOperatorArn(std::string_view partition,
                               std::string_view account) {
  return "arn:" + std::string(partition) + ":iam::" + std::string(account) +
         ":user/keyward-operator";
}

StatusOr<std::string> SecretResourcePolicy(
    const inventory::Inventory& inventory, std::string_view secret,
    const ResourcePolicyOptions& options) {
  const inventory::Secret* s = inventory.FindSecret(secret);
  if (s == nullptr) {
    return NotFoundError("secret '" + std::string(secret) +
                         "' is not declared in " + inventory.path);
  }
  if (!IsAccount(options.account)) {
    return InvalidArgumentError("malformed account id '" + options.account +
                                "' (expected 12 digits)");
  }
  Json allowed = Json::array();
  auto add = [&allowed](const std::string& arn) {
    if (std::find(allowed.begin(), allowed.end(), arn) == allowed.end())
      allowed.push_back(arn);
  };
  for (const auto& consumer : s->consumers) {
    const inventory::Application* app = inventory.FindApplication(consumer);
    if (app != nullptr)
      add(ApplicationPrincipalArn(*app, options.partition, options.account));
  }
  std::vector<std::string> operators = options.operator_arns;
  if (operators.empty())
    operators.push_back(DefaultOperatorArn(options.partition, options.account));
  for (const auto& op : operators) {
    if (!op.starts_with("arn:") || op.find(":iam::") == std::string::npos ||
        op.find_first_of("*?") != std::string::npos) {
      return InvalidArgumentError("malformed operator principal '" + op +
                                  "' (expected an IAM user or role ARN)");
    }
    add(op);
  }
  Json statement = {
      {"Sid", "DenyAllButConsumersAndOperators"},
      {"Effect", "Deny"},
      {"Principal", "*"},
      {"Action", "secretsmanager:*"},
      {"Resource", "*"},
      {"Condition", {{"StringNotEquals", {{"aws:PrincipalArn", allowed}}}}}};
  Json policy = {{"Version", "2012-10-17"},
                 {"Statement", Json::array({statement})}};
  return policy.dump(2) + "\n";
}

}  // namespace keyward::iam

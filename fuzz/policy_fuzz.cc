// libFuzzer target: IAM policy documents as `keyward server` reads them
// (--policy files, PutResourcePolicy): parsing, then evaluation of a few
// actions and resources, including IAM wildcard matching. Input: the policy
// JSON. Invariants: no crash, no hang (wildcards match in O(n*m)), no
// unbounded recursion on deep JSON, and an explicit Deny always wins.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "keyward/server/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using keyward::server::IamPolicy;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The same text as a resource policy (Principal, conditions), evaluated
  // with a full request context.
  if (auto rp = IamPolicy::Parse(text, "fuzz",
                                 keyward::server::PolicyKind::kResource);
      rp.ok()) {
    keyward::server::Principal p =
        keyward::server::UserPrincipal("123456789012", "orders");
    p.tags["app"] = "orders";
    std::vector<keyward::secrets::Tag> tags = {{"env", "prod"}};
    keyward::server::RequestContext ctx;
    ctx.action = "secretsmanager:GetSecretValue";
    ctx.resource =
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf";
    ctx.principal = &p;
    ctx.source_ip = "127.0.0.1";
    ctx.resource_tags = &tags;
    ctx.version_stage = "AWSCURRENT";
    (void)rp->Evaluate(ctx);
    (void)rp->BroadAccessStatement("123456789012");
  }
  auto policy = IamPolicy::Parse(text, "fuzz");
  if (!policy.ok()) return 0;
  static constexpr std::string_view kActions[] = {
      "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
      "secretsmanager:ListSecrets", "sts:GetCallerIdentity"};
  static constexpr std::string_view kResources[] = {
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:platform-data/"
      "postgres/orders-AbCdEf",
      "*", ""};
  for (auto a : kActions)
    for (auto r : kResources) (void)policy->Allowed(a, r);
  // Wildcard matching on the input itself (pattern and text both hostile).
  auto mid = text.size() / 2;
  (void)keyward::server::WildcardMatch(text.substr(0, mid), text.substr(mid),
                                       true);
  return 0;
}

// PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy and
// ValidateResourcePolicy (docs/server.md, "Resource policies"). A policy is
// parsed once, when it is put (or loaded from the store), and kept next to
// the secret; requests evaluate the parsed form (policy.h).
#include <algorithm>
#include <mutex>

#include "server/messages.h"
#include "server/service_internal.h"

namespace keyward::server {

namespace wire = secrets::wire;

StatusOr<std::shared_ptr<const IamPolicy>> ParseResourcePolicy(
    std::string_view text) {
  KW_ASSIGN_OR_RETURN(
      IamPolicy parsed,
      IamPolicy::Parse(text, "ResourcePolicy", PolicyKind::kResource));
  return std::make_shared<const IamPolicy>(std::move(parsed));
}

Status LoadResourcePolicy(StoredSecret &s) {
  if (s.resource_policy.empty()) return OkStatus();
  auto parsed = ParseResourcePolicy(s.resource_policy);
  if (!parsed.ok()) {
    return FailedPreconditionError(
        "store: the resource policy of secret " + s.name + " does not parse (" +
        parsed.status().message() +
        "); refusing to start rather than serve the secret without it");
  }
  s.parsed_policy = std::move(*parsed);
  return OkStatus();
}

StatusOr<wire::SecretRef> SecretsService::Impl::PutResourcePolicy(
    const wire::PutResourcePolicyRequest &req, const Caller &caller) {
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(req.secret_id, "PutResourcePolicy", caller));
  KW_ASSIGN_OR_RETURN(std::shared_ptr<const IamPolicy> parsed,
                      ParseResourcePolicy(req.resource_policy));
  if (req.block_public_policy &&
      !parsed->BroadAccessStatement(opt.account_id).empty()) {
    return ApiFailure(Msg::kPublicPolicy);
  }
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret &u) {
    u.resource_policy = req.resource_policy;
    u.parsed_policy = std::move(parsed);
    return OkStatus();
  }));
  return wire::SecretRef{s->arn, s->name};
}

StatusOr<secrets::ResourcePolicyResult> SecretsService::Impl::GetResourcePolicy(
    const wire::SecretIdRequest &req, const Caller &caller) {
  std::shared_lock lock(mu);
  KW_RETURN_IF_ERROR(AuthorizeId(caller, "GetResourcePolicy", req.secret_id));
  StoredSecret *s = Find(req.secret_id, RegionOf(caller));
  if (s == nullptr) return ApiFailure(Msg::kSecretNotFound);
  return secrets::ResourcePolicyResult{s->arn, s->name, s->resource_policy};
}

StatusOr<wire::SecretRef> SecretsService::Impl::DeleteResourcePolicy(
    const wire::SecretIdRequest &req, const Caller &caller) {
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(req.secret_id, "DeleteResourcePolicy", caller));
  if (!s->resource_policy.empty()) {
    KW_RETURN_IF_ERROR(Update(s, [](StoredSecret &u) {
      u.resource_policy.clear();
      u.parsed_policy.reset();
      return OkStatus();
    }));
  }
  return wire::SecretRef{s->arn, s->name};
}

// AWS runs three checks: the policy's syntax, broad access (a "*" or
// foreign principal without a pinning condition) and, with a SecretId,
// that the secret exists. Findings come back as ValidationErrors; only a
// document that is not JSON at all is an error.
StatusOr<wire::ValidateResourcePolicyResult>
SecretsService::Impl::ValidateResourcePolicy(
    const wire::ValidateResourcePolicyRequest &req, const Caller &caller) {
  {
    std::shared_lock lock(mu);
    if (req.secret_id) {
      KW_RETURN_IF_ERROR(
          AuthorizeId(caller, "ValidateResourcePolicy", *req.secret_id));
      if (Find(*req.secret_id, RegionOf(caller)) == nullptr)
        return ApiFailure(Msg::kSecretNotFound);
    } else {
      KW_RETURN_IF_ERROR(Authorize(caller, "ValidateResourcePolicy", "*", "*"));
    }
  }
  if (!secrets::ParseJson(req.resource_policy)) {
    return Status(StatusCode::kInvalidArgument,
                  "The resource policy is not valid JSON.",
                  "MalformedPolicyDocumentException");
  }
  wire::ValidateResourcePolicyResult out;
  auto parsed = ParseResourcePolicy(req.resource_policy);
  if (!parsed.ok()) {
    out.validation_errors.push_back(
        {"SYNTAX_CHECK", parsed.status().message()});
  } else {
    std::string broad = (*parsed)->BroadAccessStatement(opt.account_id);
    if (!broad.empty()) {
      out.validation_errors.push_back(
          {"PUBLIC_ACCESS_CHECK",
           "The policy's " + broad +
               " allows broad access to the secret (a \"*\" or another "
               "account's principal without a condition on "
               "aws:PrincipalArn, aws:PrincipalAccount or aws:SourceIp)."});
    }
  }
  out.policy_validation_passed = out.validation_errors.empty();
  return out;
}

Status SecretsService::Impl::Authorize(
    const Caller &caller, std::string_view op, std::string_view resource,
    std::string_view named, const StoredSecret *s, std::string_view stage,
    std::string_view version_id) const {
  const IamPolicy *rp = s != nullptr ? s->parsed_policy.get() : nullptr;
  if (caller.policy == nullptr && rp == nullptr) return OkStatus();
  // "secretsmanager:" + op without allocating (op names are short).
  constexpr std::string_view kService = "secretsmanager:";
  char action[96];
  std::size_t n = std::min(op.size(), sizeof action - kService.size());
  std::memcpy(action, kService.data(), kService.size());
  std::memcpy(action + kService.size(), op.data(), n);
  RequestContext ctx;
  ctx.action = std::string_view(action, kService.size() + n);
  ctx.resource = resource;
  ctx.principal = caller.principal;
  ctx.source_ip = caller.source_ip;
  ctx.secure_transport = caller.secure_transport;
  ctx.region = RegionOf(caller);
  if (s != nullptr) {
    ctx.resource_tags = &s->tags;
    ctx.secret_id = s->arn;
  }
  ctx.version_stage = stage;
  ctx.version_id = version_id;
  if (Evaluate(caller.policy, rp, ctx, opt.account_id) == Verdict::kAllowed)
    return OkStatus();
  // One text for every denial (F6): which policy denied would tell a
  // denied caller that the secret exists.
  std::string who =
      caller.principal != nullptr
          ? caller.principal->arn
          : "arn:aws:iam::" + opt.account_id + ":user/" + caller.access_key_id;
  // A policy that names only another account's resources: say so (the
  // text depends on the caller's own policy only, not on the secret).
  if (caller.policy != nullptr) {
    std::vector<std::string> accounts = caller.policy->ResourceAccounts();
    if (!accounts.empty() && std::find(accounts.begin(), accounts.end(),
                                       opt.account_id) == accounts.end()) {
      return ApiFailure(
          Msg::kAccessDeniedOtherAccount,
          {who, ctx.action, named, accounts.front(), opt.account_id});
    }
  }
  return ApiFailure(Msg::kAccessDenied, {who, ctx.action, named});
}

}  // namespace keyward::server

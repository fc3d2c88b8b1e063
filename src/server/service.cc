#include "keyward/server/service.h"

#include <cmath>

#include "aws/error_table.h"
#include "keyward/naming.h"
#include "server/service_internal.h"

namespace keyward::server {

namespace {

using I = SecretsService::Impl;
using Runner = StatusOr<Json> (*)(I&, const Json&, const Caller&);

// What a row runs: the handler's request type decoded from the body with
// the wire codec (secrets/wire.h), the handler, its response encoded.
template <class Handler>
struct HandlerTraits;
template <class Req, class Resp>
struct HandlerTraits<StatusOr<Resp> (I::*)(const Req&, const Caller&)> {
  using Request = Req;
  using Response = Resp;
};

template <auto handler>
StatusOr<Json> RunRow(I& impl, const Json& body, const Caller& caller) {
  using Traits = HandlerTraits<decltype(handler)>;
  KW_ASSIGN_OR_RETURN(typename Traits::Request req,
                      secrets::wire::FromJson<typename Traits::Request>(body));
  KW_ASSIGN_OR_RETURN(typename Traits::Response resp,
                      (impl.*handler)(req, caller));
  return secrets::wire::ToJson(std::move(resp));
}

// The one dispatch table: every Secrets Manager operation keyward server
// answers, with the member of Impl that runs it. A new operation is a
// request and a response struct with their codec (secrets/wire.h), a
// member declared in service_internal.h and defined in its group's file,
// and one row here.
struct Operation {
  std::string_view name;
  Runner run;
};

template <auto handler>
constexpr Operation Row(std::string_view name) {
  return {name, &RunRow<handler>};
}

constexpr Operation kOperations[] = {
    Row<&I::BatchGetSecretValue>("BatchGetSecretValue"),
    Row<&I::CancelRotateSecret>("CancelRotateSecret"),
    Row<&I::CreateSecret>("CreateSecret"),
    Row<&I::DeleteResourcePolicy>("DeleteResourcePolicy"),
    Row<&I::DeleteSecret>("DeleteSecret"),
    Row<&I::DescribeSecret>("DescribeSecret"),
    Row<&I::GetRandomPassword>("GetRandomPassword"),
    Row<&I::GetResourcePolicy>("GetResourcePolicy"),
    Row<&I::GetSecretValue>("GetSecretValue"),
    Row<&I::ListSecretVersionIds>("ListSecretVersionIds"),
    Row<&I::ListSecrets>("ListSecrets"),
    Row<&I::PutResourcePolicy>("PutResourcePolicy"),
    Row<&I::PutSecretValue>("PutSecretValue"),
    Row<&I::RemoveRegionsFromReplication>("RemoveRegionsFromReplication"),
    Row<&I::ReplicateSecretToRegions>("ReplicateSecretToRegions"),
    Row<&I::RestoreSecret>("RestoreSecret"),
    Row<&I::RotateSecret>("RotateSecret"),
    Row<&I::StopReplicationToReplica>("StopReplicationToReplica"),
    Row<&I::TagResource>("TagResource"),
    Row<&I::UntagResource>("UntagResource"),
    Row<&I::UpdateSecret>("UpdateSecret"),
    Row<&I::UpdateSecretVersionStage>("UpdateSecretVersionStage"),
    Row<&I::ValidateResourcePolicy>("ValidateResourcePolicy"),
};

const Operation* FindOperation(std::string_view name) {
  for (const Operation& op : kOperations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

}  // namespace

SecretsService::SecretsService(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
SecretsService::~SecretsService() {
  if (!impl_) return;
  std::unique_lock lock(impl_->mu);
  impl_->FlushTouched();
}

StatusOr<std::unique_ptr<SecretsService>> SecretsService::Create(
    std::unique_ptr<SecretStore> store, std::unique_ptr<ValueCipher> cipher,
    ServiceOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!options.new_uuid) {
    options.new_uuid = [random = options.runtime.random] {
      return secrets::NewUuid(*random);
    };
  }
  impl->opt = std::move(options);
  impl->store = std::move(store);
  impl->cipher = std::move(cipher);
  // A known value encrypted at first start tells a wrong key file apart from
  // tampered rows.
  auto check = impl->store->GetMeta("key_check");
  if (check.ok()) {
    if (!impl->cipher->Decrypt(*check, "keyward-key-check").ok()) {
      return FailedPreconditionError(
          "the key file does not match this store (the store was created with "
          "another master "
          "key)");
    }
  } else if (check.status().code() == StatusCode::kNotFound) {
    KW_ASSIGN_OR_RETURN(std::string blob,
                        impl->cipher->Encrypt("ok", "keyward-key-check"));
    KW_RETURN_IF_ERROR(impl->store->PutMeta("key_check", blob));
  } else {
    return check.status();
  }
  KW_ASSIGN_OR_RETURN(std::vector<StoredSecret> all, impl->store->LoadAll());
  KW_RETURN_IF_ERROR(impl->MigrateValueAad(all));
  for (auto& s : all) {
    KW_RETURN_IF_ERROR(LoadResourcePolicy(s));
    impl->name_to_arn[Impl::NameKey(s.region, s.name)] = s.arn;
    std::string arn = s.arn;
    impl->by_arn[arn] = std::move(s);
  }
  impl->PurgeExpired();
  std::vector<const StoredSecret*> loaded;
  for (const auto& [arn, s] : impl->by_arn) loaded.push_back(&s);
  impl->index.Load(loaded);
  return std::unique_ptr<SecretsService>(new SecretsService(std::move(impl)));
}

std::size_t SecretsService::size() const {
  std::shared_lock lock(impl_->mu);
  std::size_t n = 0;
  for (const auto& [arn, s] : impl_->by_arn) n += s.deleted == 0;
  return n;
}

ApiResponse SecretsService::Handle(std::string_view operation,
                                   std::string_view body,
                                   const Caller& caller) {
  ApiResponse resp;
  if (secrets::JsonNestingExceeds(body)) {
    // Refused before parsing: a deep tree would exhaust the stack in
    // whatever walks it (the reported crash was the wipe of such a body).
    resp.error_type = "SerializationException";
    resp.http_status = 400;
    resp.body =
        ErrorBody(resp.error_type,
                  "The request body nests arrays or objects deeper than " +
                      std::to_string(secrets::kMaxJsonDepth) + " levels.");
    return resp;
  }
  std::optional<Json> parsed =
      secrets::ParseJson(body.empty() ? std::string_view("{}") : body);
  if (!parsed || !parsed->is_object()) {
    resp.error_type = "SerializationException";
    resp.http_status = 400;
    resp.body = ErrorBody(resp.error_type, FormatMessage(Msg::kNotJsonObject));
    return resp;
  }
  Json& req = *parsed;
  WipeOnExit wipe{req};
  if (auto it = req.find("SecretId"); it != req.end() && it->is_string()) {
    resp.secret_id = it->get<std::string>();
  } else if (auto n = req.find("Name"); n != req.end() && n->is_string()) {
    resp.secret_id = n->get<std::string>();
  }
  const Operation* op = FindOperation(operation);
  StatusOr<Json> result =
      op == nullptr ? StatusOr<Json>(ApiFailure(Msg::kUnknownOperation))
                    : op->run(*impl_, req, caller);
  if (result.ok()) {
    resp.body = secrets::DumpAndWipe(*result);
    return resp;
  }
  resp.error_type = result.status().error_type();
  if (resp.error_type.empty()) resp.error_type = "InternalServiceError";
  resp.http_status = aws::HttpStatusForAwsError(resp.error_type);
  resp.body = ErrorBody(resp.error_type, result.status().message());
  return resp;
}

SecureString ErrorBody(std::string_view type, std::string_view message) {
  Json j{{"__type", type}, {"message", message}};
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return SecureString(s.begin(), s.end());
}

}  // namespace keyward::server

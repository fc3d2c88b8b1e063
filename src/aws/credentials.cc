#include "keyward/aws/credentials.h"

#include "core/text.h"

namespace keyward::aws {
namespace {

class StaticProvider : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials creds) : creds_(std::move(creds)) {
    if (creds_.provider.empty()) creds_.provider = "static";
  }
  StatusOr<Credentials> Get() override { return creds_; }

 private:
  Credentials creds_;
};

class EnvironmentProvider : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(const Environment& env) : env_(env) {}
  StatusOr<Credentials> Get() override {
    auto id = text::NonEmptyEnv(env_, "AWS_ACCESS_KEY_ID");
    if (!id) id = text::NonEmptyEnv(env_, "AWS_ACCESS_KEY");
    auto secret = text::NonEmptyEnv(env_, "AWS_SECRET_ACCESS_KEY");
    if (!secret) secret = text::NonEmptyEnv(env_, "AWS_SECRET_KEY");
    if (!id && !secret)
      return NotFoundError("no credentials in the environment");
    if (!id || !secret) {
      return InvalidArgumentError(
          std::string("environment credentials are incomplete: ") +
          (id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
          " is not set while the other half of the key pair is");
    }
    Credentials c;
    c.access_key_id = *id;
    c.secret_access_key = SecretValue(*secret);
    WipeString(*secret);
    if (auto token = text::NonEmptyEnv(env_, "AWS_SESSION_TOKEN")) {
      c.session_token = SecretValue(*token);
      WipeString(*token);
    }
    c.provider = "environment";
    return c;
  }

 private:
  const Environment& env_;
};

}  // namespace

StatusOr<std::shared_ptr<const Credentials>> CredentialsProvider::GetShared() {
  KW_ASSIGN_OR_RETURN(Credentials c, Get());
  return std::shared_ptr<const Credentials>(
      std::make_shared<Credentials>(std::move(c)));
}

std::unique_ptr<CredentialsProvider> NewStaticCredentialsProvider(
    Credentials creds) {
  return std::make_unique<StaticProvider>(std::move(creds));
}

std::unique_ptr<CredentialsProvider> NewEnvironmentCredentialsProvider(
    const Environment& env) {
  return std::make_unique<EnvironmentProvider>(env);
}

}  // namespace keyward::aws

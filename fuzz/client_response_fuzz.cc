// libFuzzer target: the Secrets Manager client's response decoding. Every
// operation is called against an endpoint that answers with the fuzz input:
// byte 0 picks the operation, byte 1 the HTTP status (200, 400, 403, 500,
// 503), byte 2 whether a Date header is sent (clock-skew learning); the rest
// is the response body. Invariants: no crash, no hang, no unbounded
// recursion (120,000-deep JSON is in the corpus), and an error never carries
// the response body's bytes verbatim beyond the service's message.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz/fuzz_seams.h"
#include "keyward/aws/credentials.h"
#include "keyward/secrets/client.h"

namespace {

using namespace keyward;  // NOLINT

struct Target {
  std::shared_ptr<fuzz::CannedHttpClient> http =
      std::make_shared<fuzz::CannedHttpClient>();
  std::unique_ptr<secrets::SecretsManagerClient> client;
  fuzz::NoSleep no_sleep_;
  fuzz::HalfRandom random_;
  Target() {
    aws::Credentials creds;
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key = SecretValue("secret");
    secrets::ClientConfig config;
    config.region = "us-east-1";
    config.endpoint_url = "http://127.0.0.1:9";
    config.credentials = aws::NewStaticCredentialsProvider(creds);
    config.http = http;
    config.retry.max_attempts = 2;  // the retry path runs, without sleeping
    config.runtime.sleep = &no_sleep_;
    config.runtime.random = &random_;
    client = std::move(*secrets::SecretsManagerClient::Create(config));
  }
};

void Call(secrets::SecretsManagerClient& c, unsigned op) {
  const std::string id = "platform-data/a/b";
  switch (op % 15) {
    case 0:
      (void)c.GetSecretValue({id, "", ""});
      break;
    case 1: {
      secrets::BatchGetSecretValueRequest r;
      r.secret_ids = {id, "platform-data/a/c"};
      (void)c.BatchGetSecretValue(r);
      break;
    }
    case 2:
      (void)c.DescribeSecret(id);
      break;
    case 3:
      (void)c.ListSecrets({});
      break;
    case 4: {
      secrets::CreateSecretRequest r;
      r.name = id;
      r.payload.string = SecretValue("v");
      (void)c.CreateSecret(r);
      break;
    }
    case 5: {
      secrets::PutSecretValueRequest r;
      r.secret_id = id;
      r.payload.string = SecretValue("v");
      (void)c.PutSecretValue(r);
      break;
    }
    case 6: {
      secrets::UpdateSecretRequest r;
      r.secret_id = id;
      r.description = "d";
      (void)c.UpdateSecret(r);
      break;
    }
    case 7: {
      secrets::DeleteSecretRequest r;
      r.secret_id = id;
      (void)c.DeleteSecret(r);
      break;
    }
    case 8:
      (void)c.RestoreSecret(id);
      break;
    case 9:
      (void)c.ListSecretVersionIds({id, 0, "", true});
      break;
    case 10: {
      secrets::UpdateSecretVersionStageRequest r;
      r.secret_id = id;
      r.version_stage = "AWSCURRENT";
      r.move_to_version_id = "v2";
      (void)c.UpdateSecretVersionStage(r);
      break;
    }
    case 11:
      (void)c.TagResource(id, {{"k", "v"}});
      break;
    case 12:
      (void)c.UntagResource(id, {"k"});
      break;
    case 13:
      (void)c.GetRandomPassword({});
      break;
    default:
      (void)c.Call("GetSecretValue", SecureString());
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Target* t = new Target();
  if (size < 3) return 0;
  static constexpr int kStatus[] = {200, 200, 200, 400, 403, 500, 503, 200};
  t->http->status = kStatus[data[1] % 8];
  t->http->headers.clear();
  if (data[2] & 1) {
    t->http->headers.push_back({"Date", "Sat, 28 Nov 2026 12:00:00 GMT"});
  }
  if (data[2] & 2) t->http->headers.push_back({"x-amzn-RequestId", "r"});
  t->http->body.assign(reinterpret_cast<const char*>(data) + 3, size - 3);
  Call(*t->client, data[0]);
  return 0;
}

// keyward server driven by keyward's own SecretsManagerClient: every
// operation, authentication failures, persistence across restarts, clean
// shutdown, loopback-only default, policies, and the value canary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <map>

#include "keyward/http/http_client.h"
#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

using secrets::SecretPayload;

constexpr char kCanary[] = "CANARY-kw-server-9d41e7";

SecretPayload Str(std::string_view v) {
  SecretPayload p;
  p.string = SecretValue(v);
  return p;
}

TEST(ServerClientTest, EveryOperationRoundTrips) {
  TempDir dir;
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = (*server)->Client();
  ASSERT_NE(client, nullptr);

  secrets::CreateSecretRequest create;
  create.name = "platform-data/postgres/orders";
  create.description = "orders db";
  create.payload = Str(R"({"username":"orders","password":"p1"})");
  create.tags = {{"team", "payments"}};
  auto created = client->CreateSecret(create);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->arn.size(),
            std::string("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
                    .size() +
                create.name.size() + 7);

  auto got = client->GetSecretValue({create.name, "", ""});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->payload.string->Reveal(),
            R"({"username":"orders","password":"p1"})");

  secrets::PutSecretValueRequest put;
  put.secret_id = create.name;
  put.payload = Str(R"({"username":"orders","password":"p2"})");
  auto v2 = client->PutSecretValue(put);
  ASSERT_TRUE(v2.ok()) << v2.status();
  auto described = client->DescribeSecret(create.name);
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_EQ(described->CurrentVersionId(), v2->version_id);
  EXPECT_EQ(described->version_ids_to_stages[created->version_id],
            std::vector<std::string>{"AWSPREVIOUS"});

  auto versions = client->ListSecretVersionIds({create.name, 0, "", false});
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ(versions->versions.size(), 2u);

  ASSERT_TRUE(
      client
          ->UpdateSecretVersionStage(
              {create.name, "AWSCURRENT", v2->version_id, created->version_id})
          .ok());
  got = client->GetSecretValue({create.name, "", ""});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version_id, created->version_id);

  secrets::UpdateSecretRequest update;
  update.secret_id = create.name;
  update.description = "orders database";
  ASSERT_TRUE(client->UpdateSecret(update).ok());
  ASSERT_TRUE(client->TagResource(create.name, {{"owner", "ops"}}).ok());
  ASSERT_TRUE(client->UntagResource(create.name, {"team"}).ok());
  described = client->DescribeSecret(create.name);
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->description, "orders database");
  EXPECT_EQ(described->tags, (std::vector<secrets::Tag>{{"owner", "ops"}}));

  for (int i = 0; i < 5; ++i) {
    secrets::CreateSecretRequest c;
    c.name = "platform-data/redis/app-" + std::to_string(i);
    c.payload = Str("v");
    ASSERT_TRUE(client->CreateSecret(c).ok());
  }
  secrets::ListSecretsRequest list;
  list.max_results = 2;
  list.filters = {{"name", {"platform-data/redis/"}}};
  auto all = client->ListAllSecrets(list);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 5u);

  secrets::BatchGetSecretValueRequest batch;
  batch.secret_ids = {"platform-data/redis/app-0", "platform-data/redis/app-1",
                      "nope"};
  auto b = client->BatchGetSecretValue(batch);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->values.size(), 2u);
  ASSERT_EQ(b->errors.size(), 1u);
  EXPECT_EQ(b->errors[0].error_code, "ResourceNotFoundException");

  secrets::DeleteSecretRequest del;
  del.secret_id = create.name;
  del.recovery_window_days = 7;
  auto deleted = client->DeleteSecret(del);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_TRUE(deleted->deletion_date.has_value());
  auto after = client->GetSecretValue({create.name, "", ""});
  EXPECT_EQ(after.status().error_type(), "InvalidRequestException");
  ASSERT_TRUE(client->RestoreSecret(create.name).ok());
  EXPECT_TRUE(client->GetSecretValue({create.name, "", ""}).ok());

  auto missing = client->GetSecretValue({"platform-data/none/none", "", ""});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().error_type(), "ResourceNotFoundException");

  secrets::GetRandomPasswordRequest pw;
  pw.password_length = 24;
  auto password = client->GetRandomPassword(pw);
  ASSERT_TRUE(password.ok()) << password.status();
  EXPECT_EQ(password->size(), 24u);
}

TEST(ServerClientTest, AuthenticationFailuresUseAwsErrorTypes) {
  TempDir dir;
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  aws::Credentials wrong = (*server)->Credentials();
  wrong.secret_access_key = SecretValue("not-the-secret");
  auto bad = (*server)->Client(wrong, 1)->ListSecrets({});
  EXPECT_EQ(bad.status().error_type(), "InvalidSignatureException");
  EXPECT_EQ(bad.status().code(), StatusCode::kUnauthenticated);
  aws::Credentials unknown = wrong;
  unknown.access_key_id = "AKIAUNKNOWNUNKNOWN00";
  auto unk = (*server)->Client(unknown, 1)->ListSecrets({});
  EXPECT_EQ(unk.status().error_type(), "UnrecognizedClientException");

  auto http = NewCurlHttpClient({}, Environment::Real());
  HttpRequest raw;
  raw.url = (*server)->endpoint() + "/";
  raw.headers = {{"X-Amz-Target", "secretsmanager.ListSecrets"},
                 {"Content-Type", "application/x-amz-json-1.1"}};
  raw.body = "{}";
  auto resp = http->Send(raw);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 400);
  EXPECT_NE(std::string_view(resp->body.data(), resp->body.size())
                .find("MissingAuthenticationTokenException"),
            std::string_view::npos);
  // Oversized bodies are refused before parsing.
  raw.body = SecureString(300 * 1024, 'x');
  resp = http->Send(raw);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 413);
}

TEST(ServerClientTest, PersistsAcrossRestartAndStopsCleanlyOnSigterm) {
  TempDir dir;
  {
    auto server = KeywardServer::Start(dir);
    ASSERT_TRUE(server.ok()) << server.status();
    secrets::CreateSecretRequest c;
    c.name = "platform-data/stripe/billing";
    c.payload = Str(kCanary);
    ASSERT_TRUE((*server)->Client()->CreateSecret(c).ok());
    int status = (*server)->process().Kill(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  auto got = (*server)->Client()->GetSecretValue(
      {"platform-data/stripe/billing", "", ""});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->payload.string->Reveal() == kCanary);
  // The access log is buffered (flushed every 200 ms) and always at exit.
  int status = (*server)->process().Kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_NE(Slurp(dir.File("access.log")).find("\"op\":\"GetSecretValue\""),
            std::string::npos);
  // The store and key are not plaintext, logs and files never hold the value.
  for (const char* f : {"store.db", "store.db-wal", "server.log", "access.log",
                        "credentials"}) {
    EXPECT_EQ(Slurp(dir.File(f)).find(kCanary), std::string::npos) << f;
  }
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("store.db.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.File("credentials").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ServerClientTest, RefusesNonLoopbackWithoutTls) {
  TempDir dir;
  CommandResult r = RunCommand({KeywardBinary(), "server", "--store",
                                dir.File("s.db"), "--listen", "0.0.0.0:0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--tls-cert"), std::string::npos) << r.err;
}

TEST(ServerClientTest, TlsServesBoto3AndTheAwsCli) {
  KW_REQUIRE_PEER("python3");
  KW_REQUIRE_PEER("aws");
  TempDir dir;
  ASSERT_EQ(
      RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                  "-days", "1", "-subj", "/CN=localhost", "-addext",
                  "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                  dir.File("key.pem"), "-out", dir.File("cert.pem")})
          .exit_code,
      0);
  auto server = KeywardServer::Start(dir, {"--tls-cert", dir.File("cert.pem"),
                                           "--tls-key", dir.File("key.pem")});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->endpoint().starts_with("https://127.0.0.1:"))
      << (*server)->endpoint();
  std::map<std::string, std::string> env = {
      {"AWS_ENDPOINT_URL", (*server)->endpoint()},
      {"AWS_SHARED_CREDENTIALS_FILE", (*server)->credentials_file()},
      {"AWS_PROFILE", "keyward-local"},
      {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_DEFAULT_REGION", "us-east-1"},
      {"AWS_ACCESS_KEY_ID", "\x01unset"},
      {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
      {"AWS_CA_BUNDLE", dir.File("cert.pem")}};
  const std::string script =
      "import boto3\n"
      "c = boto3.client('secretsmanager')\n"
      "c.create_secret(Name='platform-data/tls/app', SecretString='" +
      std::string(kCanary) +
      "')\n"
      "v = c.get_secret_value(SecretId='platform-data/tls/app')\n"
      "print('ok' if v['SecretString'] == '" +
      std::string(kCanary) + "' else 'mismatch')\n";
  CommandResult py = RunCommand({"python3", "-c", script}, env);
  EXPECT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out, "ok\n");
  CommandResult cli = RunCommand(
      {"aws", "secretsmanager", "describe-secret", "--secret-id",
       "platform-data/tls/app", "--query", "Name", "--output", "text"},
      env);
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out, "platform-data/tls/app\n");
  // Verification is real: without the CA bundle the clients refuse it.
  env["AWS_CA_BUNDLE"] = "\x01unset";
  py = RunCommand({"python3", "-c", script}, env);
  EXPECT_NE(py.exit_code, 0);
  EXPECT_NE(py.err.find("CERTIFICATE_VERIFY_FAILED"), std::string::npos)
      << py.err;
  for (const auto& out : {py.out, py.err, cli.out, cli.err})
    EXPECT_EQ(out.find(kCanary), std::string::npos);
}

TEST(ServerClientTest, PolicyLimitsAnAccessKey) {
  TempDir dir;
  dir.Write("policy.json",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],
    "Resource":"arn:aws:secretsmanager:*:*:secret:platform-data/pg/app-??????"}]})");
  dir.Write("creds",
            "[admin]\naws_access_key_id = AKIAADMIN0000000000A\n"
            "aws_secret_access_key = adminsecret\n"
            "[app]\naws_access_key_id = AKIAAPP00000000000AA\n"
            "aws_secret_access_key = appsecret\n");
  dir.Write(
      "admin.json",
      R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}})");
  auto server =
      KeywardServer::Start(dir, {"--credentials", dir.File("creds"), "--policy",
                                 "app=" + dir.File("policy.json"), "--policy",
                                 "admin=" + dir.File("admin.json")});
  ASSERT_TRUE(server.ok()) << server.status();
  aws::Credentials admin{
      "AKIAADMIN0000000000A", SecretValue("adminsecret"), {}, {}, "t"};
  aws::Credentials app{
      "AKIAAPP00000000000AA", SecretValue("appsecret"), {}, {}, "t"};
  for (const char* name : {"platform-data/pg/app", "platform-data/pg/other"}) {
    secrets::CreateSecretRequest c;
    c.name = name;
    c.payload = Str("v");
    ASSERT_TRUE((*server)->Client(admin)->CreateSecret(c).ok());
  }
  auto client = (*server)->Client(app, 1);
  EXPECT_TRUE(client->GetSecretValue({"platform-data/pg/app", "", ""}).ok());
  auto denied = client->GetSecretValue({"platform-data/pg/other", "", ""});
  EXPECT_EQ(denied.status().error_type(), "AccessDeniedException");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace keyward::testing

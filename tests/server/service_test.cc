// SecretsService: Secrets Manager semantics on an in-memory store.
#include "keyward/server/service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "secrets/json_codec.h"
#include "server/messages.h"
#include "tests/testing/fakes.h"
#include "tests/testing/peers.h"
#include "tests/testing/small_stack.h"

namespace keyward::server {
namespace {

using keyward::testing::FakeClock;
using secrets::Json;

constexpr char kCanary[] = "CANARY-s3cr3t-value-7f1c";

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(Clock::time_point(std::chrono::seconds(1764300000)));
    auto store = SecretStore::Open(":memory:");
    ASSERT_TRUE(store.ok());
    auto cipher =
        ValueCipher::FromKey(std::string(32, 'k'), keyward::Random::Real());
    ASSERT_TRUE(cipher.ok());
    ServiceOptions opt;
    opt.runtime.clock = &clock_;
    opt.new_uuid = [this] { return "00000000-0000-4000-8000-" + Pad(++uuid_); };
    opt.warn = [this](const std::string& w) { warnings_.push_back(w); };
    auto svc =
        SecretsService::Create(std::move(*store), std::move(*cipher), opt);
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = std::move(*svc);
  }
  static std::string Pad(int n) {
    std::string s = std::to_string(n);
    return std::string(12 - s.size(), '0') + s;
  }
  // Calls `op`; returns the parsed body and sets last_status_/last_type_.
  Json Call(const std::string& op, const Json& req, const Caller& caller = {}) {
    ApiResponse r = svc_->Handle(op, req.dump(), caller);
    last_status_ = r.http_status;
    last_type_ = r.error_type;
    auto j = secrets::ParseJson(std::string_view(r.body.data(), r.body.size()));
    EXPECT_TRUE(j.has_value());
    return j.value_or(Json());
  }
  std::string Error(const std::string& op, const Json& req) {
    Json j = Call(op, req);
    EXPECT_NE(last_status_, 200);
    return last_type_;
  }

  FakeClock clock_;
  int uuid_ = 0;
  std::vector<std::string> warnings_;
  std::unique_ptr<SecretsService> svc_;
  int last_status_ = 0;
  std::string last_type_;
};

TEST_F(ServiceTest, CreateGetDescribeWithArnSuffix) {
  Json c = Call("CreateSecret", {{"Name", "platform-data/postgres/orders"},
                                 {"SecretString", "{\"password\":\"p\"}"}});
  ASSERT_EQ(last_status_, 200) << c;
  std::string arn = c["ARN"];
  EXPECT_TRUE(
      arn.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:"
                      "platform-data/postgres/orders-"));
  EXPECT_EQ(arn.size(),
            std::string("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
                    .size() +
                std::string("platform-data/postgres/orders-").size() + 6);
  Json g = Call("GetSecretValue", {{"SecretId", arn}});
  EXPECT_EQ(g["SecretString"], "{\"password\":\"p\"}");
  EXPECT_EQ(g["VersionStages"], Json::array({"AWSCURRENT"}));
  EXPECT_EQ(g["VersionId"], c["VersionId"]);
  // Partial ARN (without the suffix) and name both work.
  Json p =
      Call("GetSecretValue", {{"SecretId", arn.substr(0, arn.size() - 7)}});
  EXPECT_EQ(last_status_, 200);
  Json d =
      Call("DescribeSecret", {{"SecretId", "platform-data/postgres/orders"}});
  EXPECT_EQ(d["ARN"], arn);
  EXPECT_EQ(d["VersionIdsToStages"][c["VersionId"].get<std::string>()],
            Json::array({"AWSCURRENT"}));
  EXPECT_FALSE(d.contains("SecretString"));
}

TEST_F(ServiceTest, StagesMoveOnEachWrite) {
  Call("CreateSecret", {{"Name", "a"}, {"SecretString", "v1"}});
  Json p2 = Call("PutSecretValue", {{"SecretId", "a"}, {"SecretString", "v2"}});
  Json p3 = Call("PutSecretValue", {{"SecretId", "a"}, {"SecretString", "v3"}});
  Json d = Call("DescribeSecret", {{"SecretId", "a"}});
  auto& v = d["VersionIdsToStages"];
  EXPECT_EQ(v.size(), 2u) << d;  // v1 is deprecated
  EXPECT_EQ(v[p3["VersionId"].get<std::string>()], Json::array({"AWSCURRENT"}));
  EXPECT_EQ(v[p2["VersionId"].get<std::string>()],
            Json::array({"AWSPREVIOUS"}));
  EXPECT_EQ(
      Call("GetSecretValue", {{"SecretId", "a"},
                              {"VersionStage", "AWSPREVIOUS"}})["SecretString"],
      "v2");
  Json all = Call("ListSecretVersionIds",
                  {{"SecretId", "a"}, {"IncludeDeprecated", true}});
  EXPECT_EQ(all["Versions"].size(), 3u);
  Json live = Call("ListSecretVersionIds", {{"SecretId", "a"}});
  EXPECT_EQ(live["Versions"].size(), 2u);
  // Roll back: move AWSCURRENT to v2.
  Call("UpdateSecretVersionStage", {{"SecretId", "a"},
                                    {"VersionStage", "AWSCURRENT"},
                                    {"MoveToVersionId", p2["VersionId"]},
                                    {"RemoveFromVersionId", p3["VersionId"]}});
  ASSERT_EQ(last_status_, 200);
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "a"}})["SecretString"], "v2");
  EXPECT_EQ(
      Call("GetSecretValue", {{"SecretId", "a"},
                              {"VersionStage", "AWSPREVIOUS"}})["SecretString"],
      "v3");
  // Moving without RemoveFromVersionId is refused.
  EXPECT_EQ(
      Error("UpdateSecretVersionStage", {{"SecretId", "a"},
                                         {"VersionStage", "AWSCURRENT"},
                                         {"MoveToVersionId", p3["VersionId"]}}),
      "InvalidParameterException");
}

TEST_F(ServiceTest, ClientRequestTokenIdempotency) {
  std::string token = "11111111-2222-4333-8444-555555555555";
  Call("CreateSecret", {{"Name", "t"}, {"SecretString", "v1"}});
  Json a = Call("PutSecretValue", {{"SecretId", "t"},
                                   {"SecretString", "v2"},
                                   {"ClientRequestToken", token}});
  Json b = Call("PutSecretValue", {{"SecretId", "t"},
                                   {"SecretString", "v2"},
                                   {"ClientRequestToken", token}});
  EXPECT_EQ(last_status_, 200);
  EXPECT_EQ(a["VersionId"], token);
  EXPECT_EQ(b["VersionId"], token);
  EXPECT_EQ(Call("ListSecretVersionIds",
                 {{"SecretId", "t"}, {"IncludeDeprecated", true}})["Versions"]
                .size(),
            2u);
  EXPECT_EQ(Error("PutSecretValue", {{"SecretId", "t"},
                                     {"SecretString", "other"},
                                     {"ClientRequestToken", token}}),
            "ResourceExistsException");
  EXPECT_EQ(Error("PutSecretValue", {{"SecretId", "t"},
                                     {"SecretString", "x"},
                                     {"ClientRequestToken", "short"}}),
            "ValidationException");
  // CreateSecret retried with the same token and value succeeds.
  std::string ct = "99999999-2222-4333-8444-555555555555";
  Call("CreateSecret",
       {{"Name", "c"}, {"SecretString", "v"}, {"ClientRequestToken", ct}});
  Call("CreateSecret",
       {{"Name", "c"}, {"SecretString", "v"}, {"ClientRequestToken", ct}});
  EXPECT_EQ(last_status_, 200);
  EXPECT_EQ(Error("CreateSecret", {{"Name", "c"}, {"SecretString", "w"}}),
            "ResourceExistsException");
}

TEST_F(ServiceTest, DeleteRestoreAndRecoveryWindow) {
  Call("CreateSecret", {{"Name", "d"}, {"SecretString", "v"}});
  Json del =
      Call("DeleteSecret", {{"SecretId", "d"}, {"RecoveryWindowInDays", 7}});
  ASSERT_EQ(last_status_, 200);
  EXPECT_DOUBLE_EQ(del["DeletionDate"].get<double>(), 1764300000.0 + 7 * 86400);
  EXPECT_EQ(Error("GetSecretValue", {{"SecretId", "d"}}),
            "InvalidRequestException");
  EXPECT_EQ(Error("PutSecretValue", {{"SecretId", "d"}, {"SecretString", "x"}}),
            "InvalidRequestException");
  EXPECT_EQ(Error("CreateSecret", {{"Name", "d"}, {"SecretString", "x"}}),
            "InvalidRequestException");
  EXPECT_EQ(Error("DeleteSecret", {{"SecretId", "d"}}),
            "InvalidRequestException");
  EXPECT_TRUE(
      Call("DescribeSecret", {{"SecretId", "d"}}).contains("DeletedDate"));
  EXPECT_EQ(Call("ListSecrets", Json::object())["SecretList"].size(), 0u);
  EXPECT_EQ(
      Call("ListSecrets", {{"IncludePlannedDeletion", true}})["SecretList"]
          .size(),
      1u);
  Call("RestoreSecret", {{"SecretId", "d"}});
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "d"}})["SecretString"], "v");
  // After the window passes the secret is gone and the name is free.
  Call("DeleteSecret", {{"SecretId", "d"}, {"RecoveryWindowInDays", 7}});
  clock_.Advance(std::chrono::hours(24 * 7 + 1));
  EXPECT_EQ(Error("DescribeSecret", {{"SecretId", "d"}}),
            "ResourceNotFoundException");
  Call("CreateSecret", {{"Name", "d"}, {"SecretString", "new"}});
  EXPECT_EQ(last_status_, 200);
  // Parameter checks.
  EXPECT_EQ(
      Error("DeleteSecret", {{"SecretId", "d"}, {"RecoveryWindowInDays", 6}}),
      "InvalidParameterException");
  EXPECT_EQ(Error("DeleteSecret", {{"SecretId", "d"},
                                   {"RecoveryWindowInDays", 7},
                                   {"ForceDeleteWithoutRecovery", true}}),
            "InvalidParameterException");
  Call("DeleteSecret",
       {{"SecretId", "d"}, {"ForceDeleteWithoutRecovery", true}});
  EXPECT_EQ(Error("DescribeSecret", {{"SecretId", "d"}}),
            "ResourceNotFoundException");
}

TEST_F(ServiceTest, ListSecretsPaginationAndFilters) {
  for (int i = 0; i < 25; ++i) {
    clock_.Advance(std::chrono::seconds(1));
    Call("CreateSecret",
         {{"Name", "platform-data/pg/app" + std::to_string(i)},
          {"SecretString", "v"},
          {"Tags", {{{"Key", "team"}, {"Value", i % 2 ? "odd" : "even"}}}}});
  }
  Call("CreateSecret",
       {{"Name", "platform-config/pg/main"}, {"Description", "Main DB"}});
  std::vector<std::string> names;
  Json req = {{"MaxResults", 10}};
  for (int page = 0; page < 10; ++page) {
    Json r = Call("ListSecrets", req);
    for (const auto& s : r["SecretList"]) names.push_back(s["Name"]);
    if (!r.contains("NextToken")) break;
    req["NextToken"] = r["NextToken"];
  }
  EXPECT_EQ(names.size(), 26u);
  auto count = [&](Json filters) {
    return Call("ListSecrets", {{"Filters", filters}})["SecretList"].size();
  };
  EXPECT_EQ(count({{{"Key", "name"}, {"Values", {"platform-data/"}}}}), 25u);
  EXPECT_EQ(count({{{"Key", "name"}, {"Values", {"!platform-data/"}}}}), 1u);
  EXPECT_EQ(count({{{"Key", "tag-value"}, {"Values", {"odd"}}}}), 12u);
  EXPECT_EQ(count({{{"Key", "tag-key"}, {"Values", {"team"}}},
                   {{"Key", "tag-value"}, {"Values", {"even"}}}}),
            13u);
  EXPECT_EQ(count({{{"Key", "description"}, {"Values", {"main"}}}}), 1u);
  EXPECT_EQ(Error("ListSecrets", {{"NextToken", "garbage"}}),
            "InvalidNextTokenException");
  EXPECT_EQ(Error("ListSecrets", {{"MaxResults", 101}}), "ValidationException");
  EXPECT_EQ(Error("ListSecrets",
                  {{"Filters", {{{"Key", "bogus"}, {"Values", {"x"}}}}}}),
            "ValidationException");
}

TEST_F(ServiceTest, BatchGetSecretValue) {
  Call("CreateSecret", {{"Name", "b1"}, {"SecretString", "1"}});
  Call("CreateSecret", {{"Name", "b2"}, {"SecretString", "2"}});
  Json r =
      Call("BatchGetSecretValue", {{"SecretIdList", {"b1", "b2", "missing"}}});
  ASSERT_EQ(last_status_, 200);
  EXPECT_EQ(r["SecretValues"].size(), 2u);
  ASSERT_EQ(r["Errors"].size(), 1u);
  EXPECT_EQ(r["Errors"][0]["ErrorCode"], "ResourceNotFoundException");
  EXPECT_EQ(r["Errors"][0]["SecretId"], "missing");
  Json f = Call(
      "BatchGetSecretValue",
      {{"Filters", {{{"Key", "name"}, {"Values", {"b"}}}}}, {"MaxResults", 1}});
  EXPECT_EQ(f["SecretValues"].size(), 1u);
  EXPECT_TRUE(f.contains("NextToken"));
  std::vector<std::string> many(21, "b1");
  EXPECT_EQ(Error("BatchGetSecretValue", {{"SecretIdList", many}}),
            "ValidationException");
  EXPECT_EQ(Error("BatchGetSecretValue", Json::object()),
            "InvalidParameterException");
}

TEST_F(ServiceTest, LimitsAndValidation) {
  EXPECT_EQ(Error("CreateSecret", {{"Name", "bad name!"}}),
            "InvalidParameterException");
  EXPECT_EQ(Error("CreateSecret", {{"Name", std::string(513, 'a')}}),
            "InvalidParameterException");
  EXPECT_EQ(Error("CreateSecret",
                  {{"Name", "big"}, {"SecretString", std::string(65537, 'x')}}),
            "ValidationException");
  Call("CreateSecret",
       {{"Name", "big"}, {"SecretString", std::string(65536, 'x')}});
  EXPECT_EQ(last_status_, 200);
  EXPECT_EQ(Error("CreateSecret", {{"Name", "both"},
                                   {"SecretString", "a"},
                                   {"SecretBinary", "YQ=="}}),
            "InvalidParameterException");
  EXPECT_EQ(Error("GetSecretValue", {{"SecretId", 5}}),
            "SerializationException");
  EXPECT_EQ(Error("GetSecretValue", Json::object()), "ValidationException");
  EXPECT_EQ(Error("GetSecretValue", {{"SecretId", "nope"}}),
            "ResourceNotFoundException");
  EXPECT_EQ(Error("Bogus", Json::object()), "UnknownOperationException");
  ApiResponse bad = svc_->Handle("GetSecretValue", "{not json", {});
  EXPECT_EQ(bad.http_status, 400);
  EXPECT_EQ(bad.error_type, "SerializationException");
  // No value yet: the AWSCURRENT lookup fails like AWS.
  Call("CreateSecret", {{"Name", "empty"}});
  EXPECT_EQ(Error("GetSecretValue", {{"SecretId", "empty"}}),
            "ResourceNotFoundException");
}

TEST_F(ServiceTest, BinaryTagsAndRandomPassword) {
  Call("CreateSecret",
       {{"Name", "bin"},
        {"SecretBinary", secrets::Base64Encode(std::string("\x00\xff", 2))}});
  Json g = Call("GetSecretValue", {{"SecretId", "bin"}});
  EXPECT_EQ(g["SecretBinary"], "AP8=");
  EXPECT_FALSE(g.contains("SecretString"));
  Call("TagResource",
       {{"SecretId", "bin"},
        {"Tags",
         {{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "2"}}}}});
  Call("UntagResource", {{"SecretId", "bin"}, {"TagKeys", {"a"}}});
  Json d = Call("DescribeSecret", {{"SecretId", "bin"}});
  EXPECT_EQ(d["Tags"], Json::parse(R"([{"Key":"b","Value":"2"}])"));
  EXPECT_EQ(
      Error("TagResource", {{"SecretId", "bin"},
                            {"Tags", {{{"Key", "aws:x"}, {"Value", "1"}}}}}),
      "InvalidParameterException");
  Json pw = Call("GetRandomPassword",
                 {{"PasswordLength", 40}, {"ExcludePunctuation", true}});
  std::string p = pw["RandomPassword"];
  EXPECT_EQ(p.size(), 40u);
  for (char c : p) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  EXPECT_EQ(Error("GetRandomPassword", {{"PasswordLength", 0}}),
            "ValidationException");
}

TEST_F(ServiceTest, PolicyAuthorization) {
  auto policy = IamPolicy::Parse(R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:Describe*"],
       "Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:platform-data/pg/app-??????"}]})",
                                 "p.json");
  ASSERT_TRUE(policy.ok()) << policy.status();
  Caller app{"AKIAAPP", &*policy};
  Call("CreateSecret",
       {{"Name", "platform-data/pg/app"}, {"SecretString", "v"}});
  Call("CreateSecret",
       {{"Name", "platform-data/pg/other"}, {"SecretString", "v"}});
  Call("GetSecretValue", {{"SecretId", "platform-data/pg/app"}}, app);
  EXPECT_EQ(last_status_, 200);
  Call("GetSecretValue", {{"SecretId", "platform-data/pg/other"}}, app);
  EXPECT_EQ(last_type_, "AccessDeniedException");
  Call("PutSecretValue",
       {{"SecretId", "platform-data/pg/app"}, {"SecretString", "x"}}, app);
  EXPECT_EQ(last_type_, "AccessDeniedException");
  Call("ListSecrets", Json::object(), app);
  EXPECT_EQ(last_type_, "AccessDeniedException");
}

TEST_F(ServiceTest, ValuesNeverInErrorsOrWarnings) {
  Call("CreateSecret", {{"Name", "c"}, {"SecretString", kCanary}});
  std::vector<Json> reqs = {
      {{"SecretId", "c"},
       {"SecretString", kCanary},
       {"ClientRequestToken", "x"}},
      {{"SecretId", "c"}, {"SecretString", kCanary}, {"SecretBinary", kCanary}},
      {{"SecretId", "missing"}, {"SecretString", kCanary}},
  };
  for (const auto& r : reqs) {
    ApiResponse resp = svc_->Handle("PutSecretValue", r.dump(), {});
    EXPECT_NE(resp.http_status, 200);
    EXPECT_EQ(
        std::string_view(resp.body.data(), resp.body.size()).find(kCanary),
        std::string_view::npos);
  }
  for (const auto& w : warnings_) EXPECT_EQ(w.find(kCanary), std::string::npos);
}

// Issue 15 F1: a body nested ~120,000 deep (under the body limit) from any
// caller, even one whose policy allows nothing, killed the server with
// SIGSEGV in the recursive wipe before authorization. Now it is refused at
// parse time with a SerializationException, on a 1 MiB stack.
TEST_F(ServiceTest, DeeplyNestedBodyIsASerializationErrorNotACrash) {
  std::string body =
      "{\"a\":" + keyward::testing::NestedJsonArrays(120000) + "}";
  ASSERT_LT(body.size(), 256u * 1024u);
  ApiResponse r;
  ASSERT_TRUE(keyward::testing::RunOnSmallStack(
      [&] { r = svc_->Handle("GetSecretValue", body, Caller{}); }));
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.error_type, "SerializationException");
  std::string text(r.body.data(), r.body.size());
  EXPECT_NE(text.find("deeper than 128"), std::string::npos) << text;
}

// Issue 15 F3: BatchGetSecretValue with Filters enumerates secrets, so AWS
// also requires secretsmanager:ListSecrets (API reference, "Required
// permissions"); BatchGetSecretValue on * alone is not enough.
TEST_F(ServiceTest, BatchGetWithFiltersNeedsListSecrets) {
  auto policy = IamPolicy::Parse(R"({"Statement":[
      {"Effect":"Allow","Action":"secretsmanager:BatchGetSecretValue","Resource":"*"},
      {"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
       "Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:mine-??????"}]})",
                                 "p.json");
  ASSERT_TRUE(policy.ok()) << policy.status();
  Caller app{"AKIAAPP", &*policy};
  Call("CreateSecret", {{"Name", "mine"}, {"SecretString", "v"}});
  Call("CreateSecret", {{"Name", "theirs"}, {"SecretString", "v"}});
  Json r = Call("BatchGetSecretValue", {{"SecretIdList", {"mine"}}}, app);
  EXPECT_EQ(last_status_, 200) << r;
  r = Call("BatchGetSecretValue",
           {{"Filters", {{{"Key", "name"}, {"Values", {"t"}}}}}}, app);
  EXPECT_EQ(last_type_, "AccessDeniedException") << r;
  EXPECT_EQ(r.dump().find("theirs"), std::string::npos) << r;
}

// Issue 15 F6: the AccessDenied text must not reveal whether the secret
// exists (it named the full ARN, random suffix included, only when it did).
TEST_F(ServiceTest, AccessDeniedTextIsTheSameWhetherOrNotTheSecretExists) {
  auto policy = IamPolicy::Parse(
      R"({"Statement":[{"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*"}]})",
      "p.json");
  ASSERT_TRUE(policy.ok());
  Caller app{"AKIAAPP", &*policy};
  Call("CreateSecret",
       {{"Name", "platform-data/pg/aaaa"}, {"SecretString", "v"}});
  for (const char* op : {"GetSecretValue", "DescribeSecret", "PutSecretValue",
                         "DeleteSecret", "ListSecretVersionIds"}) {
    Json req = {{"SecretString", "x"}};
    req["SecretId"] = "platform-data/pg/aaaa";
    std::string exists = Call(op, req, app)["message"];
    EXPECT_EQ(last_type_, "AccessDeniedException") << op;
    req["SecretId"] = "platform-data/pg/bbbb";
    std::string missing = Call(op, req, app)["message"];
    EXPECT_EQ(last_type_, "AccessDeniedException") << op;
    missing.replace(missing.find("bbbb"), 4, "aaaa");
    EXPECT_EQ(exists, missing) << op;
  }
  std::string create =
      Call("CreateSecret", {{"Name", "platform-data/pg/aaaa"}}, app)["message"];
  std::string create_new =
      Call("CreateSecret", {{"Name", "platform-data/pg/cccc"}}, app)["message"];
  create_new.replace(create_new.find("cccc"), 4, "aaaa");
  EXPECT_EQ(create, create_new);
}

// Issue 12 (3.5): a policy written for another account than the server's
// denies everything; the denial says so (and names both accounts) instead of
// leaving the operator to compare ARNs by eye. A policy for the server's own
// account keeps AWS's plain text.
TEST_F(ServiceTest, AccessDeniedNamesTheAccountMismatch) {
  Call("CreateSecret",
       {{"Name", "platform-data/pg/app"}, {"SecretString", "v"}});
  auto other = IamPolicy::Parse(R"({"Statement":[{"Effect":"Allow",
      "Action":"secretsmanager:GetSecretValue",
      "Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:platform-data/pg/app-??????"}]})",
                                "p.json");
  ASSERT_TRUE(other.ok()) << other.status();
  Caller app{"AKIAAPP", &*other};
  std::string msg = Call(
      "GetSecretValue", {{"SecretId", "platform-data/pg/app"}}, app)["message"];
  EXPECT_EQ(last_type_, "AccessDeniedException");
  EXPECT_NE(msg.find("names resources of account 111122223333, but this "
                     "keyward server's account is 123456789012"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("--account-id 111122223333"), std::string::npos) << msg;
  // The same text for a secret that does not exist (F6 still holds).
  std::string missing = Call(
      "GetSecretValue", {{"SecretId", "platform-data/pg/zzz"}}, app)["message"];
  missing.replace(missing.find("zzz"), 3, "app");
  EXPECT_EQ(msg, missing);

  auto own = IamPolicy::Parse(R"({"Statement":[{"Effect":"Allow",
      "Action":"secretsmanager:GetSecretValue",
      "Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:other-??????"}]})",
                              "p.json");
  ASSERT_TRUE(own.ok());
  Caller mine{"AKIAOWN", &*own};
  msg = Call("GetSecretValue", {{"SecretId", "platform-data/pg/app"}},
             mine)["message"];
  EXPECT_EQ(last_type_, "AccessDeniedException");
  EXPECT_EQ(msg.find("account"), std::string::npos) << msg;
}

// Issue 15 F11: strict base64 for SecretBinary (OpenSSL's decoder took '='
// inside the text and stored junk bytes).
TEST_F(ServiceTest, InvalidBase64BinaryIsRefused) {
  for (const char* bad : {"Y=Q=", "YQ=A", "Y Q=", "YQ==YQ==", "****"}) {
    EXPECT_EQ(Error("CreateSecret", {{"Name", "bin"}, {"SecretBinary", bad}}),
              "SerializationException")
        << bad;
  }
  Call("CreateSecret", {{"Name", "bin"}, {"SecretBinary", "AP8="}});
  EXPECT_EQ(last_status_, 200);
  EXPECT_EQ(
      Error("PutSecretValue", {{"SecretId", "bin"}, {"SecretBinary", "A=B="}}),
      "SerializationException");
}

// Issue 15 F4: AWS allows 20 staging labels per secret (quotas page;
// UpdateSecretVersionStage/PutSecretValue fail with LimitExceededException).
TEST_F(ServiceTest, StagingLabelsAreLimitedTo20PerSecret) {
  Call("CreateSecret", {{"Name", "l"}, {"SecretString", "v"}});
  // AWSCURRENT + 19 custom labels on 19 versions: 20 labels.
  for (int i = 0; i < 19; ++i) {
    Call("PutSecretValue", {{"SecretId", "l"},
                            {"SecretString", "v" + std::to_string(i)},
                            {"VersionStages", {"L" + std::to_string(i)}}});
    ASSERT_EQ(last_status_, 200) << i;
  }
  Json r = Call(
      "PutSecretValue",
      {{"SecretId", "l"}, {"SecretString", "x"}, {"VersionStages", {"L19"}}});
  EXPECT_EQ(last_type_, "LimitExceededException") << r;
  Json d = Call("DescribeSecret", {{"SecretId", "l"}});
  EXPECT_EQ(d["VersionIdsToStages"].size(), 20u);
  // Moving an existing label is fine; adding a 21st by moving is not.
  std::string some = Call("ListSecretVersionIds",
                          {{"SecretId", "l"}})["Versions"][0]["VersionId"];
  Call("UpdateSecretVersionStage",
       {{"SecretId", "l"}, {"VersionStage", "L20"}, {"MoveToVersionId", some}});
  EXPECT_EQ(last_type_, "LimitExceededException");
  // The value served is unchanged by the refused writes.
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "l"}})["SecretString"], "v");
}

// AWS removes outdated versions beyond 100, but never one younger than 24
// hours (PutSecretValue API reference).
TEST_F(ServiceTest, VersionsYoungerThanADayAreNotPruned) {
  Call("CreateSecret", {{"Name", "p"}, {"SecretString", "v"}});
  for (int i = 0; i < 110; ++i)
    Call("PutSecretValue",
         {{"SecretId", "p"}, {"SecretString", std::to_string(i)}});
  auto count = [&] {
    return Call("ListSecretVersionIds", {{"SecretId", "p"},
                                         {"IncludeDeprecated", true},
                                         {"MaxResults", 100}})
               .value("NextToken", "") != "";
  };
  EXPECT_TRUE(count());  // more than 100 kept
  clock_.Advance(std::chrono::hours(25));
  Call("PutSecretValue", {{"SecretId", "p"}, {"SecretString", "late"}});
  EXPECT_FALSE(count());  // pruned to 100 once they are a day old
}

// AWS: "If this operation creates the first version for the secret, then
// Secrets Manager automatically attaches the staging label AWSCURRENT".
TEST_F(ServiceTest, FirstPutOfAValuelessSecretGetsAwsCurrent) {
  Call("CreateSecret", {{"Name", "e"}});
  Json p = Call("PutSecretValue", {{"SecretId", "e"},
                                   {"SecretString", "first"},
                                   {"VersionStages", {"custom"}}});
  ASSERT_EQ(last_status_, 200) << p;
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "e"}})["SecretString"],
            "first");
  Json again = Call("PutSecretValue", {{"SecretId", "e"},
                                       {"SecretString", "second"},
                                       {"VersionStages", {"other"}}});
  EXPECT_EQ(again["VersionStages"], Json::array({"other"}));
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "e"}})["SecretString"],
            "first");
}

// AWS DeleteSecret: "If you forcibly delete an already deleted or
// nonexistent secret, the operation does not return
// ResourceNotFoundException."
TEST_F(ServiceTest, ForceDeleteOfAMissingSecretSucceeds) {
  Json r = Call("DeleteSecret", {{"SecretId", "never-created"},
                                 {"ForceDeleteWithoutRecovery", true}});
  EXPECT_EQ(last_status_, 200) << r;
  EXPECT_EQ(r["Name"], "never-created");
  EXPECT_EQ(Error("DeleteSecret", {{"SecretId", "never-created"}}),
            "ResourceNotFoundException");
}

// ListSecrets SortBy (created-date, last-accessed-date, last-changed-date,
// name) with SortOrder.
TEST_F(ServiceTest, ListSecretsHonoursSortBy) {
  for (const char* n : {"b", "c", "a"}) {
    clock_.Advance(std::chrono::seconds(1));
    Call("CreateSecret", {{"Name", n}, {"SecretString", "v"}});
  }
  clock_.Advance(std::chrono::seconds(1));
  Call("TagResource",
       {{"SecretId", "b"}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
  auto names = [&](Json req) {
    std::string out;
    Json list = Call("ListSecrets", req);
    for (const auto& s : list["SecretList"])
      out += s["Name"].get<std::string>();
    return out;
  };
  EXPECT_EQ(names(Json::object()), "bca");
  EXPECT_EQ(names({{"SortBy", "name"}}), "abc");
  EXPECT_EQ(names({{"SortBy", "name"}, {"SortOrder", "desc"}}), "cba");
  EXPECT_EQ(names({{"SortBy", "last-changed-date"}}), "cab");
  EXPECT_EQ(Error("ListSecrets", {{"SortBy", "size"}}), "ValidationException");
}

// Issue 15 F5: a store written before labels were bound is migrated once at
// start (values re-encrypted with the labels as associated data, in one
// transaction), after which swapped labels fail authentication.
TEST(ServiceMigrationTest, OldStoresAreMigratedAndThenBindLabels) {
  keyward::testing::TempDir dir;
  std::string key(32, 'k');
  std::string path = dir.File("s.db");
  {
    auto store = SecretStore::Open(path);
    ASSERT_TRUE(store.ok());
    auto cipher = ValueCipher::FromKey(key, keyward::Random::Real());
    StoredSecret s;
    s.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:old-AbCdEf";
    s.name = "old";
    s.created = s.last_changed = 1764300000;
    for (const char* id : {"v1", "v2"}) {
      StoredVersion v;
      v.version_id = id;
      v.stages = {std::string(id) == "v1" ? "AWSPREVIOUS" : "AWSCURRENT"};
      v.created = 1764300000;
      v.blob = *(*cipher)->Encrypt(std::string("value ") + id,
                                   ValueAad("old", id, false));
      s.versions.push_back(v);
    }
    ASSERT_TRUE((*store)->Save(s).ok());
  }
  auto open = [&]() {
    auto svc = SecretsService::Create(
        *SecretStore::Open(path),
        *ValueCipher::FromKey(key, keyward::Random::Real()), {});
    EXPECT_TRUE(svc.ok()) << svc.status();
    return svc.ok() ? std::move(*svc) : nullptr;
  };
  auto get = [](SecretsService& svc) {
    ApiResponse r = svc.Handle("GetSecretValue", R"({"SecretId":"old"})");
    auto j = secrets::ParseJson(std::string_view(r.body.data(), r.body.size()));
    return r.http_status == 200 ? (*j)["SecretString"].get<std::string>()
                                : r.error_type;
  };
  {
    auto svc = open();
    ASSERT_NE(svc, nullptr);
    EXPECT_EQ(get(*svc), "value v2");
  }
  EXPECT_EQ(*(*SecretStore::Open(path))->GetMeta("value_aad"), "2");
  {
    auto svc = open();  // a second start does not migrate again
    EXPECT_EQ(get(*svc), "value v2");
  }
  // Swap the labels in the database: the old value must not become current.
  {
    auto store = SecretStore::Open(path);
    auto all = (*store)->LoadAll();
    ASSERT_TRUE(all.ok());
    StoredSecret s = (*all)[0];
    std::swap(s.versions[0].stages, s.versions[1].stages);
    ASSERT_TRUE((*store)->Save(s).ok());
  }
  auto svc = open();
  EXPECT_EQ(get(*svc), "InternalServiceError");
}

// Issue 15 F4: a write rewrites only the rows it changes, so its cost does
// not grow with the number of versions (old version rows keep their rowid).
TEST(ServiceStoreTest, WritesTouchOnlyChangedVersionRows) {
  keyward::testing::TempDir dir;
  std::string path = dir.File("s.db");
  auto svc = SecretsService::Create(
      *SecretStore::Open(path),
      *ValueCipher::FromKey(std::string(32, 'k'), keyward::Random::Real()), {});
  ASSERT_TRUE(svc.ok());
  (*svc)->Handle("CreateSecret", R"({"Name":"w","SecretString":"0"})");
  for (int i = 1; i < 5; ++i) {
    (*svc)->Handle("PutSecretValue", R"({"SecretId":"w","SecretString":")" +
                                         std::to_string(i) + "\"}");
  }
  auto rowids = [&] {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    std::string out;
    sqlite3_exec(
        db, "SELECT rowid FROM versions ORDER BY seq LIMIT 2",
        [](void* o, int, char** c, char**) {
          *static_cast<std::string*>(o) += std::string(c[0]) + ",";
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  };
  std::string before = rowids();
  (*svc)->Handle("PutSecretValue", R"({"SecretId":"w","SecretString":"5"})");
  EXPECT_EQ(rowids(), before);
}

// Issue 19: filters as AWS's verified tests record them (moto
// tests/test_secretsmanager/test_list_secrets.py, @aws_verified tests and the
// ListSecrets API reference's Filter description). Each row: the filters,
// the names expected in CreatedDate order, and where the behaviour is from.
TEST_F(ServiceTest, ListSecretsFiltersAsAwsVerified) {
  auto create = [&](const std::string& name, const std::string& description,
                    Json tags = Json::array()) {
    clock_.Advance(std::chrono::seconds(1));
    Json req = {{"Name", name}, {"SecretString", "s"}, {"Tags", tags}};
    if (!description.empty()) req["Description"] = description;
    Call("CreateSecret", req);
    ASSERT_EQ(last_status_, 200) << name;
  };
  auto tag = [](const char* k, const char* v) {
    return Json::array({{{"Key", k}, {"Value", v}}});
  };
  create("SecretOneu1", "");
  create("SecretTwou1", "DescTwo");
  create("Thirdsecretu1", "");
  create("SecretFTagu1", "", tag("1", "foo"));
  create("SecretFValueu1", "", tag("foo", "v"));
  create("noneu1", "");
  create("prod/AppBeta/u2", "");
  create("prod_AppBeta_u2", "");
  create("prod+AppBeta+u2", "");
  create("prod-AppBeta/u2", "");  // two separators: one word
  create("uat/COMPANY/u2", "");
  create("uat/COMPANYthings/u2", "");
  create("foo", "one two");
  create("bar", "one and two");
  create("baz", "one");
  create("qux", "two");
  struct Row {
    Json filters;
    std::vector<std::string> names;
    const char* source;
  };
  auto all = [](Json values) {
    return Json::array({{{"Key", "all"}, {"Values", values}}});
  };
  auto desc = [](Json values) {
    return Json::array({{{"Key", "description"}, {"Values", values}}});
  };
  const std::vector<Row> rows = {
      {all({"SecretOne"}), {"SecretOneu1"}, "test_with_all_filter: full match"},
      {all({"foo"}),
       {"SecretFTagu1", "SecretFValueu1", "foo"},
       "test_with_all_filter: tag keys and values (and the name foo)"},
      {all({"secret"}),
       {"SecretOneu1", "SecretTwou1", "SecretFTagu1", "SecretFValueu1"},
       "test_with_all_filter: word start, not case-sensitive"},
      {all({"ret"}), {}, "test_with_all_filter: not inside a word"},
      {all({"sec"}),
       {"SecretOneu1", "SecretTwou1", "SecretFTagu1", "SecretFValueu1"},
       "test_with_all_filter: partial word"},
      {all({"SomeSecret"}), {}, "test_with_all_filter: unknown word"},
      {all({"d t"}),
       {"SecretTwou1"},
       "test_with_all_filter: multi-word value, same attribute"},
      {all({"AppBeta"}),
       {"prod/AppBeta/u2", "prod_AppBeta_u2", "prod+AppBeta+u2"},
       "test_with_all_filter_special_characters"},
      {all({"Beta"}),
       {"prod/AppBeta/u2", "prod_AppBeta_u2", "prod+AppBeta+u2"},
       "test_with_all_filter_special_characters"},
      {all({"+"}), {}, "test_with_all_filter_special_characters: lone '+'"},
      {all({"company"}),
       {"uat/COMPANY/u2"},
       "test_with_all_filter_special_characters"},
      {all({"things"}), {}, "test_with_all_filter_special_characters"},
      {all({"Ythings"}),
       {"uat/COMPANYthings/u2"},
       "test_with_all_filter_special_characters: COMPAN + Ythings"},
      {all({"N"}),
       {"noneu1"},
       "test_with_all_filter_special_characters: no word of COMPANY starts "
       "with N (noneu1 does)"},
      {desc({"one two"}),
       {"foo", "bar"},
       "test_with_filter_with_value_with_multiple_words"},
      {desc({"o t"}),
       {"foo", "bar"},
       "test_with_filter_with_value_with_multiple_words"},
      {desc({"t"}),
       {"SecretTwou1", "foo", "bar", "qux"},
       "test_with_filter_with_value_with_multiple_words"},
      {Json::array({{{"Key", "description"}, {"Values", {"one"}}},
                    {{"Key", "description"}, {"Values", {"two"}}}}),
       {"foo", "bar"},
       "test_with_duplicate_filter_keys: repeated keys AND"},
      {Json::array({{{"Key", "name"}, {"Values", {"foo", "bar"}}}}),
       {"foo", "bar"},
       "test_with_filter_with_multiple_values: values OR"},
      {desc({"!o"}),
       {"SecretTwou1", "qux"},
       "test_with_filter_with_negation (only secrets with a description)"},
      {Json::array({{{"Key", "tag-key"}, {"Values", {"fo"}}}}),
       {"SecretFValueu1"},
       "API reference: tag-key is a prefix match"},
      {Json::array({{{"Key", "name"}, {"Values", {"Secret"}}}}),
       {"SecretOneu1", "SecretTwou1", "SecretFTagu1", "SecretFValueu1"},
       "API reference: name is a case-sensitive prefix match"},
      {Json::array({{{"Key", "primary-region"}, {"Values", {"eu-"}}}}),
       {},
       "API reference: primary-region, prefix match (all are in us-east-1)"},
  };
  for (const auto& row : rows) {
    Json r = Call("ListSecrets", {{"Filters", row.filters}});
    ASSERT_EQ(last_status_, 200) << r;
    std::vector<std::string> got;
    for (const auto& e : r["SecretList"]) got.push_back(e["Name"]);
    EXPECT_EQ(got, row.names) << row.filters << " (" << row.source << ")";
  }
  // BatchGetSecretValue uses the same filters.
  Json b = Call("BatchGetSecretValue", {{"Filters", desc({"o t"})}});
  EXPECT_EQ(b["SecretValues"].size(), 2u) << b;
}

TEST(FilterWordsTest, SplitsLikeAwsWordSearch) {
  using V = std::vector<std::string>;
  EXPECT_EQ(FilterWords("MyTestPhrase"), (V{"My", "Test", "Phrase"}));
  EXPECT_EQ(FilterWords("myTest"), (V{"my", "Test"}));
  EXPECT_EQ(FilterWords("Mytest"), (V{"Mytest"}));
  EXPECT_EQ(FilterWords("my test"), (V{"my", "test"}));
  EXPECT_EQ(FilterWords("my/test"), (V{"my", "test"}));
  EXPECT_EQ(FilterWords("COMPANYthings"), (V{"COMPAN", "Ythings"}));
  EXPECT_EQ(FilterWords("prod-AppBeta/x"), (V{"prod-AppBeta/x"}));
  EXPECT_EQ(FilterWords("+"), V{});
}

// Issue 19: error texts identical to AWS's where verified tests record
// them; every one comes from the table in src/server/messages.cc.
TEST_F(ServiceTest, ErrorMessagesAsAwsRecordsThem) {
  std::string token = "11111111-2222-4333-8444-555555555555";
  Json c = Call(
      "CreateSecret",
      {{"Name", "m"}, {"SecretString", "v1"}, {"ClientRequestToken", token}});
  std::string arn = c["ARN"];
  Json p = Call("PutSecretValue", {{"SecretId", "m"}, {"SecretString", "v2"}});
  std::string v2 = p["VersionId"];
  Call("CreateSecret", {{"Name", "empty"}});
  struct Row {
    const char* op;
    Json req;
    const char* type;
    std::string message;
    const char* source;
  };
  const std::vector<Row> rows = {
      {"GetSecretValue",
       {{"SecretId", "nope"}},
       "ResourceNotFoundException",
       "Secrets Manager can't find the specified secret.",
       "verified: test_get_secret_that_does_not_exist"},
      {"GetSecretValue",
       {{"SecretId", "empty"}},
       "ResourceNotFoundException",
       "Secrets Manager can't find the specified secret value for staging "
       "label: AWSCURRENT",
       "verified: test_get_secret_that_has_no_value"},
      {"GetSecretValue",
       {{"SecretId", "m"},
        {"VersionId", "00000000-0000-0000-0000-000000000000"}},
       "ResourceNotFoundException",
       "Secrets Manager can't find the specified secret value for VersionId: "
       "00000000-0000-0000-0000-000000000000",
       "verified: test_get_secret_version_that_does_not_exist"},
      {"GetSecretValue",
       {{"SecretId", "m"}, {"VersionId", v2}, {"VersionStage", "AWSPENDING"}},
       "InvalidRequestException",
       "You provided a VersionStage that is not associated to the provided "
       "VersionId.",
       "test_get_secret_version_stage_mismatch"},
      {"CreateSecret",
       {{"Name", "m"}, {"SecretString", "x"}},
       "ResourceExistsException",
       "The operation failed because the secret m already exists.",
       "verified: CreateSecret of an existing name"},
      {"CreateSecret",
       {{"Name", "m"},
        {"SecretString", "other"},
        {"ClientRequestToken", token}},
       "ResourceExistsException",
       "You can't use ClientRequestToken " + token +
           " because that value is already in use for a version of secret " +
           arn + ".",
       "verified: ClientRequestToken reused with another value"},
      {"PutSecretValue",
       {{"SecretId", "m"},
        {"SecretString", "other"},
        {"ClientRequestToken", token}},
       "ResourceExistsException",
       "You can't use ClientRequestToken " + token +
           " because that value is already in use for a version of secret " +
           arn + ".",
       "verified: ClientRequestToken reused with another value"},
      {"UpdateSecret",
       {{"SecretId", "m"},
        {"SecretString", "other"},
        {"ClientRequestToken", token}},
       "ResourceExistsException",
       "You can't use ClientRequestToken " + token +
           " because that value is already in use for a version of secret " +
           arn + ".",
       "verified: ClientRequestToken reused with another value"},
      {"UpdateSecretVersionStage",
       {{"SecretId", "m"},
        {"VersionStage", "AWSCURRENT"},
        {"MoveToVersionId", token}},
       "InvalidParameterException",
       "The parameter RemoveFromVersionId can't be empty. Staging label "
       "AWSCURRENT is currently attached to version " +
           v2 +
           ", so you must explicitly reference that version in "
           "RemoveFromVersionId.",
       "verified: UpdateSecretVersionStage without RemoveFromVersionId"},
      {"ListSecrets",
       {{"Filters", {{{"Values", {"foo"}}}}}},
       "InvalidParameterException",
       "Invalid filter key",
       "test_list_secrets.py test_with_no_filter_key"},
      {"ListSecrets",
       {{"Filters", {{{"Key", "description"}}}}},
       "InvalidParameterException",
       "Invalid filter values for key: description",
       "test_list_secrets.py test_with_no_filter_values"},
      {"ListSecrets",
       {{"Filters",
         {{{"Key", "name"}, {"Values", {"a"}}},
          {{"Key", "invalid"}, {"Values", {"foo"}}}}}},
       "ValidationException",
       "1 validation error detected: Value 'invalid' at "
       "'filters.2.member.key' failed to satisfy constraint: Member must "
       "satisfy enum value set: [all, name, tag-key, description, tag-value]",
       "test_list_secrets.py test_with_invalid_filter_key (value and index)"},
      {"DeleteSecret",
       {{"SecretId", "m"}, {"RecoveryWindowInDays", 6}},
       "InvalidParameterException",
       "The RecoveryWindowInDays value must be between 7 and 30 days "
       "(inclusive).",
       "API reference: DeleteSecret"},
      {"BatchGetSecretValue", Json::object(), "InvalidParameterException",
       "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
       "recorded: BatchGetSecretValue"},
  };
  for (const auto& row : rows) {
    Json r = Call(row.op, row.req);
    EXPECT_EQ(last_type_, row.type) << row.op << " " << row.source;
    EXPECT_EQ(r.value("message", ""), row.message) << row.source;
  }
}

TEST(MessageTableTest, EveryTemplateHasATypeAndText) {
  for (const auto& m : MessageTable()) {
    EXPECT_FALSE(m.type.empty());
    EXPECT_FALSE(m.text.empty());
    EXPECT_TRUE(m.type.ends_with("Exception") || m.type.ends_with("Error"))
        << m.type;
  }
  EXPECT_EQ(FormatMessage(Msg::kSecretExists, {"a/b"}),
            "The operation failed because the secret a/b already exists.");
}

}  // namespace
}  // namespace keyward::server

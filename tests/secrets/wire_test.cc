// The wire codec (src/secrets/wire.h): every shape survives ToJson ->
// FromJson, members are named as in botocore's model, unset members are not
// sent, and the trees that held secret material can be wiped.
#include "secrets/wire.h"

#include <gtest/gtest.h>

namespace keyward::secrets::wire {
namespace {

// Whole milliseconds: the wire carries epoch seconds as a double.
Clock::time_point At(std::int64_t ms) {
  return Clock::time_point(std::chrono::milliseconds(ms));
}

template <class T>
T RoundTrip(const T& in) {
  Json j = ToJson(in);
  // Through text, as on the wire.
  std::optional<Json> parsed = ParseJson(j.dump());
  EXPECT_TRUE(parsed.has_value());
  StatusOr<T> out = FromJson<T>(*parsed);
  EXPECT_TRUE(out.ok()) << out.status();
  WipeJson(j);
  WipeJson(*parsed);
  return std::move(out).value();
}

std::vector<Tag> Tags() { return {{"team", "payments"}, {"env", ""}}; }
std::vector<Filter> Filters() {
  return {{"name", {"app/", "!app/old"}}, {"tag-key", {"team"}}};
}

TEST(WireTest, SharedShapes) {
  EXPECT_EQ(RoundTrip(Tags()), Tags());
  EXPECT_EQ(RoundTrip(Filters()), Filters());
  EXPECT_EQ(ToJson(Tags())[0], (Json{{"Key", "team"}, {"Value", "payments"}}));
  EXPECT_EQ(ToJson(Filters())[1],
            (Json{{"Key", "tag-key"}, {"Values", {"team"}}}));
}

TEST(WireTest, PayloadStringAndBinary) {
  SecretPayload s{SecretValue("p@ss"), std::nullopt};
  Json j = Json::object();
  AddPayload(s, j);
  EXPECT_EQ(j["SecretString"], "p@ss");
  EXPECT_EQ(FromJson<SecretPayload>(j).value(), s);
  SecretPayload b{std::nullopt, SecretValue(std::string("\x00\xff\x10", 3))};
  Json k = Json::object();
  AddPayload(b, k);
  EXPECT_EQ(k["SecretBinary"], "AP8Q");
  EXPECT_EQ(FromJson<SecretPayload>(k).value(), b);
  Json bad{{"SecretBinary", "not base64!"}};
  EXPECT_EQ(FromJson<SecretPayload>(bad).status().code(),
            StatusCode::kInternal);
  WipeJson(j);
  EXPECT_EQ(j.dump().find("p@ss"), std::string::npos);
}

TEST(WireTest, Requests) {
  GetSecretValueRequest g{"app/db", "v1", "AWSPREVIOUS"};
  auto g2 = RoundTrip(g);
  EXPECT_EQ(g2.secret_id, g.secret_id);
  EXPECT_EQ(g2.version_id, g.version_id);
  EXPECT_EQ(g2.version_stage, g.version_stage);
  EXPECT_EQ(ToJson(GetSecretValueRequest{"x", "", ""}),
            (Json{{"SecretId", "x"}}));

  BatchGetSecretValueRequest bg{{"a", "b"}, Filters(), 5, "tok"};
  auto bg2 = RoundTrip(bg);
  EXPECT_EQ(bg2.secret_ids, bg.secret_ids);
  EXPECT_EQ(bg2.filters, bg.filters);
  EXPECT_EQ(bg2.max_results, 5);
  EXPECT_EQ(bg2.next_token, "tok");
  EXPECT_EQ(ToJson(BatchGetSecretValueRequest{}), Json::object());

  ListSecretsRequest ls{Filters(), 10, "t", true, "desc"};
  auto ls2 = RoundTrip(ls);
  EXPECT_EQ(ls2.filters, ls.filters);
  EXPECT_EQ(ls2.max_results, 10);
  EXPECT_EQ(ls2.next_token, "t");
  EXPECT_TRUE(ls2.include_planned_deletion);
  EXPECT_EQ(ls2.sort_order, "desc");
  EXPECT_EQ(ToJson(ListSecretsRequest{}), Json::object());
}

TEST(WireTest, WriteRequests) {
  CreateSecretRequest c;
  c.name = "app/db";
  c.client_request_token = "11111111-2222-4333-8444-555555555555";
  c.description = "d";
  c.kms_key_id = "alias/k";
  c.payload.string = SecretValue("v");
  c.tags = Tags();
  auto c2 = RoundTrip(c);
  EXPECT_EQ(c2.name, c.name);
  EXPECT_EQ(c2.client_request_token, c.client_request_token);
  EXPECT_EQ(c2.description, "d");
  EXPECT_EQ(c2.kms_key_id, "alias/k");
  EXPECT_EQ(c2.payload, c.payload);
  EXPECT_EQ(c2.tags, c.tags);

  PutSecretValueRequest p;
  p.secret_id = "app/db";
  p.client_request_token = "tok";
  p.payload.binary = SecretValue("bin");
  p.version_stages = {"AWSPENDING"};
  auto p2 = RoundTrip(p);
  EXPECT_EQ(p2.secret_id, p.secret_id);
  EXPECT_EQ(p2.client_request_token, "tok");
  EXPECT_EQ(p2.payload, p.payload);
  EXPECT_EQ(p2.version_stages, p.version_stages);

  UpdateSecretRequest u;
  u.secret_id = "app/db";
  u.description = "";
  u.client_request_token = "tok";
  auto u2 = RoundTrip(u);
  EXPECT_EQ(u2.description, std::optional<std::string>(""));
  EXPECT_EQ(u2.kms_key_id, std::nullopt);
  EXPECT_EQ(u2.client_request_token, "tok");
  EXPECT_FALSE(u2.payload.string || u2.payload.binary);

  DeleteSecretRequest d{"app/db", 7, false};
  auto d2 = RoundTrip(d);
  EXPECT_EQ(d2.recovery_window_days, 7);
  EXPECT_FALSE(d2.force_delete_without_recovery);
  auto d3 = RoundTrip(DeleteSecretRequest{"x", std::nullopt, true});
  EXPECT_TRUE(d3.force_delete_without_recovery);
  EXPECT_EQ(d3.recovery_window_days, std::nullopt);
}

TEST(WireTest, OtherRequests) {
  auto l = RoundTrip(ListSecretVersionIdsRequest{"a", 3, "n", true});
  EXPECT_EQ(l.secret_id, "a");
  EXPECT_EQ(l.max_results, 3);
  EXPECT_EQ(l.next_token, "n");
  EXPECT_TRUE(l.include_deprecated);

  auto s = RoundTrip(UpdateSecretVersionStageRequest{"a", "S", "v1", "v2"});
  EXPECT_EQ(s.version_stage, "S");
  EXPECT_EQ(s.remove_from_version_id, "v1");
  EXPECT_EQ(s.move_to_version_id, "v2");

  GetRandomPasswordRequest r;
  r.password_length = 40;
  r.exclude_characters = "abc";
  r.exclude_numbers = r.exclude_punctuation = r.exclude_uppercase = true;
  r.exclude_lowercase = r.include_space = true;
  r.require_each_included_type = false;
  auto r2 = RoundTrip(r);
  EXPECT_EQ(r2.password_length, 40);
  EXPECT_EQ(r2.exclude_characters, "abc");
  EXPECT_TRUE(r2.exclude_numbers && r2.exclude_punctuation &&
              r2.exclude_uppercase && r2.exclude_lowercase && r2.include_space);
  EXPECT_EQ(r2.require_each_included_type, false);
  EXPECT_EQ(ToJson(GetRandomPasswordRequest{}), Json::object());

  EXPECT_EQ(RoundTrip(SecretIdRequest{"a"}), SecretIdRequest{"a"});
  EXPECT_EQ(RoundTrip(TagResourceRequest{"a", Tags()}),
            (TagResourceRequest{"a", Tags()}));
  EXPECT_EQ(RoundTrip(UntagResourceRequest{"a", {"k1", "k2"}}),
            (UntagResourceRequest{"a", {"k1", "k2"}}));
  EXPECT_EQ(RoundTrip(PutResourcePolicyRequest{"a", "{}", true}),
            (PutResourcePolicyRequest{"a", "{}", true}));
}

SecretValueResult Value(std::string name) {
  SecretValueResult v;
  v.arn = "arn:aws:secretsmanager:us-east-1:1:secret:" + name + "-AbCdEf";
  v.name = name;
  v.version_id = "v1";
  v.version_stages = {"AWSCURRENT"};
  v.payload.string = SecretValue("value-of-" + name);
  v.created_date = At(1700000000500);
  return v;
}

void ExpectSameValue(const SecretValueResult& a, const SecretValueResult& b) {
  EXPECT_EQ(a.arn, b.arn);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.version_id, b.version_id);
  EXPECT_EQ(a.version_stages, b.version_stages);
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.created_date, b.created_date);
}

TEST(WireTest, ValueResponses) {
  ExpectSameValue(RoundTrip(Value("a")), Value("a"));
  BatchGetSecretValueResult b;
  b.values = {Value("a"), Value("b")};
  b.errors = {{"c", "ResourceNotFoundException", "not found"}};
  b.next_token = "n";
  auto b2 = RoundTrip(b);
  ASSERT_EQ(b2.values.size(), 2u);
  ExpectSameValue(b2.values[1], b.values[1]);
  ASSERT_EQ(b2.errors.size(), 1u);
  EXPECT_EQ(b2.errors[0].secret_id, "c");
  EXPECT_EQ(b2.errors[0].error_code, "ResourceNotFoundException");
  EXPECT_EQ(b2.errors[0].message, "not found");
  EXPECT_EQ(b2.next_token, "n");
  EXPECT_EQ(RoundTrip(RandomPasswordResult{SecretValue("pw")}).password,
            SecretValue("pw"));
  EXPECT_FALSE(FromJson<RandomPasswordResult>(Json::object()).ok());
}

SecretMetadata Metadata() {
  SecretMetadata m;
  m.arn = "arn:x";
  m.name = "app/db";
  m.description = "d";
  m.kms_key_id = "k";
  m.rotation_enabled = true;
  m.tags = Tags();
  m.version_ids_to_stages = {{"v1", {"AWSCURRENT"}}, {"v0", {"AWSPREVIOUS"}}};
  m.created_date = At(1000);
  m.last_changed_date = At(2000);
  m.last_accessed_date = At(3000);
  m.last_rotated_date = At(4000);
  m.deleted_date = At(5000);
  m.primary_region = "eu-west-1";
  m.owning_service = "svc";
  m.rotation_configured = true;
  m.rotation_lambda_arn = "arn:aws:lambda:eu-west-1:1:function:rotate";
  m.rotation_rules = RotationRules{30, std::nullopt, "2h"};
  m.next_rotation_date = At(6000);
  m.replication_status = {{"us-east-1", "alias/aws/secretsmanager", "InSync",
                           "Replication succeeded"}};
  return m;
}

void ExpectSameMetadata(const SecretMetadata& a, const SecretMetadata& b) {
  EXPECT_EQ(a.arn, b.arn);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.kms_key_id, b.kms_key_id);
  EXPECT_EQ(a.rotation_enabled, b.rotation_enabled);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.version_ids_to_stages, b.version_ids_to_stages);
  EXPECT_EQ(a.created_date, b.created_date);
  EXPECT_EQ(a.last_changed_date, b.last_changed_date);
  EXPECT_EQ(a.last_accessed_date, b.last_accessed_date);
  EXPECT_EQ(a.last_rotated_date, b.last_rotated_date);
  EXPECT_EQ(a.deleted_date, b.deleted_date);
  EXPECT_EQ(a.primary_region, b.primary_region);
  EXPECT_EQ(a.owning_service, b.owning_service);
  EXPECT_EQ(a.rotation_configured, b.rotation_configured);
  EXPECT_EQ(a.rotation_lambda_arn, b.rotation_lambda_arn);
  EXPECT_EQ(a.rotation_rules, b.rotation_rules);
  EXPECT_EQ(a.next_rotation_date, b.next_rotation_date);
  EXPECT_EQ(a.replication_status, b.replication_status);
}

TEST(WireTest, MetadataResponses) {
  ExpectSameMetadata(RoundTrip(Metadata()), Metadata());
  EXPECT_TRUE(ToJson(Metadata()).contains("VersionIdsToStages"));
  ListSecretsResult l{{Metadata(), SecretMetadata{}}, "next"};
  Json lj = ToJson(l);
  EXPECT_TRUE(lj["SecretList"][0].contains("SecretVersionsToStages"));
  auto l2 = RoundTrip(l);
  ASSERT_EQ(l2.secrets.size(), 2u);
  ExpectSameMetadata(l2.secrets[0], Metadata());
  EXPECT_EQ(l2.next_token, "next");
  // Rotation configured and then cancelled: RotationEnabled is present and
  // false (AWS); never configured: absent.
  SecretMetadata cancelled;
  cancelled.rotation_configured = true;
  EXPECT_EQ(ToJson(cancelled).at("RotationEnabled"), false);
  EXPECT_TRUE(RoundTrip(cancelled).rotation_configured);
  EXPECT_FALSE(ToJson(SecretMetadata{}).contains("RotationEnabled"));
  EXPECT_FALSE(RoundTrip(SecretMetadata{}).rotation_configured);
  // ISO 8601 dates (as some endpoints send them) read too.
  auto iso =
      FromJson<SecretMetadata>(Json{{"CreatedDate", "2023-11-14T22:13:20Z"}});
  EXPECT_EQ(iso->created_date, At(1700000000000));
}

TEST(WireTest, OtherResponses) {
  WriteResult w{"arn", "n", "v", {"AWSCURRENT"}};
  auto w2 = RoundTrip(w);
  EXPECT_EQ(w2.arn, "arn");
  EXPECT_EQ(w2.name, "n");
  EXPECT_EQ(w2.version_id, "v");
  EXPECT_EQ(w2.version_stages, w.version_stages);

  auto d = RoundTrip(DeleteSecretResult{"arn", "n", At(86400000)});
  EXPECT_EQ(d.deletion_date, At(86400000));
  auto r = RoundTrip(RestoreSecretResult{"arn", "n"});
  EXPECT_EQ(r.arn, "arn");
  EXPECT_EQ(r.name, "n");
  auto p = RoundTrip(ResourcePolicyResult{"arn", "n", "{\"Version\":1}"});
  EXPECT_EQ(p.resource_policy, "{\"Version\":1}");

  ListSecretVersionIdsResult v;
  v.arn = "arn";
  v.name = "n";
  v.versions = {{"v1", {"AWSCURRENT"}, At(1000), At(2000)},
                {"v0", {}, At(500), std::nullopt}};
  v.next_token = "t";
  auto v2 = RoundTrip(v);
  ASSERT_EQ(v2.versions.size(), 2u);
  EXPECT_EQ(v2.versions[0].version_id, "v1");
  EXPECT_EQ(v2.versions[0].version_stages, v.versions[0].version_stages);
  EXPECT_EQ(v2.versions[0].created_date, At(1000));
  EXPECT_EQ(v2.versions[0].last_accessed_date, At(2000));
  EXPECT_EQ(v2.versions[1].last_accessed_date, std::nullopt);
  EXPECT_EQ(v2.next_token, "t");
}

// Responses are read leniently, like the AWS SDKs: a member of another type
// reads as empty.
TEST(WireTest, LenientResponses) {
  Json j{{"ARN", 5}, {"VersionStages", "x"}, {"Tags", {1, 2}}};
  auto m = FromJson<SecretMetadata>(j);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->arn, "");
  EXPECT_TRUE(m->tags.empty());
  auto w = FromJson<WriteResult>(j);
  EXPECT_TRUE(w->version_stages.empty());
}

TEST(WireTest, ResourcePolicyShapes) {
  EXPECT_EQ(RoundTrip(ValidateResourcePolicyRequest{"a", "{}"}),
            (ValidateResourcePolicyRequest{"a", "{}"}));
  EXPECT_EQ(RoundTrip(ValidateResourcePolicyRequest{std::nullopt, "{}"}),
            (ValidateResourcePolicyRequest{std::nullopt, "{}"}));
  EXPECT_EQ(RoundTrip(SecretRef{"arn", "n"}), (SecretRef{"arn", "n"}));
  ValidateResourcePolicyResult v{false, {{"SYNTAX_CHECK", "bad"}}};
  EXPECT_EQ(RoundTrip(v), v);
  EXPECT_EQ(ToJson(ValidateResourcePolicyResult{true, {}}),
            (Json{{"PolicyValidationPassed", true},
                  {"ValidationErrors", Json::array()}}));
}

TEST(WireTest, ReplicationShapes) {
  ReplicateSecretToRegionsRequest r{
      "a", {{"eu-west-1", std::nullopt}, {"us-west-2", "k"}}, true};
  EXPECT_EQ(RoundTrip(r), r);
  RemoveRegionsFromReplicationRequest m{"a", {"eu-west-1"}};
  EXPECT_EQ(RoundTrip(m), m);
  ReplicationResult res{"arn", {{"eu-west-1", "k", "InSync", "ok"}}};
  EXPECT_EQ(RoundTrip(res), res);
  EXPECT_EQ(RoundTrip(ArnResult{"arn"}), ArnResult{"arn"});
  // Absent is refused, null is an empty list (as AWS).
  EXPECT_EQ(FromJson<ReplicateSecretToRegionsRequest>(Json{{"SecretId", "a"}})
                .status()
                .message(),
            "1 validation error detected: Value at 'addReplicaRegions' failed "
            "to satisfy constraint: Member must not be null");
  EXPECT_TRUE(FromJson<ReplicateSecretToRegionsRequest>(
                  Json{{"SecretId", "a"}, {"AddReplicaRegions", nullptr}})
                  .ok());
  EXPECT_EQ(FromJson<ReplicateSecretToRegionsRequest>(
                Json{{"SecretId", "a"}, {"AddReplicaRegions", {1}}})
                .status()
                .message(),
            "Expected ReplicaRegionType");
  EXPECT_EQ(
      FromJson<RemoveRegionsFromReplicationRequest>(Json{{"SecretId", "a"}})
          .status()
          .error_type(),
      "ValidationException");
}

TEST(WireTest, RotationShapes) {
  RotateSecretRequest r{"a", "tok", "arn:lambda",
                        RotationRules{30, std::nullopt, "2h"}, false};
  EXPECT_EQ(RoundTrip(r), r);
  RotateSecretRequest d{"a", std::nullopt, std::nullopt, std::nullopt, true};
  EXPECT_EQ(RoundTrip(d), d);
  EXPECT_EQ(ToJson(d), (Json{{"SecretId", "a"}}));
  EXPECT_EQ(FromJson<RotateSecretRequest>(
                Json{{"SecretId", "a"}, {"RotationRules", "x"}})
                .status()
                .message(),
            "Expected object for RotationRules");
  EXPECT_EQ(FromJson<RotateSecretRequest>(
                Json{{"SecretId", "a"},
                     {"RotationRules", {{"AutomaticallyAfterDays", "1"}}}})
                .status()
                .message(),
            "NUMBER_VALUE expected for AutomaticallyAfterDays");
  EXPECT_NE(FromJson<RotateSecretRequest>(
                Json{{"SecretId", "a"},
                     {"RotationLambdaARN", std::string(2049, 'a')}})
                .status()
                .message()
                .find("'rotationLambdaARN'"),
            std::string::npos);
}

TEST(WireTest, TagRequestsAreStrict) {
  EXPECT_EQ(
      FromJson<TagResourceRequest>(Json{{"SecretId", "a"}}).status().message(),
      "1 validation error detected: Value at 'tags' failed to satisfy "
      "constraint: Member must not be null");
  EXPECT_EQ(
      FromJson<TagResourceRequest>(Json{{"SecretId", "a"}, {"Tags", {"x"}}})
          .status()
          .message(),
      "Expected Tag objects");
  auto missing = FromJson<TagResourceRequest>(
      Json{{"SecretId", "a"}, {"Tags", {{{"Value", "v"}}}}});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->tags, (std::vector<Tag>{{"", "v"}}));
  EXPECT_EQ(FromJson<UntagResourceRequest>(Json{{"SecretId", "a"}})
                .status()
                .error_type(),
            "ValidationException");
  EXPECT_EQ(ToJson(EmptyResult{}), Json::object());
}

TEST(WireTest, RandomPasswordRequestIsStrict) {
  EXPECT_EQ(FromJson<GetRandomPasswordRequest>(Json{{"ExcludeNumbers", "y"}})
                .status()
                .message(),
            "Boolean expected for ExcludeNumbers");
  auto huge = FromJson<GetRandomPasswordRequest>(
      Json{{"PasswordLength", std::int64_t{1} << 40}});
  ASSERT_TRUE(huge.ok());
  EXPECT_GT(*huge->password_length, 4096);  // still out of range
  EXPECT_EQ(FromJson<GetRandomPasswordRequest>(Json::object())
                ->require_each_included_type,
            true);
}

TEST(WireTest, StageMoveRequest) {
  StageMoveRequest r{"a", "S", "", std::nullopt};
  EXPECT_EQ(RoundTrip(r), r);  // "" stays distinct from none
  EXPECT_EQ(
      FromJson<StageMoveRequest>(Json{{"SecretId", "a"}}).status().message(),
      "1 validation error detected: Value at 'VersionStage' failed to "
      "satisfy constraint: Member must not be null");
  EXPECT_EQ(
      FromJson<StageMoveRequest>(Json{{"SecretId", "a"}, {"VersionStage", ""}})
          .status()
          .message(),
      "1 validation error detected: Value at 'versionStage' failed to "
      "satisfy constraint: Member must have length between 1 and 256");
}

TEST(WireTest, VersionListRequest) {
  VersionListRequest r{"a", 5, "", true};
  EXPECT_EQ(RoundTrip(r), r);  // "" stays distinct from none
  VersionListRequest bare{"a", std::nullopt, std::nullopt, false};
  EXPECT_EQ(RoundTrip(bare), bare);
  EXPECT_EQ(
      FromJson<VersionListRequest>(Json{{"SecretId", "a"}, {"MaxResults", 101}})
          .status()
          .message(),
      "1 validation error detected: Value at 'maxResults' failed to "
      "satisfy constraint: Member must have value between 1 and 100");
  EXPECT_EQ(FromJson<VersionListRequest>(
                Json{{"SecretId", "a"}, {"IncludeDeprecated", "yes"}})
                .status()
                .error_type(),
            "SerializationException");
}

TEST(WireTest, ValueWriteRequest) {
  ValueWriteRequest r{"a", "", SecretValue("s3cr3t"), std::nullopt,
                      std::vector<std::string>{}};
  EXPECT_EQ(RoundTrip(r), r);  // "" and [] stay distinct from none
  ValueWriteRequest bare{"a", std::nullopt, std::nullopt, SecretValue("AAEC"),
                         std::nullopt};
  EXPECT_EQ(RoundTrip(bare), bare);
  // Both values decode (the server refuses them with AWS's text).
  auto both = FromJson<ValueWriteRequest>(
      Json{{"SecretId", "a"}, {"SecretString", "x"}, {"SecretBinary", "eA=="}});
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->secret_string && both->secret_binary);
  EXPECT_EQ(FromJson<ValueWriteRequest>(
                Json{{"SecretId", "a"}, {"VersionStages", "AWSCURRENT"}})
                .status()
                .error_type(),
            "SerializationException");
  EXPECT_EQ(FromJson<ValueWriteRequest>(Json{{"SecretString", "x"}})
                .status()
                .error_type(),
            "ValidationException");
  ValueWriteResult w{"arn", "n", "v", {}};
  EXPECT_TRUE(ToJson(w).contains("VersionStages"));  // even when empty
  EXPECT_EQ(RoundTrip(w), w);
}

TEST(WireTest, SecretUpdateRequest) {
  SecretUpdateRequest r{"a",          std::nullopt, SecretValue("v"),
                        std::nullopt, "",           std::nullopt};
  EXPECT_EQ(RoundTrip(r), r);  // Description "" stays distinct from none
  EXPECT_EQ(
      FromJson<SecretUpdateRequest>(Json{{"SecretId", "a"}, {"KmsKeyId", 5}})
          .status()
          .error_type(),
      "SerializationException");
}

TEST(WireTest, SecretCreateRequestAndResult) {
  SecretCreateRequest r;
  r.name = "platform-data/pg/app";
  r.client_request_token = std::string(32, 't');
  r.secret_binary = SecretValue("AAEC");
  r.description = "d";
  r.tags = Tags();
  r.add_replica_regions = {{"eu-west-1", std::nullopt}};
  r.force_overwrite_replica_secret = true;
  EXPECT_EQ(RoundTrip(r), r);
  SecretCreateRequest bare_request;
  bare_request.name = "n";
  EXPECT_EQ(RoundTrip(bare_request), bare_request);
  EXPECT_EQ(FromJson<SecretCreateRequest>(Json::object()).status().message(),
            "1 validation error detected: Value at 'Name' failed to satisfy "
            "constraint: Member must not be null");
  CreateResult c{"arn", "n", "v", {{"eu-west-1", "k", "InSync", "ok"}}};
  EXPECT_EQ(RoundTrip(c), c);
  Json bare = ToJson(CreateResult{"arn", "n", "", {}});
  EXPECT_FALSE(bare.contains("VersionId"));
  EXPECT_FALSE(bare.contains("ReplicationStatus"));
}

TEST(WireTest, ListAndBatchRequests) {
  SecretListRequest l;
  l.filters = std::vector<FilterEntry>{{"name", {"app"}}, {std::nullopt, {}}};
  l.max_results = 1000;  // out of range: the server refuses it, not the codec
  l.include_planned_deletion = true;
  l.next_token = "";
  l.sort_order = "sideways";
  l.sort_by = "name";
  EXPECT_EQ(RoundTrip(l), l);
  EXPECT_EQ(RoundTrip(SecretListRequest{}), SecretListRequest{});
  EXPECT_EQ(
      FromJson<SecretListRequest>(Json{{"Filters", "name"}}).status().message(),
      "Expected list for Filters");
  EXPECT_EQ(
      FromJson<SecretListRequest>(Json{{"Filters", {1}}}).status().error_type(),
      "SerializationException");

  BatchValueRequest b;
  b.secret_id_list = std::vector<std::string>{};
  b.max_results = 5;
  EXPECT_EQ(RoundTrip(b), b);  // [] stays distinct from none
  Json with_null{{"SecretIdList", nullptr}, {"Filters", Json::array()}};
  auto nb = FromJson<BatchValueRequest>(with_null);
  ASSERT_TRUE(nb.ok());
  EXPECT_FALSE(nb->secret_id_list.has_value());
  EXPECT_TRUE(nb->filters.has_value());
}

TEST(WireTest, DeleteSecretRequestIsStrict) {
  EXPECT_EQ(FromJson<DeleteSecretRequest>(Json::object()).status().error_type(),
            "ValidationException");
  EXPECT_EQ(FromJson<DeleteSecretRequest>(
                Json{{"SecretId", "a"}, {"RecoveryWindowInDays", "7"}})
                .status()
                .error_type(),
            "SerializationException");
  // Out of int's range: clamped, so that the 7..30 check still refuses it.
  auto huge = FromJson<DeleteSecretRequest>(
      Json{{"SecretId", "a"},
           {"RecoveryWindowInDays", (std::int64_t{1} << 32) + 10}});
  ASSERT_TRUE(huge.ok());
  EXPECT_GT(*huge->recovery_window_days, 30);
}

// Requests keyward server decodes are read strictly, with AWS's errors.
TEST(WireTest, StrictRequestErrors) {
  auto missing = FromJson<SecretIdRequest>(Json::object());
  EXPECT_EQ(missing.status().error_type(), "ValidationException");
  EXPECT_EQ(missing.status().message(),
            "1 validation error detected: Value at 'SecretId' failed to "
            "satisfy constraint: Member must not be null");
  auto wrong = FromJson<SecretIdRequest>(Json{{"SecretId", {{"a", 1}}}});
  EXPECT_EQ(wrong.status().error_type(), "SerializationException");
  EXPECT_EQ(wrong.status().message(),
            "Start of structure or map found where not expected (SecretId)");
  EXPECT_EQ(FromJson<SecretIdRequest>(Json{{"SecretId", nullptr}})
                .status()
                .error_type(),
            "ValidationException");

  auto empty = FromJson<PutResourcePolicyRequest>(
      Json{{"SecretId", "a"}, {"ResourcePolicy", ""}});
  EXPECT_EQ(empty.status().message(),
            "1 validation error detected: Value at 'resourcePolicy' failed to "
            "satisfy constraint: Member must have length greater than or "
            "equal to 1");
  auto big = FromJson<PutResourcePolicyRequest>(
      Json{{"SecretId", "a"}, {"ResourcePolicy", std::string(20481, 'x')}});
  EXPECT_NE(big.status().message().find("less than or equal to 20480"),
            std::string::npos);
  auto flag = FromJson<PutResourcePolicyRequest>(Json{
      {"SecretId", "a"}, {"ResourcePolicy", "{}"}, {"BlockPublicPolicy", 1}});
  EXPECT_EQ(flag.status().message(), "Boolean expected for BlockPublicPolicy");
  // The model's order: SecretId before ResourcePolicy.
  EXPECT_NE(FromJson<PutResourcePolicyRequest>(Json{{"ResourcePolicy", ""}})
                .status()
                .message()
                .find("'SecretId'"),
            std::string::npos);
  EXPECT_EQ(FromJson<ValidateResourcePolicyRequest>(Json{{"SecretId", 5}})
                .status()
                .error_type(),
            "SerializationException");

  EXPECT_EQ(ReadOptInt(Json{{"N", "1"}}, "N").status().message(),
            "NUMBER_VALUE expected for N");
  EXPECT_EQ(ReadOptStringList(Json{{"L", {1}}}, "L").status().message(),
            "Expected strings in L");
  EXPECT_EQ(ReadOptStringList(Json{{"L", "x"}}, "L").status().message(),
            "Expected list for L");
}

}  // namespace
}  // namespace keyward::secrets::wire

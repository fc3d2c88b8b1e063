// Runs every case of AWS's SigV4 test suite (../shared/testdata/
// aws-sigv4-test-suite/v4, read in place) through keyward's signer: canonical
// request, string to sign, signature and the signed request's Authorization.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "keyward/aws/sigv4.h"

namespace keyward::aws {
namespace {

namespace fs = std::filesystem;

fs::path SuiteDir() {
  if (const char* d = std::getenv("KEYWARD_SIGV4_SUITE")) return d;
  return fs::path(KEYWARD_SHARED_DIR) / "testdata/aws-sigv4-test-suite/v4";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses request.txt: request line, headers (folded lines joined), body.
HttpRequest ParseRequestFile(const std::string& text) {
  HttpRequest req;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = line.rfind(' ');
  req.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string host;
  bool in_body = false;
  std::string body;
  while (std::getline(in, line)) {
    if (in_body) {
      if (!body.empty()) body += '\n';
      body += line;
      continue;
    }
    if (line.empty()) {
      in_body = true;
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !req.headers.empty()) {
      req.headers.back().second += "\n" + line;
      continue;
    }
    std::size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    if (name == "Host" || name == "host") host = value;
    req.headers.emplace_back(name, value);
  }
  req.url = "https://" + host + target;
  req.body = SecureString(body.begin(), body.end());
  return req;
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  if (!fs::exists(SuiteDir())) return names;
  for (const auto& e : fs::directory_iterator(SuiteDir())) {
    if (fs::exists(e.path() / "header-canonical-request.txt")) {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteTest, MatchesExpectedOutputs) {
  fs::path dir = SuiteDir() / GetParam();
  auto ctx = nlohmann::json::parse(Slurp(dir / "context.json"));
  HttpRequest req = ParseRequestFile(Slurp(dir / "request.txt"));

  Credentials creds;
  creds.access_key_id = ctx["credentials"]["access_key_id"];
  creds.secret_access_key =
      SecretValue(ctx["credentials"]["secret_access_key"].get<std::string>());
  if (ctx["credentials"].contains("token")) {
    creds.session_token =
        SecretValue(ctx["credentials"]["token"].get<std::string>());
  }
  SigningParams params;
  params.region = ctx["region"];
  params.service = ctx["service"];
  params.time = ParseIso8601(ctx["timestamp"].get<std::string>()).value();
  params.normalize_path = ctx.value("normalize", true);
  params.sign_body_header = ctx.value("sign_body", false);
  params.omit_session_token = ctx.value("omit_session_token", false);

  ASSERT_TRUE(SignRequest(req, creds, params).ok());

  // Re-derive the intermediate stages from the signed request.
  std::string payload_hash =
      HexSha256(std::string_view(req.body.data(), req.body.size()));
  HttpRequest for_canonical = req;
  std::erase_if(for_canonical.headers, [&](const auto& h) {
    return h.first == "Authorization" ||
           (params.omit_session_token && h.first == "X-Amz-Security-Token");
  });
  auto canonical =
      BuildCanonicalRequest(for_canonical, params.normalize_path, payload_hash);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(canonical->text, Slurp(dir / "header-canonical-request.txt"));

  std::string amz_date = FormatAmzDate(params.time);
  std::string sts = BuildStringToSign(
      amz_date, CredentialScope(amz_date, params.region, params.service),
      canonical->text);
  EXPECT_EQ(sts, Slurp(dir / "header-string-to-sign.txt"));

  std::string expected_sig = Slurp(dir / "header-signature.txt");
  std::string authz(*req.Header("Authorization"));
  EXPECT_EQ(authz.substr(authz.rfind('=') + 1), expected_sig);

  std::string signed_req = Slurp(dir / "header-signed-request.txt");
  EXPECT_NE(signed_req.find("Authorization:" + authz), std::string::npos)
      << authz;

  // The server side accepts what the client side produced.
  auto parsed = ParseAuthorization(authz);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  HttpRequest received = req;
  EXPECT_TRUE(VerifySignature(received, *parsed, creds.secret_access_key,
                              amz_date, params.normalize_path)
                  .ok());
  // ...and rejects a wrong key.
  EXPECT_EQ(VerifySignature(received, *parsed, SecretValue("wrong"), amz_date)
                .error_type(),
            "SignatureDoesNotMatch");
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4SuiteTest,
                         ::testing::ValuesIn(CaseNames()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return n;
                         });

TEST(SigV4Suite, AllCasesPresent) {
  ASSERT_TRUE(fs::exists(SuiteDir()))
      << "SigV4 suite not found at " << SuiteDir();
  EXPECT_EQ(CaseNames().size(), 38u);
}

}  // namespace
}  // namespace keyward::aws

#include "keyward/status.h"

#include <gtest/gtest.h>

#include <memory>

namespace keyward {
namespace {

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, CarriesCodeMessageAndType) {
  Status s(StatusCode::kNotFound, "secret 'x' was not found",
           "ResourceNotFoundException");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(),
            "NOT_FOUND: secret 'x' was not found [ResourceNotFoundException]");
  EXPECT_EQ(s.WithContext("GetSecretValue").message(),
            "GetSecretValue: secret 'x' was not found");
  EXPECT_EQ(s.WithContext("x").error_type(), "ResourceNotFoundException");
}

TEST(Status, FactoriesUseAbseilCodes) {
  EXPECT_EQ(static_cast<int>(InvalidArgumentError("").code()), 3);
  EXPECT_EQ(static_cast<int>(PermissionDeniedError("").code()), 7);
  EXPECT_EQ(static_cast<int>(UnavailableError("").code()), 14);
  EXPECT_EQ(static_cast<int>(UnauthenticatedError("").code()), 16);
}

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  KW_ASSIGN_OR_RETURN(int h, Half(x));
  KW_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusOr, ValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd");
  EXPECT_EQ(Quarter(7).value_or(-1), -1);
}

TEST(StatusOr, MoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> p = std::make_unique<int>(3);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> taken = std::move(p).value();
  EXPECT_EQ(*taken, 3);
}

TEST(StatusOr, OkStatusIsAnError) {
  StatusOr<int> s = OkStatus();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInternal);
}

Status FailsEarly(bool fail) {
  KW_RETURN_IF_ERROR(fail ? NotFoundError("nope") : OkStatus());
  return AlreadyExistsError("reached");
}

TEST(Status, ReturnIfError) {
  EXPECT_EQ(FailsEarly(true).code(), StatusCode::kNotFound);
  EXPECT_EQ(FailsEarly(false).code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace keyward

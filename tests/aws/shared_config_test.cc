#include "keyward/aws/shared_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keyward::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

IniFile MustParse(std::string_view text) {
  StatusOr<IniFile> f = ParseIni(text, "/home/u/.aws/config");
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *f : IniFile{};
}

std::string ParseError(std::string_view text) {
  StatusOr<IniFile> f = ParseIni(text, "cfg");
  EXPECT_FALSE(f.ok());
  if (f.ok()) return "";
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  return f.status().message();
}

TEST(ParseIniTest, SectionsKeysAndLines) {
  IniFile f = MustParse(
      "[default]\n"
      "region = us-east-1\n"
      "\n"
      "[profile app]\n"
      "Aws_Access_Key_Id=AKIDEXAMPLE\n"
      "output: json\n");
  EXPECT_EQ(f.path, "/home/u/.aws/config");
  ASSERT_EQ(f.sections.size(), 2u);
  EXPECT_EQ(f.sections[0].name, "default");
  EXPECT_EQ(f.sections[0].line, 1);
  ASSERT_EQ(f.sections[0].entries.size(), 1u);
  EXPECT_EQ(f.sections[0].entries[0].key, "region");
  EXPECT_EQ(f.sections[0].entries[0].value, "us-east-1");
  EXPECT_EQ(f.sections[0].entries[0].line, 2);
  EXPECT_EQ(f.sections[1].name, "profile app");
  EXPECT_EQ(f.sections[1].line, 4);
  const IniEntry* id = f.sections[1].Find("aws_access_key_id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->value, "AKIDEXAMPLE");
  EXPECT_EQ(id->line, 5);
  ASSERT_NE(f.sections[1].Find("output"), nullptr);
  EXPECT_EQ(f.sections[1].Find("output")->value, "json");
  EXPECT_EQ(f.Find("profile app"), &f.sections[1]);
  EXPECT_EQ(f.Find("app"), nullptr);
}

TEST(ParseIniTest, CommentsAreWholeLineOnly) {
  IniFile f = MustParse(
      "# leading comment\n"
      "; another\n"
      "[default]\n"
      "   # indented comment\n"
      "region = us-west-2 # not a comment for botocore\n"
      "output = json;text\n");
  ASSERT_EQ(f.sections.size(), 1u);
  ASSERT_EQ(f.sections[0].entries.size(), 2u);
  EXPECT_EQ(f.sections[0].entries[0].value,
            "us-west-2 # not a comment for botocore");
  EXPECT_EQ(f.sections[0].entries[1].value, "json;text");
}

TEST(ParseIniTest, WhitespaceAndDelimiters) {
  IniFile f = MustParse(
      "  [default]  \n"
      "\tregion\t=\t eu-west-1 \t\n"
      "a=b=c\n"
      "url = http://x:1/\n"
      "colon : first=then\n"
      "empty =\n");
  const IniSection& s = f.sections.at(0);
  EXPECT_EQ(s.name, "default");
  EXPECT_EQ(s.Find("region")->value, "eu-west-1");
  EXPECT_EQ(s.Find("a")->value, "b=c");
  EXPECT_EQ(s.Find("url")->value, "http://x:1/");
  // The first of '=' or ':' splits.
  EXPECT_EQ(s.Find("colon")->value, "first=then");
  EXPECT_EQ(s.Find("empty")->value, "");
  EXPECT_FALSE(s.Find("empty")->nested);
}

TEST(ParseIniTest, SectionNamesKeptAsWritten) {
  IniFile f = MustParse(
      "[ default ]\n"
      "[profile  spaced ]\n"
      "[a]b] trailing\n"
      "[Default]\n");
  ASSERT_EQ(f.sections.size(), 4u);
  EXPECT_EQ(f.sections[0].name, " default ");
  EXPECT_EQ(f.sections[1].name, "profile  spaced ");
  EXPECT_EQ(f.sections[2].name, "a]b");
  EXPECT_EQ(f.sections[3].name, "Default");  // names are case-sensitive
}

TEST(ParseIniTest, CrLfAndCrLineEndings) {
  IniFile f = MustParse("[default]\r\nregion = us-east-2\r\n[x]\ra = 1\r");
  ASSERT_EQ(f.sections.size(), 2u);
  EXPECT_EQ(f.sections[0].Find("region")->value, "us-east-2");
  EXPECT_EQ(f.sections[1].line, 3);
  EXPECT_EQ(f.sections[1].Find("a")->line, 4);
}

TEST(ParseIniTest, ContinuationLinesJoinWithNewline) {
  IniFile f = MustParse(
      "[default]\n"
      "key = first\n"
      "  second\n"
      "\n"
      "    third\n"
      "\n"
      "next = 1\n");
  const IniSection& s = f.sections.at(0);
  EXPECT_EQ(s.Find("key")->value, "first\nsecond\n\nthird");
  EXPECT_FALSE(s.Find("key")->nested);
  EXPECT_EQ(s.Find("next")->value, "1");
}

TEST(ParseIniTest, NestedSubsection) {
  IniFile f = MustParse(
      "[profile dev]\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "  Addressing_Style=path\n"
      "region = us-east-1\n");
  const IniEntry* s3 = f.sections.at(0).Find("s3");
  ASSERT_NE(s3, nullptr);
  EXPECT_TRUE(s3->nested);
  ASSERT_EQ(s3->children.size(), 2u);
  EXPECT_EQ(s3->children[0].key, "max_concurrent_requests");
  EXPECT_EQ(s3->children[0].value, "20");
  EXPECT_EQ(s3->children[0].line, 3);
  EXPECT_EQ(s3->children[1].key, "Addressing_Style");  // not lowercased
  EXPECT_EQ(s3->children[1].value, "path");
  EXPECT_EQ(f.sections[0].Find("region")->value, "us-east-1");
}

TEST(ParseIniTest, IndentedKeyAfterHeaderIsAKey) {
  // A section header resets the current key, so indentation there is fine.
  IniFile f = MustParse("[default]\n   region = us-east-1\n   output = json\n");
  EXPECT_EQ(f.sections.at(0).entries.size(), 2u);
}

TEST(ParseIniTest, EmptyInputAndOnlyComments) {
  EXPECT_TRUE(MustParse("").sections.empty());
  EXPECT_TRUE(MustParse("\n# c\n; d\n\n").sections.empty());
}

TEST(ParseIniTest, DefaultSectionMergesAndApplies) {
  IniFile f = MustParse(
      "[DEFAULT]\n"
      "region = eu-central-1\n"
      "[default]\n"
      "output = json\n"
      "[DEFAULT]\n"
      "retry_mode = standard\n"
      "[profile x]\n"
      "region = us-east-1\n");
  ASSERT_EQ(f.sections.size(), 3u);
  EXPECT_EQ(f.sections[0].entries.size(), 2u);
  IniFile applied = ApplyIniDefaults(f);
  ASSERT_EQ(applied.sections.size(), 2u);
  EXPECT_EQ(applied.sections[0].Find("region")->value, "eu-central-1");
  EXPECT_EQ(applied.sections[0].Find("retry_mode")->value, "standard");
  EXPECT_EQ(applied.sections[1].Find("region")->value, "us-east-1");
}

TEST(ParseIniTest, ErrorKeyBeforeSection) {
  EXPECT_EQ(ParseError("\nregion = us-east-1\n[default]\n"),
            "cfg:2: a setting appears before any [section] header");
}

TEST(ParseIniTest, ErrorByteOrderMark) {
  EXPECT_THAT(ParseError("\xEF\xBB\xBF[default]\n"),
              HasSubstr("cfg:1: the file starts with a UTF-8 byte order mark"));
}

TEST(ParseIniTest, ErrorLineWithoutDelimiterNeverEchoesTheLine) {
  std::string msg = ParseError(
      "[default]\n"
      "aws_access_key_id = AKID\n"
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\n");
  EXPECT_EQ(msg,
            "cfg:3: expected \"key = value\", a [section] header or a comment");
  EXPECT_THAT(msg, Not(HasSubstr("wJalr")));
}

TEST(ParseIniTest, ErrorReportsFirstBadLine) {
  EXPECT_THAT(ParseError("[a]\nx\ny\n"), HasSubstr("cfg:2:"));
}

TEST(ParseIniTest, ErrorMalformedHeaders) {
  EXPECT_THAT(
      ParseError("[default\nregion = x\n"),
      HasSubstr("cfg:1: a setting appears before any [section] header"));
  EXPECT_THAT(ParseError("[]\n"), HasSubstr("cfg:1:"));
  EXPECT_THAT(ParseError("[a]\n[b\n"), HasSubstr("cfg:2: expected"));
}

TEST(ParseIniTest, ErrorEmptyKey) {
  EXPECT_EQ(ParseError("[a]\n = secret\n"),
            "cfg:2: a setting has an empty name");
}

TEST(ParseIniTest, ErrorDuplicateSection) {
  EXPECT_EQ(ParseError("[a]\nx = 1\n[b]\n[a]\n"),
            "cfg:4: section [a] appears twice (first at line 1)");
}

TEST(ParseIniTest, ErrorDuplicateKeyIsCaseInsensitive) {
  EXPECT_EQ(ParseError("[a]\nRegion = 1\nregion = 2\n"),
            "cfg:3: \"region\" is set twice in section [a] (first at line 2)");
}

TEST(ParseIniTest, ErrorNestedLineWithoutEquals) {
  std::string msg = ParseError("[a]\ns3 =\n  ok = 1\n  hunter2secret\n");
  EXPECT_EQ(msg,
            "cfg:4: a line in the nested \"s3\" block is not \"key = value\"");
}

TEST(ParseIniTest, ErrorInvalidUtf8) {
  EXPECT_EQ(ParseError("[a]\nx = \xff\n"),
            "cfg:2: the file is not valid UTF-8");
  EXPECT_EQ(ParseError("[a]\nx = \xC0\xAF\n"),
            "cfg:2: the file is not valid UTF-8");
  EXPECT_EQ(ParseError("[a]\nx = \xED\xA0\x80\n"),
            "cfg:2: the file is not valid UTF-8");
  EXPECT_EQ(ParseError("[a]\nx = \xE2\x82"),
            "cfg:2: the file is not valid UTF-8");
  MustParse("[a]\nx = caf\xC3\xA9 \xF0\x9F\x94\x91\n");
}

TEST(ParseIniTest, WipeIniClearsValues) {
  IniFile f = MustParse("[a]\nk = secret\nn =\n  c = d\n");
  WipeIni(f);
  EXPECT_EQ(f.sections[0].entries[0].value, "");
  EXPECT_EQ(f.sections[0].entries[1].children[0].value, "");
}

}  // namespace
}  // namespace keyward::aws

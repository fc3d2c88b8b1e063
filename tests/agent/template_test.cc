// Templates: placeholder syntax and its errors (verbatim path:line:col), the
// escapers of each built-in format, and the `templates:` configuration
// parser with yaml-cpp marks.
#include "agent/template.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>

#include "agent/config_values.h"
#include "tests/testing/fakes.h"

namespace keyward::agent {
namespace {

using keyward::testing::FakeFileSystem;

std::string Str(const SecureString& s) {
  return std::string(s.data(), s.size());
}

std::string Escaped(Escape e, std::string_view v) {
  SecureString out;
  AppendEscaped(e, v, out);
  return Str(out);
}

// A lookup over "name#property" -> value.
SecretLookup MapLookup(std::map<std::string, std::string> values) {
  return [values](const ValueRef& ref) -> StatusOr<SecretValue> {
    auto it = values.find(ref.secret + "#" + ref.property);
    if (it == values.end()) {
      return NotFoundError("'" + ref.secret + "' has no property '" +
                           ref.property + "'");
    }
    return SecretValue(it->second);
  };
}

std::string RenderText(std::string_view text,
                       std::map<std::string, std::string> values) {
  auto t = Template::Parse(text, "t.tmpl");
  if (!t.ok()) return t.status().message();
  auto out = t->Render(MapLookup(std::move(values)));
  return out.ok() ? Str(*out) : out.status().message();
}

constexpr char kOrders[] = "platform-data/postgres/orders";

TEST(TemplateTest, SubstitutesPropertiesAndWholeValues) {
  EXPECT_EQ(RenderText("user={{ secret \"platform-data/postgres/orders\" "
                       "\"username\" }}\npass={{secret "
                       "\"platform-data/postgres/orders\" \"password\"}}\n"
                       "key={{ secret \"platform-data/stripe/orders\" }}\n",
                       {{std::string(kOrders) + "#username", "orders"},
                        {std::string(kOrders) + "#password", "p@ss"},
                        {"platform-data/stripe/orders#", "sk_live"}}),
            "user=orders\npass=p@ss\nkey=sk_live\n");
}

TEST(TemplateTest, ListsSecretsSortedOnce) {
  auto t = Template::Parse(
      "{{ secret \"b\" \"x\" }}{{ secret \"a\" }}{{ secret \"b\" \"y\" }}",
      "t");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->secrets(), (std::vector<std::string>{"a", "b"}));
}

TEST(TemplateTest, LiteralPlaceholdersEscapeBraces) {
  EXPECT_EQ(RenderText("{{ \"{{\" }} x }} {{\"a \\\"q\\\" \\\\\"}}", {}),
            "{{ x }} a \"q\" \\");
  EXPECT_EQ(RenderText("no placeholders } }}", {}), "no placeholders } }}");
}

TEST(TemplateTest, FiltersEscapeValues) {
  std::map<std::string, std::string> v = {{"s#p", "it's \"x\"\n"}};
  EXPECT_EQ(RenderText("{{ secret \"s\" \"p\" | json }}", v),
            "\"it's \\\"x\\\"\\n\"");
  EXPECT_EQ(RenderText("{{ secret \"s\" \"p\" | shell }}", v),
            "'it'\\''s \"x\"\n'");
  EXPECT_EQ(RenderText("{{ secret \"s\" \"p\" | raw }}", v), "it's \"x\"\n");
}

TEST(TemplateTest, SyntaxErrorsNameLineAndColumn) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"a\nb {{ secret \"x\" ",
       "t.tmpl:2:3: unclosed placeholder (missing '}}')"},
      {"{{ secrets \"x\" }}",
       "t.tmpl:1:4: unknown function 'secrets' (only 'secret' and \"text\" "
       "exist)"},
      {"{{ }}", "t.tmpl:1:4: expected 'secret' or a \"string\""},
      {"x\n  {{ secret \"x }}", "t.tmpl:2:13: unclosed string (missing '\"')"},
      {"{{ secret x }}", "t.tmpl:1:11: expected a \"quoted string\""},
      {"{{ secret \"\" }}", "t.tmpl:1:13: empty secret name"},
      {"{{ secret \"s\" \"p\" | yaml }}",
       "t.tmpl:1:21: unknown filter 'yaml' (json, dotenv, properties, shell, "
       "raw)"},
      {"{{ secret \"s\" \"p\" \"q\" }}", "t.tmpl:1:19: expected '}}'"},
  };
  for (const Case& c : cases) {
    auto t = Template::Parse(c.text, "t.tmpl");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message(), c.error) << c.text;
  }
}

TEST(TemplateTest, LookupErrorsSayWhereAndNeverPartial) {
  auto t = Template::Parse(
      "a={{ secret \"s\" \"p\" }}\nb={{ secret \"s\" "
      "\"missing\" }}\n",
      "t.tmpl");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(MapLookup({{"s#p", "CANARY-9f2c"}}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(out.status().message(),
            "t.tmpl:2:3: 's' has no property 'missing'");
  EXPECT_EQ(out.status().ToString().find("CANARY"), std::string::npos);
}

TEST(EscapeTest, Dotenv) {
  EXPECT_EQ(Escaped(Escape::kDotenv, "plain $HOME ${X} \\n"),
            "'plain $HOME ${X} \\n'");
  EXPECT_EQ(Escaped(Escape::kDotenv, "multi\nline"), "'multi\nline'");
  EXPECT_EQ(Escaped(Escape::kDotenv, "it's a \"q\" \\ \n\r"),
            "\"it's a \\\"q\\\" \\\\ \\n\\r\"");
  EXPECT_EQ(Escaped(Escape::kDotenv, ""), "''");
}

TEST(EscapeTest, Json) {
  EXPECT_EQ(
      Escaped(Escape::kJson, std::string("a\"b\\c\b\f\n\r\t\x01\x1f", 12)),
      "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\"");
  EXPECT_EQ(Escaped(Escape::kJson, "h\xC3\xA9/"), "\"h\xC3\xA9/\"");
}

TEST(EscapeTest, Properties) {
  EXPECT_EQ(Escaped(Escape::kProperties, " lead = a:b #c !d\\e\tf\ng\rh\fi"),
            "\\ lead \\= a\\:b \\#c \\!d\\\\e\\tf\\ng\\rh\\fi");
  // Properties.load reads ISO-8859-1: everything else as \uXXXX, astral
  // characters as surrogate pairs; a byte that is not UTF-8 as Latin-1.
  EXPECT_EQ(Escaped(Escape::kProperties,
                    "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91\xFF\x7F"),
            "\\u00e9\\u20ac\\ud83d\\udd11\\u00ff\\u007f");
  SecureString key;
  AppendPropertiesKey("db user:name", key);
  EXPECT_EQ(Str(key), "db\\ user\\:name");
}

TEST(EscapeTest, Shell) {
  EXPECT_EQ(Escaped(Escape::kShell, "a'b $c"), "'a'\\''b $c'");
}

TEST(FormatTest, BuiltInFormats) {
  std::vector<std::pair<std::string, ValueRef>> values = {
      {"DB_USER", {kOrders, "username"}},
      {"DB_PASSWORD", {kOrders, "password"}}};
  auto lookup = MapLookup({{std::string(kOrders) + "#username", "orders"},
                           {std::string(kOrders) + "#password", "a'b"}});
  auto dotenv =
      Template::ForFormat(TemplateFormat::kDotenv, values, "c.yaml:3:5");
  ASSERT_TRUE(dotenv.ok()) << dotenv.status();
  EXPECT_EQ(Str(*dotenv->Render(lookup)),
            "# Written by keyward from c.yaml:3:5; edits are overwritten.\n"
            "DB_USER='orders'\nDB_PASSWORD=\"a'b\"\n");
  auto json = Template::ForFormat(TemplateFormat::kJson, values, "c.yaml:3:5");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(Str(*json->Render(lookup)),
            "{\n  \"DB_USER\": \"orders\",\n  \"DB_PASSWORD\": \"a'b\"\n}\n");
  auto props = Template::ForFormat(
      TemplateFormat::kProperties,
      {{"spring.datasource.password", {kOrders, "password"}}}, "c.yaml:3:5");
  ASSERT_TRUE(props.ok());
  EXPECT_EQ(Str(*props->Render(lookup)),
            "# Written by keyward from c.yaml:3:5; edits are overwritten.\n"
            "spring.datasource.password=a'b\n");
  auto bad = Template::ForFormat(TemplateFormat::kDotenv,
                                 {{"1BAD", {kOrders, "x"}}}, "c.yaml:3:5");
  EXPECT_EQ(bad.status().message(),
            "c.yaml:3:5: '1BAD' is not a valid variable name");
}

TEST(ConfigValuesTest, SignalsDurationsModes) {
  EXPECT_EQ(*ParseSignal("HUP"), SIGHUP);
  EXPECT_EQ(*ParseSignal("sigusr1"), SIGUSR1);
  EXPECT_EQ(*ParseSignal("15"), SIGTERM);
  EXPECT_FALSE(ParseSignal("NOPE").ok());
  EXPECT_FALSE(ParseSignal("0").ok());
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDuration("30s"), std::chrono::seconds(30));
  EXPECT_EQ(*ParseDuration("5m"), std::chrono::minutes(5));
  EXPECT_EQ(*ParseDuration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*ParseDuration("7"), std::chrono::seconds(7));
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_FALSE(ParseDuration("1.5s").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  EXPECT_EQ(*ParseFileMode("0640"), 0640u);
  EXPECT_EQ(*ParseFileMode("600"), 0600u);
  EXPECT_FALSE(ParseFileMode("0800").ok());
  EXPECT_FALSE(ParseFileMode("017777").ok());
}

class SpecTest : public ::testing::Test {
 protected:
  StatusOr<std::vector<TemplateSpec>> Parse(const std::string& yaml) {
    YAML::Node root = YAML::Load(yaml);
    return ParseTemplateSpecs(root["templates"], "/etc/keyward/agent.yaml",
                              fs_);
  }
  std::string Error(const std::string& yaml) {
    auto r = Parse(yaml);
    return r.ok() ? "ok" : r.status().message();
  }
  FakeFileSystem fs_;
};

TEST_F(SpecTest, ParsesEveryKey) {
  fs_.Write("/etc/keyward/orders.tmpl",
            "pw={{ secret \"platform-data/postgres/orders\" \"password\" }}\n");
  auto specs = Parse(R"(
templates:
  - destination: /srv/orders/db.env
    format: dotenv
    values:
      DB_PASSWORD: platform-data/postgres/orders#password
      STRIPE_KEY: platform-data/stripe/orders
    mode: "0640"
    owner: orders
    group: "1001"
    command: systemctl reload "orders app"
    command_timeout: 5s
  - destination: /srv/orders/conf.ini
    source: orders.tmpl
    pid_file: /run/orders.pid
    signal: HUP
  - destination: /srv/orders/inline.txt
    contents: "x={{ secret \"a\" }}"
    command: [/usr/bin/touch, /tmp/done]
)");
  ASSERT_TRUE(specs.ok()) << specs.status();
  ASSERT_EQ(specs->size(), 3u);
  const TemplateSpec& a = (*specs)[0];
  EXPECT_EQ(a.origin, "/etc/keyward/agent.yaml:3:5");
  EXPECT_EQ(a.destination, "/srv/orders/db.env");
  EXPECT_EQ(a.format, TemplateFormat::kDotenv);
  ASSERT_EQ(a.values.size(), 2u);
  EXPECT_EQ(a.values[0].first, "DB_PASSWORD");
  EXPECT_EQ(a.values[0].second, (ValueRef{kOrders, "password"}));
  EXPECT_EQ(a.values[1].second, (ValueRef{"platform-data/stripe/orders", ""}));
  EXPECT_EQ(a.mode, 0640u);
  EXPECT_EQ(a.owner, "orders");
  EXPECT_EQ(a.group, "1001");
  EXPECT_EQ(a.command,
            (std::vector<std::string>{"systemctl", "reload", "orders app"}));
  EXPECT_EQ(a.command_timeout, std::chrono::seconds(5));
  const TemplateSpec& b = (*specs)[1];
  EXPECT_EQ(b.format, TemplateFormat::kTemplate);
  EXPECT_EQ(b.text_origin, "/etc/keyward/orders.tmpl");
  EXPECT_EQ(b.mode, 0600u);
  EXPECT_EQ(b.signal, SIGHUP);
  EXPECT_EQ(b.pid_file, "/run/orders.pid");
  EXPECT_EQ((*specs)[2].text, "x={{ secret \"a\" }}");
  EXPECT_EQ((*specs)[2].command,
            (std::vector<std::string>{"/usr/bin/touch", "/tmp/done"}));
}

TEST_F(SpecTest, ErrorsNamePathLineColumn) {
  fs_.Write("/etc/keyward/bad.tmpl", "ok\n{{ secret nope }}\n");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    format: dotenv\n"
                  "    values: {A: x}\n    colour: red\n"),
            "/etc/keyward/agent.yaml:5:5: unknown key 'colour' in a template");
  EXPECT_EQ(Error("templates:\n  - format: dotenv\n    values: {A: x}\n"),
            "/etc/keyward/agent.yaml:2:5: a template needs 'destination'");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    format: yaml\n"),
            "/etc/keyward/agent.yaml:3:13: format: unknown format 'yaml' "
            "(template, dotenv, json or properties)");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    source: bad.tmpl\n"),
            "/etc/keyward/bad.tmpl:2:11: expected a \"quoted string\"");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    source: gone.tmpl\n"),
            "/etc/keyward/agent.yaml:3:13: cannot read template source: "
            "/etc/keyward/gone.tmpl: no such file");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    contents: x\n"
                  "    mode: 999\n"),
            "/etc/keyward/agent.yaml:4:11: mode: '999' is not an octal file "
            "mode (e.g. 0640)");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    contents: x\n"
                  "    signal: HUP\n"),
            "/etc/keyward/agent.yaml:2:5: 'signal' and 'pid_file' go together");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    contents: x\n"
                  "    command: \"a 'b\"\n"),
            "/etc/keyward/agent.yaml:4:14: command: the command has an "
            "unclosed ' quote");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    contents: x\n"
                  "  - destination: /a\n    contents: y\n"),
            "/etc/keyward/agent.yaml:4:5: two templates write '/a'");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n"),
            "/etc/keyward/agent.yaml:2:5: a template needs exactly one of "
            "'source' and 'contents'");
  EXPECT_EQ(Error("templates:\n  - destination: /a\n    format: json\n"
                  "    values: {A: \"#p\"}\n"),
            "/etc/keyward/agent.yaml:4:17: A: '#p' names no secret (expected "
            "NAME#PROPERTY or NAME)");
  EXPECT_EQ(Error("templates: {a: 1}\n"),
            "/etc/keyward/agent.yaml:1:12: 'templates' must be a list of "
            "templates");
  EXPECT_EQ(Error("other: 1\n"), "ok");  // no templates key: none
}

}  // namespace
}  // namespace keyward::agent

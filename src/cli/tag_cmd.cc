// keyward tag NAME [KEY=VALUE...]: adds or replaces tags (TagResource); with
// no pairs it lists the secret's tags. keyward untag NAME KEY...: removes tags
// (UntagResource). Tags are metadata: never put a value in one.
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

struct TagOptions {
  std::string name;
  std::vector<std::string> pairs;  // tag: KEY=VALUE; untag: KEY
};

// Parses "KEY=VALUE" pairs. INVALID_ARGUMENT names the malformed argument.
StatusOr<std::vector<secrets::Tag>> ParsePairs(
    const std::vector<std::string>& pairs) {
  std::vector<secrets::Tag> tags;
  for (const auto& p : pairs) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError(
          "tag '" + p + "' is not KEY=VALUE (e.g. owner=platform-team)");
    }
    tags.push_back({p.substr(0, eq), p.substr(eq + 1)});
  }
  return tags;
}

CommandResult PrintTags(Cli& cli, const std::string& name,
                        const std::vector<secrets::Tag>& tags) {
  if (cli.json()) {
    Json arr = Json::array();
    for (const auto& t : tags)
      arr.push_back({{"Key", t.key}, {"Value", t.value}});
    cli.out() << Json{{"Name", name}, {"Tags", arr}}.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"KEY", "VALUE"}};
  for (const auto& t : tags) rows.push_back({t.key, t.value});
  PrintTable(cli.out(), rows);
  return kExitOk;
}

CommandResult RunTag(Cli& cli, const TagOptions& o) {
  auto tags = ParsePairs(o.pairs);
  if (!tags.ok()) return tags.status();
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  if (!tags->empty()) {
    Status s = (*client)->TagResource(o.name, *tags);
    if (!s.ok()) return s;
  }
  auto m = (*client)->DescribeSecret(o.name);
  if (!m.ok()) return m.status();
  if (!tags->empty() && !cli.json()) {
    cli.out() << "tagged " << m->name << " (" << tags->size() << " tag"
              << (tags->size() == 1 ? "" : "s") << " set)\n";
  }
  return PrintTags(cli, m->name, m->tags);
}

CommandResult RunUntag(Cli& cli, const TagOptions& o) {
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  Status s = (*client)->UntagResource(o.name, o.pairs);
  if (!s.ok()) return s;
  auto m = (*client)->DescribeSecret(o.name);
  if (!m.ok()) return m.status();
  if (!cli.json()) cli.out() << "untagged " << m->name << "\n";
  return PrintTags(cli, m->name, m->tags);
}

void SetupTag(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<TagOptions>();
  CLI::App* sub =
      app.add_subcommand("tag", "Add or replace a secret's tags, or list them");
  sub->add_option("name", o->name, "secret name or ARN")->required();
  sub->add_option("tags", o->pairs, "KEY=VALUE pairs (none: list the tags)");
  sub->footer(
      "Tags are metadata (owner, category, consumers): never put a value in "
      "one.\n\n"
      "Examples:\n"
      "  keyward tag platform-data/postgres/orders owner=platform-team "
      "rotation=manual\n"
      "  keyward tag platform-data/postgres/orders          (list tags)");
  cli.SetRunner(sub, [&cli, o] { return RunTag(cli, *o); });
}

void SetupUntag(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<TagOptions>();
  CLI::App* sub = app.add_subcommand("untag", "Remove tags from a secret");
  sub->add_option("name", o->name, "secret name or ARN")->required();
  sub->add_option("keys", o->pairs, "tag keys to remove")->required();
  sub->footer(
      "Example:\n  keyward untag platform-data/postgres/orders rotation");
  cli.SetRunner(sub, [&cli, o] { return RunUntag(cli, *o); });
}

}  // namespace

void AddTagCommand(CLI::App& app, Cli& cli) { SetupTag(app, cli); }
void AddUntagCommand(CLI::App& app, Cli& cli) { SetupUntag(app, cli); }

}  // namespace keyward::cli

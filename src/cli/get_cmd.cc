// keyward get NAME: reads a secret. Without --reveal it shows metadata and
// property names with masked values; with --reveal it prints the value (or
// one property) followed by one newline.
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inventory_source.h"
#include "cli/output.h"
#include "secrets/json_codec.h"

namespace keyward::cli {
namespace {

struct GetOptions {
  std::string name;
  std::string property;
  std::string version_stage;
  std::string version_id;
  bool reveal = false;
};

using secrets::Json;

// The kind of payload and, for JSON objects, its property names.
struct Shape {
  std::string type;  // "json" | "string" | "binary"
  std::vector<std::string> properties;
  std::size_t bytes = 0;
};

Shape ShapeOf(const secrets::SecretPayload& p) {
  Shape s;
  if (p.binary) {
    s.type = "binary";
    s.bytes = p.binary->size();
    return s;
  }
  s.bytes = p.string ? p.string->size() : 0;
  auto j = p.string ? secrets::ParseJson(p.string->Reveal()) : std::nullopt;
  if (j && j->is_object()) {
    s.type = "json";
    for (auto it = j->begin(); it != j->end(); ++it)
      s.properties.push_back(it.key());
    secrets::WipeJson(*j);
  } else {
    s.type = "string";
    if (j) secrets::WipeJson(*j);
  }
  return s;
}

CommandResult Reveal(Cli& cli, const GetOptions& o,
                     const secrets::SecretValueResult& r) {
  const auto& p = r.payload;
  if (o.property.empty()) {
    const SecretValue* v = p.string   ? &*p.string
                           : p.binary ? &*p.binary
                                      : nullptr;
    if (v == nullptr)
      return NotFoundError("secret '" + o.name + "' has no value");
    cli.out() << v->Reveal() << "\n";
    return kExitOk;
  }
  auto j = p.string ? secrets::ParseJson(p.string->Reveal()) : std::nullopt;
  if (!j || !j->is_object()) {
    if (j) secrets::WipeJson(*j);
    return InvalidArgumentError(
        "secret '" + o.name +
        "' is not a JSON object, so it has no property '" + o.property + "'");
  }
  auto it = j->find(o.property);
  if (it == j->end()) {
    std::string keys;
    for (auto k = j->begin(); k != j->end(); ++k)
      keys += (keys.empty() ? "" : ", ") + k.key();
    secrets::WipeJson(*j);
    return NotFoundError("secret '" + o.name + "' has no property '" +
                         o.property + "' (it has: " + keys + ")");
  }
  if (it->is_string()) {
    cli.out() << it->get_ref<const std::string&>() << "\n";
  } else {
    std::string dumped = it->dump();
    cli.out() << dumped << "\n";
    WipeString(dumped);
  }
  secrets::WipeJson(*j);
  return kExitOk;
}

CommandResult Run(Cli& cli, const GetOptions& o) {
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  secrets::GetSecretValueRequest req{o.name, o.version_id, o.version_stage};
  auto r = (*client)->GetSecretValue(req);
  if (!r.ok()) return WithSecretSuggestions(cli, r.status(), o.name);
  if (o.reveal) return Reveal(cli, o, *r);

  Shape shape = ShapeOf(r->payload);
  if (!o.property.empty() &&
      std::find(shape.properties.begin(), shape.properties.end(), o.property) ==
          shape.properties.end()) {
    return NotFoundError("secret '" + o.name + "' has no property '" +
                         o.property + "'");
  }
  if (cli.json()) {
    Json out{{"Name", r->name},
             {"ARN", r->arn},
             {"VersionId", r->version_id},
             {"VersionStages", r->version_stages},
             {"CreatedDate", TimeOrDash(r->created_date)},
             {"Type", shape.type},
             {"Bytes", shape.bytes}};
    Json props = Json::object();
    for (const auto& k : shape.properties) {
      if (o.property.empty() || k == o.property) props[k] = "********";
    }
    if (shape.type == "json") out["Properties"] = props;
    cli.out() << out.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"Name:", r->name},
      {"ARN:", r->arn},
      {"Version:", r->version_id},
      {"Stages:",
       [&] {
         std::string s;
         for (const auto& st : r->version_stages)
           s += (s.empty() ? "" : ",") + st;
         return s;
       }()},
      {"Created:", TimeOrDash(r->created_date)},
      {"Type:", shape.type + " (" + std::to_string(shape.bytes) + " bytes)"}};
  PrintTable(cli.out(), rows);
  if (shape.type == "json") {
    cli.out() << "Properties:\n";
    for (const auto& k : shape.properties) {
      if (o.property.empty() || k == o.property)
        cli.out() << "  " << k << ": ********\n";
    }
  }
  cli.out() << "(values masked; use --reveal to print the value)\n";
  return kExitOk;
}

void SetupGet(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<GetOptions>();
  CLI::App* sub = app.add_subcommand(
      "get", "Read a secret (values masked unless --reveal)");
  sub->add_option("name", o->name, "secret name or ARN")->required();
  sub->add_option("--property,-p", o->property,
                  "one property of a JSON secret");
  auto* stage = sub->add_option("--version-stage", o->version_stage,
                                "version stage (default AWSCURRENT)");
  auto* id = sub->add_option("--version-id", o->version_id, "exact version id");
  stage->excludes(id);
  sub->add_flag("--reveal", o->reveal,
                "print the value (or the property) followed by a newline");
  sub->footer(
      "Examples:\n"
      "  keyward get platform-data/postgres/orders\n"
      "  keyward get platform-data/postgres/orders --property password "
      "--reveal\n"
      "  keyward get platform-data/postgres/orders --version-stage AWSPREVIOUS "
      "-o json");
  cli.SetRunner(sub, [&cli, o] { return Run(cli, *o); });
}

}  // namespace

void AddGetCommand(CLI::App& app, Cli& cli) { SetupGet(app, cli); }

}  // namespace keyward::cli

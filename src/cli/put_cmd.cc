// keyward put NAME: the manual population workflow. Values come only from a
// no-echo prompt on the terminal (each property asked twice), --from-file, or
// stdin; never from argv. The name must follow the naming rules and, when an
// inventory is present, be declared there with the properties supplied.
// Creates the secret (description and tags from the inventory) or writes a
// new version with a ClientRequestToken; an identical value writes nothing.
// Prints the version id and stages, never the value.
#include <unistd.h>

#include <algorithm>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inventory_source.h"
#include "cli/prompt.h"
#include "cli/put_workflow.h"
#include "cli/value_input.h"
#include "core/text.h"
#include "keyward/naming.h"

namespace keyward::cli {
namespace {

using secrets::Json;

struct PutOptions {
  PutRequest request;  // name, description, merge, ... (generate: parsed)
  std::string from_file;
  std::vector<std::string> generate;  // KEY[=LENGTH]
  std::vector<std::string> keys;      // prompt for these when undeclared
  // Values someone tried to pass in argv: refused, never echoed.
  std::vector<std::string> argv_values;
  std::string argv_option_value;
};

Status RefuseArgvValues(const PutOptions& o, const CLI::App& sub) {
  if (o.argv_values.empty() && o.argv_option_value.empty() &&
      sub.remaining().empty()) {
    return OkStatus();
  }
  return InvalidArgumentError(
      "refusing a value on the command line (not shown): it would be kept in "
      "shell history "
      "and visible to other users in 'ps'. Type it at the prompt (run 'keyward "
      "put NAME' in "
      "a terminal), or pass it with --from-file FILE or on stdin");
}

// Asks for one value twice (no echo) until both entries match (3 tries).
// An empty first entry returns an empty value when `allow_empty` (merge:
// keep the current value).
StatusOr<SecureString> AskTwice(Terminal& tty, const std::string& label,
                                bool allow_empty) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    KW_ASSIGN_OR_RETURN(SecureString a, tty.ReadHidden(label + ": "));
    if (a.empty()) {
      if (allow_empty) return a;
      tty.Write("empty value; try again\n");
      continue;
    }
    KW_ASSIGN_OR_RETURN(SecureString b, tty.ReadHidden(label + " (again): "));
    if (a.size() == b.size() && SecretValue::Adopt(SecureString(a)) ==
                                    SecretValue::Adopt(std::move(b))) {
      return a;
    }
    tty.Write("the two entries differ; try again\n");
  }
  return InvalidArgumentError(
      "no matching value entered after 3 tries; nothing written");
}

// Prompts on /dev/tty for each property not generated (or for one plain
// value when no properties are known).
StatusOr<SuppliedValue> Prompt(const PutRequest& o, const Declaration& d) {
  const std::vector<GenerateSpec>& gen = o.generate;
  KW_ASSIGN_OR_RETURN(auto tty, Terminal::Open());
  SuppliedValue v;
  if (d.properties.empty()) {
    if (!gen.empty()) return v;
    KW_ASSIGN_OR_RETURN(v.plain, AskTwice(*tty, "value for " + o.name, false));
    return v;
  }
  v.is_object = true;
  if (o.merge)
    tty->Write("(--merge: press Enter to keep a property's current value)\n");
  for (const auto& key : d.properties) {
    if (std::any_of(gen.begin(), gen.end(),
                    [&](const auto& g) { return g.key == key; })) {
      continue;
    }
    KW_ASSIGN_OR_RETURN(SecureString s,
                        AskTwice(*tty, key + " for " + o.name, o.merge));
    if (!s.empty()) v.object[key] = std::string(s.data(), s.size());
  }
  return v;
}

// The value from --from-file, stdin (when it is not a terminal) or prompts.
StatusOr<SuppliedValue> Acquire(const PutOptions& o, const PutRequest& req,
                                const Declaration& d) {
  if (!o.from_file.empty()) {
    KW_ASSIGN_OR_RETURN(SecureString text, ReadValueFile(o.from_file));
    return ParseSupplied(
        text, o.from_file == "-" ? "stdin" : "'" + o.from_file + "'");
  }
  if (!StdinIsTerminal()) {
    KW_ASSIGN_OR_RETURN(SecureString text, ReadAllFd(STDIN_FILENO, "stdin"));
    if (text.find_first_not_of(" \t\r\n") == SecureString::npos &&
        (!req.generate.empty() || req.merge)) {
      SuppliedValue v;  // everything comes from --generate / the current value
      v.is_object = true;
      return v;
    }
    return ParseSupplied(text, "stdin");
  }
  return Prompt(req, d);
}

void Print(Cli& cli, const PutResult& r) {
  std::vector<std::string> stages = r.write.version_stages;
  if (stages.empty() && !r.write.version_id.empty()) stages = {"AWSCURRENT"};
  std::string action(PutActionName(r.action));
  if (cli.json()) {
    Json j{{"Name", r.write.name},    {"ARN", r.write.arn},
           {"Action", action},        {"VersionId", r.write.version_id},
           {"VersionStages", stages}, {"Properties", r.properties},
           {"Generated", r.generated}};
    cli.out() << j.dump(2) << "\n";
    return;
  }
  if (r.action == PutAction::kUnchanged) {
    cli.out() << "unchanged: the value is identical to the current version "
              << r.write.version_id << " of " << r.write.name
              << "; nothing written\n";
    return;
  }
  std::string stage_list;
  for (const auto& st : stages)
    stage_list += (stage_list.empty() ? "" : ",") + st;
  cli.out() << action << " " << r.write.name << "\n"
            << "  version:    " << r.write.version_id << "\n"
            << "  stages:     " << stage_list << "\n";
  if (!r.properties.empty())
    cli.out() << "  properties: " << text::Join(r.properties) << "\n";
  if (!r.generated.empty())
    cli.out() << "  generated:  " << text::Join(r.generated) << "\n";
  cli.out() << "  (values not shown)\n";
}

CommandResult Run(Cli& cli, const PutOptions& o, const CLI::App& sub) {
  KW_RETURN_IF_ERROR(RefuseArgvValues(o, sub));
  PutRequest req = o.request;
  KW_RETURN_IF_ERROR(ValidateSecretName(req.name));
  for (const NameFinding& f : CheckSecretName(req.name)) {
    cli.err() << "keyward: warning: " << RuleId(f.rule) << ": " << f.message
              << "\n";
  }
  KW_ASSIGN_OR_RETURN(req.generate, ParseGenerate(o.generate));
  KW_ASSIGN_OR_RETURN(auto inv, LoadCliInventory(cli));
  KW_ASSIGN_OR_RETURN(Declaration decl, Declare(req.name, o.keys, inv));
  for (const auto& w : decl.warnings)
    cli.err() << "keyward: warning: " << w << "\n";
  KW_ASSIGN_OR_RETURN(auto client, cli.MakeClient());
  KW_ASSIGN_OR_RETURN(SuppliedValue value, Acquire(o, req, decl));
  auto r = Put(*client, req, decl, std::move(value));
  if (r.ok()) {
    for (const auto& n : r->notes) cli.err() << "keyward: note: " << n << "\n";
  }
  KW_RETURN_IF_ERROR(r.status());
  Print(cli, *r);
  return kExitOk;
}

void SetupPut(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<PutOptions>();
  CLI::App* sub = app.add_subcommand("put",
                                     "Create a secret or write a new version "
                                     "(values from a prompt, file or stdin)");
  sub->add_option("name", o->request.name,
                  "secret name, e.g. platform-data/postgres/orders")
      ->required();
  sub->add_option(
      "--from-file,-f", o->from_file,
      "read the value from FILE ('-': stdin): a JSON object or a plain string");
  sub->add_option(
         "--generate,-g", o->generate,
         "fill property KEY with GetRandomPassword (LENGTH 8-4096, default 32)")
      ->type_name("KEY[=LENGTH]");
  sub->add_option("--exclude-characters", o->request.exclude_characters,
                  "characters --generate must not use");
  sub->add_flag("--exclude-punctuation", o->request.exclude_punctuation,
                "--generate letters and digits only");
  sub->add_flag("--merge", o->request.merge,
                "keep current properties that are not supplied");
  sub->add_flag("--allow-extra", o->request.allow_extra,
                "accept properties the inventory does not declare");
  sub->add_option("--keys", o->keys,
                  "properties to prompt for when there is no inventory")
      ->delimiter(',');
  sub->add_option("--description", o->request.description,
                  "description on create (default: the inventory's)");
  // Values on the command line are caught here and refused without echo.
  sub->add_option("values", o->argv_values)->group("");
  sub->add_option("--value,--secret-string,--secret,--password,--token",
                  o->argv_option_value)
      ->group("");
  // Unknown flags must reach RefuseArgvValues rather than CLI11's error (which
  // would echo them): no fallthrough, so the global flags are added here too.
  sub->allow_extras();
  sub->fallthrough(false);
  AddGlobalOptions(*sub, cli.globals());
  sub->footer(
      "Value sources (a value on the command line is refused: shell history, "
      "ps):\n"
      "  terminal   each declared property is asked twice with echo off\n"
      "  --from-file FILE, or stdin when it is not a terminal: a JSON object\n"
      "             ({\"username\": ..., \"password\": ...}) or a plain string "
      "(one\n"
      "             trailing newline is dropped)\n"
      "The property set must match the inventory's 'properties' unless "
      "--allow-extra\n"
      "(extra keys) or --merge (missing keys keep their current values). "
      "Writing the\n"
      "current value again writes nothing.\n\n"
      "Examples:\n"
      "  keyward put platform-data/postgres/orders                # prompts\n"
      "  keyward put platform-data/postgres/orders -f orders.json\n"
      "  keyward put platform-data/postgres/orders --merge --generate "
      "password=40\n"
      "  vault-export | keyward put platform-data/stripe/orders");
  const CLI::App* subp = sub;
  cli.SetRunner(sub, [&cli, o, subp] { return Run(cli, *o, *subp); });
}

}  // namespace

void AddPutCommand(CLI::App& app, Cli& cli) { SetupPut(app, cli); }

}  // namespace keyward::cli

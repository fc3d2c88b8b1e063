// keyward put NAME: the manual population workflow. Values come only from a
// no-echo prompt on the terminal (each property asked twice), --from-file, or
// stdin; never from argv. The name must follow the naming rules and, when an
// inventory is present, be declared there with the properties supplied.
// Creates the secret (description and tags from the inventory) or writes a
// new version with a ClientRequestToken; an identical value writes nothing.
// Prints the version id and stages, never the value.
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inventory_source.h"
#include "cli/prompt.h"
#include "cli/value_input.h"
#include "keyward/naming.h"

namespace keyward::cli {
namespace {

using secrets::Json;

struct PutOptions {
  std::string name;
  std::string from_file;
  std::vector<std::string> generate;  // KEY[=LENGTH]
  std::vector<std::string> keys;      // prompt for these when undeclared
  std::string description;
  std::string exclude_characters;
  bool exclude_punctuation = false;
  bool merge = false;
  bool allow_extra = false;
  // Values someone tried to pass in argv: refused, never echoed.
  std::vector<std::string> argv_values;
  std::string argv_option_value;
};

struct GenerateSpec {
  std::string key;
  int length = 32;
};

// What the inventory says about the secret (empty when there is none).
struct Declaration {
  bool inventory_present = false;
  std::string inventory_path;
  const inventory::Secret* secret = nullptr;
  std::vector<std::string> properties;  // declared, or --keys
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

StatusOr<std::vector<GenerateSpec>> ParseGenerate(
    const std::vector<std::string>& specs) {
  std::vector<GenerateSpec> out;
  for (const auto& s : specs) {
    GenerateSpec g;
    auto eq = s.find('=');
    g.key = s.substr(0, eq);
    if (eq != std::string::npos) {
      std::string_view len = std::string_view(s).substr(eq + 1);
      auto [p, ec] =
          std::from_chars(len.data(), len.data() + len.size(), g.length);
      if (ec != std::errc() || p != len.data() + len.size() || g.length < 8 ||
          g.length > 4096) {
        return InvalidArgumentError("--generate " + s +
                                    ": LENGTH must be a number from 8 to 4096");
      }
    }
    if (g.key.empty())
      return InvalidArgumentError("--generate needs KEY[=LENGTH]");
    out.push_back(g);
  }
  return out;
}

StatusOr<Declaration> Declare(Cli& cli, const PutOptions& o,
                              const std::optional<inventory::Inventory>& inv) {
  Declaration d;
  d.properties = o.keys;
  if (!inv) return d;
  d.inventory_present = true;
  d.inventory_path = inv->path;
  d.secret = inv->FindSecret(o.name);
  if (d.secret == nullptr) {
    return InvalidArgumentError(
        "'" + o.name + "' is not declared in " + inv->path +
        "; add it there (description, consumers, properties) "
        "and commit before populating it");
  }
  if (!o.keys.empty()) {
    cli.err() << "keyward: warning: --keys ignored: " << inv->path
              << " declares the properties\n";
  }
  d.properties = d.secret->properties;
  return d;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
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
StatusOr<SuppliedValue> Prompt(const PutOptions& o, const Declaration& d,
                               const std::vector<GenerateSpec>& gen) {
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
StatusOr<SuppliedValue> Acquire(const PutOptions& o, const Declaration& d,
                                const std::vector<GenerateSpec>& gen) {
  if (!o.from_file.empty()) {
    KW_ASSIGN_OR_RETURN(SecureString text, ReadValueFile(o.from_file));
    return ParseSupplied(
        text, o.from_file == "-" ? "stdin" : "'" + o.from_file + "'");
  }
  if (!StdinIsTerminal()) {
    KW_ASSIGN_OR_RETURN(SecureString text, ReadAllFd(STDIN_FILENO, "stdin"));
    if (text.find_first_not_of(" \t\r\n") == SecureString::npos &&
        (!gen.empty() || o.merge)) {
      SuppliedValue v;  // everything comes from --generate / the current value
      v.is_object = true;
      return v;
    }
    return ParseSupplied(text, "stdin");
  }
  return Prompt(o, d, gen);
}

Status Generate(secrets::SecretsManagerApi& api, const PutOptions& o,
                const std::vector<GenerateSpec>& gen, SuppliedValue& v) {
  if (gen.empty()) return OkStatus();
  if (!v.is_object) {
    if (!v.plain.empty()) {
      return InvalidArgumentError(
          "--generate fills properties of a JSON object, but the "
          "value supplied is a plain string");
    }
    v.is_object = true;
  }
  for (const auto& g : gen) {
    if (v.object.contains(g.key)) {
      return InvalidArgumentError(
          "property '" + g.key +
          "' is both supplied and --generate'd; pick one");
    }
    secrets::GetRandomPasswordRequest req;
    req.password_length = g.length;
    req.exclude_characters = o.exclude_characters;
    req.exclude_punctuation = o.exclude_punctuation;
    KW_ASSIGN_OR_RETURN(SecretValue pw, api.GetRandomPassword(req));
    v.object[g.key] = std::string(pw.Reveal());
  }
  return OkStatus();
}

// The current value as supplied-value form; nullopt when there is none.
StatusOr<std::optional<SuppliedValue>> Current(secrets::SecretsManagerApi& api,
                                               const std::string& name) {
  auto r = api.GetSecretValue({name, "", std::string(secrets::kAwsCurrent)});
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kNotFound)
      return std::optional<SuppliedValue>();
    return r.status();
  }
  SuppliedValue v;
  if (r->payload.string) {
    std::string_view text = r->payload.string->Reveal();
    auto j = secrets::ParseJson(text);
    if (j && j->is_object()) {
      v.is_object = true;
      v.object = std::move(*j);
    } else {
      if (j) secrets::WipeJson(*j);
      v.plain.assign(text.data(), text.size());
    }
  } else if (r->payload.binary) {
    v.plain.assign(r->payload.binary->Reveal().data(),
                   r->payload.binary->size());
  }
  return std::optional<SuppliedValue>(std::move(v));
}

Status Merge(const std::string& name,
             const std::optional<SuppliedValue>& current, SuppliedValue& v) {
  if (!current) return OkStatus();
  if (!current->is_object || !v.is_object) {
    return InvalidArgumentError("--merge needs JSON objects, but '" + name +
                                "' or the value supplied is a plain string");
  }
  for (auto it = current->object.begin(); it != current->object.end(); ++it) {
    if (!v.object.contains(it.key())) v.object[it.key()] = it.value();
  }
  return OkStatus();
}

Status CheckAgainstDeclaration(const PutOptions& o, const Declaration& d,
                               const SuppliedValue& v) {
  if (d.properties.empty()) {
    if (v.is_object && v.object.empty())
      return InvalidArgumentError("no properties given");
    return OkStatus();
  }
  std::string where = d.secret ? d.inventory_path : std::string("--keys");
  if (!v.is_object) {
    return InvalidArgumentError(where + " declares properties [" +
                                Join(d.properties) + "] for '" + o.name +
                                "': supply a JSON object");
  }
  std::vector<std::string> keys = v.Keys(), missing, extra;
  for (const auto& p : d.properties) {
    if (!Contains(keys, p)) missing.push_back(p);
  }
  for (const auto& k : keys) {
    if (!Contains(d.properties, k)) extra.push_back(k);
  }
  if (!missing.empty()) {
    return InvalidArgumentError("missing propert" +
                                std::string(missing.size() == 1 ? "y" : "ies") +
                                " " + Join(missing) + " declared in " + where +
                                " (use --merge to keep current values)");
  }
  if (!extra.empty() && !o.allow_extra) {
    return InvalidArgumentError(
        "propert" + std::string(extra.size() == 1 ? "y" : "ies") + " " +
        Join(extra) + " not declared in " + where +
        " (declare them, or pass --allow-extra)");
  }
  return OkStatus();
}

bool SameValue(const SuppliedValue& a, const SuppliedValue& b) {
  if (a.is_object != b.is_object) return false;
  if (a.is_object) return a.object == b.object;
  return a.plain.size() == b.plain.size() &&
         SecretValue::Adopt(SecureString(a.plain)) ==
             SecretValue::Adopt(SecureString(b.plain));
}

SecretValue Serialize(SuppliedValue& v) {
  if (!v.is_object) return SecretValue::Adopt(SecureString(v.plain));
  Json copy = v.object;
  return SecretValue::Adopt(secrets::DumpAndWipe(copy));
}

std::vector<secrets::Tag> TagsFor(const Declaration& d) {
  std::vector<secrets::Tag> tags = {{"managed-by", "keyward"}};
  if (d.secret == nullptr) return tags;
  if (!d.secret->category.empty())
    tags.push_back({"category", d.secret->category});
  std::string consumers;
  for (const auto& c : d.secret->consumers)
    consumers += (consumers.empty() ? "" : " ") + c;
  if (!consumers.empty())
    tags.push_back({"consumers", consumers.substr(0, 256)});
  if (!d.secret->rotation.status.empty())
    tags.push_back({"rotation", d.secret->rotation.status});
  return tags;
}

struct Outcome {
  std::string action;  // created | updated | unchanged
  secrets::WriteResult write;
  std::vector<std::string> properties;
  std::vector<std::string> generated;
};

void Print(Cli& cli, const Outcome& r) {
  std::vector<std::string> stages = r.write.version_stages;
  if (stages.empty() && !r.write.version_id.empty()) stages = {"AWSCURRENT"};
  if (cli.json()) {
    Json j{{"Name", r.write.name},    {"ARN", r.write.arn},
           {"Action", r.action},      {"VersionId", r.write.version_id},
           {"VersionStages", stages}, {"Properties", r.properties},
           {"Generated", r.generated}};
    cli.out() << j.dump(2) << "\n";
    return;
  }
  if (r.action == "unchanged") {
    cli.out() << "unchanged: the value is identical to the current version "
              << r.write.version_id << " of " << r.write.name
              << "; nothing written\n";
    return;
  }
  cli.out() << r.action << " " << r.write.name << "\n"
            << "  version:    " << r.write.version_id << "\n"
            << "  stages:     " <<
      [&] {
        std::string s;
        for (const auto& st : stages) s += (s.empty() ? "" : ",") + st;
        return s;
      }() << "\n";
  if (!r.properties.empty())
    cli.out() << "  properties: " << Join(r.properties) << "\n";
  if (!r.generated.empty())
    cli.out() << "  generated:  " << Join(r.generated) << "\n";
  cli.out() << "  (values not shown)\n";
}

// Creates the secret or writes a new version; nothing when unchanged.
StatusOr<Outcome> Write(Cli& cli, secrets::SecretsManagerApi& api,
                        const PutOptions& o, const Declaration& d,
                        const std::vector<GenerateSpec>& gen, SuppliedValue v) {
  auto meta = api.DescribeSecret(o.name);
  bool exists = meta.ok();
  if (!exists && meta.status().code() != StatusCode::kNotFound)
    return meta.status();
  if (exists && meta->deleted_date) {
    return FailedPreconditionError("'" + o.name +
                                   "' is scheduled for deletion; run 'keyward "
                                   "restore " +
                                   o.name + "' first");
  }
  std::optional<SuppliedValue> current;
  if (exists) {
    KW_ASSIGN_OR_RETURN(current, Current(api, o.name));
  }
  KW_RETURN_IF_ERROR(Generate(api, o, gen, v));
  if (o.merge) KW_RETURN_IF_ERROR(Merge(o.name, current, v));
  KW_RETURN_IF_ERROR(CheckAgainstDeclaration(o, d, v));
  Outcome r;
  r.properties = v.Keys();
  for (const auto& g : gen) r.generated.push_back(g.key);
  SecretValue value = Serialize(v);
  if (value.size() > secrets::kMaxSecretValueBytes) {
    return InvalidArgumentError(
        "the value is " + std::to_string(value.size()) +
        " bytes; Secrets Manager accepts at most 65536");
  }
  if (current && SameValue(*current, v)) {
    r.action = "unchanged";
    r.write = {meta->arn, meta->name, meta->CurrentVersionId(), {"AWSCURRENT"}};
    return r;
  }
  if (!exists) {
    secrets::CreateSecretRequest req;
    req.name = o.name;
    req.client_request_token = secrets::NewUuid();
    req.description = !o.description.empty() ? o.description
                      : d.secret             ? d.secret->description
                                             : "";
    req.payload.string = std::move(value);
    req.tags = TagsFor(d);
    KW_ASSIGN_OR_RETURN(r.write, api.CreateSecret(req));
    r.action = "created";
    return r;
  }
  if (!o.description.empty())
    cli.err() << "keyward: note: --description only applies on create\n";
  secrets::PutSecretValueRequest req;
  req.secret_id = o.name;
  req.client_request_token =
      secrets::NewUuid();  // reused by retries: one version
  req.payload.string = std::move(value);
  KW_ASSIGN_OR_RETURN(r.write, api.PutSecretValue(req));
  r.action = "updated";
  return r;
}

int Run(Cli& cli, const PutOptions& o, const CLI::App& sub) {
  if (Status s = RefuseArgvValues(o, sub); !s.ok()) return cli.Fail(s);
  if (Status s = ValidateSecretName(o.name); !s.ok()) return cli.Fail(s);
  for (const NameFinding& f : CheckSecretName(o.name)) {
    cli.err() << "keyward: warning: " << f.rule << ": " << f.message << "\n";
  }
  auto gen = ParseGenerate(o.generate);
  if (!gen.ok()) return cli.Fail(gen.status());
  auto inv = LoadCliInventory(cli);
  if (!inv.ok()) return cli.Fail(inv.status());
  auto decl = Declare(cli, o, *inv);
  if (!decl.ok()) return cli.Fail(decl.status());
  auto client = cli.MakeClient();
  if (!client.ok()) return cli.Fail(client.status());
  auto value = Acquire(o, *decl, *gen);
  if (!value.ok()) return cli.Fail(value.status());
  auto r = Write(cli, **client, o, *decl, *gen, std::move(*value));
  if (!r.ok()) return cli.Fail(r.status());
  Print(cli, *r);
  return kExitOk;
}

void Setup(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<PutOptions>();
  CLI::App* sub = app.add_subcommand("put",
                                     "Create a secret or write a new version "
                                     "(values from a prompt, file or stdin)");
  sub->add_option("name", o->name,
                  "secret name, e.g. platform-data/postgres/orders")
      ->required();
  sub->add_option(
      "--from-file,-f", o->from_file,
      "read the value from FILE ('-': stdin): a JSON object or a plain string");
  sub->add_option(
         "--generate,-g", o->generate,
         "fill property KEY with GetRandomPassword (LENGTH 8-4096, default 32)")
      ->type_name("KEY[=LENGTH]");
  sub->add_option("--exclude-characters", o->exclude_characters,
                  "characters --generate must not use");
  sub->add_flag("--exclude-punctuation", o->exclude_punctuation,
                "--generate letters and digits only");
  sub->add_flag("--merge", o->merge,
                "keep current properties that are not supplied");
  sub->add_flag("--allow-extra", o->allow_extra,
                "accept properties the inventory does not declare");
  sub->add_option("--keys", o->keys,
                  "properties to prompt for when there is no inventory")
      ->delimiter(',');
  sub->add_option("--description", o->description,
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

void AddPutCommand(CLI::App& app, Cli& cli) { Setup(app, cli); }

}  // namespace keyward::cli

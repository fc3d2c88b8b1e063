// Templates: files rendered from secrets (the Vault Agent / consul-template
// job for software that reads files: .env files, Java properties, nginx keys).
//
// A template is either a text file with placeholders, or one of the built-in
// formats (dotenv, json, properties) listing KEY -> secret#property. Both
// compile to a Template: literal text plus value references, each written
// through an escaper. Rendering never prints a value anywhere but into the
// returned buffer (a SecureString, wiped when released).
//
// Placeholder syntax (docs/agent.md, "Templates"): everything outside
// `{{ ... }}` is copied as is. Inside, exactly one of
//
//   {{ secret "NAME" "PROPERTY" }}     a property of a JSON secret
//   {{ secret "NAME" }}                the whole value (a plain string secret)
//   {{ secret "NAME" "PROPERTY" | F }} the same, escaped for F: json, dotenv,
//                                      properties, shell, raw (the default)
//   {{ "TEXT" }}                       TEXT itself: {{ "{{" }} writes "{{"
//
// with spaces allowed around the words. Strings are double-quoted; inside
// them \" is a quote and \\ a backslash. A `{{` that does not start a valid
// placeholder is an error (path:line:col), never copied silently; `}}` outside
// a placeholder is plain text. There are no conditions, loops or variables.
//
// Thread-safety: Template is an immutable value; concurrent Render calls are
// safe.
#ifndef KEYWARD_SRC_AGENT_TEMPLATE_H_
#define KEYWARD_SRC_AGENT_TEMPLATE_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/escape.h"
#include "keyward/env.h"
#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace YAML {
class Node;
}

namespace keyward::agent {

// One value a template uses: a property of a secret ("" = the whole value).
struct ValueRef {
  std::string secret;
  std::string property;
  friend bool operator==(const ValueRef&, const ValueRef&) = default;
};

// "NAME#PROPERTY" or "NAME" -> ValueRef. INVALID_ARGUMENT when NAME is empty.
StatusOr<ValueRef> ParseValueRef(std::string_view text);

// The value `ref` names, from wherever the caller keeps secrets. Errors are
// reported with the template's origin; they must not contain values.
using SecretLookup = std::function<StatusOr<SecretValue>(const ValueRef&)>;

enum class TemplateFormat { kTemplate, kDotenv, kJson, kProperties };

// "template" | "dotenv" | "json" | "properties".
StatusOr<TemplateFormat> ParseTemplateFormat(std::string_view text);

class Template {
 public:
  // Compiles placeholder text. `origin` names it in errors:
  // "origin:line:col: message". INVALID_ARGUMENT on a syntax error.
  static StatusOr<Template> Parse(std::string_view text,
                                  const std::string& origin);
  // A built-in format: one KEY -> value per entry, in order. dotenv keys
  // must be valid variable names ([A-Za-z_][A-Za-z0-9_]*), INVALID_ARGUMENT
  // otherwise; json keys may be anything; kTemplate is not accepted here.
  static StatusOr<Template> ForFormat(
      TemplateFormat format,
      const std::vector<std::pair<std::string, ValueRef>>& values,
      const std::string& origin);

  // Every secret name used, sorted, without duplicates.
  const std::vector<std::string>& secrets() const { return secrets_; }

  // The output, or the first lookup error prefixed with where the value is
  // used ("origin:line:col: "). Never a partial output.
  StatusOr<SecureString> Render(const SecretLookup& lookup) const;

 private:
  struct Piece {
    std::string literal;  // written before the value
    bool has_ref = false;
    ValueRef ref;
    Escape escape = Escape::kRaw;
    std::string where;  // "origin:line:col" of the placeholder
  };
  Template() = default;
  void Finish();
  std::vector<Piece> pieces_;
  std::vector<std::string> secrets_;
};

// One declared template (the agent configuration's `templates:` entries).
struct TemplateSpec {
  std::string origin;       // "agent.yaml:12:5" where it was declared
  std::string destination;  // the file written
  TemplateFormat format = TemplateFormat::kTemplate;
  // kTemplate: the placeholder text and where it came from (a source file's
  // path, or the declaration's origin for inline `contents`).
  std::string text;
  std::string text_origin;
  // The built-in formats: KEY -> value, in declaration order.
  std::vector<std::pair<std::string, ValueRef>> values;
  unsigned mode = 0600;
  std::string owner;  // user name or uid; "" = the agent's own
  std::string group;  // group name or gid; "" = the agent's own
  // Run after each render that changed the file (argv, no shell).
  std::vector<std::string> command;
  std::chrono::milliseconds command_timeout{30000};
  // Or/and: send `signal` to the pid read from `pid_file`.
  std::string pid_file;
  int signal = 0;
};

// Compiles a spec's template (either kind). INVALID_ARGUMENT with
// "path:line:col: message".
StatusOr<Template> CompileTemplate(const TemplateSpec& spec);

// Parses the agent configuration's `templates:` value: a sequence of maps
//
//   - destination: /etc/orders/db.env      (required)
//     format: dotenv                       (template | dotenv | json |
//                                           properties; default template)
//     source: orders.tmpl                  (format template: a file, relative
//     contents: "..."                       to `path`'s folder, or inline)
//     values:                              (the other formats)
//       DATABASE_PASSWORD: platform-data/postgres/orders#password
//     mode: "0640"                         (default 0600)
//     owner: orders                        (user name or uid)
//     group: orders                        (group name or gid)
//     command: systemctl reload orders     (a string split like
//                                           credential_process, or a list)
//     command_timeout: 30s
//     pid_file: /run/orders.pid            (with signal)
//     signal: HUP
//
// `path` is the configuration file (for errors and relative sources);
// sources are read through `fs` and compiled, so syntax errors in them are
// reported now. INVALID_ARGUMENT "path:line:col: message" (or the source's
// path:line:col) for every problem; unknown keys are errors.
StatusOr<std::vector<TemplateSpec>> ParseTemplateSpecs(const YAML::Node& node,
                                                       const std::string& path,
                                                       const FileSystem& fs);

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_TEMPLATE_H_

// The agent configuration's `templates:` list: TemplateSpec values, with
// their sources read and errors placed at path:line:col.
#include <yaml-cpp/yaml.h>

#include <set>

#include "agent/config_values.h"
#include "agent/template.h"
#include "keyward/process.h"

namespace keyward::agent {

namespace {

class SpecParser {
 public:
  SpecParser(const std::string& path, const FileSystem& fs)
      : path_(path), fs_(fs) {}

  StatusOr<std::vector<TemplateSpec>> Parse(const YAML::Node& node) {
    std::vector<TemplateSpec> specs;
    if (!node || node.IsNull()) return specs;
    if (!node.IsSequence())
      return Error(node, "'templates' must be a list of templates");
    std::set<std::string> destinations;
    for (const YAML::Node& item : node) {
      KW_ASSIGN_OR_RETURN(TemplateSpec spec, ParseOne(item));
      if (!destinations.insert(spec.destination).second) {
        return Error(item, "two templates write '" + spec.destination + "'");
      }
      specs.push_back(std::move(spec));
    }
    return specs;
  }

 private:
  std::string Where(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return path_ + ":" + std::to_string(m.line < 0 ? 1 : m.line + 1) + ":" +
           std::to_string(m.column < 0 ? 1 : m.column + 1);
  }
  Status Error(const YAML::Node& n, const std::string& message) const {
    return InvalidArgumentError(Where(n) + ": " + message);
  }
  StatusOr<std::string> Scalar(const YAML::Node& n,
                               const std::string& key) const {
    if (!n.IsScalar()) return Error(n, "'" + key + "' must be a single value");
    return n.Scalar();
  }
  // The scalar parsed by `parse`, its error placed at the node.
  template <typename T, typename F>
  StatusOr<T> Value(const YAML::Node& n, const std::string& key,
                    F parse) const {
    KW_ASSIGN_OR_RETURN(std::string s, Scalar(n, key));
    StatusOr<T> v = parse(s);
    if (!v.ok()) return Error(n, key + ": " + v.status().message());
    return v;
  }

  StatusOr<TemplateSpec> ParseOne(const YAML::Node& item);
  Status ParseKey(const std::string& key, const YAML::Node& value,
                  TemplateSpec& spec, std::string& source);
  Status ParseValues(const YAML::Node& n, TemplateSpec& spec) const;
  Status ParseCommand(const YAML::Node& n, TemplateSpec& spec) const;
  Status LoadSource(const YAML::Node& at, const std::string& source,
                    TemplateSpec& spec) const;

  const std::string& path_;
  const FileSystem& fs_;
};

StatusOr<TemplateSpec> SpecParser::ParseOne(const YAML::Node& item) {
  if (!item.IsMap()) return Error(item, "a template must be a map");
  TemplateSpec spec;
  spec.origin = Where(item);
  std::string source;
  bool has_contents = false, has_format = false;
  for (auto it = item.begin(); it != item.end(); ++it) {
    std::string key = it->first.Scalar();
    has_contents |= key == "contents";
    has_format |= key == "format";
    Status s = ParseKey(key, it->second, spec, source);
    if (!s.ok()) {
      if (s.message().empty())
        return Error(it->first, "unknown key '" + key + "' in a template");
      return s;
    }
  }
  if (spec.destination.empty())
    return Error(item, "a template needs 'destination'");
  if (!has_format && spec.format == TemplateFormat::kTemplate &&
      !spec.values.empty()) {
    return Error(item, "'values' needs 'format: dotenv|json|properties'");
  }
  if (spec.format == TemplateFormat::kTemplate) {
    if (source.empty() == !has_contents) {
      return Error(item,
                   "a template needs exactly one of 'source' and 'contents'");
    }
    if (!spec.values.empty())
      return Error(item,
                   "'values' is for the dotenv, json and properties formats");
    if (!source.empty()) KW_RETURN_IF_ERROR(LoadSource(item, source, spec));
  } else {
    if (!source.empty() || has_contents) {
      return Error(item, "format " + item["format"].Scalar() +
                             " takes 'values', not 'source'/'contents'");
    }
    if (spec.values.empty()) return Error(item, "'values' is empty");
  }
  if (spec.pid_file.empty() != (spec.signal == 0))
    return Error(item, "'signal' and 'pid_file' go together");
  StatusOr<Template> compiled = CompileTemplate(spec);
  if (!compiled.ok()) return compiled.status();
  return spec;
}

Status SpecParser::ParseKey(const std::string& key, const YAML::Node& v,
                            TemplateSpec& spec, std::string& source) {
  if (key == "destination") {
    KW_ASSIGN_OR_RETURN(spec.destination, Scalar(v, key));
    if (spec.destination.empty() || spec.destination.back() == '/')
      return Error(v, "destination must name a file");
  } else if (key == "format") {
    KW_ASSIGN_OR_RETURN(spec.format,
                        Value<TemplateFormat>(v, key, ParseTemplateFormat));
  } else if (key == "source") {
    KW_ASSIGN_OR_RETURN(source, Scalar(v, key));
    if (source.empty()) return Error(v, "'source' is empty");
  } else if (key == "contents") {
    KW_ASSIGN_OR_RETURN(spec.text, Scalar(v, key));
    const YAML::Mark m = v.Mark();
    // Errors inside inline contents point at the declaration's line:col
    // plus the offset within the text (block scalars start one line later).
    spec.text_origin =
        path_ + " (contents at line " + std::to_string(m.line + 1) + ")";
  } else if (key == "values") {
    return ParseValues(v, spec);
  } else if (key == "mode") {
    KW_ASSIGN_OR_RETURN(spec.mode, Value<unsigned>(v, key, ParseFileMode));
  } else if (key == "owner") {
    KW_ASSIGN_OR_RETURN(spec.owner, Scalar(v, key));
  } else if (key == "group") {
    KW_ASSIGN_OR_RETURN(spec.group, Scalar(v, key));
  } else if (key == "command") {
    return ParseCommand(v, spec);
  } else if (key == "command_timeout") {
    KW_ASSIGN_OR_RETURN(spec.command_timeout, Value<std::chrono::milliseconds>(
                                                  v, key, ParseDuration));
    if (spec.command_timeout.count() == 0)
      return Error(v, "command_timeout must be > 0");
  } else if (key == "pid_file") {
    KW_ASSIGN_OR_RETURN(spec.pid_file, Scalar(v, key));
  } else if (key == "signal") {
    KW_ASSIGN_OR_RETURN(spec.signal, Value<int>(v, key, ParseSignal));
  } else {
    return Status(StatusCode::kInvalidArgument, "");  // unknown key
  }
  return OkStatus();
}

Status SpecParser::ParseValues(const YAML::Node& n, TemplateSpec& spec) const {
  if (!n.IsMap()) {
    return Error(n, "'values' must map KEY: secret#property");
  }
  std::set<std::string> keys;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.Scalar();
    if (!keys.insert(key).second)
      return Error(it->first, "duplicate key '" + key + "'");
    KW_ASSIGN_OR_RETURN(ValueRef ref,
                        Value<ValueRef>(it->second, key, ParseValueRef));
    spec.values.emplace_back(key, std::move(ref));
  }
  return OkStatus();
}

Status SpecParser::ParseCommand(const YAML::Node& n, TemplateSpec& spec) const {
  if (n.IsSequence()) {
    for (const YAML::Node& w : n) {
      KW_ASSIGN_OR_RETURN(std::string word, Scalar(w, "command"));
      spec.command.push_back(std::move(word));
    }
  } else {
    KW_ASSIGN_OR_RETURN(std::string line, Scalar(n, "command"));
    StatusOr<std::vector<std::string>> words = ShellSplit(line);
    if (!words.ok()) return Error(n, "command: " + words.status().message());
    spec.command = std::move(*words);
  }
  if (spec.command.empty() || spec.command[0].empty())
    return Error(n, "'command' is empty");
  return OkStatus();
}

Status SpecParser::LoadSource(const YAML::Node& at, const std::string& source,
                              TemplateSpec& spec) const {
  std::string file = source;
  auto slash = path_.rfind('/');
  if (!file.starts_with("/") && slash != std::string::npos)
    file = path_.substr(0, slash + 1) + file;
  StatusOr<std::string> text = fs_.ReadFile(file);
  if (!text.ok()) {
    return Error(at["source"],
                 "cannot read template source: " + text.status().message());
  }
  spec.text = std::move(*text);
  spec.text_origin = file;
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<TemplateSpec>> ParseTemplateSpecs(const YAML::Node& node,
                                                       const std::string& path,
                                                       const FileSystem& fs) {
  try {
    return SpecParser(path, fs).Parse(node);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) +
                                ":" + std::to_string(e.mark.column + 1) + ": " +
                                e.msg);
  }
}

}  // namespace keyward::agent

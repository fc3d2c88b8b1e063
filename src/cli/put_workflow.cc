#include "cli/put_workflow.h"

#include <algorithm>
#include <charconv>

#include "core/text.h"

namespace keyward::cli {
namespace {

using secrets::Json;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Status Generate(secrets::SecretsManagerApi& api, const PutRequest& o,
                SuppliedValue& v) {
  if (o.generate.empty()) return OkStatus();
  if (!v.is_object) {
    if (!v.plain.empty()) {
      return InvalidArgumentError(
          "--generate fills properties of a JSON object, but the "
          "value supplied is a plain string");
    }
    v.is_object = true;
  }
  for (const auto& g : o.generate) {
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

Status CheckAgainstDeclaration(const PutRequest& o, const Declaration& d,
                               const SuppliedValue& v) {
  if (d.properties.empty()) {
    if (v.is_object && v.object.empty())
      return InvalidArgumentError("no properties given");
    return OkStatus();
  }
  std::string where = d.secret ? d.inventory_path : std::string("--keys");
  if (!v.is_object) {
    return InvalidArgumentError(where + " declares properties [" +
                                text::Join(d.properties) + "] for '" + o.name +
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
    return InvalidArgumentError(
        "missing propert" + std::string(missing.size() == 1 ? "y" : "ies") +
        " " + text::Join(missing) + " declared in " + where +
        " (use --merge to keep current values)");
  }
  if (!extra.empty() && !o.allow_extra) {
    return InvalidArgumentError(
        "propert" + std::string(extra.size() == 1 ? "y" : "ies") + " " +
        text::Join(extra) + " not declared in " + where +
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

// The metadata of an existing secret (nullopt when there is none);
// FAILED_PRECONDITION when it is scheduled for deletion.
StatusOr<std::optional<secrets::SecretMetadata>> Existing(
    secrets::SecretsManagerApi& api, const std::string& name) {
  auto meta = api.DescribeSecret(name);
  if (!meta.ok()) {
    if (meta.status().code() == StatusCode::kNotFound)
      return std::optional<secrets::SecretMetadata>();
    return meta.status();
  }
  if (meta->deleted_date) {
    return FailedPreconditionError("'" + name +
                                   "' is scheduled for deletion; run 'keyward "
                                   "restore " +
                                   name + "' first");
  }
  return std::optional<secrets::SecretMetadata>(std::move(*meta));
}

// CreateSecret or PutSecretValue of `value`.
Status WriteValue(secrets::SecretsManagerApi& api, const PutRequest& o,
                  const Declaration& d, bool exists, SecretValue value,
                  PutResult& r) {
  if (!exists) {
    secrets::CreateSecretRequest req;
    req.name = o.name;
    req.description = !o.description.empty() ? o.description
                      : d.secret             ? d.secret->description
                                             : "";
    req.payload.string = std::move(value);
    req.tags = TagsFor(d);
    KW_ASSIGN_OR_RETURN(r.write, api.CreateSecret(req));
    r.action = PutAction::kCreated;
    return OkStatus();
  }
  if (!o.description.empty())
    r.notes.push_back("--description only applies on create");
  secrets::PutSecretValueRequest req;
  req.secret_id = o.name;
  // No ClientRequestToken: the client makes one and its retries reuse it.
  req.payload.string = std::move(value);
  KW_ASSIGN_OR_RETURN(r.write, api.PutSecretValue(req));
  r.action = PutAction::kUpdated;
  return OkStatus();
}

}  // namespace

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

StatusOr<Declaration> Declare(const std::string& name,
                              const std::vector<std::string>& keys,
                              const std::optional<inventory::Inventory>& inv) {
  Declaration d;
  d.properties = keys;
  if (!inv) return d;
  d.inventory_present = true;
  d.inventory_path = inv->path;
  d.secret = inv->FindSecret(name);
  if (d.secret == nullptr) {
    return InvalidArgumentError(
        "'" + name + "' is not declared in " + inv->path +
        "; add it there (description, consumers, properties) "
        "and commit before populating it");
  }
  if (!keys.empty()) {
    d.warnings.push_back("--keys ignored: " + inv->path +
                         " declares the properties");
  }
  d.properties = d.secret->properties;
  return d;
}

std::string_view PutActionName(PutAction action) {
  switch (action) {
    case PutAction::kCreated:
      return "created";
    case PutAction::kUpdated:
      return "updated";
    case PutAction::kUnchanged:
      return "unchanged";
  }
  return "unchanged";
}

std::vector<secrets::Tag> TagsFor(const Declaration& d) {
  std::vector<secrets::Tag> tags = {{"managed-by", "keyward"}};
  if (d.secret == nullptr) return tags;
  if (d.secret->category != NameCategory::kUnknown)
    tags.push_back({"category", std::string(CategoryName(d.secret->category))});
  std::string consumers;
  for (const auto& c : d.secret->consumers)
    consumers += (consumers.empty() ? "" : " ") + c;
  if (!consumers.empty())
    tags.push_back({"consumers", consumers.substr(0, 256)});
  if (d.secret->rotation.status != inventory::RotationStatus::kUnset) {
    tags.push_back({"rotation", std::string(inventory::RotationStatusName(
                                    d.secret->rotation.status))});
  }
  return tags;
}

StatusOr<PutResult> Put(secrets::SecretsManagerApi& api, const PutRequest& o,
                        const Declaration& d, SuppliedValue v) {
  KW_ASSIGN_OR_RETURN(std::optional<secrets::SecretMetadata> meta,
                      Existing(api, o.name));
  std::optional<SuppliedValue> current;
  if (meta) {
    KW_ASSIGN_OR_RETURN(current, Current(api, o.name));
  }
  KW_RETURN_IF_ERROR(Generate(api, o, v));
  if (o.merge) KW_RETURN_IF_ERROR(Merge(o.name, current, v));
  KW_RETURN_IF_ERROR(CheckAgainstDeclaration(o, d, v));
  PutResult r;
  r.properties = v.Keys();
  for (const auto& g : o.generate) r.generated.push_back(g.key);
  SecretValue value = Serialize(v);
  if (value.size() > secrets::kMaxSecretValueBytes) {
    return InvalidArgumentError(
        "the value is " + std::to_string(value.size()) +
        " bytes; Secrets Manager accepts at most 65536");
  }
  if (current && SameValue(*current, v)) {
    r.action = PutAction::kUnchanged;
    r.write = {meta->arn, meta->name, meta->CurrentVersionId(), {"AWSCURRENT"}};
    return r;
  }
  KW_RETURN_IF_ERROR(
      WriteValue(api, o, d, meta.has_value(), std::move(value), r));
  return r;
}

}  // namespace keyward::cli

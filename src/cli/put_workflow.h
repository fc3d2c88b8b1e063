// keyward put's workflow as a plain function over SecretsManagerApi: check
// the value against the inventory's declaration, fill --generate'd
// properties, merge, and create the secret or write a new version (nothing
// when the value is unchanged). Where the value comes from (prompt, file,
// stdin) and how the result is printed stay in put_cmd.cc.
#ifndef KEYWARD_SRC_CLI_PUT_WORKFLOW_H_
#define KEYWARD_SRC_CLI_PUT_WORKFLOW_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/value_input.h"
#include "keyward/inventory/inventory.h"
#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward::cli {

// --generate KEY[=LENGTH].
struct GenerateSpec {
  std::string key;
  int length = 32;
};
// INVALID_ARGUMENT for an empty KEY or a LENGTH outside 8-4096.
StatusOr<std::vector<GenerateSpec>> ParseGenerate(
    const std::vector<std::string>& specs);

// What the inventory says about the secret (empty when there is none).
struct Declaration {
  bool inventory_present = false;
  std::string inventory_path;
  const inventory::Secret* secret = nullptr;  // points into the inventory
  std::vector<std::string> properties;        // declared, or --keys
  std::vector<std::string> warnings;          // e.g. "--keys ignored: ..."
};
// The declaration of `name`: its inventory entry when there is an inventory
// (INVALID_ARGUMENT when `name` is not declared there), else `keys`.
StatusOr<Declaration> Declare(const std::string& name,
                              const std::vector<std::string>& keys,
                              const std::optional<inventory::Inventory>& inv);

struct PutRequest {
  std::string name;
  std::string description;  // on create (default: the inventory's)
  std::vector<GenerateSpec> generate;
  std::string exclude_characters;  // for --generate
  bool exclude_punctuation = false;
  bool merge = false;        // keep current properties not supplied
  bool allow_extra = false;  // accept undeclared properties
};

enum class PutAction { kCreated, kUpdated, kUnchanged };
// "created", "updated", "unchanged" (the text and JSON output's word).
std::string_view PutActionName(PutAction action);

struct PutResult {
  PutAction action = PutAction::kUnchanged;
  secrets::WriteResult write;  // the unchanged case: the current version
  std::vector<std::string> properties;
  std::vector<std::string> generated;
  std::vector<std::string> notes;  // e.g. "--description only applies ..."
};

// Writes `value` for `request.name`: CreateSecret (description and tags from
// the declaration), PutSecretValue with a fresh ClientRequestToken, or
// nothing when the value equals the current one. FAILED_PRECONDITION when
// the secret is scheduled for deletion; INVALID_ARGUMENT when the value does
// not match the declaration or exceeds 65536 bytes.
StatusOr<PutResult> Put(secrets::SecretsManagerApi& api,
                        const PutRequest& request, const Declaration& d,
                        SuppliedValue value);

// The tags put on create: managed-by, and category, consumers, rotation from
// the inventory.
std::vector<secrets::Tag> TagsFor(const Declaration& d);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_PUT_WORKFLOW_H_

// keyward server --inventory FILE: one IAM principal per application of the
// inventory, plus the operator (docs/server.md, "Principals from the
// inventory").
//
//   - every application gets the profile [APP] in the credentials file (a
//     new key pair is appended when the profile is missing; existing ones
//     are never changed), the principal of its iam_principal (or the derived
//     arn:aws:iam::ACCOUNT:user/APP), principal tags app=APP (and
//     owner=OWNER), and the identity policy `keyward iam policy --app APP
//     --region '*' --batch-get` prints;
//   - the operator gets [keyward-operator], arn:aws:iam::ACCOUNT:user/
//     keyward-operator and `keyward iam policy --operator --region '*'`;
//   - every other key of the file is the IAM user named like its profile,
//     with no policy (denied) unless --policy gives it one.
#ifndef KEYWARD_CLI_SERVER_INVENTORY_H_
#define KEYWARD_CLI_SERVER_INVENTORY_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/inventory/inventory.h"
#include "keyward/runtime.h"
#include "keyward/server/auth.h"
#include "keyward/status.h"

namespace keyward::cli {

inline constexpr std::string_view kOperatorProfile = "keyward-operator";

// A random access key id ("AKIA" + 16) or secret key (40 characters).
std::string NewAccessKeyId(const Random& random);
std::string NewSecretAccessKey(const Random& random);

// Loads `path` (must lint clean) for the server. INVALID_ARGUMENT naming the
// file and the fix otherwise, and when an application's iam_principal is
// not an IAM user in `account_id` (the server's --account-id).
StatusOr<inventory::Inventory> LoadServerInventory(
    const FileSystem& fs, const std::string& path,
    const std::string& account_id);

// Appends a key pair for every application and the operator that has no
// profile in the credentials file at `creds_path` yet (creating it 0600 when
// absent). Returns the number of profiles added.
StatusOr<int> EnsureInventoryProfiles(const inventory::Inventory& inv,
                                      const std::string& creds_path,
                                      const Runtime& rt);

// Attaches principals and identity policies to `keys` as described above.
// Keys that already carry a policy (--policy) keep it.
Status AttachInventoryPrincipals(const inventory::Inventory& inv,
                                 const std::string& account_id,
                                 std::vector<server::AccessKey>& keys);

// Writes `content` to a new file with mode 0600 (fails if it exists).
Status WriteNew0600(const std::string& path, std::string_view content);

// The generated credentials file for a store ([keyward-local]): created
// once, then reused. `*created` tells whether this call wrote it.
Status EnsureGeneratedCredentials(const std::string& path, const Random& random,
                                  bool* created);

// Every key is a principal: the inventory's, else the IAM user named like
// its profile (what STS GetCallerIdentity reports for it).
void AttachDefaultPrincipals(const std::string& account_id,
                             std::vector<server::AccessKey>& keys);

}  // namespace keyward::cli

#endif  // KEYWARD_CLI_SERVER_INVENTORY_H_

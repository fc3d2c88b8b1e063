// Version helpers shared by `keyward history`, `rollback` and `inventory
// report`, and the rollback workflow.
#ifndef KEYWARD_SRC_CLI_VERSIONS_H_
#define KEYWARD_SRC_CLI_VERSIONS_H_

#include <string>
#include <vector>

#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward::cli {

// Every version of `name` (all pages, deprecated included), newest first.
// Errors: those of ListSecretVersionIds (NOT_FOUND for an unknown secret).
StatusOr<std::vector<secrets::SecretVersion>> AllVersions(
    secrets::SecretsManagerApi& api, const std::string& name);

// "AWSCURRENT,AWSPREVIOUS"; "(deprecated)" for none.
std::string JoinStages(const std::vector<std::string>& stages);

// True when `stages` contains `stage`.
bool HasStage(const std::vector<std::string>& stages, std::string_view stage);

// keyward rollback: moves AWSCURRENT to `to` (which must exist; NOT_FOUND
// otherwise) or, when `to` is empty, to the AWSPREVIOUS version
// (FAILED_PRECONDITION when there is none). Changes nothing when the target
// is already current.
struct RollbackResult {
  std::string name;
  std::string previous_current;  // AWSCURRENT before ("" when none)
  std::string version_id;        // AWSCURRENT now
  bool changed = false;
};
StatusOr<RollbackResult> Rollback(secrets::SecretsManagerApi& api,
                                  const std::string& name,
                                  const std::string& to);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_VERSIONS_H_

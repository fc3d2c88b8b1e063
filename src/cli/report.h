// keyward inventory report: the Phase 0 exit criteria and the rotation
// picture of every declared secret, as a plain function over the parsed
// inventory, the scan and drift results and a SecretsManagerApi. The command
// (inventory_cmd.cc) gathers the inputs and renders the Report.
#ifndef KEYWARD_SRC_CLI_REPORT_H_
#define KEYWARD_SRC_CLI_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "keyward/env.h"
#include "keyward/inventory/drift.h"
#include "keyward/inventory/inventory.h"
#include "keyward/inventory/scan.h"
#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward::cli {

enum class CriterionStatus { kPass, kFail, kSkip };
// "PASS", "FAIL", "SKIP".
std::string_view CriterionStatusName(CriterionStatus status);

struct Criterion {
  std::string name;
  CriterionStatus status = CriterionStatus::kSkip;
  std::string detail;
};

// The rotation picture of one declared secret: the inventory's
// last_rotated next to the store's AWSCURRENT version date.
struct RotationRow {
  std::string store_date;  // "YYYY-MM-DD" of AWSCURRENT, "" when unknown
  std::string note;        // "", "OVERDUE", "dates disagree", "not in store"
  bool overdue = false;
  bool disagree = false;
};

struct ReportInputs {
  const inventory::ParsedInventory* parsed = nullptr;
  // The --scan result; nullopt when --scan was not given (SKIP).
  std::optional<StatusOr<inventory::ScanResult>> scan;
  // The drift check; nullopt under --no-store (SKIP).
  std::optional<StatusOr<inventory::DriftReport>> drift;
  // Where the AWSCURRENT dates come from; null: not read.
  secrets::SecretsManagerApi* store = nullptr;
  Clock::time_point now;
};

struct Report {
  std::vector<Criterion> criteria;  // centralized, complete, names, IAM
  std::vector<std::string> evidence;
  std::map<std::string, RotationRow> rotation;  // by secret name
  bool failed = false;                          // some criterion FAILed
  std::size_t skipped = 0;                      // criteria not checked
  // "met" only when every criterion was checked; "met, N not checked";
  // "not met".
  std::string verdict;
  bool Met() const { return !failed && skipped == 0; }
};

Report BuildReport(const ReportInputs& in);

// The rotation row of `s` (reads its versions from `api` when not null).
RotationRow RotationOf(const inventory::Secret& s,
                       secrets::SecretsManagerApi* api, Clock::time_point now);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_REPORT_H_

// keyward describe NAME: a secret's metadata (DescribeSecret); never values.
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inventory_source.h"
#include "cli/output.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

Json MetadataJson(const secrets::SecretMetadata& m) {
  Json versions = Json::object();
  for (const auto& [id, stages] : m.version_ids_to_stages)
    versions[id] = stages;
  Json tags = Json::array();
  for (const auto& t : m.tags)
    tags.push_back({{"Key", t.key}, {"Value", t.value}});
  Json j{{"Name", m.name},
         {"ARN", m.arn},
         {"Description", m.description},
         {"Tags", tags},
         {"VersionIdsToStages", versions},
         {"CreatedDate", TimeOrDash(m.created_date)},
         {"LastChangedDate", TimeOrDash(m.last_changed_date)},
         {"LastAccessedDate", TimeOrDash(m.last_accessed_date)},
         {"RotationEnabled", m.rotation_enabled}};
  if (m.deleted_date) j["DeletedDate"] = TimeOrDash(m.deleted_date);
  if (!m.kms_key_id.empty()) j["KmsKeyId"] = m.kms_key_id;
  return j;
}

CommandResult Run(Cli& cli, const std::string& name) {
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  auto m = (*client)->DescribeSecret(name);
  if (!m.ok()) return WithSecretSuggestions(cli, m.status(), name);
  if (cli.json()) {
    cli.out() << MetadataJson(*m).dump(2) << "\n";
    return kExitOk;
  }
  std::string tags;
  for (const auto& t : m->tags)
    tags += (tags.empty() ? "" : ", ") + t.key + "=" + t.value;
  std::vector<std::vector<std::string>> rows = {
      {"Name:", m->name},
      {"ARN:", m->arn},
      {"Description:", m->description.empty() ? "-" : m->description},
      {"Tags:", tags.empty() ? "-" : tags},
      {"Created:", TimeOrDash(m->created_date)},
      {"Last changed:", TimeOrDash(m->last_changed_date)},
      {"Last accessed:", TimeOrDash(m->last_accessed_date)},
      {"Rotation:", m->rotation_enabled ? "enabled" : "disabled"}};
  if (m->deleted_date)
    rows.push_back({"Scheduled for deletion:", TimeOrDash(m->deleted_date)});
  PrintTable(cli.out(), rows);
  cli.out() << "Versions:\n";
  std::vector<std::vector<std::string>> vrows = {{"  VERSION ID", "STAGES"}};
  for (const auto& [id, stages] : m->version_ids_to_stages) {
    std::string s;
    for (const auto& st : stages) s += (s.empty() ? "" : ",") + st;
    vrows.push_back({"  " + id, s.empty() ? "(deprecated)" : s});
  }
  PrintTable(cli.out(), vrows);
  return kExitOk;
}

void SetupDescribe(CLI::App& app, Cli& cli) {
  AddSecretCommand(
      app, cli, "describe", "Show a secret's metadata and versions",
      "Example:\n  keyward describe platform-data/postgres/orders -o json",
      &Run);
}

}  // namespace

void AddDescribeCommand(CLI::App& app, Cli& cli) { SetupDescribe(app, cli); }

}  // namespace keyward::cli

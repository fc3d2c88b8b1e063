// CopyToVault and LocateSecrets. Secret values live in SecretValue /
// SecureString buffers and wiped json trees; only digests are compared.
#include "keyward/migrate/vault_copy.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "core/text.h"
#include "migrate/journal.h"
#include "migrate/store_reader.h"
#include "secrets/json_codec.h"

namespace keyward::migrate {
namespace {

std::string HexSha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return text::HexEncode(
      std::string_view(reinterpret_cast<const char*>(md), len));
}

// The canonical (sorted keys, compact) serialization of a JSON object.
std::optional<SecretValue> Canonical(std::string_view json) {
  auto j = secrets::ParseJson(json);
  if (!j) return std::nullopt;
  if (!j->is_object()) {
    secrets::WipeJson(*j);
    return std::nullopt;
  }
  return SecretValue::Adopt(secrets::DumpAndWipe(*j));
}

// The store value as canonical JSON, or the outcome that prevents a copy.
struct StoreValue {
  std::optional<SecretValue> canonical;
  std::string digest;
  CopyOutcome outcome = CopyOutcome::kError;
  std::string detail;
};

StoreValue FromStoreRead(const StoreRead& read) {
  StoreValue v;
  if (!read.value) {
    v.outcome = read.status.code() == StatusCode::kNotFound
                    ? CopyOutcome::kMissingInStore
                    : CopyOutcome::kError;
    v.detail = read.status.message();
    return v;
  }
  const secrets::SecretPayload& p = read.value->payload;
  if (!p.string) {
    v.outcome = CopyOutcome::kUnsupported;
    v.detail = "binary value: KV v2 holds JSON objects of properties";
    return v;
  }
  v.canonical = Canonical(p.string->Reveal());
  if (!v.canonical) {
    v.outcome = CopyOutcome::kUnsupported;
    v.detail = "value is not a JSON object of properties";
    return v;
  }
  v.digest = HexSha256(v.canonical->Reveal());
  return v;
}

class Copier {
 public:
  Copier(vault::VaultKv2Client& vault, const CopyOptions& o,
         const JournalState& journal)
      : vault_(vault), o_(o), journal_(journal) {}

  CopyResult Copy(const StoreRead& read) {
    CopyResult r;
    r.name = read.name;
    if (read.value) r.store_version_id = read.value->version_id;
    StoreValue sv = FromStoreRead(read);
    if (!sv.canonical) {
      r.outcome = sv.outcome;
      r.detail = sv.detail;
      return r;
    }
    const JournalEntry* done = journal_.LastDone(r.name);
    if (done != nullptr && !o_.recheck && !r.store_version_id.empty() &&
        done->store_version_id == r.store_version_id) {
      r.outcome = CopyOutcome::kAlreadyDone;
      r.vault_version = done->vault_version;
      r.detail = "journal: done for this store version";
      return r;
    }
    auto current = vault_.Read(r.name);
    std::optional<int> cas;
    if (current.ok()) {
      r.vault_version = current->version;
      if (CanonicalDigest(current->data.Reveal()).value_or("") == sv.digest) {
        r.outcome = CopyOutcome::kIdentical;
        return r;
      }
      bool ours = done != nullptr && done->vault_version == current->version;
      if (!ours && !o_.overwrite_unknown) {
        r.outcome = CopyOutcome::kConflict;
        r.detail =
            "Vault version " + std::to_string(current->version) +
            " differs and was not written by keyward (use --overwrite-unknown)";
        return r;
      }
      cas = current->version;
    } else if (current.status().code() == StatusCode::kNotFound) {
      cas = 0;
    } else {
      r.outcome = CopyOutcome::kError;
      r.detail = current.status().message();
      return r;
    }
    if (o_.dry_run) {
      r.outcome =
          *cas == 0 ? CopyOutcome::kWouldCopy : CopyOutcome::kWouldUpdate;
      return r;
    }
    return WriteAndVerify(std::move(r), *sv.canonical, sv.digest, *cas);
  }

 private:
  CopyResult WriteAndVerify(CopyResult r, const SecretValue& value,
                            const std::string& digest, int cas) {
    auto written = vault_.Write(r.name, value, cas);
    if (!written.ok()) {
      bool race = written.status().code() == StatusCode::kAborted;
      r.outcome = race ? CopyOutcome::kConflict : CopyOutcome::kError;
      r.detail =
          race ? "check-and-set failed: Vault changed since it was read (cas=" +
                     std::to_string(cas) + "); re-run to re-evaluate"
               : written.status().message();
      return r;
    }
    r.vault_version = *written;
    auto back = vault_.Read(r.name, *written);
    if (!back.ok()) {
      r.outcome = CopyOutcome::kVerifyFailed;
      r.detail = "read-back failed: " + back.status().message();
      return r;
    }
    if (CanonicalDigest(back->data.Reveal()).value_or("") != digest) {
      r.outcome = CopyOutcome::kVerifyFailed;
      r.detail = "read-back digest of version " + std::to_string(*written) +
                 " differs from the store's";
      return r;
    }
    r.outcome = cas == 0 ? CopyOutcome::kCopied : CopyOutcome::kUpdated;
    return r;
  }

  vault::VaultKv2Client& vault_;
  const CopyOptions& o_;
  const JournalState& journal_;
};

}  // namespace

std::string_view CopyOutcomeName(CopyOutcome outcome) {
  switch (outcome) {
    case CopyOutcome::kCopied:
      return "copied";
    case CopyOutcome::kUpdated:
      return "updated";
    case CopyOutcome::kIdentical:
      return "identical";
    case CopyOutcome::kAlreadyDone:
      return "already-done";
    case CopyOutcome::kWouldCopy:
      return "would-copy";
    case CopyOutcome::kWouldUpdate:
      return "would-update";
    case CopyOutcome::kConflict:
      return "conflict";
    case CopyOutcome::kMissingInStore:
      return "missing-in-store";
    case CopyOutcome::kUnsupported:
      return "unsupported";
    case CopyOutcome::kVerifyFailed:
      return "verify-failed";
    case CopyOutcome::kError:
      return "error";
  }
  return "error";
}

bool IsDone(CopyOutcome outcome) {
  return outcome == CopyOutcome::kCopied || outcome == CopyOutcome::kUpdated ||
         outcome == CopyOutcome::kIdentical ||
         outcome == CopyOutcome::kAlreadyDone;
}

bool CopyReport::ok() const {
  return std::all_of(results.begin(), results.end(), [](const CopyResult& r) {
    return IsDone(r.outcome) || r.outcome == CopyOutcome::kWouldCopy ||
           r.outcome == CopyOutcome::kWouldUpdate;
  });
}

std::optional<std::string> CanonicalDigest(std::string_view json) {
  auto c = Canonical(json);
  if (!c) return std::nullopt;
  return HexSha256(c->Reveal());
}

StatusOr<CopyReport> CopyToVault(const std::vector<std::string>& input,
                                 secrets::SecretsManagerApi& store,
                                 vault::VaultKv2Client& vault,
                                 const CopyOptions& options) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> names = input;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  JournalState journal;
  std::unique_ptr<JournalWriter> writer;
  if (!options.journal_path.empty()) {
    KW_ASSIGN_OR_RETURN(journal,
                        LoadJournal(options.journal_path, *options.runtime.fs));
    if (!options.dry_run) {
      KW_ASSIGN_OR_RETURN(writer, JournalWriter::Open(options.journal_path,
                                                      *options.runtime.clock));
    }
  }
  std::int64_t vault_before = vault.request_count();
  std::atomic<std::int64_t> store_requests{0};
  CopyReport report;
  report.results.resize(names.size());
  Copier copier(vault, options, journal);
  ForEachBatch(
      names.size(), options.parallelism,
      [&](std::size_t first, std::size_t last) {
        std::vector<std::string> batch(names.begin() + first,
                                       names.begin() + last);
        std::vector<StoreRead> reads = ReadBatch(store, batch, store_requests);
        for (std::size_t i = 0; i < reads.size(); ++i) {
          CopyResult r = copier.Copy(reads[i]);
          if (writer != nullptr && r.outcome != CopyOutcome::kAlreadyDone)
            writer->Append(r);
          report.results[first + i] = std::move(r);
        }
      });
  if (writer != nullptr) KW_RETURN_IF_ERROR(writer->Close());
  report.store_requests = store_requests.load();
  report.vault_requests = vault.request_count() - vault_before;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return report;
}

std::string_view LocationName(Location location) {
  switch (location) {
    case Location::kStoreOnly:
      return "store-only";
    case Location::kBothInSync:
      return "both-in-sync";
    case Location::kBothDiffering:
      return "both-differing";
    case Location::kVaultOnly:
      return "vault-only";
    case Location::kNowhere:
      return "nowhere";
    case Location::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

SecretLocation Locate(const StoreRead& read, vault::VaultKv2Client& vault) {
  SecretLocation loc;
  loc.name = read.name;
  StoreValue sv = FromStoreRead(read);
  bool in_store = read.value.has_value();
  if (!in_store && read.status.code() != StatusCode::kNotFound &&
      read.status.code() != StatusCode::kFailedPrecondition) {
    loc.detail = read.status.message();
    return loc;  // unknown
  }
  auto v = vault.Read(read.name);
  if (!v.ok() && v.status().code() != StatusCode::kNotFound) {
    loc.detail = v.status().message();
    return loc;
  }
  bool in_vault = v.ok();
  if (in_vault) loc.vault_version = v->version;
  if (in_store && in_vault) {
    bool same = sv.canonical &&
                CanonicalDigest(v->data.Reveal()).value_or("") == sv.digest;
    loc.location = same ? Location::kBothInSync : Location::kBothDiffering;
    if (!sv.canonical) loc.detail = sv.detail;
  } else if (in_store) {
    loc.location = Location::kStoreOnly;
  } else if (in_vault) {
    loc.location = Location::kVaultOnly;
  } else {
    loc.location = Location::kNowhere;
  }
  return loc;
}

bool IsPlatformName(std::string_view name) {
  return name.starts_with("platform-data/") ||
         name.starts_with("platform-config/");
}

}  // namespace

StatusOr<LocationReport> LocateSecrets(const std::vector<std::string>& input,
                                       secrets::SecretsManagerApi& store,
                                       vault::VaultKv2Client& vault,
                                       int parallelism) {
  std::vector<std::string> names = input;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  LocationReport report;
  std::int64_t vault_before = vault.request_count();
  std::atomic<std::int64_t> store_requests{0};
  secrets::ListSecretsRequest list;
  list.include_planned_deletion = true;
  list.max_results = 100;
  KW_ASSIGN_OR_RETURN(auto all, store.ListAllSecrets(list));
  for (const auto& m : all) {
    if (!IsPlatformName(m.name)) continue;
    (m.deleted_date ? report.store_scheduled_for_deletion : report.store_live)
        .push_back(m.name);
  }
  std::sort(report.store_live.begin(), report.store_live.end());
  std::sort(report.store_scheduled_for_deletion.begin(),
            report.store_scheduled_for_deletion.end());
  report.secrets.resize(names.size());
  ForEachBatch(
      names.size(), parallelism, [&](std::size_t first, std::size_t last) {
        std::vector<std::string> batch(names.begin() + first,
                                       names.begin() + last);
        std::vector<StoreRead> reads = ReadBatch(store, batch, store_requests);
        for (std::size_t i = 0; i < reads.size(); ++i) {
          report.secrets[first + i] = Locate(reads[i], vault);
        }
      });
  report.store_requests =
      store_requests.load() + 1 + static_cast<std::int64_t>(all.size() / 100);
  report.vault_requests = vault.request_count() - vault_before;
  return report;
}

}  // namespace keyward::migrate

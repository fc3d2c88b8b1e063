// keyward server's start-up plan: the flags (ServerFlags), checked and
// resolved into what start-up needs (ServerPlan: regions, the address to
// bind, the key and credentials files), and the shell lines printed and
// written to --env-file once the port is bound. Pure functions; the
// command (server_cmd.cc) opens the store and runs the loop.
#ifndef KEYWARD_SRC_CLI_SERVER_SETUP_H_
#define KEYWARD_SRC_CLI_SERVER_SETUP_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "keyward/status.h"

namespace keyward::cli {

struct ServerFlags {
  std::string store;
  std::string listen = "127.0.0.1:4585";
  std::string credentials;
  std::string inventory;  // --inventory: a principal per application
  std::string key_file;
  std::vector<std::string> policies;  // KEY_OR_PROFILE=FILE
  std::string roles;                  // STS roles file (JSON)
  std::vector<std::string> regions;   // --region (repeatable) + --regions
  std::string account_id = "123456789012";
  std::string tls_cert, tls_key;
  std::string access_log = "-";
  std::string env_file;
  std::size_t max_body_bytes = 256 * 1024;
  int threads = 0;
  std::size_t max_connections = 0;
  std::string rotation_hook;
  std::string rotation_profile;
  double rotation_hook_timeout = 60;
  double rotation_check_interval = 60;
  double rotation_day_seconds = 86400;  // hidden, for tests
};

struct ServerPlan {
  std::vector<std::string> regions;  // served; empty: every region
  std::string region;                // the default (first --region, ...)
  std::string host;                  // to bind (brackets removed)
  int port = 0;
  std::string dir;         // the store's directory (private, created)
  std::string key_file;    // --key-file, else STORE.key
  std::string creds_path;  // --credentials, else DIR/credentials
};

// Checks and resolves the flags; `global_region` is the global --region.
// INVALID_ARGUMENT for a bad --listen or a --region outside the aws
// partition.
StatusOr<ServerPlan> PlanServer(const ServerFlags& f,
                                const std::string& global_region);

// "HOST:PORT" ("[::1]:PORT" for IPv6) -> host, port.
StatusOr<std::pair<std::string, int>> ParseListen(const std::string& listen);

// The regions served (empty: every region of the partition) and the default
// one: the first --region, else the global --region, else us-east-1.
StatusOr<std::pair<std::vector<std::string>, std::string>> Regions(
    const ServerFlags& f, const std::string& global_region);

// The directory part of `path` ("." when there is none).
std::string DirName(const std::string& path);

// The "export AWS_...=..." lines for a client of the server at `endpoint`:
// endpoint, region, credentials file and the profile to use (`profile`,
// none when empty).
std::string ClientEnvironment(const ServerPlan& plan,
                              const std::string& endpoint,
                              const std::string& profile);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_SERVER_SETUP_H_

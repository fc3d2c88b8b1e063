// The AWS Secrets Manager Agent's request grammar, parsed as that project's
// parse.rs and server.rs do (aws/aws-secretsmanager-agent), plus keyward's
// /metrics:
//
//   GET /ping                                   -> "healthy" (no token)
//   GET /secretsmanager/get?secretId=ID[&versionId=V][&versionStage=S]
//                                               [&refreshNow=true|false|1|0]
//   GET {path_prefix}ID[?versionId=..&versionStage=..&refreshNow=..]
//   GET /metrics                                -> Prometheus text (token)
//
// Query strings are decoded as application/x-www-form-urlencoded ('+' is a
// space, %XX escapes); an unknown parameter, a bad refreshNow or a missing
// id is a 400 with the AWS agent's message. Path-style ids are
// percent-decoded as well (the AWS agent passes them through encoded; a
// valid secret name never contains '%', so both read the same secrets).
//
// Pure functions, no I/O: the fuzz target fuzz/agent_request_fuzz.cc drives
// them directly.
#ifndef KEYWARD_SRC_AGENT_REQUEST_H_
#define KEYWARD_SRC_AGENT_REQUEST_H_

#include <string>
#include <string_view>

namespace keyward::agent {

enum class RequestKind { kPing, kMetrics, kGetSecret, kNotFound, kBadRequest };

struct AgentRequest {
  RequestKind kind = RequestKind::kNotFound;
  std::string secret_id;
  std::string version_id;     // "" when absent
  std::string version_stage;  // "" when absent
  bool refresh_now = false;
  std::string error;  // kBadRequest: the message for the 400 body
};

// The path of a request target: everything before '?' (or '#').
std::string_view TargetPath(std::string_view target);

// Classifies and parses `target` (as sent: "/path?query").
AgentRequest ParseAgentRequest(std::string_view target,
                               std::string_view path_prefix);

// Decodes %XX escapes (and '+' as space when `plus_is_space`); malformed
// escapes are kept as they are, like the WHATWG URL parser.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_REQUEST_H_

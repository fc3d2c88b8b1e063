// libFuzzer target for `keyward agent`'s request parsing: the input is a
// request target (the first line is the path prefix when it starts with '/'
// and the input has a newline), parsed as the AWS Secrets Manager Agent's
// grammar (agent/request.h). Checks invariants rather than just crashes: a
// GetSecret request always has a non-empty id, a bad request always has a
// message, and the AWS-style error body built from any message is one JSON
// object that nlohmann::json accepts.
//
// Seeds: fuzz/agent_request_corpus (one target per file).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "agent/request.h"
#include "agent/response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view prefix = "/v1/";
  if (std::size_t nl = in.find('\n');
      nl != std::string_view::npos && in.starts_with("/")) {
    prefix = in.substr(0, nl);
    in.remove_prefix(nl + 1);
  }
  using keyward::agent::RequestKind;
  keyward::agent::AgentRequest r =
      keyward::agent::ParseAgentRequest(in, prefix);
  if (r.kind == RequestKind::kGetSecret && r.secret_id.empty()) std::abort();
  if (r.kind == RequestKind::kBadRequest && r.error.empty()) std::abort();
  std::string body = keyward::agent::AwsErrorBody("ValidationException",
                                                  r.error + r.secret_id);
  if (!nlohmann::json::accept(body)) {
    // Only invalid UTF-8 may make it unacceptable (serde_json would not
    // have produced such a string either).
    bool ascii = true;
    for (unsigned char c : r.error + r.secret_id) ascii = ascii && c < 0x80;
    if (ascii) std::abort();
  }
  return 0;
}

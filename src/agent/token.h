// The agent's SSRF tokens.
//
// Single-token mode (the AWS agent's): the token is the value of the first
// set variable among `env_variables` (default AWS_TOKEN, AWS_SESSION_TOKEN,
// AWS_CONTAINER_AUTHORIZATION_TOKEN); "file:///path" means the trimmed
// contents of that file (utils.rs get_token).
//
// Per-application mode: each application's token lives in its own file,
// created by the agent with 32 random bytes (hex), mode 0640 and the
// application's group, and reused across restarts when it is still ours and
// private.
//
// Tokens are compared in constant time (CRYPTO_memcmp after a length check
// that reveals only the length).
#ifndef KEYWARD_SRC_AGENT_TOKEN_H_
#define KEYWARD_SRC_AGENT_TOKEN_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/env.h"
#include "keyward/runtime.h"
#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::agent {

// NOT_FOUND naming the variables when none is set; the file's error (NOT_FOUND
// / PERMISSION_DENIED) for a file:// reference; INVALID_ARGUMENT for an empty
// token.
StatusOr<SecretValue> ResolveSsrfToken(
    const std::vector<std::string>& env_variables, const Environment& env,
    const FileSystem& fs);

// Reads `path` when it holds a usable token (owned by us, not readable by
// others, at least 32 characters), else writes a new one there (0640, group
// `group` when not empty: INVALID_ARGUMENT for an unknown group), made of
// 32 bytes from `random`. Errors name the path, never the token.
StatusOr<SecretValue> EnsureTokenFile(const std::string& path,
                                      const std::string& group,
                                      const Random& random);

bool TokensEqual(std::string_view presented, const SecretValue& token);

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_TOKEN_H_

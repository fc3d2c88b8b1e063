// sd_notify without libsystemd: tells the service manager about start-up and
// shutdown of a `Type=notify` unit by sending one datagram to the AF_UNIX
// socket named in $NOTIFY_SOCKET (sd_notify(3)'s documented protocol). A
// path starting with '@' is an abstract-namespace socket.
//
//   SdNotify(env, "READY=1");      // once the service can take requests
//   SdNotify(env, "STOPPING=1");   // when shutdown begins
//   SdNotify(env, "STATUS=serving 12 secrets");
//
// Outside systemd (NOTIFY_SOCKET unset or empty) every call is a no-op that
// returns OK, so daemons call it unconditionally.
//
// Thread-safety: safe from any thread (each call uses its own socket).
#ifndef KEYWARD_SRC_CORE_SD_NOTIFY_H_
#define KEYWARD_SRC_CORE_SD_NOTIFY_H_

#include <string_view>

#include "keyward/env.h"
#include "keyward/status.h"

namespace keyward {

// Sends `state` (newline-separated VAR=VALUE assignments) to `notify_socket`.
// OK when sent, or when `notify_socket` is empty. INVALID_ARGUMENT for a
// socket name that is neither an absolute path nor '@'-abstract, or too long;
// UNAVAILABLE when the datagram cannot be sent (naming the socket).
Status SdNotifyTo(std::string_view notify_socket, std::string_view state);

// SdNotifyTo($NOTIFY_SOCKET from `env`, state).
Status SdNotify(const Environment& env, std::string_view state);

}  // namespace keyward

#endif  // KEYWARD_SRC_CORE_SD_NOTIFY_H_

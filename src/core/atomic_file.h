// Writing a file so that readers see either the old or the new contents,
// never a mix, even across a crash: a temporary file in the same folder,
// written, chown/chmod-ed and fsync-ed, renamed over the destination, then
// the folder fsync-ed. Used by the real FileSystem::WriteFile (keyward/env.h).
//
// Thread-safety: safe to call concurrently for different paths.
#ifndef KEYWARD_SRC_CORE_ATOMIC_FILE_H_
#define KEYWARD_SRC_CORE_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "keyward/env.h"
#include "keyward/status.h"

namespace keyward {

// Replaces `path` with `data` atomically. On any error the destination is
// untouched and the temporary file removed. NOT_FOUND for an unknown owner
// or group or a missing folder; PERMISSION_DENIED when the folder is not
// writable or chown is not allowed; INTERNAL for other I/O errors. Messages
// name the path, never the data.
Status WriteFileAtomically(const std::string& path, std::string_view data,
                           const FileOwnership& ownership);

}  // namespace keyward

#endif  // KEYWARD_SRC_CORE_ATOMIC_FILE_H_

// RunOnSmallStack: runs a function on a thread with a deliberately small stack
// (1 MiB by default), so a test of "no recursion on untrusted depth" fails by
// crashing there instead of passing on the main thread's 8 MiB.
#ifndef KEYWARD_TESTS_TESTING_SMALL_STACK_H_
#define KEYWARD_TESTS_TESTING_SMALL_STACK_H_

#include <pthread.h>

#include <cstddef>
#include <functional>
#include <string>

namespace keyward::testing {

// Runs `fn` to completion on a new thread whose stack is `stack_bytes`.
// Returns false (and fills `error`) when the thread could not be created.
inline bool RunOnSmallStack(const std::function<void()>& fn,
                            std::size_t stack_bytes = 1 << 20,
                            std::string* error = nullptr) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  auto body = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, body,
                          const_cast<std::function<void()>*>(&fn));
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    if (error) *error = "pthread_create failed: " + std::to_string(rc);
    return false;
  }
  pthread_join(thread, nullptr);
  return true;
}

// `depth` nested arrays around `inner`: [[[...inner...]]].
inline std::string NestedJsonArrays(std::size_t depth,
                                    const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_TESTING_SMALL_STACK_H_

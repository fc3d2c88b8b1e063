// FunctionRef<R(Args...)>: a non-owning reference to a callable, like
// absl::FunctionRef. Two words, never allocates; the callable must outlive
// the call it is passed to (pass lambdas directly as arguments).
//
// Thread-safety: value type; calling it is as safe as calling the callable.
#ifndef KEYWARD_FUNCTION_REF_H_
#define KEYWARD_FUNCTION_REF_H_

#include <memory>
#include <type_traits>
#include <utility>

namespace keyward {

template <typename Sig>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<
                            !std::is_same_v<std::decay_t<F>, FunctionRef> &&
                            std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f) noexcept  // NOLINT: implicit, like absl::FunctionRef
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* obj, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(obj))(
              std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const {
    return call_(obj_, std::forward<Args>(args)...);
  }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

}  // namespace keyward

#endif  // KEYWARD_FUNCTION_REF_H_

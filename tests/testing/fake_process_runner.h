// A fake ProcessRunner: records every request (argv, timeout) and replays
// queued results or errors. A request with nothing queued fails with
// UNAVAILABLE.
#ifndef KEYWARD_TESTS_TESTING_FAKE_PROCESS_RUNNER_H_
#define KEYWARD_TESTS_TESTING_FAKE_PROCESS_RUNNER_H_

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "keyward/process.h"

namespace keyward::testing {

class FakeProcessRunner : public ProcessRunner {
 public:
  StatusOr<ProcessResult> Run(const ProcessRequest& request) override {
    std::lock_guard<std::mutex> l(mu_);
    requests_.push_back(request);
    if (queue_.empty())
      return UnavailableError("FakeProcessRunner: nothing queued");
    StatusOr<ProcessResult> r = std::move(queue_.front());
    queue_.pop_front();
    return r;
  }
  // Queues a run that exits with `exit_code`, writing `out` / `err`.
  void Push(std::string out, int exit_code = 0, std::string err = "") {
    ProcessResult r;
    r.exit_code = exit_code;
    r.out = SecureString(out.begin(), out.end());
    r.err = std::move(err);
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(r));
  }
  void PushError(Status s) {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(s));
  }
  std::vector<ProcessRequest> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<StatusOr<ProcessResult>> queue_;
  std::vector<ProcessRequest> requests_;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_TESTING_FAKE_PROCESS_RUNNER_H_

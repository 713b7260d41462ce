// The progress line a download prints on stderr: file name, percentage, bytes
// done and total, and the rate of this session (resumed bytes do not count).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace fti {

enum class ProgressMode {
  kAuto,  // a progress line on stderr when stderr is a terminal
  kNever,
  kAlways,  // even when stderr is not a terminal (tests, debugging)
};

class ProgressLine {
 public:
  ProgressLine(ProgressMode mode, std::string label);
  ~ProgressLine() { finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // `done` of `total` bytes (total 0: unknown), `session_bytes` of them
  // received by this process. Redraws at most every 200 ms, and at the end.
  void update(std::uint64_t done, std::uint64_t total, std::uint64_t session_bytes);
  // Ends the line, if one was printed (before other output or a wait).
  void finish() noexcept;

 private:
  bool enabled_;
  std::string label_;
  bool started_ = false;
  bool printed_ = false;
  std::chrono::steady_clock::time_point start_{}, last_{};
};

}  // namespace fti

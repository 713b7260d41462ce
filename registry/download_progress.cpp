#include "registry/download_progress.h"

#include "engine/common/terminal.h"
#include "engine/common/text.h"

#include <cstdio>
#include <iterator>
#include <utility>

namespace fti {


ProgressLine::ProgressLine(ProgressMode mode, std::string label)
    : enabled_(mode == ProgressMode::kAlways ||
               (mode == ProgressMode::kAuto && is_terminal(STDERR_FILENO))),
      label_(std::move(label)) {}

void ProgressLine::update(std::uint64_t done, std::uint64_t total, std::uint64_t session_bytes) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!started_) {
    started_ = true;
    start_ = now;
  } else if (now - last_ < std::chrono::milliseconds(200) && (total == 0 || done < total)) {
    return;
  }
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0.05 ? static_cast<double>(session_bytes) / seconds : 0.0;
  std::string line = std::string(kRedrawLine) + label_ + "  ";
  if (total > 0) {
    const double pct = 100.0 * static_cast<double>(done) / static_cast<double>(total);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%5.1f%% ", pct);
    line += buf;
    line += format_bytes(static_cast<double>(done)) + " / " + format_bytes(static_cast<double>(total));
  } else {
    line += format_bytes(static_cast<double>(done));
  }
  line += "  " + format_bytes(rate) + "/s";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  printed_ = true;
}

void ProgressLine::finish() noexcept {
  if (printed_) {
    std::fputs("\n", stderr);
    std::fflush(stderr);
    printed_ = false;
  }
}

}  // namespace fti

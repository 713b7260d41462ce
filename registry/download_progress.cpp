#include "registry/download_progress.h"

#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <utility>

namespace fti {

namespace {

std::string human(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (bytes >= 1024.0 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

}  // namespace

ProgressLine::ProgressLine(ProgressMode mode, std::string label)
    : enabled_(mode == ProgressMode::kAlways ||
               (mode == ProgressMode::kAuto && ::isatty(STDERR_FILENO) == 1)),
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
  std::string line = "\r\x1b[K" + label_ + "  ";
  if (total > 0) {
    const double pct = 100.0 * static_cast<double>(done) / static_cast<double>(total);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%5.1f%% ", pct);
    line += buf;
    line += human(static_cast<double>(done)) + " / " + human(static_cast<double>(total));
  } else {
    line += human(static_cast<double>(done));
  }
  line += "  " + human(rate) + "/s";
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

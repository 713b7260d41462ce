#include "registry/interrupt.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

namespace fti {
namespace {

std::atomic<int> g_scopes{0};
std::atomic<int> g_signal{0};
std::atomic<bool> g_handled{false};
std::atomic<UnhandledInterruptHook> g_hook{nullptr};
std::atomic<int> g_sleepers{0};

static_assert(std::atomic<int>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);

}  // namespace

bool note_interrupt(int signo) noexcept {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, signo)) return false;  // asked twice
  return g_scopes.load() > 0;
}

bool interrupt_requested() noexcept { return g_signal.load() != 0 && !g_handled.load(); }

int interrupt_signal() noexcept { return g_signal.load(); }

std::string interrupt_signal_name(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal " + std::to_string(signo);
  }
}

void throw_interrupted(const std::string& what, const std::string& detail) {
  g_handled = true;
  const int signo = g_signal.load();
  throw Error(ErrorCode::kInterrupted,
              what + ": interrupted" + (signo != 0 ? " by " + interrupt_signal_name(signo) : "") +
                  detail);
}

bool interruptible_sleep(std::chrono::milliseconds duration) {
  struct Count {
    Count() { ++g_sleepers; }
    ~Count() { --g_sleepers; }
  } count;
  const auto until = std::chrono::steady_clock::now() + duration;
  for (;;) {
    if (interrupt_requested()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(20)));
  }
}

int interruptible_sleepers() noexcept { return g_sleepers.load(); }

void set_unhandled_interrupt_hook(UnhandledInterruptHook hook) noexcept { g_hook = hook; }

InterruptibleScope::InterruptibleScope() noexcept { ++g_scopes; }

InterruptibleScope::~InterruptibleScope() {
  if (--g_scopes == 0 && interrupt_requested()) {
    if (const UnhandledInterruptHook hook = g_hook.load()) hook(g_signal.load());
  }
}

void clear_interrupt_for_testing() noexcept {
  g_signal = 0;
  g_handled = false;
}

}  // namespace fti

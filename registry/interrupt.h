// SIGINT/SIGTERM during work that can stop cleanly (downloads, waiting for a
// cache lock, backoff between retries).
//
// The command line installs the signal handlers (cmd/main.cpp); the handler
// calls note_interrupt(). While an InterruptibleScope is alive somewhere in
// the process, a signal only sets a flag: the work inside polls
// interrupt_requested() and stops with Error(kInterrupted), leaving what it
// has on disk in a state a rerun can use (a download keeps its resumable
// partial file, never a blob). Outside any scope, and for a second signal,
// note_interrupt() returns false and the handler lets the signal act as usual
// (the process ends), so long computations never ignore Ctrl-C.
//
// Everything here is async-signal-safe where the handler needs it (lock-free
// atomics only).
#pragma once

#include <chrono>
#include <string>

#include "engine/common/error.h"

namespace fti {

// Called from a signal handler. Records `signo` and returns true when some
// InterruptibleScope will act on it; false when the caller should let the
// signal take its default action (no scope is active, or a signal is already
// pending: the user asked twice).
bool note_interrupt(int signo) noexcept;

// Whether a signal was noted and not yet turned into an error.
bool interrupt_requested() noexcept;
// The signal noted (SIGINT, SIGTERM), 0 when none.
int interrupt_signal() noexcept;
// "SIGINT", "SIGTERM", or "signal N".
std::string interrupt_signal_name(int signo);

// Throws Error(kInterrupted) "<what>: interrupted by SIGINT<detail>" and marks
// the signal as handled (the scope will not re-deliver it).
[[noreturn]] void throw_interrupted(const std::string& what, const std::string& detail = {});
// The same, when interrupt_requested().
inline void throw_if_interrupted(const std::string& what, const std::string& detail = {}) {
  if (interrupt_requested()) throw_interrupted(what, detail);
}

// Sleeps for `duration` in short slices; returns false early when a signal
// was noted.
bool interruptible_sleep(std::chrono::milliseconds duration);
// How many threads are inside interruptible_sleep now (tests use it to act
// while a backoff is in progress).
int interruptible_sleepers() noexcept;

// Called when the last InterruptibleScope ends while a noted signal was not
// turned into an error (it arrived just as the work finished). The command
// line sets a hook that re-delivers the signal with its default action; the
// default (nullptr) leaves the signal noted.
using UnhandledInterruptHook = void (*)(int signo);
void set_unhandled_interrupt_hook(UnhandledInterruptHook hook) noexcept;

class InterruptibleScope {
 public:
  InterruptibleScope() noexcept;
  ~InterruptibleScope();
  InterruptibleScope(const InterruptibleScope&) = delete;
  InterruptibleScope& operator=(const InterruptibleScope&) = delete;
};

// Tests only: forget a noted signal.
void clear_interrupt_for_testing() noexcept;

}  // namespace fti

// fti: the fine-tuning integrity gate. Each verb lives in its own file; this
// one parses the command line and maps errors to the documented exit codes:
//   0 compliant, 1 policy violation, 2 usage or policy error,
//   3 input error (fetch, parse, mismatch), 4 certificate invalid,
//   128 + the signal's number when SIGINT (130) or SIGTERM (143) stopped it.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <signal.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>

#include "cmd/cli_support.h"
#include "engine/common/error.h"
#include "registry/interrupt.h"

namespace {

// SIGINT/SIGTERM: work that can stop cleanly (a download) is told through
// fti::note_interrupt and ends with Error(kInterrupted); anywhere else, or on
// a second signal, the signal acts as it would without a handler.
void default_action(int signo) {
  std::signal(signo, SIG_DFL);
  std::raise(signo);  // delivered once the handler returns
}

void on_stop_signal(int signo) {
  if (!fti::note_interrupt(signo)) default_action(signo);
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = &on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int signo : {SIGINT, SIGTERM}) ::sigaction(signo, &action, nullptr);
  fti::set_unhandled_interrupt_hook(&default_action);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fti: check that a fine-tuned checkpoint stays inside a drift policy"};
  app.set_version_flag("--version", std::string("fti ") + FTI_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the verb
  fti::cli::GlobalOptions global;
  fti::cli::add_global_options(app, global);
  fti::cli::Action action;
  fti::cli::register_inspect(app, global, action);
  fti::cli::register_demo(app, action);
  fti::cli::register_gate(app, global, action);
  fti::cli::register_diff(app, global, action);
  fti::cli::register_policy(app, action);
  fti::cli::register_policy_suggest(app, global, action);
  fti::cli::register_commit(app, global, action);
  fti::cli::register_prove(app, global, action);
  fti::cli::register_verify(app, global, action);
  fti::cli::register_verify_attestation(app, global, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : fti::kExitUsage;
  }
  install_signal_handlers();
  try {
    return action ? action() : fti::kExitUsage;
  } catch (const fti::Error& e) {
    std::fprintf(stderr, "fti: error: %s\n", e.what());
    if (e.code() == fti::ErrorCode::kInterrupted && fti::interrupt_signal() != 0) {
      return 128 + fti::interrupt_signal();
    }
    return fti::exit_status_for(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "fti: error: out of memory\n");
    return fti::kExitInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fti: internal error: %s\n", e.what());
    return fti::kExitInput;
  }
}

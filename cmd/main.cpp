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
#include <string>
#include <string_view>

#include "cmd/cli_support.h"
#include "cmd/console.h"
#include "cmd/version.h"
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

// --log-format as the command line gives it, read before parsing so that a
// usage error and --version (answered while parsing) already follow it.
fti::cli::LogFormat log_format_in(int argc, char** argv) {
  fti::cli::LogFormat format = fti::cli::LogFormat::kText;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string_view value;
    if (arg == "--log-format" && i + 1 < argc) {
      value = argv[i + 1];
    } else if (arg.starts_with("--log-format=")) {
      value = arg.substr(std::string_view("--log-format=").size());
    } else {
      continue;
    }
    format = value == "json" ? fti::cli::LogFormat::kJson : fti::cli::LogFormat::kText;
  }
  return format;
}

// "gate", "policy check": the verb chosen, for the JSON log lines.
std::string chosen_verb(const CLI::App& app) {
  std::string verb;
  const CLI::App* level = &app;
  while (!level->get_subcommands().empty()) {
    level = level->get_subcommands().front();
    verb += (verb.empty() ? "" : " ") + level->get_name();
  }
  return verb;
}

fti::cli::Verbosity verbosity_of(const fti::cli::GlobalOptions& global) {
  if (global.quiet) return fti::cli::Verbosity::kQuiet;
  return global.verbose ? fti::cli::Verbosity::kVerbose : fti::cli::Verbosity::kNormal;
}

}  // namespace

int main(int argc, char** argv) {
  const fti::cli::LogFormat early_format = log_format_in(argc, argv);
  fti::cli::configure_console(fti::cli::detect_console(early_format, fti::cli::Verbosity::kNormal, ""));
  CLI::App app{"fti: check that a fine-tuned checkpoint stays inside a drift policy"};
  app.set_version_flag("--version", [early_format] {
    // CLI11 prints this and a newline.
    std::string text = early_format == fti::cli::LogFormat::kJson ? fti::cli::version_json().dump()
                                                                    : fti::cli::version_text();
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  });
  app.footer(
      "Exit codes: 0 success (gate: compliant), 1 policy violation, 2 usage or policy error,\n"
      "3 input error, 4 certificate invalid, 130/143 interrupted. `fti VERB --help` for each verb.\n\n"
      "Examples:\n"
      "  fti policy init --preset llama --out policy.yaml\n"
      "  fti gate --policy policy.yaml --base ./base --candidate ./finetuned --report-dir reports/\n"
      "  fti gate --policy policy.yaml --base ./base --candidate ./finetuned --certify ft.fticert\n"
      "  fti verify ft.fticert --policy policy.yaml --base-commitment base.fticommit\n"
      "  fti --log-format json --quiet gate ...   (errors only, one JSON object per line on stderr)\n");
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
  fti::cli::register_verify_model_signature(app, global, action);
  fti::cli::register_version(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0 || early_format == fti::cli::LogFormat::kText) {
      const int code = app.exit(e);  // help and version on stdout, usage errors on stderr
      return code == 0 ? 0 : fti::kExitUsage;
    }
    fti::cli::log_error(e.what(), {{"code", "usage"}, {"exit", fti::kExitUsage}});
    return fti::kExitUsage;
  }
  fti::cli::configure_console(
      fti::cli::detect_console(global.log_format == "json" ? fti::cli::LogFormat::kJson : fti::cli::LogFormat::kText,
                               verbosity_of(global), chosen_verb(app)));
  install_signal_handlers();
  try {
    return action ? action() : fti::kExitUsage;
  } catch (const fti::Error& e) {
    int status = fti::exit_status_for(e.code());
    if (e.code() == fti::ErrorCode::kInterrupted && fti::interrupt_signal() != 0) {
      status = 128 + fti::interrupt_signal();
    }
    fti::cli::log_error(e.what(), {{"code", fti::error_code_name(e.code())}, {"exit", status}});
    return status;
  } catch (const std::bad_alloc&) {
    // Nothing that allocates: memory is what ran out.
    std::fputs(fti::cli::console().format == fti::cli::LogFormat::kJson
                   ? "{\"level\":\"error\",\"msg\":\"out of memory\",\"code\":\"limit\",\"exit\":3}\n"
                   : "fti: error: out of memory\n",
               stderr);
    return fti::kExitInput;
  } catch (const std::exception& e) {
    // A bug, not bad input: said apart from errors ("fti: internal error: ...").
    fti::cli::log_failure(std::string("internal error: ") + e.what(),
                          {{"code", "internal"}, {"exit", fti::kExitInput}});
    return fti::kExitInput;
  }
}

// What fti says on stderr besides its reports: errors, warnings, notes,
// progress. One place decides how (text or one JSON object per line), how
// much (--quiet, --verbose) and whether in colour (a terminal, NO_COLOR), so
// every verb behaves the same. stdout (reports, listings) does not go through
// here and never changes with these settings, except for colour.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "policy/diagnostic.h"

namespace fti::cli {

enum class LogFormat : std::uint8_t { kText, kJson };
enum class Verbosity : std::uint8_t { kQuiet, kNormal, kVerbose };

struct ConsoleSettings {
  LogFormat format = LogFormat::kText;
  Verbosity verbosity = Verbosity::kNormal;
  std::string verb;            // "gate", "policy check": named in every JSON line
  bool colour_stderr = false;  // stderr is a terminal and NO_COLOR is unset or empty
  bool colour_stdout = false;
  bool progress = false;       // stderr is a terminal, text format, not --quiet
};

// The settings for these options on this process's terminals and environment.
ConsoleSettings detect_console(LogFormat format, Verbosity verbosity, std::string verb);

// Set once by main, after the command line is parsed and before any verb
// runs (a process-wide setting: every helper that prints reads it).
void configure_console(ConsoleSettings settings);
const ConsoleSettings& console();

// One message each. Text: "fti: error: MESSAGE" (the label in colour on a
// terminal). JSON: {"level": ..., "msg": MESSAGE, "verb": ..., FIELDS...}.
// `fields` is a JSON object of extra members (or null).
void log_error(std::string_view message, const nlohmann::json& fields = nullptr);  // always shown
// Why a run ended without its product (a refused proof, an invalid
// certificate): "fti: MESSAGE" in text, level "error" in JSON; always shown.
void log_failure(std::string_view message, const nlohmann::json& fields = nullptr);
void log_warning(std::string_view message, const nlohmann::json& fields = nullptr);  // not with --quiet
void log_note(std::string_view message, const nlohmann::json& fields = nullptr);     // not with --quiet
void log_info(std::string_view message, const nlohmann::json& fields = nullptr);     // not with --quiet
void log_debug(std::string_view message, const nlohmann::json& fields = nullptr);    // only with --verbose

// A policy diagnostic: "FILE:LINE:COLUMN: error: ..." in text; in JSON its
// level, message, file, line, column and hint. Warnings not with --quiet.
void log_diagnostic(std::string_view file_name, const policy::Diagnostic& diagnostic);

// A progress line on a terminal ("proving: norm proof (4/6)"), redrawn in
// place and erased when done; nothing at all unless console().progress.
class PhaseProgress {
 public:
  explicit PhaseProgress(std::string label);
  ~PhaseProgress() { finish(); }
  PhaseProgress(const PhaseProgress&) = delete;
  PhaseProgress& operator=(const PhaseProgress&) = delete;

  void show(std::string_view phase, unsigned step, unsigned steps);
  void show(std::string_view text);
  // Erases the line (before other output, and at the end).
  void finish() noexcept;

 private:
  std::string label_;
  bool enabled_;
  bool shown_ = false;
};

}  // namespace fti::cli

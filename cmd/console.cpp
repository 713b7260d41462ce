#include "cmd/console.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

#include "engine/common/terminal.h"

namespace fti::cli {
namespace {

ConsoleSettings& settings() {
  static ConsoleSettings instance;
  return instance;
}

// Whether a progress line is on the screen: a message must erase it first,
// or the two would share a line.
bool progress_line_open = false;

void erase_progress_line() {
  if (!progress_line_open) return;
  std::fwrite(kRedrawLine.data(), 1, kRedrawLine.size(), stderr);
  progress_line_open = false;
}

enum class Level : std::uint8_t { kError, kWarning, kNote, kInfo, kDebug };

bool shown(Level level, bool always) {
  if (always) return true;
  switch (console().verbosity) {
    case Verbosity::kQuiet: return false;
    case Verbosity::kNormal: return level != Level::kDebug;
    case Verbosity::kVerbose: return true;
  }
  return true;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kError: return "error";
    case Level::kWarning: return "warning";
    case Level::kNote: return "note";
    case Level::kInfo: return "info";
    case Level::kDebug: return "debug";
  }
  return "info";
}

void print_json_line(Level level, std::string_view message, const nlohmann::json& fields) {
  nlohmann::ordered_json line;
  line["level"] = std::string(level_name(level));
  line["msg"] = std::string(message);
  if (!console().verb.empty()) line["verb"] = console().verb;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // Names and messages can hold bytes that are not UTF-8 (file names):
  // replaced, so the line is always valid JSON.
  fmt::print(stderr, "{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// `label` is the text after "fti: " ("error: "), empty for plain messages.
void emit(Level level, bool always, std::string_view label, Colour colour, std::string_view message,
          const nlohmann::json& fields) {
  if (!shown(level, always)) return;
  erase_progress_line();
  if (console().format == LogFormat::kJson) {
    print_json_line(level, message, fields);
  } else {
    fmt::print(stderr, "fti: {}{}\n", paint(label, colour, console().colour_stderr && !label.empty()), message);
  }
  std::fflush(stderr);
}

}  // namespace

ConsoleSettings detect_console(LogFormat format, Verbosity verbosity, std::string verb) {
  ConsoleSettings s;
  s.format = format;
  s.verbosity = verbosity;
  s.verb = std::move(verb);
  s.colour_stderr = colour_wanted(STDERR_FILENO);
  s.colour_stdout = colour_wanted(STDOUT_FILENO);
  s.progress = format == LogFormat::kText && verbosity != Verbosity::kQuiet && is_terminal(STDERR_FILENO);
  return s;
}

void configure_console(ConsoleSettings s) { settings() = std::move(s); }

const ConsoleSettings& console() { return settings(); }

void log_error(std::string_view message, const nlohmann::json& fields) {
  emit(Level::kError, true, "error: ", Colour::kRed, message, fields);
}
void log_failure(std::string_view message, const nlohmann::json& fields) {
  emit(Level::kError, true, "", Colour::kRed, message, fields);
}
void log_warning(std::string_view message, const nlohmann::json& fields) {
  emit(Level::kWarning, false, "warning: ", Colour::kYellow, message, fields);
}
void log_note(std::string_view message, const nlohmann::json& fields) {
  emit(Level::kNote, false, "note: ", Colour::kBold, message, fields);
}
void log_info(std::string_view message, const nlohmann::json& fields) {
  emit(Level::kInfo, false, "", Colour::kBold, message, fields);
}
void log_debug(std::string_view message, const nlohmann::json& fields) {
  emit(Level::kDebug, false, "debug: ", Colour::kBold, message, fields);
}

void log_diagnostic(std::string_view file_name, const policy::Diagnostic& d) {
  const bool error = d.severity == policy::Severity::kError;
  const Level level = error ? Level::kError : Level::kWarning;
  if (!shown(level, error)) return;
  erase_progress_line();
  if (console().format == LogFormat::kJson) {
    nlohmann::json fields = {
        {"file", std::string(file_name)}, {"line", d.location.line}, {"column", d.location.column}};
    if (!d.hint.empty()) fields["hint"] = d.hint;
    print_json_line(level, d.message, fields);
  } else {
    fmt::print(stderr, "{}\n", policy::format_diagnostic(file_name, d));
  }
  std::fflush(stderr);
}

PhaseProgress::PhaseProgress(std::string label) : label_(std::move(label)), enabled_(console().progress) {}

void PhaseProgress::show(std::string_view phase, unsigned step, unsigned steps) {
  show(fmt::format("{} ({}/{})...", phase, step, steps));
}

void PhaseProgress::show(std::string_view text) {
  if (!enabled_) return;
  fmt::print(stderr, "{}{}: {}", kRedrawLine, label_, text);
  std::fflush(stderr);
  shown_ = true;
  progress_line_open = true;
}

void PhaseProgress::finish() noexcept {
  if (!shown_) return;
  shown_ = false;
  erase_progress_line();
  std::fflush(stderr);
}

}  // namespace fti::cli

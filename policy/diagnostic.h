// Policy diagnostics: what is wrong with a policy file and where.
//
// Every problem the parser finds becomes a Diagnostic with a 1-based line and
// column (columns count bytes), a message and an optional hint, so that
// `fti policy check` can list all of them at once and the gate can name the
// policy line a verdict came from.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/error.h"

namespace fti::policy {

struct SourceLocation {
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based, in bytes
  bool known() const noexcept { return line != 0; }
  auto operator<=>(const SourceLocation&) const = default;
};

enum class Severity : std::uint8_t { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string message;
  std::string hint;  // empty when there is nothing useful to add
};

// "FILE:LINE:COLUMN: error: message (hint: ...)". The file name is escaped
// like any untrusted text; an unknown location prints as FILE:1:1.
std::string format_diagnostic(std::string_view file_name, const Diagnostic& diagnostic);

// Collects diagnostics in the order they are found; sorted() orders them by
// position so a person reads the file top to bottom, without repeats.
class DiagnosticList {
 public:
  void error(SourceLocation at, std::string message, std::string hint = {});
  void warning(SourceLocation at, std::string message, std::string hint = {});
  void add(Diagnostic diagnostic) { items_.push_back(std::move(diagnostic)); }
  bool has_errors() const noexcept;
  std::size_t error_count() const noexcept;
  const std::vector<Diagnostic>& items() const noexcept { return items_; }
  std::vector<Diagnostic> sorted() const;

 private:
  std::vector<Diagnostic> items_;
};

// A policy that does not parse. what() lists every diagnostic, one per line;
// diagnostics() gives them to callers that format them themselves.
class PolicyError : public Error {
 public:
  PolicyError(std::string file_name, std::vector<Diagnostic> diagnostics);
  const std::string& file_name() const noexcept { return file_name_; }
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::string file_name_;
  std::vector<Diagnostic> diagnostics_;
};

// The candidate closest to `word` by edit distance when it is close enough to
// be a likely typo ("rnak" -> "rank"); empty otherwise.
std::string_view closest_spelling(std::string_view word, std::span<const std::string_view> candidates);

// "a, b or c" for messages.
std::string join_alternatives(std::span<const std::string_view> words);

}  // namespace fti::policy

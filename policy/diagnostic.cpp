#include "policy/diagnostic.h"

#include <algorithm>
#include <cstddef>

namespace fti::policy {

namespace {

std::string render_all(const std::string& file_name, const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out.push_back('\n');
    out += format_diagnostic(file_name, d);
  }
  if (out.empty()) out = escape_untrusted(file_name, 400) + ": invalid policy";
  return out;
}

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of neighbours ("rnak" is one edit from "rank").
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * w + j]; };
  for (std::size_t i = 0; i <= a.size(); ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= b.size(); ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(a.size(), b.size());
}

}  // namespace

std::string format_diagnostic(std::string_view file_name, const Diagnostic& d) {
  const std::uint32_t line = d.location.known() ? d.location.line : 1;
  const std::uint32_t column = d.location.known() && d.location.column != 0 ? d.location.column : 1;
  std::string out = escape_untrusted(file_name, 400);
  out += ':' + std::to_string(line) + ':' + std::to_string(column) + ": ";
  out += d.severity == Severity::kError ? "error: " : "warning: ";
  out += d.message;
  if (!d.hint.empty()) out += " (hint: " + d.hint + ")";
  return out;
}

void DiagnosticList::error(SourceLocation at, std::string message, std::string hint) {
  items_.push_back({Severity::kError, at, std::move(message), std::move(hint)});
}

void DiagnosticList::warning(SourceLocation at, std::string message, std::string hint) {
  items_.push_back({Severity::kWarning, at, std::move(message), std::move(hint)});
}

bool DiagnosticList::has_errors() const noexcept { return error_count() != 0; }

std::size_t DiagnosticList::error_count() const noexcept {
  return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::kError;
  }));
}

std::vector<Diagnostic> DiagnosticList::sorted() const {
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.location < b.location;
  });
  // A value behind an alias is checked at each use but written once.
  const auto same = [](const Diagnostic& a, const Diagnostic& b) {
    return a.severity == b.severity && a.location == b.location && a.message == b.message && a.hint == b.hint;
  };
  out.erase(std::unique(out.begin(), out.end(), same), out.end());
  return out;
}

PolicyError::PolicyError(std::string file_name, std::vector<Diagnostic> diagnostics)
    : Error(ErrorCode::kPolicy, render_all(file_name, diagnostics)),
      file_name_(std::move(file_name)),
      diagnostics_(std::move(diagnostics)) {}

std::string_view closest_spelling(std::string_view word, std::span<const std::string_view> candidates) {
  // Typos are a letter or two; a longer word tolerates one more edit.
  const std::size_t limit = word.size() <= 4 ? 1 : (word.size() <= 8 ? 2 : 3);
  std::string_view best;
  if (word.size() > 64) return best;  // not a typo of a short name, and costly to compare
  std::size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string join_alternatives(std::span<const std::string_view> words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i != 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace fti::policy

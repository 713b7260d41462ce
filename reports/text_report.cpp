#include "reports/text_report.h"

#include <fmt/core.h>

#include <cmath>

#include "engine/common/error.h"
#include "engine/common/terminal.h"

namespace fti::reports {

std::string format_figure(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";
  return fmt::format("{:.3g}", value);
}

namespace {

std::string fit(const std::string& name, std::size_t width) {
  const std::string shown = escape_untrusted(name, 400);
  if (shown.size() <= width) return shown;
  return "..." + shown.substr(shown.size() - (width - 3));
}

bool worth_showing(const TensorReport& t, const TextOptions& options) {
  return options.all_tensors || t.verdict == Verdict::kViolation || t.status != "compared" || t.changed > 0;
}

}  // namespace

std::string to_text(const Report& report, const TextOptions& options) {
  const bool gate = report.kind == "gate";
  std::size_t width = 6;
  for (const TensorReport& t : report.tensors) {
    if (worth_showing(t, options)) width = std::max(width, std::min(options.max_name_width, escape_untrusted(t.name, 400).size()));
  }
  std::string out;
  out += fmt::format("{:<{}}  {:<9} {:>10} {:>8} {:>10} {:>10} {:>10}", "TENSOR", width, "STATUS", "CHANGED",
                     "CHANGED%", "|D|_F", "|D|/|B|", "max|D|");
  if (gate) out += fmt::format("  {:<9} {}", "VERDICT", "RULE");
  out += "\n";
  std::size_t shown = 0, hidden = 0;
  for (const TensorReport& t : report.tensors) {
    if (!worth_showing(t, options)) {
      ++hidden;
      continue;
    }
    ++shown;
    if (t.has_stats) {
      out += fmt::format("{:<{}}  {:<9} {:>10} {:>8} {:>10} {:>10} {:>10}", fit(t.name, width), width, t.status, t.changed,
                         format_figure(100.0 * t.changed_fraction()), format_figure(t.delta_norm),
                         format_figure(t.relative_norm()), format_figure(t.max_abs_delta));
    } else {
      out += fmt::format("{:<{}}  {:<9} {:>10} {:>8} {:>10} {:>10} {:>10}", fit(t.name, width), width, t.status, "-", "-",
                         "-", "-", "-");
    }
    if (gate) {
      // Padded before painting: escape bytes have no width on screen.
      const std::string verdict = fmt::format("{:<9}", verdict_name(t.verdict));
      const bool violation = t.verdict == Verdict::kViolation;
      out += fmt::format("  {} {}", violation ? paint(verdict, Colour::kRed, options.colour) : verdict,
                         t.rule.empty() ? "(no rule)" : fmt::format("{} (line {})", t.rule, t.rule_line));
    }
    out += "\n";
  }
  if (hidden > 0) out += fmt::format("({} unchanged tensors not shown; --all lists them)\n", hidden);

  if (gate) {
    std::string failures;
    for (const TensorReport& t : report.tensors) {
      for (const Check& c : t.checks) {
        if (!c.pass) failures += fmt::format("  {}: {}\n", escape_untrusted(t.name, 200), c.message);
      }
    }
    for (const BudgetReport& b : report.budgets) {
      for (const Check& c : b.checks) {
        if (!c.pass) failures += fmt::format("  budget {} (line {}): {}\n", b.name, b.line, c.message);
      }
    }
    if (!failures.empty()) out += "\nViolations:\n" + failures;
    const bool pass = report.verdict == Verdict::kPass;
    out += fmt::format("\nverdict: {} ({} violations, {} tensors checked)\n",
                       paint(pass ? "COMPLIANT" : "BLOCKED", pass ? Colour::kGreen : Colour::kRed, options.colour),
                       report.violation_count(),
                       report.tensors.size());
  } else {
    std::uint64_t changed = 0;
    for (const TensorReport& t : report.tensors) changed += (t.changed > 0 || t.status != "compared") ? 1u : 0u;
    out += fmt::format("\n{} of {} tensors differ\n", changed, report.tensors.size());
  }
  (void)shown;
  return out;
}

}  // namespace fti::reports

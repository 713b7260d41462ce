#include "reports/report_tables.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "reports/display_text.h"
#include "reports/text_report.h"

namespace fti::reports {
namespace {

Span plain(std::string text) { return {std::move(text), false}; }

// Untrusted text as a verbatim span; an empty string says so in words,
// since an empty code span cannot be written in Markdown.
Span untrusted(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return plain("(empty)");
  return {display_text(text, max_bytes), true};
}

std::string_view short_digest(std::string_view hex) { return hex.substr(0, 12); }

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

Cell rule_cell(const std::string& rule, int line, const TableLimits& limits) {
  // The gate gives unmatched tensors the line of the policy's `default:`.
  if (rule.empty()) return {plain(line > 0 ? fmt::format("no rule (default, line {})", line) : "no rule (default)")};
  return {untrusted(rule, limits.max_name_bytes), plain(fmt::format(" line {}", line))};
}

Cell status_cell(const TensorReport& t) {
  std::string text = t.status;
  if (t.status == "reshaped") text += " " + shape_text(t.shape) + " → " + shape_text(t.candidate_shape);
  if (t.status == "retyped") text += " " + display_text(t.dtype, 40);
  if (t.nonfinite_base > 0 || t.nonfinite_candidate > 0) {
    text += fmt::format("; non-finite values: base {}, candidate {}", t.nonfinite_base, t.nonfinite_candidate);
  }
  return {plain(std::move(text))};
}

Cell figure(double value) { return {plain(format_figure(value))}; }

std::vector<Cell> check_cells(const Check& c, const TableLimits& limits) {
  return {{untrusted(c.name, 60)}, figure(c.measured), figure(c.bound), figure(c.bound - c.measured),
          {untrusted(c.message, limits.max_message_bytes)}};
}

// Appends a row unless the table is full, in which case it is counted.
void add_row(Table& table, TableRow row, const TableLimits& limits) {
  if (table.rows.size() >= limits.max_rows) {
    ++table.omitted;
    return;
  }
  table.rows.push_back(std::move(row));
}

// NaN sorts as the largest drift: it is the most alarming figure.
double drift_rank_key(const TensorReport& t) {
  const double relative = t.relative_norm();
  return std::isnan(relative) ? std::numeric_limits<double>::infinity() : relative;
}

}  // namespace

bool is_changed(const TensorReport& t) { return t.status != "compared" || t.changed > 0; }

std::string verdict_summary(const Report& report) {
  if (report.kind != "gate") {
    const auto differ = std::count_if(report.tensors.begin(), report.tensors.end(), is_changed);
    return fmt::format("{} of {} tensors differ", differ, report.tensors.size());
  }
  if (report.verdict == Verdict::kPass) return "compliant";
  const std::uint64_t count = report.violation_count();
  if (count == 0) return "not compliant";
  return fmt::format("{} violation{}", count, count == 1 ? "" : "s");
}

Table artifacts_table(const Report& report, const TableLimits& limits) {
  constexpr std::size_t kFilesShown = 4;  // sharded models have dozens
  Table table;
  table.columns = {"", "source", "resolved", "files (sha256)"};
  const auto row = [&](const char* role, const ArtifactInfo& a) {
    Cell files;
    for (std::size_t i = 0; i < a.files.size() && i < kFilesShown; ++i) {
      if (i > 0) files.push_back(plain(", "));
      files.push_back(untrusted(a.files[i].name, limits.max_name_bytes));
      files.push_back(plain(" "));
      files.push_back(untrusted(short_digest(a.files[i].sha256), 12));
    }
    if (a.files.size() > kFilesShown) files.push_back(plain(fmt::format(", and {} more", a.files.size() - kFilesShown)));
    if (files.empty()) files.push_back(plain("-"));
    Cell resolved = a.resolved.empty() ? Cell{plain("-")} : Cell{untrusted(a.resolved, limits.max_name_bytes)};
    table.rows.push_back({{{plain(role)}, {untrusted(a.source, limits.max_name_bytes)}, resolved, files}, false});
  };
  row("base", report.base);
  row("candidate", report.candidate);
  return table;
}

Cell policy_summary(const Report& report, const TableLimits& limits) {
  if (!report.policy) return {};
  const PolicyInfo& p = *report.policy;
  Cell cell = {plain("policy "), untrusted(p.file, limits.max_name_bytes), plain(", sha256 "),
               untrusted(short_digest(p.sha256), 12), plain(fmt::format(", version {}", p.version))};
  if (!p.preset.empty()) {
    cell.push_back(plain(", preset "));
    cell.push_back(untrusted(p.preset, 60));
  }
  return cell;
}

Table violations_table(const Report& report, const TableLimits& limits) {
  Table table;
  table.columns = {"tensor", "rule", "check", "measured", "bound", "margin", "message"};
  for (const TensorReport& t : report.tensors) {
    const Cell tensor = {untrusted(t.name, limits.max_name_bytes)};
    bool listed = false;
    for (const Check& c : t.checks) {
      if (c.pass) continue;
      std::vector<Cell> cells = {tensor, rule_cell(t.rule, t.rule_line, limits)};
      for (Cell& cell : check_cells(c, limits)) cells.push_back(std::move(cell));
      add_row(table, {std::move(cells), true}, limits);
      listed = true;
    }
    if (!listed && t.verdict == Verdict::kViolation) {
      // A violation the gate recorded without a failing check still gets a row.
      add_row(table,
              {{tensor, rule_cell(t.rule, t.rule_line, limits), {plain("-")}, {plain("-")}, {plain("-")}, {plain("-")},
                {plain(t.rule.empty() ? "no rule matches this tensor" : "violation")}},
               true},
              limits);
    }
  }
  for (const BudgetReport& b : report.budgets) {
    const Cell what = {plain(fmt::format("budget over {} tensors", b.tensors))};
    bool listed = false;
    for (const Check& c : b.checks) {
      if (c.pass) continue;
      std::vector<Cell> cells = {what, rule_cell(b.name, b.line, limits)};
      for (Cell& cell : check_cells(c, limits)) cells.push_back(std::move(cell));
      add_row(table, {std::move(cells), true}, limits);
      listed = true;
    }
    if (!listed && b.verdict == Verdict::kViolation) {
      add_row(table,
              {{what, rule_cell(b.name, b.line, limits), {plain("-")}, {plain("-")}, {plain("-")}, {plain("-")},
                {plain("violation")}},
               true},
              limits);
    }
  }
  return table;
}

Table changed_table(const Report& report, const TableLimits& limits) {
  const bool gate = report.kind == "gate";
  std::vector<std::size_t> order;
  bool any_rank = false;
  for (std::size_t i = 0; i < report.tensors.size(); ++i) {
    if (!is_changed(report.tensors[i])) continue;
    order.push_back(i);
    any_rank = any_rank || report.tensors[i].rank.has_value();
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const TensorReport& x = report.tensors[a];
    const TensorReport& y = report.tensors[b];
    const bool x_structural = x.status != "compared", y_structural = y.status != "compared";
    if (x_structural != y_structural) return x_structural;
    return drift_rank_key(x) > drift_rank_key(y);
  });

  Table table;
  table.columns = {"tensor", "status", "changed", "‖Δ‖_F", "‖Δ‖/‖B‖", "max |Δ|"};
  if (any_rank) table.columns.push_back("rank");
  if (gate) {
    table.columns.push_back("rule");
    table.columns.push_back("verdict");
  }
  for (const std::size_t i : order) {
    const TensorReport& t = report.tensors[i];
    std::vector<Cell> cells = {{untrusted(t.name, limits.max_name_bytes)}, status_cell(t)};
    if (t.has_stats) {
      cells.push_back({plain(fmt::format("{} ({}%)", t.changed, format_figure(100.0 * t.changed_fraction())))});
      cells.push_back(figure(t.delta_norm));
      cells.push_back(figure(t.relative_norm()));
      cells.push_back(figure(t.max_abs_delta));
    } else {
      for (int k = 0; k < 4; ++k) cells.push_back({plain("-")});
    }
    if (any_rank) {
      cells.push_back({plain(t.rank ? fmt::format("{} (residual {} beyond {})", t.rank->numerical_rank,
                                                  format_figure(t.rank->residual_norm), t.rank->max_rank)
                                    : "-")});
    }
    if (gate) {
      cells.push_back(rule_cell(t.rule, t.rule_line, limits));
      cells.push_back({plain(std::string(verdict_name(t.verdict)))});
    }
    add_row(table, {std::move(cells), t.verdict == Verdict::kViolation}, limits);
  }
  return table;
}

Table budgets_table(const Report& report, const TableLimits& limits) {
  Table table;
  table.columns = {"budget", "line", "tensors", "check", "measured", "bound", "margin", "verdict"};
  for (const BudgetReport& b : report.budgets) {
    const bool violation = b.verdict == Verdict::kViolation;
    std::vector<Cell> head = {{untrusted(b.name, limits.max_name_bytes)}, {plain(std::to_string(b.line))},
                              {plain(std::to_string(b.tensors))}};
    if (b.checks.empty()) {
      std::vector<Cell> cells = head;
      for (int k = 0; k < 4; ++k) cells.push_back({plain("-")});
      cells.push_back({plain(std::string(verdict_name(b.verdict)))});
      add_row(table, {std::move(cells), violation}, limits);
    }
    for (const Check& c : b.checks) {
      std::vector<Cell> cells = head;
      cells.push_back({untrusted(c.name, 60)});
      cells.push_back(figure(c.measured));
      cells.push_back(figure(c.bound));
      cells.push_back(figure(c.bound - c.measured));
      cells.push_back({plain(c.pass ? "pass" : "violation")});
      add_row(table, {std::move(cells), !c.pass}, limits);
    }
  }
  return table;
}

std::string unchanged_summary(const Report& report) {
  std::size_t unchanged = 0, violating = 0;
  for (const TensorReport& t : report.tensors) {
    if (is_changed(t)) continue;
    ++unchanged;
    violating += t.verdict == Verdict::kViolation ? 1u : 0u;
  }
  if (unchanged == 0) return {};
  std::string line = fmt::format("{} of {} tensors are bit-identical to the base and not listed here", unchanged,
                                 report.tensors.size());
  if (violating > 0) line += fmt::format(" ({} of them violate the policy and are listed under Violations)", violating);
  return line + ".";
}

}  // namespace fti::reports

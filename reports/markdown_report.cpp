#include "reports/markdown_report.h"

#include <fmt/core.h>

#include <algorithm>
#include <string_view>

#include "reports/display_text.h"

namespace fti::reports {

std::string markdown_code_span(std::string_view text, bool in_table) {
  std::string body;
  std::size_t run = 0, longest_run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest_run = std::max(longest_run, run);
    if (in_table && c == '|') body.push_back('\\');
    body.push_back(c);
  }
  // The fence is longer than any backtick run inside. CommonMark strips one
  // space from each end when both ends have one, so pad exactly then.
  const std::string fence(longest_run + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`' ||
                                     (body.front() == ' ' && body.back() == ' '));
  return pad ? fence + " " + body + " " + fence : fence + body + fence;
}

namespace {

// fti's own text: escape what Markdown would read as markup.
std::string markdown_plain(std::string_view text) {
  static constexpr std::string_view kMarkup = "\\`*_[]<>|~$&!#";
  std::string out;
  for (const char c : text) {
    if (kMarkup.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string markdown_cell(const Cell& cell, bool in_table) {
  std::string out;
  for (const Span& span : cell) out += span.verbatim ? markdown_code_span(span.text, in_table) : markdown_plain(span.text);
  return out;
}

// Room kept for the sections after a table and the closing line.
constexpr std::size_t kTrailerReserve = 8 * 1024;

void append_table(std::string& out, const Table& table, std::size_t max_bytes, std::string_view what) {
  std::string header = "|", rule = "|";
  for (const std::string& column : table.columns) {
    header += " " + markdown_plain(column) + " |";
    rule += " --- |";
  }
  out += header + "\n" + rule + "\n";
  std::size_t left_out = table.omitted;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    std::string line = "|";
    for (const Cell& cell : table.rows[i].cells) line += " " + markdown_cell(cell, true) + " |";
    line += "\n";
    if (out.size() + line.size() + kTrailerReserve > max_bytes) {
      left_out += table.rows.size() - i;
      break;
    }
    out += line;
  }
  if (left_out > 0) out += fmt::format("\n*... and {} more {} (every one is in report.json)*\n", left_out, what);
}

std::size_t row_count(const Table& table) { return table.rows.size() + table.omitted; }

}  // namespace

std::string to_markdown(const Report& report, const MarkdownOptions& options) {
  const bool gate = report.kind == "gate";
  std::string out;
  const std::string_view mark = !gate ? "" : report.verdict == Verdict::kPass ? "✅ " : "❌ ";
  out += fmt::format("## {}fti {}: {}\n\n", mark, gate ? "gate" : "diff", markdown_plain(verdict_summary(report)));

  append_table(out, artifacts_table(report, options.limits), options.max_bytes, "files");
  if (const Cell policy = policy_summary(report, options.limits); !policy.empty()) {
    out += "\n" + markdown_cell(policy, false) + "\n";
  }

  if (gate) {
    const Table violations = violations_table(report, options.limits);
    if (row_count(violations) > 0) {
      out += fmt::format("\n### Violations ({})\n\n", row_count(violations));
      append_table(out, violations, options.max_bytes, "failing checks");
    }
  }

  const Table changed = changed_table(report, options.limits);
  out += fmt::format("\n### Changed tensors ({})\n\n", row_count(changed));
  if (row_count(changed) > 0) {
    append_table(out, changed, options.max_bytes, "changed tensors");
  } else {
    out += "No tensor changed.\n";
  }
  if (const std::string unchanged = unchanged_summary(report); !unchanged.empty()) {
    out += "\n" + markdown_plain(unchanged) + "\n";
  }

  if (gate && !report.budgets.empty()) {
    out += fmt::format("\n### Budgets ({})\n\n", report.budgets.size());
    append_table(out, budgets_table(report, options.limits), options.max_bytes, "budget checks");
  }

  out += fmt::format("\n*fti {}, analysis {:.2f} s; every figure is in report.json*\n",
                     markdown_plain(display_text(report.fti_version, 40)), report.analysis_seconds);
  return out;
}

}  // namespace fti::reports

#include "reports/html_report.h"

#include <fmt/core.h>

#include "reports/display_text.h"
#include "reports/heatmap_svg.h"
#include "reports/markup_escape.h"

namespace fti::reports {
namespace {

// No '<' or '&' in here, so the page stays well-formed XML as well.
constexpr std::string_view kStyle = R"(
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1a1a1a; }
h1.ok { color: #1a7f37; } h1.bad { color: #cf222e; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tr.violation td { background: #ffebe9; }
code { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.heatmap { overflow: auto; max-height: 90vh; border: 1px solid #d0d7de; padding: 4px; }
.note { color: #57606a; }
)";

std::string html_cell(const Cell& cell) {
  std::string out;
  for (const Span& span : cell) {
    out += span.verbatim ? "<code>" + escape_markup(span.text) + "</code>" : escape_markup(span.text);
  }
  return out;
}

std::string html_table(const Table& table, std::string_view what) {
  std::string out = "<table>\n<thead><tr>";
  for (const std::string& column : table.columns) out += "<th>" + escape_markup(column) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const TableRow& row : table.rows) {
    out += row.violation ? "<tr class=\"violation\">" : "<tr>";
    for (const Cell& cell : row.cells) out += "<td>" + html_cell(cell) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (table.omitted > 0) {
    out += fmt::format("<p class=\"note\">... and {} more {} (every one is in report.json)</p>\n", table.omitted, what);
  }
  return out;
}

std::size_t row_count(const Table& table) { return table.rows.size() + table.omitted; }

std::string heatmap_section(const Report& report, const HtmlOptions& options) {
  const HeatmapGrid grid = build_heatmap_grid(report, options.heatmap);
  std::string out = "<section>\n<h2>Drift by layer</h2>\n";
  out += "<p class=\"note\">Layers down, module types across; hover a cell for its figures.</p>\n";
  if (grid.rows_left_out > 0 || grid.columns_left_out > 0 || grid.tensors_left_out > 0) {
    out += fmt::format(
        "<p class=\"note\">Not drawn: {} tensors ({} layers and {} module types past the caps of {} and {}, or past the "
        "{} tensors outside layers); layers and modules with violations are drawn first. Every tensor is in the "
        "tables and in report.json.</p>\n",
        grid.tensors_left_out, grid.rows_left_out, grid.columns_left_out, options.heatmap.max_rows,
        options.heatmap.max_columns, options.heatmap.max_non_layer);
  }
  out += "<div class=\"heatmap\">\n" + heatmap_svg(report, grid, drift_scale(report)) + "</div>\n</section>\n";
  return out;
}

}  // namespace

std::string to_html(const Report& report, const HtmlOptions& options) {
  const bool gate = report.kind == "gate";
  const std::string headline =
      escape_markup(fmt::format("fti {}: {}", gate ? "gate" : "diff", verdict_summary(report)));
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  out += "<title>" + headline + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";

  const std::string_view verdict_class = !gate ? "" : report.verdict == Verdict::kPass ? " class=\"ok\"" : " class=\"bad\"";
  out += fmt::format("<header>\n<h1{}>{}</h1>\n", verdict_class, headline);
  out += html_table(artifacts_table(report, options.limits), "files");
  if (const Cell policy = policy_summary(report, options.limits); !policy.empty()) out += "<p>" + html_cell(policy) + "</p>\n";
  out += "</header>\n";

  out += heatmap_section(report, options);

  if (gate) {
    const Table violations = violations_table(report, options.limits);
    if (row_count(violations) > 0) {
      out += fmt::format("<section>\n<h2>Violations ({})</h2>\n", row_count(violations));
      out += html_table(violations, "failing checks") + "</section>\n";
    }
  }
  const Table changed = changed_table(report, options.limits);
  out += fmt::format("<section>\n<h2>Changed tensors ({})</h2>\n", row_count(changed));
  out += row_count(changed) > 0 ? html_table(changed, "changed tensors") : "<p>No tensor changed.</p>\n";
  if (const std::string unchanged = unchanged_summary(report); !unchanged.empty()) {
    out += "<p class=\"note\">" + escape_markup(unchanged) + "</p>\n";
  }
  out += "</section>\n";
  if (gate && !report.budgets.empty()) {
    out += fmt::format("<section>\n<h2>Budgets ({})</h2>\n", report.budgets.size());
    out += html_table(budgets_table(report, options.limits), "budget checks") + "</section>\n";
  }
  out += fmt::format("<footer class=\"note\">fti {}, analysis {:.2f} s; every figure is in report.json</footer>\n",
                     escape_markup(display_text(report.fti_version, 40)), report.analysis_seconds);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace fti::reports

// A self-contained HTML report (inline CSS, inline SVG, no script, no
// external asset; a Content-Security-Policy forbids loading any): the
// verdict and what was compared, the drift heatmap, then the tables of the
// Markdown report. Everything from a file is escaped.
#pragma once

#include <string>

#include "reports/heatmap_grid.h"
#include "reports/report.h"
#include "reports/report_tables.h"

namespace fti::reports {

struct HtmlOptions {
  TableLimits limits;
  HeatmapLimits heatmap;
};

std::string to_html(const Report& report, const HtmlOptions& options = {});

}  // namespace fti::reports

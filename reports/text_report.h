// The human table printed on stdout: one line per tensor that matters (all of
// them with --verbose), then the failing checks with their figures.
#pragma once

#include <string>

#include "reports/report.h"

namespace fti::reports {

struct TextOptions {
  bool all_tensors = false;  // also unchanged, passing tensors
  std::size_t max_name_width = 60;
  bool colour = false;  // the verdicts in colour (stdout on a terminal; never in report.txt)
};

std::string to_text(const Report& report, const TextOptions& options = {});

// "1.23e-04", "0", "inf": compact figures for tables.
std::string format_figure(double value);

}  // namespace fti::reports

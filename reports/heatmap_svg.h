// The drift heatmap as inline SVG: one cell per tensor, coloured by relative
// drift ||Delta||_F / ||B||_F on a log scale (unchanged tensors grey), with
// violations outlined in red, a <title> tooltip with each tensor's figures,
// and a legend. Needs no script and no external asset.
#pragma once

#include <string>

#include "reports/heatmap_grid.h"
#include "reports/report.h"

namespace fti::reports {

// Relative drift 10^low_decade .. 10^high_decade maps onto the colour ramp.
struct DriftScale {
  int low_decade = -6;
  int high_decade = 0;
};

// Whole decades around the changed tensors' relative drifts (at most 12).
DriftScale drift_scale(const Report& report);

// "#rrggbb": the ramp for changed tensors; fixed colours for unchanged,
// structurally changed, not measured and non-finite (NaN) ones.
std::string drift_color(const TensorReport& tensor, const DriftScale& scale);

std::string heatmap_svg(const Report& report, const HeatmapGrid& grid, const DriftScale& scale);

}  // namespace fti::reports

// The layout of the drift heatmap: layers down (in stack and index order),
// module types across, one cell per tensor; tensors outside any layer in a
// band of their own. Caps keep a 10k-tensor model drawable; rows and columns
// holding violations are kept first, and what is left out is counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/report.h"

namespace fti::reports {

struct HeatmapRow {
  std::string stack;
  std::uint64_t index = 0;
  std::string label;  // raw: "model.layers.12"
};

struct HeatmapCell {
  std::size_t tensor = 0;  // index into Report::tensors
  std::size_t row = 0;
  std::size_t column = 0;
};

struct HeatmapGrid {
  std::vector<HeatmapRow> rows;
  std::vector<std::string> columns;  // raw module names
  std::vector<HeatmapCell> cells;
  std::vector<std::size_t> non_layer;  // tensor indices, in report order
  std::size_t rows_left_out = 0;
  std::size_t columns_left_out = 0;
  std::size_t tensors_left_out = 0;  // in a left-out row or column, or past the band's cap
};

struct HeatmapLimits {
  std::size_t max_rows = 256;
  std::size_t max_columns = 64;
  std::size_t max_non_layer = 512;
};

HeatmapGrid build_heatmap_grid(const Report& report, const HeatmapLimits& limits = {});

}  // namespace fti::reports

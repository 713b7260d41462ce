// The measured figures of one tensor pair as the report shows them (no
// policy: rule, checks and verdict are left for the gate to fill in).
#pragma once

#include "engine/analysis/drift_analysis.h"
#include "reports/report.h"

namespace fti::gate {

reports::TensorReport tensor_figures(const analysis::TensorDrift& drift);

// Residual norm over all analysed blocks and an upper bound on it that
// includes the stated floating-point error: (norm, upper bound).
struct ResidualFigures {
  double norm = 0;
  double upper = 0;
  double energy_upper = 0;  // sum of residual energies plus their error bounds
};
ResidualFigures residual_figures(const std::vector<analysis::RankResult>& blocks);

}  // namespace fti::gate

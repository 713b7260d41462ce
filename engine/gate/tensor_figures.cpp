#include "engine/gate/tensor_figures.h"

#include <algorithm>
#include <cmath>

namespace fti::gate {

ResidualFigures residual_figures(const std::vector<analysis::RankResult>& blocks) {
  double energy = 0, error = 0;
  for (const analysis::RankResult& block : blocks) {
    energy += block.residual_energy;
    error += block.residual_energy_error;
  }
  // The sums above round too: widen the error by a relative 2^-40, far above
  // the few ulps a sum of at most thousands of non-negative terms can lose.
  const double energy_upper = (energy + error) * (1 + 0x1p-40);
  return {std::sqrt(energy), std::sqrt(energy_upper), energy_upper};
}

reports::TensorReport tensor_figures(const analysis::TensorDrift& drift) {
  reports::TensorReport t;
  t.name = drift.name;
  t.status = std::string(analysis::pair_status_name(drift.status));
  const auto dtype = drift.base_dtype ? drift.base_dtype : drift.candidate_dtype;
  t.dtype = dtype ? std::string(dtype_name(*dtype)) : "";
  if (drift.status == analysis::PairStatus::kRetyped) {
    t.dtype = std::string(dtype_name(*drift.base_dtype)) + "->" + std::string(dtype_name(*drift.candidate_dtype));
  }
  t.shape = drift.base_dtype ? drift.base_shape : drift.candidate_shape;
  if (drift.status == analysis::PairStatus::kReshaped || drift.status == analysis::PairStatus::kRetyped) {
    t.candidate_shape = drift.candidate_shape;
  }
  // Shapes come from validated headers, whose element counts are overflow-checked.
  std::uint64_t elements = 1;
  for (const auto d : t.shape) elements *= d;
  t.elements = elements;
  if (drift.stats) {
    const analysis::TensorStats& s = *drift.stats;
    t.has_stats = true;
    t.elements = s.elements;
    t.changed = s.changed;
    t.delta_norm = s.delta_norm();
    t.base_norm = s.base_norm();
    t.max_abs_delta = s.max_abs_delta;
    t.nonfinite_base = s.nonfinite_base;
    t.nonfinite_candidate = s.nonfinite_candidate;
  }
  if (!drift.rank.empty()) {
    reports::RankFigures r;
    const analysis::RankResult& first = drift.rank.front();
    r.method = first.method == analysis::RankResult::Method::kDenseSvd ? "dense-svd" : "randomized";
    r.max_rank = first.max_rank;
    r.heads = static_cast<unsigned>(drift.rank.size());
    for (const analysis::RankResult& head : drift.rank) r.numerical_rank = std::max(r.numerical_rank, head.numerical_rank);
    const ResidualFigures residual = residual_figures(drift.rank);
    r.residual_norm = residual.norm;
    r.residual_error = residual.upper - residual.norm;
    const std::size_t shown = std::min<std::size_t>(first.singular_values.size(), 8);
    r.singular_values.assign(first.singular_values.begin(),
                             first.singular_values.begin() + static_cast<std::ptrdiff_t>(shown));
    t.rank = r;
  }
  return t;
}

}  // namespace fti::gate

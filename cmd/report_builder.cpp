#include "cmd/report_builder.h"

#include <algorithm>

namespace fti::cli {

reports::ArtifactInfo artifact_info(const std::string& source, const ResolvedSource& resolved,
                                    const Checkpoint& checkpoint) {
  reports::ArtifactInfo info;
  info.source = source;
  info.resolved = resolved.pinned;
  for (std::size_t i = 0; i < checkpoint.file_count(); ++i) {
    info.files.push_back({checkpoint.file_source(i).name, checkpoint.file_source(i).origin,
                          to_hex(checkpoint.file_sha256(i)), checkpoint.file(i).file_size()});
  }
  return info;
}

reports::TensorReport tensor_report(const analysis::TensorDrift& drift) {
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
    double energy = 0, error = 0;
    for (const analysis::RankResult& head : drift.rank) {
      energy += head.residual_energy;
      error += head.residual_energy_error;
      r.numerical_rank = std::max(r.numerical_rank, head.numerical_rank);
    }
    r.residual_norm = std::sqrt(energy);
    // sqrt(E +- e) lies within sqrt(E) +- e / (2 sqrt(E)) for e << E; use the safe form.
    r.residual_error = std::sqrt(energy + error) - r.residual_norm;
    const std::size_t shown = std::min<std::size_t>(first.singular_values.size(), 8);
    r.singular_values.assign(first.singular_values.begin(), first.singular_values.begin() + static_cast<std::ptrdiff_t>(shown));
    t.rank = r;
  }
  return t;
}

}  // namespace fti::cli

// One streaming pass over a base and a candidate checkpoint: tensors are
// paired by name, each pair's exact statistics computed in parallel (TBB,
// across and within tensors), and the rank analyses that the caller asks for
// run afterwards. Pages of each tensor are released once it is done, so
// memory stays at a few tensors.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/analysis/rank_analysis.h"
#include "engine/analysis/tensor_stats.h"
#include "registry/checkpoint.h"

namespace fti::analysis {

enum class PairStatus {
  kCompared,  // same dtype and shape: statistics computed
  kAdded,     // only in the candidate
  kRemoved,   // only in the base
  kReshaped,  // shapes differ
  kRetyped,   // dtypes differ (shapes may too)
};
std::string_view pair_status_name(PairStatus status) noexcept;

// What the caller wants beyond the statistics, per tensor.
struct RankRequest {
  MatrixView view;        // the tensor as a row-major matrix, as stored (rank >= 3: dim 0 x the rest)
  unsigned heads = 0;     // > 0: split into this many equal blocks (per-head view)
  enum class Split { kRows, kCols } split = Split::kRows;  // blocks of stored rows or of stored columns
  RankOptions options;
};

struct TensorDrift {
  std::string name;
  PairStatus status = PairStatus::kCompared;
  std::optional<DType> base_dtype, candidate_dtype;
  std::vector<std::uint64_t> base_shape, candidate_shape;
  std::optional<TensorStats> stats;      // kCompared only
  std::vector<RankResult> rank;          // one per head (one for a whole-matrix view)
  std::string rank_error;                // why a requested rank analysis could not run
};

struct DriftAnalysis {
  std::vector<TensorDrift> tensors;  // sorted by name
  double seconds = 0;
  std::uint64_t compared_bytes = 0;  // bytes of both checkpoints read for statistics
};

struct DriftOptions {
  // Called for every compared pair; return a request to run a rank analysis.
  std::function<std::optional<RankRequest>(const TensorDrift&)> rank_request;
};

DriftAnalysis analyze_drift(const Checkpoint& base, const Checkpoint& candidate,
                            const DriftOptions& options = {});

}  // namespace fti::analysis

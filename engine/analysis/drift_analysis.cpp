#include "engine/analysis/drift_analysis.h"

#include <tbb/parallel_for.h>

#include <chrono>
#include <cstring>
#include <map>

namespace fti::analysis {

std::string_view pair_status_name(PairStatus status) noexcept {
  switch (status) {
    case PairStatus::kCompared: return "compared";
    case PairStatus::kAdded: return "added";
    case PairStatus::kRemoved: return "removed";
    case PairStatus::kReshaped: return "reshaped";
    case PairStatus::kRetyped: return "retyped";
  }
  return "unknown";
}

namespace {

struct Pairing {
  const CheckpointTensor* base = nullptr;
  const CheckpointTensor* candidate = nullptr;
};

void run_rank(const Checkpoint& base, const Checkpoint& candidate, const Pairing& pairing,
              const RankRequest& request, TensorDrift& drift) {
  const TensorEntry& entry = *pairing.base->entry;
  const std::uint64_t rows = request.view.rows, cols = request.view.cols;
  if (rows == 0 || cols == 0 || rows * cols != entry.element_count || rows > entry.element_count) {
    drift.rank_error = "the matrix view " + std::to_string(rows) + "x" + std::to_string(cols) +
                       " does not fit " + std::to_string(entry.element_count) + " elements";
    return;
  }
  const unsigned heads = request.heads == 0 ? 1 : request.heads;
  const auto base_bytes = base.data(*pairing.base);
  const auto cand_bytes = candidate.data(*pairing.candidate);
  const std::size_t size = dtype_size(entry.dtype);
  if (request.split == RankRequest::Split::kRows || heads == 1) {
    if (rows % heads != 0) {
      drift.rank_error = std::to_string(rows) + " rows do not split into " + std::to_string(heads) + " heads";
      return;
    }
    const std::uint64_t head_rows = rows / heads;
    const std::size_t head_bytes = static_cast<std::size_t>(head_rows * cols) * size;
    for (unsigned h = 0; h < heads; ++h) {
      drift.rank.push_back(analyze_rank(entry.dtype, base_bytes.subspan(h * head_bytes, head_bytes),
                                        cand_bytes.subspan(h * head_bytes, head_bytes), {head_rows, cols},
                                        request.options));
    }
  } else {
    if (cols % heads != 0) {
      drift.rank_error = std::to_string(cols) + " columns do not split into " + std::to_string(heads) + " heads";
      return;
    }
    // Column blocks are not contiguous: copy each head's columns out.
    const std::uint64_t head_cols = cols / heads;
    const std::size_t row_bytes = static_cast<std::size_t>(head_cols) * size;
    std::vector<std::uint8_t> b(static_cast<std::size_t>(rows) * row_bytes), c(b.size());
    for (unsigned h = 0; h < heads; ++h) {
      for (std::uint64_t r = 0; r < rows; ++r) {
        const std::size_t from = static_cast<std::size_t>(r * cols + h * head_cols) * size;
        std::memcpy(b.data() + r * row_bytes, base_bytes.data() + from, row_bytes);
        std::memcpy(c.data() + r * row_bytes, cand_bytes.data() + from, row_bytes);
      }
      drift.rank.push_back(analyze_rank(entry.dtype, b, c, {rows, head_cols}, request.options));
    }
  }
  base.release(*pairing.base);
  candidate.release(*pairing.candidate);
}

}  // namespace

DriftAnalysis analyze_drift(const Checkpoint& base, const Checkpoint& candidate, const DriftOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string_view, Pairing> pairs;
  for (const CheckpointTensor& t : base.tensors()) pairs[t.name()].base = &t;
  for (const CheckpointTensor& t : candidate.tensors()) pairs[t.name()].candidate = &t;

  DriftAnalysis analysis;
  analysis.tensors.resize(pairs.size());
  std::vector<Pairing> order;
  order.reserve(pairs.size());
  std::size_t index = 0;
  for (const auto& [name, pairing] : pairs) {
    TensorDrift& drift = analysis.tensors[index++];
    drift.name = std::string(name);
    order.push_back(pairing);
    if (pairing.base != nullptr) {
      drift.base_dtype = pairing.base->entry->dtype;
      drift.base_shape = pairing.base->entry->shape;
    }
    if (pairing.candidate != nullptr) {
      drift.candidate_dtype = pairing.candidate->entry->dtype;
      drift.candidate_shape = pairing.candidate->entry->shape;
    }
    if (pairing.base == nullptr) {
      drift.status = PairStatus::kAdded;
    } else if (pairing.candidate == nullptr) {
      drift.status = PairStatus::kRemoved;
    } else if (drift.base_dtype != drift.candidate_dtype) {
      drift.status = PairStatus::kRetyped;
    } else if (drift.base_shape != drift.candidate_shape) {
      drift.status = PairStatus::kReshaped;
    }
  }

  // Statistics: parallel across tensors (and within each, in compare_tensors).
  tbb::parallel_for(std::size_t{0}, order.size(), [&](std::size_t i) {
    TensorDrift& drift = analysis.tensors[i];
    if (drift.status != PairStatus::kCompared) return;
    const Pairing& pairing = order[i];
    base.prefetch(*pairing.base);
    candidate.prefetch(*pairing.candidate);
    drift.stats = compare_tensors(pairing.base->entry->dtype, base.data(*pairing.base),
                                  candidate.data(*pairing.candidate));
    base.release(*pairing.base);
    candidate.release(*pairing.candidate);
  });
  for (const TensorDrift& drift : analysis.tensors) {
    if (drift.stats) analysis.compared_bytes += 2 * drift.stats->elements * dtype_size(*drift.base_dtype);
  }

  // Rank analyses one at a time: BLAS parallelises inside each.
  if (options.rank_request) {
    for (std::size_t i = 0; i < order.size(); ++i) {
      TensorDrift& drift = analysis.tensors[i];
      if (drift.status != PairStatus::kCompared) continue;
      const std::optional<RankRequest> request = options.rank_request(drift);
      if (request) run_rank(base, candidate, order[i], *request, drift);
    }
  }
  analysis.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return analysis;
}

}  // namespace fti::analysis

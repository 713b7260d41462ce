#include "engine/drift/frozen.h"

#include <set>

#include "engine/drift/norm.h"

namespace fti::drift {

DriftResult verify_frozen(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                          std::span<const std::uint32_t> tensors) {
  if (!norm_commitment_consistent(base) || !norm_commitment_consistent(candidate)) {
    return {DriftStatus::kIncompatibleCommitments, crypto::Status::kOk};
  }
  std::set<std::uint32_t> seen;
  for (const std::uint32_t i : tensors) {
    if (i >= base.tensors.size() || !seen.insert(i).second) return {DriftStatus::kBadStatement, crypto::Status::kOk};
  }
  for (const std::uint32_t i : tensors) {
    const commitment::TensorRecord& b = base.tensors[i];
    const commitment::TensorRecord* c = candidate.find(b.name);
    if (c == nullptr || c->dtype != b.dtype || c->shape != b.shape || c->data_sha256 != b.data_sha256) {
      return {DriftStatus::kNotFrozen, crypto::Status::kOk};
    }
  }
  return {};
}

}  // namespace fti::drift

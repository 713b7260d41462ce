// Frozen tensors (docs/PROTOCOL.md, section 10.2): bit-identical in base and
// candidate. Each commitment's tensor leaf binds the SHA-256 of the tensor's
// raw bytes (section 9.5), so equal digests (with equal dtype and shape) in
// the two trusted commitments prove the claim without any opening.
#pragma once

#include <cstdint>
#include <span>

#include "engine/commitment/model_commitment.h"
#include "engine/drift/drift_status.h"

namespace fti::drift {

// kOk if every listed base tensor (index into base.tensors) has a candidate
// tensor of the same name, dtype and shape with the same data digest;
// kNotFrozen otherwise; kBadStatement for an index out of range or repeated;
// kIncompatibleCommitments if a commitment's digests do not recompute.
[[nodiscard]] DriftResult verify_frozen(const commitment::ModelCommitment& base,
                                        const commitment::ModelCommitment& candidate,
                                        std::span<const std::uint32_t> tensors);

}  // namespace fti::drift

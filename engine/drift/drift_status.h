// Verification outcomes of the drift proofs (docs/PROTOCOL.md, section 10).
// Like fti_crypto's Status, kOk is the only acceptance and every other value
// names the check that failed; when a sub-verifier of fti_crypto (sumcheck,
// Basefold, range argument, a strict parser) rejected, its own Status is kept
// as the detail, so a log says both which drift check and which crypto check.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/crypto/status.h"

namespace fti::drift {

enum class DriftStatus : std::uint8_t {
  kOk = 0,
  kMalformed,              // proof bytes: truncation, trailing bytes, counts (detail: the parser's status)
  kBadStatement,           // a statement the verifier cannot accept (unknown or repeated tensor, too many items)
  kIncompatibleCommitments,  // base/candidate disagree on parameters, name, shape or scale; a root that does not recompute
  kNotFrozen,              // a frozen tensor's data digest (or dtype, shape) differs
  kStatisticOutOfRange,    // a disclosed H or L above its bound (section 10.3.1)
  kSumcheckRejected,       // the block-sum sumcheck of a size class (detail: sumcheck_verify's status)
  kEvaluationMismatch,     // a final evaluation disagrees with eq or with the opened values
  kOpeningRejected,        // the Basefold opening of a size class (detail: basefold_verify's status)
  kRangeRejected,          // the range argument on the block-sum limbs (detail: range_verify's status)
  kBoundExceeded,          // the proof is valid and a proven statistic exceeds the statement's bound
  kInsecureParameters,     // Basefold parameters below the proven floor (detail: basefold_check_security's status)
};

struct DriftResult {
  DriftStatus status = DriftStatus::kOk;
  crypto::Status detail = crypto::Status::kOk;  // the fti_crypto check behind `status`, when there is one

  bool ok() const noexcept { return status == DriftStatus::kOk; }
  friend bool operator==(const DriftResult&, const DriftResult&) = default;
};

// Stable lower-case name ("ok", "range_rejected", ...).
std::string_view drift_status_name(DriftStatus status) noexcept;

}  // namespace fti::drift

// Verification outcomes. Every verifier in fti_crypto returns a Status rather
// than a bool, so a rejection says which check failed (for tests and logs)
// and the zero value is the only acceptance.
#pragma once

#include <cstdint>
#include <string_view>

namespace fti::crypto {

enum class Status : std::uint8_t {
  kOk = 0,
  kMalformed,               // truncated, trailing bytes, counts that do not add up
  kNonCanonical,            // a field element encoding >= p
  kBadParameters,           // statement/shape the verifier cannot accept
  kWrongLength,             // a leaf or vector of the wrong length
  kIndexOutOfRange,         // an opening index >= number of leaves
  kDuplicateIndex,          // the same index opened twice
  kUnsortedIndices,         // indices not strictly increasing
  kRootMismatch,            // a Merkle path does not lead to the committed cap
  kWrongDegree,             // a sumcheck round polynomial with the wrong number of evaluations
  kSumMismatch,             // p(0) + p(1) != running claim
  kFinalClaimMismatch,      // the prover's final evaluations do not match the last round
  kEvaluationMismatch,      // the caller's check of the final evaluations failed
  kFoldMismatch,            // a queried fold disagrees with the next layer or the final polynomial
  kInvalidProofOfWork,      // the grinding nonce does not meet the proof-of-work target
  kZeroDenominator,         // a LogUp root fraction with denominator zero
  kLookupSumMismatch,       // the LogUp fractional sums of lookups and table do not balance
  kInsecureParameters,      // well-formed parameters below the proven security floor
};

// Stable lower-case name ("ok", "root_mismatch", ...).
std::string_view status_name(Status status) noexcept;

}  // namespace fti::crypto

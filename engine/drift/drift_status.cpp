#include "engine/drift/drift_status.h"

namespace fti::drift {

std::string_view drift_status_name(DriftStatus status) noexcept {
  switch (status) {
    case DriftStatus::kOk: return "ok";
    case DriftStatus::kMalformed: return "malformed";
    case DriftStatus::kBadStatement: return "bad_statement";
    case DriftStatus::kIncompatibleCommitments: return "incompatible_commitments";
    case DriftStatus::kNotFrozen: return "not_frozen";
    case DriftStatus::kStatisticOutOfRange: return "statistic_out_of_range";
    case DriftStatus::kSumcheckRejected: return "sumcheck_rejected";
    case DriftStatus::kEvaluationMismatch: return "evaluation_mismatch";
    case DriftStatus::kOpeningRejected: return "opening_rejected";
    case DriftStatus::kRangeRejected: return "range_rejected";
    case DriftStatus::kBoundExceeded: return "bound_exceeded";
    case DriftStatus::kInsecureParameters: return "insecure_parameters";
  }
  return "unknown";
}

}  // namespace fti::drift

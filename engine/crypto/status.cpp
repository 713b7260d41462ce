#include "engine/crypto/status.h"

namespace fti::crypto {

std::string_view status_name(Status status) noexcept {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kMalformed: return "malformed";
    case Status::kNonCanonical: return "non_canonical";
    case Status::kBadParameters: return "bad_parameters";
    case Status::kWrongLength: return "wrong_length";
    case Status::kIndexOutOfRange: return "index_out_of_range";
    case Status::kDuplicateIndex: return "duplicate_index";
    case Status::kUnsortedIndices: return "unsorted_indices";
    case Status::kRootMismatch: return "root_mismatch";
    case Status::kWrongDegree: return "wrong_degree";
    case Status::kSumMismatch: return "sum_mismatch";
    case Status::kFinalClaimMismatch: return "final_claim_mismatch";
    case Status::kEvaluationMismatch: return "evaluation_mismatch";
    case Status::kFoldMismatch: return "fold_mismatch";
    case Status::kInvalidProofOfWork: return "invalid_proof_of_work";
    case Status::kZeroDenominator: return "zero_denominator";
    case Status::kLookupSumMismatch: return "lookup_sum_mismatch";
    case Status::kInsecureParameters: return "insecure_parameters";
  }
  return "unknown";
}

}  // namespace fti::crypto

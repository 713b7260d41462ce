// The entrywise verifier (docs/PROTOCOL.md, section 10.6.5). Reads no weights.
#include <exception>

#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/entry.h"
#include "engine/drift/entry_protocol.h"
#include "engine/drift/norm.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;
using crypto::Status;

}  // namespace

Status entry_check_security(const crypto::BasefoldParams& params, const EntryLayout& layout,
                            const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                            const EntryStatement& statement, unsigned min_bits) {
  if (min_bits == 0) return Status::kOk;
  auto check = [&](unsigned n, std::size_t m) { return crypto::basefold_check_security(params, n, m, min_bits); };
  const crypto::BasefoldCommitment& bg = base.groups[layout.base_group];
  const crypto::BasefoldCommitment& cg = candidate.groups[layout.candidate_group];
  if (const Status s = check(bg.num_vars, bg.num_polys); s != Status::kOk) return s;
  if (const Status s = check(cg.num_vars, cg.num_polys); s != Status::kOk) return s;
  if (const Status s = check(layout.num_vars, layout.witness_polys); s != Status::kOk) return s;
  if (!statement.max_abs) return Status::kOk;
  if (const Status s = check(layout.num_vars, crypto::kMaxBasefoldPolys); s != Status::kOk) return s;
  return check(statement.range_limb_bits, 1);
}

DriftResult verify_entries(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                           const EntryStatement& statement, std::uint64_t changed, const EntryProof& proof,
                           crypto::Transcript& transcript, const EntryVerifyOptions& options) {
  try {
    if (!norm_commitment_consistent(base) || !norm_commitment_consistent(candidate)) {
      return {DriftStatus::kIncompatibleCommitments, Status::kOk};
    }
    EntryLayout layout;
    if (const DriftStatus s = EntryLayout::make(base, candidate, statement, layout); s != DriftStatus::kOk) {
      return {s, Status::kOk};
    }
    if (const Status s =
            entry_check_security(base.params, layout, base, candidate, statement, options.min_security_bits);
        s != Status::kOk) {
      return {DriftStatus::kInsecureParameters, s};
    }
    // c counts entries: at most 2^n (and 0 without a count claim).
    if (statement.count ? changed > (std::uint64_t{1} << layout.num_vars) : changed != 0) {
      return {DriftStatus::kStatisticOutOfRange, Status::kOk};
    }
    // The proof's shape (parse() guarantees it; an EntryProof built in memory may not).
    const std::vector<crypto::BasefoldGroupShape> shapes = entry_opening_shapes(base, candidate, layout);
    if (proof.witness_commitment.num_vars != layout.num_vars ||
        proof.witness_commitment.num_polys != layout.witness_polys || proof.opened_values.size() != shapes.size()) {
      return {DriftStatus::kMalformed, Status::kWrongLength};
    }
    for (std::size_t g = 0; g < shapes.size(); ++g) {
      if (proof.opened_values[g].size() != shapes[g].num_polys) return {DriftStatus::kMalformed, Status::kWrongLength};
    }
    const Fp3 b_value = proof.opened_values[0][layout.base_poly];
    const Fp3 c_value = proof.opened_values[1][layout.candidate_poly];
    const std::vector<Fp3>& w_values = proof.opened_values[2];

    entry_absorb_statement(transcript, base, candidate, statement, layout);
    entry_absorb_witness(transcript, layout, proof.witness_commitment, changed);
    DriftResult result;
    const crypto::BasefoldGroupClaim claims[] = {{base.groups[layout.base_group], proof.opened_values[0]},
                                                 {candidate.groups[layout.candidate_group], proof.opened_values[1]},
                                                 {proof.witness_commitment, w_values}};
    // At the point: a = M' + C - B and a' = M' - C + B (max_abs), then the opening.
    auto check_point = [&](std::span<const Fp3> point) -> Status {
      if (statement.max_abs) {
        const Fp3 m(Fp::from_u64(layout.abs_bound));
        if (w_values[0] != m + c_value - b_value || w_values[1] != m - c_value + b_value) {
          result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
          return Status::kEvaluationMismatch;
        }
      }
      const Status s = crypto::basefold_verify(base.params, claims, point, proof.opening, transcript);
      if (s != Status::kOk) result = {DriftStatus::kOpeningRejected, s};
      return s;
    };
    if (statement.count) {
      const std::vector<Fp3> rho = entry_point(transcript, layout, kEntryLabelZeroPoint);
      const crypto::SumcheckFinalCheck final_check = [&](std::span<const Fp3> point, std::span<const Fp3> evals) {
        if (evals[kEntryEqPoly] != crypto::eq_eval(rho, point) || evals[kEntryBasePoly] != b_value ||
            evals[kEntryCandidatePoly] != c_value || evals[kEntryMaskPoly] != w_values[layout.mask_poly]) {
          result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
          return Status::kEvaluationMismatch;
        }
        return check_point(point);
      };
      if (const Status s =
              crypto::sumcheck_verify(entry_count_statement(layout, changed), proof.sumcheck, transcript, final_check);
          s != Status::kOk) {
        return result.ok() ? DriftResult{DriftStatus::kSumcheckRejected, s} : result;
      }
    } else {
      const std::vector<Fp3> point = entry_point(transcript, layout, kEntryLabelPoint);
      if (check_point(point) != Status::kOk) return result;
    }
    if (statement.max_abs) {
      if (const Status s = crypto::range_verify(base.params, entry_range_statement(layout, statement),
                                                entry_range_bindings(proof.witness_commitment), proof.range,
                                                transcript);
          s != Status::kOk) {
        return {DriftStatus::kRangeRejected, s};
      }
    }
    if (statement.count && changed > statement.max_changed) return {DriftStatus::kBoundExceeded, Status::kOk};
    return {};
  } catch (const std::exception&) {
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

DriftResult verify_entries_bytes(const commitment::ModelCommitment& base,
                                 const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                                 std::uint64_t changed, std::span<const std::uint8_t> proof,
                                 crypto::Transcript& transcript, const EntryVerifyOptions& options) {
  return verify_from_bytes<EntryLayout, EntryProof>(base, candidate, statement, proof, [&](const EntryProof& parsed) {
    return verify_entries(base, candidate, statement, changed, parsed, transcript, options);
  });
}

}  // namespace fti::drift

// The low-rank verifier (docs/PROTOCOL.md, section 10.5.5). Reads no weights.
#include <exception>

#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/norm.h"
#include "engine/drift/rank.h"
#include "engine/drift/rank_protocol.h"

namespace fti::drift {
namespace {

using crypto::Fp3;
using crypto::Status;

}  // namespace

Status rank_check_security(const crypto::BasefoldParams& params, const RankLayout& layout,
                           const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                           const RankStatement& statement, unsigned min_bits) {
  if (min_bits == 0) return Status::kOk;
  auto check = [&](unsigned n, std::size_t m) { return crypto::basefold_check_security(params, n, m, min_bits); };
  const crypto::BasefoldCommitment& bg = base.groups[layout.base_group];
  const crypto::BasefoldCommitment& cg = candidate.groups[layout.candidate_group];
  const std::pair<unsigned, std::size_t> groups[] = {
      {bg.num_vars, bg.num_polys},
      {cg.num_vars, cg.num_polys},
      {layout.block_vars, 2},
      {layout.u_vars(), 1},
      {layout.v_vars(), 1},
      {layout.block_vars, crypto::kMaxBasefoldPolys},
      {layout.u_vars(), crypto::kMaxBasefoldPolys},
      {layout.v_vars(), crypto::kMaxBasefoldPolys},
      {statement.range_limb_bits, 1}};
  for (const auto& [n, m] : groups) {
    if (const Status s = check(n, m); s != Status::kOk) return s;
  }
  return Status::kOk;
}

DriftResult verify_rank(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                        const RankStatement& statement, const NormStatistic& disclosure, const RankProof& proof,
                        crypto::Transcript& transcript, const RankVerifyOptions& options) {
  try {
    if (!norm_commitment_consistent(base) || !norm_commitment_consistent(candidate)) {
      return {DriftStatus::kIncompatibleCommitments, Status::kOk};
    }
    RankLayout layout;
    if (const DriftStatus s = RankLayout::make(base, candidate, statement, layout); s != DriftStatus::kOk) {
      return {s, Status::kOk};
    }
    if (const Status s =
            rank_check_security(base.params, layout, base, candidate, statement, options.min_security_bits);
        s != Status::kOk) {
      return {DriftStatus::kInsecureParameters, s};
    }
    if (disclosure.high > norm_max_high(layout.block_vars) || disclosure.low > norm_max_low(layout.block_vars)) {
      return {DriftStatus::kStatisticOutOfRange, Status::kOk};
    }
    // The proof's shape (parse() guarantees it; a RankProof built in memory may not).
    if (proof.u_commitment.num_vars != layout.u_vars() || proof.u_commitment.num_polys != 1 ||
        proof.v_commitment.num_vars != layout.v_vars() || proof.v_commitment.num_polys != 1 ||
        proof.block_commitment.num_vars != layout.block_vars || proof.block_commitment.num_polys != 2) {
      return {DriftStatus::kMalformed, Status::kWrongLength};
    }
    const std::vector<crypto::BasefoldGroupShape> shapes = rank_opening_shapes(base, candidate, layout);
    if (proof.opened_values.size() != shapes.size()) return {DriftStatus::kMalformed, Status::kWrongLength};
    for (std::size_t g = 0; g < shapes.size(); ++g) {
      if (proof.opened_values[g].size() != shapes[g].num_polys) return {DriftStatus::kMalformed, Status::kWrongLength};
    }

    rank_absorb_statement(transcript, base, candidate, statement, layout);
    const std::vector<Fp3> block_point = rank_absorb_commitments(transcript, layout, proof.u_commitment,
                                                                 proof.v_commitment, proof.block_commitment,
                                                                 disclosure);
    // Residual sumcheck; its final check compares Eq with eq(r_blk, rho_<m),
    // B, C, hi, lo with the opened values, and verifies the opening. W(rho)
    // is kept for the factor sumcheck.
    DriftResult result;
    std::vector<Fp3> rho;
    Fp3 product_value = Fp3::zero();
    const crypto::BasefoldGroupClaim claims[] = {{base.groups[layout.base_group], proof.opened_values[0]},
                                                 {candidate.groups[layout.candidate_group], proof.opened_values[1]},
                                                 {proof.block_commitment, proof.opened_values[2]}};
    const crypto::SumcheckFinalCheck residual_check = [&](std::span<const Fp3> point, std::span<const Fp3> evals) {
      if (evals[kRankEqPoly] != crypto::eq_eval(block_point, point.first(layout.block_vars)) ||
          evals[kRankBasePoly] != proof.opened_values[0][layout.base_poly] ||
          evals[kRankCandidatePoly] != proof.opened_values[1][layout.candidate_poly] ||
          evals[kRankHiPoly] != proof.opened_values[2][0] || evals[kRankLoPoly] != proof.opened_values[2][1]) {
        result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
        return Status::kEvaluationMismatch;
      }
      const Status s = crypto::basefold_verify(base.params, claims, point, proof.residual_opening, transcript);
      if (s != Status::kOk) {
        result = {DriftStatus::kOpeningRejected, s};
        return s;
      }
      rho.assign(point.begin(), point.end());
      product_value = evals[kRankProductPoly];
      return Status::kOk;
    };
    if (const Status s = crypto::sumcheck_verify(rank_residual_statement(layout, statement, disclosure),
                                                 proof.residual_sumcheck, transcript, residual_check);
        s != Status::kOk) {
      return result.ok() ? DriftResult{DriftStatus::kSumcheckRejected, s} : result;
    }
    // Factor sumcheck: W(rho) = sum_{k < r} U(k, rho_row) V(k, rho_col).
    const crypto::SumcheckFinalCheck factor_check = [&](std::span<const Fp3> kappa, std::span<const Fp3> evals) {
      if (evals[kRankIndicatorPoly] != rank_indicator_eval(statement.rank, kappa)) {
        result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
        return Status::kEvaluationMismatch;
      }
      const crypto::BasefoldGroupClaim u_claim{proof.u_commitment, {evals[kRankUPoly]}};
      Status s = crypto::basefold_verify(base.params, u_claim, rank_u_point(layout, kappa, rho), proof.u_opening,
                                         transcript);
      if (s == Status::kOk) {
        const crypto::BasefoldGroupClaim v_claim{proof.v_commitment, {evals[kRankVPoly]}};
        s = crypto::basefold_verify(base.params, v_claim, rank_v_point(layout, kappa, rho), proof.v_opening,
                                    transcript);
      }
      if (s != Status::kOk) result = {DriftStatus::kOpeningRejected, s};
      return s;
    };
    if (const Status s = crypto::sumcheck_verify(rank_factor_statement(layout, product_value), proof.factor_sumcheck,
                                                 transcript, factor_check);
        s != Status::kOk) {
      return result.ok() ? DriftResult{DriftStatus::kSumcheckRejected, s} : result;
    }
    // Range argument last: limbs and factors.
    const crypto::RangeStatement range_statement = rank_range_statement(layout, statement);
    const std::vector<crypto::RangeValueBinding> bindings =
        rank_range_bindings(proof.block_commitment, proof.u_commitment, proof.v_commitment);
    if (const Status s = crypto::range_verify(base.params, range_statement, bindings, proof.range, transcript);
        s != Status::kOk) {
      return {DriftStatus::kRangeRejected, s};
    }
    if (statement.bound == RankBoundKind::kAbsolute && disclosure.value() > statement.max_residual_squares) {
      return {DriftStatus::kBoundExceeded, Status::kOk};
    }
    return {};
  } catch (const std::exception&) {
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

DriftResult verify_rank_bytes(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                              const RankStatement& statement, const NormStatistic& disclosure,
                              std::span<const std::uint8_t> proof, crypto::Transcript& transcript,
                              const RankVerifyOptions& options) {
  return verify_from_bytes<RankLayout, RankProof>(base, candidate, statement, proof, [&](const RankProof& parsed) {
    return verify_rank(base, candidate, statement, disclosure, parsed, transcript, options);
  });
}

}  // namespace fti::drift

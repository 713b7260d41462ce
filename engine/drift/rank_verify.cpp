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

// The proof's shape (parse() guarantees it; a RankProof built in memory may not).
bool proof_shape_matches(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                         const RankBatchLayout& layout, const RankProof& proof) {
  if (proof.classes.size() != layout.classes.size()) return false;
  for (std::size_t k = 0; k < layout.classes.size(); ++k) {
    const RankClassLayout& cl = layout.classes[k];
    const RankClassProof& c = proof.classes[k];
    if (c.u_commitment.num_vars != cl.u_vars() || c.u_commitment.num_polys != cl.size() ||
        c.v_commitment.num_vars != cl.v_vars() || c.v_commitment.num_polys != cl.size() ||
        c.block_commitment.num_vars != cl.block_vars || c.block_commitment.num_polys != 2 * cl.size()) {
      return false;
    }
    const std::vector<crypto::BasefoldGroupShape> shapes = rank_opening_shapes(base, candidate, cl);
    if (c.opened_values.size() != shapes.size()) return false;
    for (std::size_t g = 0; g < shapes.size(); ++g) {
      if (c.opened_values[g].size() != shapes[g].num_polys) return false;
    }
  }
  return true;
}

// Steps 6-8 of one class: r_blk, the residual sumcheck and its opening, the
// factor sumcheck and the U, V openings.
DriftResult verify_class(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                         RankClaims claims, std::span<const NormStatistic> disclosures, const RankBatchLayout& layout,
                         const RankClassLayout& cl, const RankClassProof& proof, crypto::Transcript& transcript) {
  const std::vector<Fp3> block_point = rank_block_point(transcript, cl);
  const std::size_t block_group = cl.base_groups.size() + cl.candidate_groups.size();
  // Residual sumcheck; its final check compares Eq with eq(r_blk, rho_<m),
  // every B, C, hi, lo with the opened values, and verifies the opening. The
  // W_j(rho) are kept for the factor sumcheck.
  DriftResult result;
  std::vector<Fp3> rho;
  std::vector<Fp3> product_values;
  std::vector<crypto::BasefoldGroupClaim> group_claims;
  for (std::size_t g = 0; g < cl.base_groups.size(); ++g) {
    group_claims.push_back({base.groups[cl.base_groups[g]], proof.opened_values[g]});
  }
  for (std::size_t g = 0; g < cl.candidate_groups.size(); ++g) {
    group_claims.push_back(
        {candidate.groups[cl.candidate_groups[g]], proof.opened_values[cl.base_groups.size() + g]});
  }
  group_claims.push_back({proof.block_commitment, proof.opened_values[block_group]});
  const crypto::SumcheckFinalCheck residual_check = [&](std::span<const Fp3> point, std::span<const Fp3> evals) {
    bool match = evals[kRankEqPoly] == crypto::eq_eval(block_point, point.first(cl.block_vars));
    const std::vector<Fp3>& blocks = proof.opened_values[block_group];
    for (std::size_t j = 0; j < cl.size() && match; ++j) {
      match = evals[rank_residual_poly(j, kRankHiPoly)] == blocks[2 * j] &&
              evals[rank_residual_poly(j, kRankLoPoly)] == blocks[2 * j + 1];
    }
    if (!match) {
      result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
      return Status::kEvaluationMismatch;
    }
    const Status s = crypto::basefold_verify(base.params, group_claims, point, proof.residual_opening, transcript);
    if (s != Status::kOk) {
      result = {DriftStatus::kOpeningRejected, s};
      return s;
    }
    rho.assign(point.begin(), point.end());
    // W_j(rho) = 2^t (C(rho) - B(rho)) - E_j(rho): E_j(rho) is the prover's
    // claim, checked through W_j by the factor sumcheck and the U, V openings.
    product_values = rank_product_values(layout, cl, claims, proof.opened_values, evals);
    return Status::kOk;
  };
  if (const Status s = crypto::sumcheck_verify(rank_residual_statement(cl, disclosures),
                                               proof.residual_sumcheck, transcript, residual_check);
      s != Status::kOk) {
    return result.ok() ? DriftResult{DriftStatus::kSumcheckRejected, s} : result;
  }
  // Factor sumcheck: W_j(rho) = sum_{k < r_j} U_j(k, rho_row) V_j(k, rho_col).
  // With heads, the head polynomial is eq(h, rho_h) at eta.
  const crypto::SumcheckFinalCheck factor_check = [&](std::span<const Fp3> point, std::span<const Fp3> evals) {
    const std::span<const Fp3> kappa = point.first(cl.rank_vars), eta = point.subspan(cl.rank_vars);
    const Fp3 head = crypto::eq_eval(rank_head_point(cl, rho), eta);
    crypto::BasefoldGroupClaim u_claim{proof.u_commitment, {}};
    crypto::BasefoldGroupClaim v_claim{proof.v_commitment, {}};
    for (std::size_t j = 0; j < cl.size(); ++j) {
      if (evals[rank_factor_poly(cl, j, kRankIndicatorPoly)] != rank_indicator_eval(claims[cl.claims[j]].rank, kappa) ||
          (cl.head_vars > 0 && evals[rank_factor_poly(cl, j, kRankHeadPoly)] != head)) {
        result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
        return Status::kEvaluationMismatch;
      }
      u_claim.values.push_back(evals[rank_factor_poly(cl, j, kRankUPoly)]);
      v_claim.values.push_back(evals[rank_factor_poly(cl, j, kRankVPoly)]);
    }
    Status s = crypto::basefold_verify(base.params, u_claim, rank_u_point(cl, point, rho), proof.u_opening, transcript);
    if (s == Status::kOk) {
      s = crypto::basefold_verify(base.params, v_claim, rank_v_point(cl, point, rho), proof.v_opening, transcript);
    }
    if (s != Status::kOk) result = {DriftStatus::kOpeningRejected, s};
    return s;
  };
  if (const Status s = crypto::sumcheck_verify(rank_factor_statement(cl, product_values), proof.factor_sumcheck,
                                               transcript, factor_check);
      s != Status::kOk) {
    return result.ok() ? DriftResult{DriftStatus::kSumcheckRejected, s} : result;
  }
  return {};
}

}  // namespace

Status rank_check_security(const crypto::BasefoldParams& params, const RankBatchLayout& layout,
                           const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                           RankClaims claims, unsigned min_bits) {
  if (min_bits == 0 || claims.empty()) return Status::kOk;
  auto check = [&](unsigned n, std::size_t m) { return crypto::basefold_check_security(params, n, m, min_bits); };
  for (const RankClassLayout& cl : layout.classes) {
    std::vector<crypto::BasefoldGroupShape> groups = rank_opening_shapes(base, candidate, cl);
    groups.push_back({cl.u_vars(), cl.size()});
    groups.push_back({cl.v_vars(), cl.size()});
    groups.push_back({cl.block_vars, crypto::basefold_max_polys(params, cl.block_vars)});
    groups.push_back({cl.u_vars(), crypto::basefold_max_polys(params, cl.u_vars())});
    groups.push_back({cl.v_vars(), crypto::basefold_max_polys(params, cl.v_vars())});
    for (const crypto::BasefoldGroupShape& g : groups) {
      if (const Status s = check(g.num_vars, g.num_polys); s != Status::kOk) return s;
    }
  }
  return check(claims[0].range_limb_bits, 1);
}

DriftResult verify_ranks(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                         RankClaims claims, std::span<const NormStatistic> disclosures, const RankProof& proof,
                         crypto::Transcript& transcript, const RankVerifyOptions& options) {
  try {
    if (!norm_commitment_consistent(base) || !norm_commitment_consistent(candidate)) {
      return {DriftStatus::kIncompatibleCommitments, Status::kOk};
    }
    RankBatchLayout layout;
    if (const DriftStatus s = RankBatchLayout::make(base, candidate, claims, layout); s != DriftStatus::kOk) {
      return {s, Status::kOk};
    }
    if (const Status s =
            rank_check_security(base.params, layout, base, candidate, claims, options.min_security_bits);
        s != Status::kOk) {
      return {DriftStatus::kInsecureParameters, s};
    }
    if (disclosures.size() != claims.size()) return {DriftStatus::kMalformed, Status::kWrongLength};
    for (std::size_t i = 0; i < claims.size(); ++i) {
      const unsigned m = layout.claims[i].block_vars;
      if (disclosures[i].high > norm_max_high(m) || disclosures[i].low > norm_max_low(m)) {
        return {DriftStatus::kStatisticOutOfRange, Status::kOk};
      }
    }
    if (!proof_shape_matches(base, candidate, layout, proof)) return {DriftStatus::kMalformed, Status::kWrongLength};

    rank_absorb_statement(transcript, base, candidate, claims, layout);
    std::vector<crypto::BasefoldCommitment> u, v, blocks;
    for (const RankClassProof& c : proof.classes) {
      u.push_back(c.u_commitment);
      v.push_back(c.v_commitment);
      blocks.push_back(c.block_commitment);
    }
    rank_absorb_commitments(transcript, layout, u, v, blocks, disclosures);
    for (std::size_t k = 0; k < layout.classes.size(); ++k) {
      const DriftResult r =
          verify_class(base, candidate, claims, disclosures, layout, layout.classes[k], proof.classes[k], transcript);
      if (!r.ok()) return r;
    }
    // Range argument last: every claim's limbs and factors.
    const crypto::RangeStatement range_statement = rank_range_statement(layout, claims);
    const std::vector<crypto::RangeValueBinding> bindings = rank_range_bindings(layout, proof.classes);
    if (const Status s = crypto::range_verify(base.params, range_statement, bindings, proof.range, transcript);
        s != Status::kOk) {
      return {DriftStatus::kRangeRejected, s};
    }
    for (std::size_t i = 0; i < claims.size(); ++i) {
      if (claims[i].bound == RankBoundKind::kAbsolute && disclosures[i].value() > claims[i].max_residual_squares) {
        return {DriftStatus::kBoundExceeded, Status::kOk};
      }
    }
    return {};
  } catch (const std::exception&) {
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

DriftResult verify_ranks_bytes(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                               RankClaims claims, std::span<const NormStatistic> disclosures,
                               std::span<const std::uint8_t> proof, crypto::Transcript& transcript,
                               const RankVerifyOptions& options) {
  return verify_from_bytes<RankBatchLayout, RankProof>(base, candidate, claims, proof, [&](const RankProof& parsed) {
    return verify_ranks(base, candidate, claims, disclosures, parsed, transcript, options);
  });
}

}  // namespace fti::drift

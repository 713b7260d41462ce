// The transcript steps and the two sumchecks of a low-rank proof that prover
// and verifier share (docs/PROTOCOL.md, sections 10.5.3-10.5.5). One residual
// sumcheck and one factor sumcheck per class (rank_layout.h).
//
// Residual sumcheck of a class, over its n variables, polynomials
//   0 Eq(x) = eq(r_blk, x_<m), then per claim j of the class (class order)
//   1 + 3j + {0 E = 2^t (C - B) - W (W = U V^T, neither committed), 1 hi(x_<m), 2 lo(x_<m)}
// (Eq, hi, lo periodically extended); per claim, with c = 2^-(n-m):
//   (a) sum_x Eq E^2 - c 2^32 Eq hi - c Eq lo = 0
//   (b) sum_x hi = 2^(n-m) H      (c) sum_x lo = 2^(n-m) L
// E is multilinear (linear in B, C, W), so its final evaluation is a claim
// like W's was: W(rho) = 2^t (C(rho) - B(rho)) - E(rho), with B(rho), C(rho)
// opened, goes to the factor sumcheck.
// Factor sumcheck of a class, over its kr rank variables and lh head
// variables (k low, then h), per claim j (stride 3, or 4 with heads)
//   {0 U'(k, h), 1 V'(k, h), 2 I(k, h) = [k < r_j], 3 Hq(k, h) = eq(h, rho_h)}
// U', V' the factor tables with their matrix variables bound to rho (the
// head variables left free); one claim each: sum U' V' I (Hq) = W_j(rho).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/sumcheck.h"
#include "engine/crypto/transcript.h"
#include "engine/drift/norm_disclosure.h"
#include "engine/drift/rank_layout.h"

namespace fti::drift {

inline constexpr std::string_view kRankProtocolId = "fti.drift.rank.v2";

inline constexpr std::string_view kRankLabelProtocol = "drift.rank.protocol";
inline constexpr std::string_view kRankLabelParams = "drift.rank.params";
inline constexpr std::string_view kRankLabelBaseRoot = "drift.rank.base_root";
inline constexpr std::string_view kRankLabelCandidateRoot = "drift.rank.candidate_root";
inline constexpr std::string_view kRankLabelClaims = "drift.rank.claims";
inline constexpr std::string_view kRankLabelTensorName = "drift.rank.tensor_name";
inline constexpr std::string_view kRankLabelTensor = "drift.rank.tensor";
inline constexpr std::string_view kRankLabelClass = "drift.rank.class";
inline constexpr std::string_view kRankLabelFactorGroups = "drift.rank.factor_groups";
inline constexpr std::string_view kRankLabelUCommitment = "drift.rank.u_commitment";
inline constexpr std::string_view kRankLabelVCommitment = "drift.rank.v_commitment";
inline constexpr std::string_view kRankLabelBlockGroup = "drift.rank.block_group";
inline constexpr std::string_view kRankLabelBlockCommitment = "drift.rank.block_commitment";
inline constexpr std::string_view kRankLabelDisclosed = "drift.rank.disclosed";
inline constexpr std::string_view kRankLabelBlockPoint = "drift.rank.block_point";

inline constexpr std::uint32_t kRankEqPoly = 0;
// Offsets of a claim's polynomials in its class's residual sumcheck.
inline constexpr std::uint32_t kRankResidualPoly = 0, kRankHiPoly = 1, kRankLoPoly = 2, kRankResidualPolysPerClaim = 3;
// Offsets in the factor sumcheck (the head polynomial only with heads).
inline constexpr std::uint32_t kRankUPoly = 0, kRankVPoly = 1, kRankIndicatorPoly = 2, kRankHeadPoly = 3;

constexpr std::uint32_t rank_residual_poly(std::size_t position, std::uint32_t which) {
  return 1 + static_cast<std::uint32_t>(kRankResidualPolysPerClaim * position) + which;
}
constexpr std::uint32_t rank_factor_polys_per_claim(const RankClassLayout& cls) {
  return cls.head_vars > 0 ? 4 : 3;
}
constexpr std::uint32_t rank_factor_poly(const RankClassLayout& cls, std::size_t position, std::uint32_t which) {
  return static_cast<std::uint32_t>(rank_factor_polys_per_claim(cls) * position) + which;
}

// Steps 1-3: protocol id, parameters, roots, every claim (name, statement,
// its own layout figures).
void rank_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, RankClaims claims,
                           const RankBatchLayout& layout);
// Steps 4-5: per class its shape and its U, V and block commitments; then
// every claim's H, L. Spans per class / per claim.
void rank_absorb_commitments(crypto::Transcript& t, const RankBatchLayout& layout,
                             std::span<const crypto::BasefoldCommitment> u,
                             std::span<const crypto::BasefoldCommitment> v,
                             std::span<const crypto::BasefoldCommitment> blocks,
                             std::span<const NormStatistic> disclosures);
// Step 6 of a class: r_blk (m coordinates).
std::vector<crypto::Fp3> rank_block_point(crypto::Transcript& t, const RankClassLayout& cls);

crypto::SumcheckStatement rank_residual_statement(const RankClassLayout& cls,
                                                  std::span<const NormStatistic> disclosures);
// W_j(rho) = 2^t (C_j(rho) - B_j(rho)) - E_j(rho) for every claim of a
// class, in class order: the factor sumcheck's claims, from the opened model
// values and the residual sumcheck's final evaluations (prover and verifier alike).
std::vector<crypto::Fp3> rank_product_values(const RankBatchLayout& layout, const RankClassLayout& cls,
                                             RankClaims claims, std::span<const std::vector<crypto::Fp3>> opened,
                                             std::span<const crypto::Fp3> residual_evaluations);
// product_values: W_j(rho) per claim of the class, in class order.
crypto::SumcheckStatement rank_factor_statement(const RankClassLayout& cls,
                                                std::span<const crypto::Fp3> product_values);

// I(kappa) = sum_{k < r} eq(k, kappa): the indicator's multilinear extension
// (constant in the head variables); its table over (k, h).
crypto::Fp3 rank_indicator_eval(std::uint32_t rank, std::span<const crypto::Fp3> kappa);
std::vector<crypto::Fp> rank_indicator_table(const RankClassLayout& cls, std::uint32_t rank);

// Points. rho = (rho_col, rho_row); the factor sumcheck's point is (kappa,
// eta), eta the head coordinates. rho_h: the high lh coordinates of rho_row
// (kRows) or rho_col (kCols); the head polynomial is eq(h, rho_h).
//   kRows / no heads: U at (kappa, rho_row low, eta), V at (kappa, eta, rho_col)
//   kCols:            U at (kappa, eta, rho_row),   V at (kappa, rho_col low, eta)
std::span<const crypto::Fp3> rank_head_point(const RankClassLayout& cls, std::span<const crypto::Fp3> rho);
std::vector<crypto::Fp3> rank_u_point(const RankClassLayout& cls, std::span<const crypto::Fp3> factor_point,
                                      std::span<const crypto::Fp3> rho);
std::vector<crypto::Fp3> rank_v_point(const RankClassLayout& cls, std::span<const crypto::Fp3> factor_point,
                                      std::span<const crypto::Fp3> rho);
// Hq over (k, h): eq(h, rho_h), constant in k.
std::vector<crypto::Fp3> rank_head_table(const RankClassLayout& cls, std::span<const crypto::Fp3> rho_h);

}  // namespace fti::drift

// The transcript steps and the two sumchecks of a low-rank proof that prover
// and verifier share (docs/PROTOCOL.md, sections 10.5.3-10.5.5).
//
// Residual sumcheck, over the tensor's n variables, polynomials (index order):
//   0 Eq(x) = eq(r_blk, x_<m)  1 B  2 C  3 W = U V^T (not committed)
//   4 hi(x_<m)  5 lo(x_<m)     (Eq, hi, lo periodically extended)
// claims, with c = 2^-(n-m):
//   (a) sum_x Eq (2^t (C - B) - W)^2 - c 2^32 Eq hi - c Eq lo = 0
//   (b) sum_x hi = 2^(n-m) H      (c) sum_x lo = 2^(n-m) L
// Factor sumcheck, over the kr rank variables, polynomials
//   0 U'(k) = U(k, rho_row)  1 V'(k) = V(k, rho_col)  2 I(k) = [k < r]
// one claim: sum_k U' V' I = W(rho) (the residual sumcheck's final evaluation).
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

inline constexpr std::string_view kRankProtocolId = "fti.drift.rank.v1";

inline constexpr std::string_view kRankLabelProtocol = "drift.rank.protocol";
inline constexpr std::string_view kRankLabelParams = "drift.rank.params";
inline constexpr std::string_view kRankLabelBaseRoot = "drift.rank.base_root";
inline constexpr std::string_view kRankLabelCandidateRoot = "drift.rank.candidate_root";
inline constexpr std::string_view kRankLabelTensorName = "drift.rank.tensor_name";
inline constexpr std::string_view kRankLabelTensor = "drift.rank.tensor";
inline constexpr std::string_view kRankLabelFactorGroups = "drift.rank.factor_groups";
inline constexpr std::string_view kRankLabelUCommitment = "drift.rank.u_commitment";
inline constexpr std::string_view kRankLabelVCommitment = "drift.rank.v_commitment";
inline constexpr std::string_view kRankLabelBlockGroup = "drift.rank.block_group";
inline constexpr std::string_view kRankLabelBlockCommitment = "drift.rank.block_commitment";
inline constexpr std::string_view kRankLabelDisclosed = "drift.rank.disclosed";
inline constexpr std::string_view kRankLabelBlockPoint = "drift.rank.block_point";

inline constexpr std::size_t kRankEqPoly = 0, kRankBasePoly = 1, kRankCandidatePoly = 2, kRankProductPoly = 3,
                             kRankHiPoly = 4, kRankLoPoly = 5;
inline constexpr std::size_t kRankUPoly = 0, kRankVPoly = 1, kRankIndicatorPoly = 2;

// Steps 1-3: protocol id, parameters, roots, statement and derived layout.
void rank_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const RankStatement& statement,
                           const RankLayout& layout);
// Steps 4-6: U, V and block commitments, disclosed H, L; then r_blk (m coordinates).
std::vector<crypto::Fp3> rank_absorb_commitments(crypto::Transcript& t, const RankLayout& layout,
                                                 const crypto::BasefoldCommitment& u,
                                                 const crypto::BasefoldCommitment& v,
                                                 const crypto::BasefoldCommitment& blocks,
                                                 const NormStatistic& disclosure);

crypto::SumcheckStatement rank_residual_statement(const RankLayout& layout, const RankStatement& statement,
                                                  const NormStatistic& disclosure);
crypto::SumcheckStatement rank_factor_statement(const RankLayout& layout, const crypto::Fp3& product_value);

// I(kappa) = sum_{k < r} eq(k, kappa): the indicator's multilinear extension.
crypto::Fp3 rank_indicator_eval(std::uint32_t rank, std::span<const crypto::Fp3> kappa);
std::vector<crypto::Fp> rank_indicator_table(const RankLayout& layout, std::uint32_t rank);

// Points: rho = (rho_col, rho_row); U at (kappa, rho_row), V at (kappa, rho_col).
std::vector<crypto::Fp3> rank_u_point(const RankLayout& layout, std::span<const crypto::Fp3> kappa,
                                      std::span<const crypto::Fp3> rho);
std::vector<crypto::Fp3> rank_v_point(const RankLayout& layout, std::span<const crypto::Fp3> kappa,
                                      std::span<const crypto::Fp3> rho);

}  // namespace fti::drift

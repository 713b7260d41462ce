// The low-rank prover (docs/PROTOCOL.md, section 10.5.8).
#include <string>

#include "engine/common/error.h"
#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/rank.h"
#include "engine/drift/rank_protocol.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;

// T'(k) = sum_a T[k + 2^kr a] eq(point, a): a factor table with its
// matrix variables bound to `point`.
std::vector<Fp3> bind_high(std::span<const Fp> table, unsigned rank_vars, std::span<const Fp3> point) {
  const std::vector<Fp3> eq = crypto::eq_table(point);
  const std::size_t kw = std::size_t{1} << rank_vars;
  std::vector<Fp3> out(kw, Fp3::zero());
  for (std::size_t a = 0; a < eq.size(); ++a) {
    for (std::size_t k = 0; k < kw; ++k) out[k] += eq[a] * table[k + kw * a];
  }
  return out;
}

}  // namespace

std::vector<crypto::RangeValueSource> rank_range_sources(const RankCommitted& committed) {
  return {{&committed.blocks, 0}, {&committed.blocks, 1}, {&committed.u, 0}, {&committed.v, 0}};
}

RankProverOutput prove_rank(const commitment::ModelCommitment& base,
                            std::span<const crypto::BasefoldProverData* const> base_groups,
                            const commitment::ModelCommitment& candidate,
                            std::span<const crypto::BasefoldProverData* const> candidate_groups,
                            const RankStatement& statement, crypto::Transcript& transcript) {
  const RankLayout layout = layout_or_throw<RankLayout>(base, candidate, statement, "rank proof");
  const RankTables tables = rank_tables(base, base_groups, candidate, candidate_groups, layout);
  const RankFactors factors = rank_factorize(layout, statement, tables);
  return prove_rank_factors(base, base_groups, candidate, candidate_groups, statement, factors, transcript);
}

RankProverOutput prove_rank_factors(const commitment::ModelCommitment& base,
                                    std::span<const crypto::BasefoldProverData* const> base_groups,
                                    const commitment::ModelCommitment& candidate,
                                    std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                    const RankStatement& statement, const RankFactors& factors,
                                    crypto::Transcript& transcript) {
  const RankLayout layout = layout_or_throw<RankLayout>(base, candidate, statement, "rank proof");
  const RankTables tables = rank_tables(base, base_groups, candidate, candidate_groups, layout);
  const RankWitness witness = rank_witness(layout, statement, tables, factors);
  const RankCommitted committed = rank_commit(base.params, witness);
  const std::vector<crypto::RangeValueSource> sources = rank_range_sources(committed);
  const crypto::RangeProverData range =
      crypto::range_commit(base.params, rank_range_statement(layout, statement), sources);
  return prove_rank_with(base, base_groups, candidate, candidate_groups, statement, layout, tables, witness, committed,
                         range, transcript);
}

RankProverOutput prove_rank_with(const commitment::ModelCommitment& base,
                                 std::span<const crypto::BasefoldProverData* const> base_groups,
                                 const commitment::ModelCommitment& candidate,
                                 std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                 const RankStatement& statement, const RankLayout& layout, const RankTables& tables,
                                 const RankWitness& witness, const RankCommitted& committed,
                                 const crypto::RangeProverData& range, crypto::Transcript& transcript) {
  RankProverOutput out;
  out.disclosure = witness.disclosure;
  RankProof& proof = out.proof;
  proof.u_commitment = committed.u.commitment();
  proof.v_commitment = committed.v.commitment();
  proof.block_commitment = committed.blocks.commitment();

  rank_absorb_statement(transcript, base, candidate, statement, layout);
  const std::vector<Fp3> block_point = rank_absorb_commitments(transcript, layout, proof.u_commitment,
                                                               proof.v_commitment, proof.block_commitment,
                                                               out.disclosure);
  // Residual sumcheck: Eq, hi, lo periodically extended to 2^n entries.
  const std::size_t size = std::size_t{1} << layout.num_vars;
  const std::size_t mask = (std::size_t{1} << layout.block_vars) - 1;
  const std::vector<Fp3> eq_small = crypto::eq_table(block_point);
  std::vector<Fp3> eq(size);
  std::vector<Fp> hi(size), lo(size);
  for (std::size_t x = 0; x < size; ++x) {
    eq[x] = eq_small[x & mask];
    hi[x] = witness.hi[x & mask];
    lo[x] = witness.lo[x & mask];
  }
  const crypto::MultilinearRef refs[] = {std::span<const Fp3>(eq), tables.base, tables.candidate,
                                         std::span<const Fp>(witness.w), std::span<const Fp>(hi),
                                         std::span<const Fp>(lo)};
  crypto::SumcheckProverOutput sc =
      crypto::sumcheck_prove(rank_residual_statement(layout, statement, out.disclosure), refs, transcript);
  proof.residual_sumcheck = std::move(sc.proof);
  const std::vector<Fp3> rho = std::move(sc.point);
  const Fp3 product_value = proof.residual_sumcheck.final_evaluations[kRankProductPoly];
  {
    const crypto::BasefoldProverData* groups[] = {base_groups[layout.base_group],
                                                  candidate_groups[layout.candidate_group], &committed.blocks};
    crypto::BasefoldOpening opening = crypto::basefold_open(groups, rho, transcript);
    proof.opened_values = std::move(opening.values);
    proof.residual_opening = std::move(opening.proof);
  }
  // Factor sumcheck over the rank index.
  const std::span<const Fp3> rho_col(rho.data(), layout.log_cols);
  const std::span<const Fp3> rho_row(rho.data() + layout.log_cols, layout.log_rows);
  const std::vector<Fp3> u_bound = bind_high(witness.u, layout.rank_vars, rho_row);
  const std::vector<Fp3> v_bound = bind_high(witness.v, layout.rank_vars, rho_col);
  const std::vector<Fp> indicator = rank_indicator_table(layout, statement.rank);
  const crypto::MultilinearRef factor_refs[] = {std::span<const Fp3>(u_bound), std::span<const Fp3>(v_bound),
                                                std::span<const Fp>(indicator)};
  crypto::SumcheckProverOutput fc =
      crypto::sumcheck_prove(rank_factor_statement(layout, product_value), factor_refs, transcript);
  proof.factor_sumcheck = std::move(fc.proof);
  const std::vector<Fp3> kappa = std::move(fc.point);
  proof.u_opening = crypto::basefold_open(committed.u, rank_u_point(layout, kappa, rho), transcript).proof;
  proof.v_opening = crypto::basefold_open(committed.v, rank_v_point(layout, kappa, rho), transcript).proof;
  proof.range = crypto::range_prove(range, transcript);
  return out;
}

}  // namespace fti::drift

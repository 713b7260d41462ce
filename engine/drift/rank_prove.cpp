// The low-rank prover (docs/PROTOCOL.md, section 10.5.8).
#include <string>
#include <utility>

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

// T'(a, b) = sum_i T[a + 2^low (i + 2^mid b)] eq(point, i), mid = |point|:
// a factor table with its middle variables bound to `point`, the low ones
// (rank index) and `high_vars` high ones (head index) left free.
std::vector<Fp3> bind_middle(std::span<const Fp> table, unsigned low_vars, std::span<const Fp3> point,
                             unsigned high_vars) {
  const std::vector<Fp3> eq = crypto::eq_table(point);
  const std::size_t lw = std::size_t{1} << low_vars, mw = eq.size(), hw = std::size_t{1} << high_vars;
  std::vector<Fp3> out(lw * hw, Fp3::zero());
  for (std::size_t b = 0; b < hw; ++b) {
    for (std::size_t i = 0; i < mw; ++i) {
      for (std::size_t a = 0; a < lw; ++a) out[a + lw * b] += eq[i] * table[a + lw * (i + mw * b)];
    }
  }
  return out;
}

// U'(k, h) and V'(k, h) of one claim at rho (10.5.4).
std::pair<std::vector<Fp3>, std::vector<Fp3>> bind_factors(const RankClassLayout& cl, const RankWitness& w,
                                                           std::span<const Fp3> rho) {
  const std::span<const Fp3> rho_col = rho.first(cl.log_cols), rho_row = rho.subspan(cl.log_cols, cl.log_rows);
  const unsigned lh = cl.head_vars;
  if (cl.head_axis == RankHeadAxis::kCols) {
    return {bind_middle(w.u, cl.rank_vars + lh, rho_row, 0),
            bind_middle(w.v, cl.rank_vars, rho_col.first(cl.log_cols - lh), lh)};
  }
  return {bind_middle(w.u, cl.rank_vars, rho_row.first(cl.log_rows - lh), lh),
          bind_middle(w.v, cl.rank_vars + lh, rho_col, 0)};
}

}  // namespace

std::vector<RankTables> rank_tables(const commitment::ModelCommitment& base,
                                    std::span<const crypto::BasefoldProverData* const> base_groups,
                                    const commitment::ModelCommitment& candidate,
                                    std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                    const RankBatchLayout& layout) {
  std::vector<RankTables> tables;
  for (const RankLayout& l : layout.claims) {
    tables.push_back(rank_tables(base, base_groups, candidate, candidate_groups, l));
  }
  return tables;
}

std::vector<crypto::RangeValueSource> rank_range_sources(const RankBatchLayout& layout,
                                                         std::span<const RankCommitted> committed) {
  std::vector<crypto::RangeValueSource> out;
  for (const RankLayout& l : layout.claims) {
    const RankCommitted& c = committed[l.size_class];
    out.push_back({&c.blocks, 2 * l.position});
    out.push_back({&c.blocks, 2 * l.position + 1});
    out.push_back({&c.u, l.position});
    out.push_back({&c.v, l.position});
  }
  return out;
}

RankProverOutput prove_ranks(const commitment::ModelCommitment& base,
                             std::span<const crypto::BasefoldProverData* const> base_groups,
                             const commitment::ModelCommitment& candidate,
                             std::span<const crypto::BasefoldProverData* const> candidate_groups, RankClaims claims,
                             crypto::Transcript& transcript) {
  const RankBatchLayout layout = layout_or_throw<RankBatchLayout>(base, candidate, claims, "rank proof");
  const std::vector<RankTables> tables = rank_tables(base, base_groups, candidate, candidate_groups, layout);
  std::vector<RankFactors> factors;
  for (std::size_t i = 0; i < claims.size(); ++i) factors.push_back(rank_factorize(layout.claims[i], claims[i], tables[i]));
  return prove_ranks_factors(base, base_groups, candidate, candidate_groups, claims, factors, transcript);
}

RankProverOutput prove_ranks_factors(const commitment::ModelCommitment& base,
                                     std::span<const crypto::BasefoldProverData* const> base_groups,
                                     const commitment::ModelCommitment& candidate,
                                     std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                     RankClaims claims, std::span<const RankFactors> factors,
                                     crypto::Transcript& transcript) {
  const RankBatchLayout layout = layout_or_throw<RankBatchLayout>(base, candidate, claims, "rank proof");
  if (factors.size() != claims.size()) throw Error(ErrorCode::kInput, "rank proof: one factor pair per claim");
  const std::vector<RankTables> tables = rank_tables(base, base_groups, candidate, candidate_groups, layout);
  std::vector<RankWitness> witnesses;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    witnesses.push_back(rank_witness(layout.claims[i], claims[i], tables[i], factors[i]));
    // W is needed only in its class's sumcheck: recomputed there, so that
    // the prover never holds every claim's 2^n table at once.
    std::vector<Fp>().swap(witnesses.back().w);
  }
  std::vector<RankCommitted> committed;
  for (const RankClassLayout& cl : layout.classes) committed.push_back(rank_commit(base.params, cl, witnesses));
  const std::vector<crypto::RangeValueSource> sources = rank_range_sources(layout, committed);
  const crypto::RangeProverData range = crypto::range_commit(base.params, rank_range_statement(layout, claims), sources);
  return prove_ranks_with(base, base_groups, candidate, candidate_groups, claims, layout, tables, witnesses, committed,
                          range, transcript);
}

RankProverOutput prove_ranks_with(const commitment::ModelCommitment& base,
                                  std::span<const crypto::BasefoldProverData* const> base_groups,
                                  const commitment::ModelCommitment& candidate,
                                  std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                  RankClaims claims, const RankBatchLayout& layout, std::span<const RankTables> tables,
                                  std::span<const RankWitness> witnesses, std::span<const RankCommitted> committed,
                                  const crypto::RangeProverData& range, crypto::Transcript& transcript) {
  if (tables.size() != claims.size() || witnesses.size() != claims.size() ||
      committed.size() != layout.classes.size() || layout.claims.size() != claims.size()) {
    throw Error(ErrorCode::kInput, "rank proof: one table pair and witness per claim, one commitment set per class");
  }
  RankProverOutput out;
  for (const RankWitness& w : witnesses) out.disclosures.push_back(w.disclosure);
  RankProof& proof = out.proof;
  std::vector<crypto::BasefoldCommitment> u, v, blocks;
  for (const RankCommitted& c : committed) {
    u.push_back(c.u.commitment());
    v.push_back(c.v.commitment());
    blocks.push_back(c.blocks.commitment());
  }
  rank_absorb_statement(transcript, base, candidate, claims, layout);
  rank_absorb_commitments(transcript, layout, u, v, blocks, out.disclosures);

  proof.classes.resize(layout.classes.size());
  for (std::size_t k = 0; k < layout.classes.size(); ++k) {
    const RankClassLayout& cl = layout.classes[k];
    RankClassProof& cp = proof.classes[k];
    cp.u_commitment = u[k];
    cp.v_commitment = v[k];
    cp.block_commitment = blocks[k];
    const std::vector<Fp3> block_point = rank_block_point(transcript, cl);
    // Residual sumcheck: Eq, hi, lo periodically extended to 2^n entries.
    const std::size_t size = std::size_t{1} << cl.num_vars;
    const std::size_t mask = (std::size_t{1} << cl.block_vars) - 1;
    const std::vector<Fp3> eq_small = crypto::eq_table(block_point);
    std::vector<Fp3> eq(size);
    for (std::size_t x = 0; x < size; ++x) eq[x] = eq_small[x & mask];
    // Per claim E = 2^t (C - B) - W (W recomputed when the witness dropped
    // it), hi and lo extended.
    std::vector<std::vector<Fp>> extended(3 * cl.size(), std::vector<Fp>(size));
    std::vector<crypto::MultilinearRef> refs{std::span<const Fp3>(eq)};
    for (std::size_t j = 0; j < cl.size(); ++j) {
      const std::size_t i = cl.claims[j];
      std::vector<Fp> recomputed;
      if (witnesses[i].w.empty()) recomputed = rank_product(layout.claims[i], claims[i], witnesses[i].u, witnesses[i].v);
      const std::vector<Fp>& w = witnesses[i].w.empty() ? recomputed : witnesses[i].w;
      const Fp shift = Fp::from_u64(std::uint64_t{1} << claims[i].shift);
      std::vector<Fp>& e = extended[3 * j];
      std::vector<Fp>& hi = extended[3 * j + 1];
      std::vector<Fp>& lo = extended[3 * j + 2];
      for (std::size_t x = 0; x < size; ++x) {
        e[x] = shift * (tables[i].candidate[x] - tables[i].base[x]) - w[x];
        hi[x] = witnesses[i].hi[x & mask];
        lo[x] = witnesses[i].lo[x & mask];
      }
      refs.push_back(std::span<const Fp>(e));
      refs.push_back(std::span<const Fp>(hi));
      refs.push_back(std::span<const Fp>(lo));
    }
    crypto::SumcheckProverOutput sc =
        crypto::sumcheck_prove(rank_residual_statement(cl, out.disclosures), refs, transcript);
    cp.residual_sumcheck = std::move(sc.proof);
    const std::vector<Fp3> rho = std::move(sc.point);
    extended.clear();
    eq.clear();
    {
      std::vector<const crypto::BasefoldProverData*> groups;
      for (const std::uint32_t g : cl.base_groups) groups.push_back(base_groups[g]);
      for (const std::uint32_t g : cl.candidate_groups) groups.push_back(candidate_groups[g]);
      groups.push_back(&committed[k].blocks);
      crypto::BasefoldOpening opening = crypto::basefold_open(groups, rho, transcript);
      cp.opened_values = std::move(opening.values);
      cp.residual_opening = std::move(opening.proof);
    }
    // W_j(rho) from the opened B, C and E_j(rho), as the verifier computes it.
    const std::vector<Fp3> product_values =
        rank_product_values(layout, cl, claims, cp.opened_values, cp.residual_sumcheck.final_evaluations);
    // Factor sumcheck over the rank index (and the head index).
    std::vector<std::vector<Fp3>> bound;
    std::vector<std::vector<Fp>> indicators;
    for (const std::size_t i : cl.claims) {
      auto [u_bound, v_bound] = bind_factors(cl, witnesses[i], rho);
      bound.push_back(std::move(u_bound));
      bound.push_back(std::move(v_bound));
      indicators.push_back(rank_indicator_table(cl, claims[i].rank));
    }
    const std::vector<Fp3> head = rank_head_table(cl, rank_head_point(cl, rho));
    std::vector<crypto::MultilinearRef> factor_refs;
    for (std::size_t j = 0; j < cl.size(); ++j) {
      factor_refs.push_back(std::span<const Fp3>(bound[2 * j]));
      factor_refs.push_back(std::span<const Fp3>(bound[2 * j + 1]));
      factor_refs.push_back(std::span<const Fp>(indicators[j]));
      if (cl.head_vars > 0) factor_refs.push_back(std::span<const Fp3>(head));
    }
    crypto::SumcheckProverOutput fc =
        crypto::sumcheck_prove(rank_factor_statement(cl, product_values), factor_refs, transcript);
    cp.factor_sumcheck = std::move(fc.proof);
    const std::vector<Fp3> factor_point = std::move(fc.point);
    cp.u_opening = crypto::basefold_open(committed[k].u, rank_u_point(cl, factor_point, rho), transcript).proof;
    cp.v_opening = crypto::basefold_open(committed[k].v, rank_v_point(cl, factor_point, rho), transcript).proof;
  }
  proof.range = crypto::range_prove(range, transcript);
  return out;
}

}  // namespace fti::drift

// Per-head low-rank proofs (docs/PROTOCOL.md, sections 10.5.2-10.5.4): the
// table cut into heads of 2^ld rows or columns, each with its own rank-r
// factors. Exact per-head factors give R = 0 where one rank-r factorization
// of the whole table cannot; padding heads; heads and plain claims in one
// proof; lies, other views, out-of-range head factors and byte flips rejected.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/rank_protocol.h"
#include "tests/drift/rank_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;

// A base and a candidate whose difference is, per head of `block` rows
// (by_rows) or columns, an exact rank-r product U_h V_h^T.
struct HeadPair {
  TestModel base, cand;
  std::uint64_t rows, cols, block;
  std::uint32_t r;
  bool by_rows;
  std::vector<std::vector<std::int64_t>> u, v;  // per head: rows_h x r, cols_h x r (row-major)
};

HeadPair head_pair(std::uint64_t seed, std::uint64_t rows, std::uint64_t cols, std::uint64_t block, std::uint32_t r,
                   bool by_rows, const crypto::BasefoldParams& params) {
  HeadPair p{{}, {}, rows, cols, block, r, by_rows, {}, {}};
  const TestTensor b = random_tensor(seed, "w", {rows, cols}, 1000);
  TestTensor c = b;
  std::mt19937_64 gen(seed + 1);
  std::uniform_int_distribution<std::int64_t> f(-20, 20);
  const std::uint64_t heads = (by_rows ? rows : cols) / block;
  for (std::uint64_t h = 0; h < heads; ++h) {
    const std::uint64_t hr = by_rows ? block : rows, hc = by_rows ? cols : block;
    std::vector<std::int64_t> u(hr * r), v(hc * r);
    for (auto& x : u) x = f(gen);
    for (auto& x : v) x = f(gen);
    for (std::uint64_t i = 0; i < hr; ++i) {
      for (std::uint64_t j = 0; j < hc; ++j) {
        std::int64_t s = 0;
        for (std::uint32_t k = 0; k < r; ++k) s += u[i * r + k] * v[j * r + k];
        const std::uint64_t row = by_rows ? h * block + i : i, col = by_rows ? j : h * block + j;
        c.values[row * cols + col] += s;
      }
    }
    p.u.push_back(std::move(u));
    p.v.push_back(std::move(v));
  }
  p.base = make_model({b}, params, false);
  p.cand = make_model({c}, params, true);
  return p;
}

RankStatement head_statement(const HeadPair& p, unsigned bu = 14, unsigned t = 0) {
  RankStatement st;
  st.rank = p.r;
  st.factor_bits = bu;
  st.shift = t;
  st.range_limb_bits = 4;
  st.head_axis = p.by_rows ? RankHeadAxis::kRows : RankHeadAxis::kCols;
  st.head_block_vars = static_cast<unsigned>(std::bit_width(p.block - 1));
  return st;
}

// The generating factors in the table layout of 10.5.2 (padding heads zero).
RankFactors head_factors(const HeadPair& p, const RankStatement& st) {
  RankLayout l;
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, l), DriftStatus::kOk);
  RankFactors f;
  f.u.assign(std::size_t{1} << l.u_vars(), 0);
  f.v.assign(std::size_t{1} << l.v_vars(), 0);
  for (std::size_t h = 0; h < p.u.size(); ++h) {
    const std::uint64_t hr = p.by_rows ? p.block : p.rows, hc = p.by_rows ? p.cols : p.block;
    const std::uint64_t r0 = p.by_rows ? h * p.block : 0, c0 = p.by_rows ? 0 : h * p.block;
    for (std::uint32_t k = 0; k < p.r; ++k) {
      for (std::uint64_t i = 0; i < hr; ++i) f.u[l.u_index(k, r0 + i, c0)] = p.u[h][i * p.r + k];
      for (std::uint64_t j = 0; j < hc; ++j) f.v[l.v_index(k, r0, c0 + j)] = p.v[h][j * p.r + k];
    }
  }
  return f;
}

void expect_exact_heads_prove_zero(const HeadPair& p) {
  const RankStatement st = head_statement(p);
  const RankLayout layout = [&] {
    RankLayout l;
    EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, l), DriftStatus::kOk);
    return l;
  }();
  EXPECT_GT(layout.head_vars, 0u);
  const RankPair pair{p.base, p.cand, {}, {}};
  const RankProven exact = prove_rank_pair_factors(pair, st, head_factors(p, st));
  EXPECT_EQ(exact.out.disclosures[0].value(), uint128{0});
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, exact.out.disclosures[0], exact.bytes), DriftResult{});
  // The honest prover's own per-head factorization: verifies, small residual.
  const RankProven honest = prove_rank_pair(pair, st);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, honest.out.disclosures[0], honest.bytes), DriftResult{});
  // One rank-r factorization of the whole table leaves most of the update.
  RankStatement plain = st;
  plain.head_axis = RankHeadAxis::kNone;
  plain.head_block_vars = 0;
  const RankProven whole = prove_rank_pair(pair, plain);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, plain, whole.out.disclosures[0], whole.bytes), DriftResult{});
  EXPECT_GT(whole.out.disclosures[0].value(), 100 * (honest.out.disclosures[0].value() + 1));
  // The heads proof does not verify as a plain one, nor with another head size.
  EXPECT_FALSE(verify_rank_pair(p.base, p.cand, plain, exact.out.disclosures[0], exact.bytes).ok());
  RankStatement other = st;
  other.head_block_vars -= 1;
  EXPECT_FALSE(verify_rank_pair(p.base, p.cand, other, exact.out.disclosures[0], exact.bytes).ok());
}

TEST(RankHeads, HeadsOfRowsWithExactFactorsProveAZeroResidual) {
  expect_exact_heads_prove_zero(head_pair(3, 32, 16, 8, 2, true, small_params()));
}

TEST(RankHeads, HeadsOfColumnsWithExactFactorsProveAZeroResidual) {
  expect_exact_heads_prove_zero(head_pair(4, 16, 32, 8, 2, false, small_params()));
}

TEST(RankHeads, ThreeHeadsPadToFourAndStillProveZero) {
  expect_exact_heads_prove_zero(head_pair(5, 24, 16, 8, 1, true, small_params()));
  expect_exact_heads_prove_zero(head_pair(6, 8, 48, 16, 3, false, small_params()));
}

TEST(RankHeads, LayoutRefusesAHeadLargerThanItsSide) {
  const HeadPair p = head_pair(7, 32, 16, 8, 2, true, small_params());
  RankStatement st = head_statement(p);
  RankLayout l;
  st.head_block_vars = 6;  // 2^6 rows > 2^5
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, l), DriftStatus::kBadStatement);
  st.head_block_vars = 5;  // one head: the plain layout
  ASSERT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, l), DriftStatus::kOk);
  EXPECT_EQ(l.head_axis, RankHeadAxis::kNone);
  st.head_axis = RankHeadAxis::kNone;
  st.head_block_vars = 3;  // a head size without an axis
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, l), DriftStatus::kBadStatement);
  st.head_axis = static_cast<RankHeadAxis>(3);
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, l), DriftStatus::kBadStatement);
}

TEST(RankHeads, HeadsAndPlainClaimsInOneProof) {
  // Two tensors: "a" per-head (rows), "w" plain, in one model.
  const HeadPair hp = head_pair(8, 32, 16, 8, 2, true, small_params());
  RankUpdate plain = rank_update(9, "w", 16, 32, 2, 30, 2);
  TestTensor hb = hp.base.tensor("w"), hc = hp.cand.tensor("w");
  hb.name = hc.name = "a";
  const TestModel base = make_model({hb, plain.base}, small_params(), false);
  const TestModel cand = make_model({hc, plain.cand}, small_params(), true);
  std::vector<RankStatement> claims(2);
  claims[0] = head_statement(hp, 14, 4);
  claims[0].tensor = 0;
  claims[1].tensor = 1;
  claims[1].rank = 2;
  claims[1].factor_bits = 14;
  claims[1].shift = 4;
  claims[1].range_limb_bits = 4;
  crypto::Transcript t = test_transcript();
  const RankProverOutput out =
      prove_ranks(base.commitment, base.group_pointers(), cand.commitment, cand.group_pointers(), claims, t);
  const std::vector<std::uint8_t> bytes = out.proof.serialize();
  crypto::Transcript tv = test_transcript();
  EXPECT_EQ(verify_ranks_bytes(base.commitment, cand.commitment, claims, out.disclosures, bytes, tv,
                               {.min_security_bits = 0}),
            DriftResult{});
  RankBatchLayout layout;
  ASSERT_EQ(RankBatchLayout::make(base.commitment, cand.commitment, claims, layout), DriftStatus::kOk);
  EXPECT_EQ(layout.classes.size(), 2u);
  // A lie about the heads claim's residual.
  std::vector<NormStatistic> lie = out.disclosures;
  lie[0].low += 1;
  crypto::Transcript tl = test_transcript();
  EXPECT_EQ(verify_ranks_bytes(base.commitment, cand.commitment, claims, lie, bytes, tl, {.min_security_bits = 0}).status,
            DriftStatus::kSumcheckRejected);
}

TEST(RankHeads, AnOutOfRangeHeadFactorIsRejectedAndABoundIsExact) {
  const HeadPair p = head_pair(10, 32, 16, 8, 2, true, small_params());
  RankStatement st = head_statement(p, 8);  // |U|, |V| < 2^7 (the factors are within 20)
  const RankFactors f = head_factors(p, st);
  const RankPair pair{p.base, p.cand, {}, {}};
  std::vector<crypto::Fp> v = to_field(f.v);
  const RankProverOutput fine = prove_rank_field(pair, st, to_field(f.u), v);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, fine.disclosures[0], fine.proof.serialize()), DriftResult{});
  RankLayout l;
  ASSERT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, l), DriftStatus::kOk);
  v[l.v_index(1, 3 * 8, 5)] = crypto::Fp::from_i64(200);  // head 3's V
  const RankProverOutput bad = prove_rank_field(pair, st, to_field(f.u), v);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, bad.disclosures[0], bad.proof.serialize()).status,
            DriftStatus::kRangeRejected);
  // A bound exactly at R passes, one below is kBoundExceeded.
  RankFactors g = f;
  g.v[l.v_index(0, 0, 0)] += 1;  // R = a few units
  st.bound = RankBoundKind::kAbsolute;
  st.max_residual_squares = 1u << 20;
  const RankProven probe = prove_rank_pair_factors(pair, st, g);
  const uint128 r = probe.out.disclosures[0].value();
  ASSERT_GT(r, uint128{0});
  st.max_residual_squares = r;
  const RankProven at = prove_rank_pair_factors(pair, st, g);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, at.out.disclosures[0], at.bytes), DriftResult{});
  st.max_residual_squares = r - 1;
  const RankProven below = prove_rank_pair_factors(pair, st, g);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, below.out.disclosures[0], below.bytes).status,
            DriftStatus::kBoundExceeded);
}

// A cheating prover that claims R = 0 for any candidate: W := 2^t (C - B),
// i.e. E = 0, in the residual sumcheck (W is uncommitted, so every identity
// there holds with hi = lo = 0), honest in-range U, V, and in the factor sumcheck one entry of
// the head table (`which` = kRankHeadPoly) or of the indicator
// (kRankIndicatorPoly) moved so that the sum over (k, h) equals W(rho). Every
// round check and every opening then passes; only the verifier's own
// evaluation of that table stops it.
RankProverOutput forge_zero_residual(const HeadPair& p, const RankStatement& st, const RankFactors& factors,
                                     std::uint32_t which) {
  using crypto::Fp;
  using crypto::Fp3;
  const RankClaims claims(&st, 1);
  RankBatchLayout batch;
  EXPECT_EQ(RankBatchLayout::make(p.base.commitment, p.cand.commitment, claims, batch), DriftStatus::kOk);
  const RankClassLayout& cl = batch.classes[0];
  const RankLayout& l = batch.claims[0];
  const auto bg = p.base.group_pointers();
  const auto cg = p.cand.group_pointers();
  const std::vector<RankTables> tables = rank_tables(p.base.commitment, bg, p.cand.commitment, cg, batch);
  const RankPair pair{p.base, p.cand, {}, {}};
  RankWitness w = rank_witness(l, st, tables[0], factors);
  const Fp shift = Fp::from_u64(std::uint64_t{1} << st.shift);
  for (std::size_t x = 0; x < w.w.size(); ++x) w.w[x] = shift * (tables[0].candidate[x] - tables[0].base[x]);
  std::fill(w.hi.begin(), w.hi.end(), Fp::zero());
  std::fill(w.lo.begin(), w.lo.end(), Fp::zero());
  w.disclosure = {};
  const RankCommitted committed = rank_commit(p.base.commitment.params, cl, std::span(&w, 1));
  const crypto::RangeProverData range = crypto::range_commit(
      p.base.commitment.params, rank_range_statement(batch, claims), rank_range_sources(batch, std::span(&committed, 1)));

  crypto::Transcript t = test_transcript();
  RankProverOutput out;
  out.disclosures = {w.disclosure};
  const crypto::BasefoldCommitment u = committed.u.commitment(), v = committed.v.commitment(),
                                   blocks = committed.blocks.commitment();
  rank_absorb_statement(t, p.base.commitment, p.cand.commitment, claims, batch);
  rank_absorb_commitments(t, batch, std::span(&u, 1), std::span(&v, 1), std::span(&blocks, 1), out.disclosures);
  RankClassProof& cp = out.proof.classes.emplace_back();
  cp.u_commitment = u;
  cp.v_commitment = v;
  cp.block_commitment = blocks;
  const std::vector<Fp3> block_point = rank_block_point(t, cl);
  const std::size_t size = std::size_t{1} << cl.num_vars, mask = (std::size_t{1} << cl.block_vars) - 1;
  const std::vector<Fp3> eq_small = crypto::eq_table(block_point);
  std::vector<Fp3> eq(size);
  for (std::size_t x = 0; x < size; ++x) eq[x] = eq_small[x & mask];
  // E = 2^t (C - B) - W = 0 everywhere, hi = lo = 0.
  const std::vector<Fp> zeros(size, Fp::zero());
  const crypto::MultilinearRef refs[] = {std::span<const Fp3>(eq), std::span<const Fp>(zeros),
                                         std::span<const Fp>(zeros), std::span<const Fp>(zeros)};
  crypto::SumcheckProverOutput sc = crypto::sumcheck_prove(rank_residual_statement(cl, out.disclosures), refs, t);
  cp.residual_sumcheck = std::move(sc.proof);
  const std::vector<Fp3> rho = std::move(sc.point);
  {
    const crypto::BasefoldProverData* groups[] = {bg[l.base_group], cg[l.candidate_group], &committed.blocks};
    crypto::BasefoldOpening opening = crypto::basefold_open(groups, rho, t);
    cp.opened_values = std::move(opening.values);
    cp.residual_opening = std::move(opening.proof);
  }
  const Fp3 product =
      rank_product_values(batch, cl, claims, cp.opened_values, cp.residual_sumcheck.final_evaluations)[0];
  // Honest U', V', I, Hq at rho, then one entry moved to hit W(rho).
  const std::span<const Fp3> rho_all(rho);
  const std::span<const Fp3> rho_col = rho_all.first(cl.log_cols), rho_row = rho_all.subspan(cl.log_cols, cl.log_rows);
  const std::size_t lw = std::size_t{1} << cl.rank_vars, hw = std::size_t{1} << cl.head_vars;
  std::vector<Fp3> ub(lw * hw, Fp3::zero()), vb(lw * hw, Fp3::zero());
  {
    // Direct sums over the factor tables (independent of the prover's bind code):
    // the head's side is bound on its low coordinates only, the other side on all.
    const bool by_rows = cl.head_axis != RankHeadAxis::kCols;
    const unsigned ld = cl.head_block_vars;
    const std::vector<Fp3> er = crypto::eq_table(by_rows ? rho_row.first(ld) : rho_row);
    const std::vector<Fp3> ec = crypto::eq_table(by_rows ? rho_col : rho_col.first(ld));
    const std::size_t rows = std::size_t{1} << cl.log_rows, cols = std::size_t{1} << cl.log_cols;
    for (std::size_t h = 0; h < hw; ++h) {
      for (std::size_t k = 0; k < lw; ++k) {
        for (std::size_t row = 0; row < rows; ++row) {
          if (by_rows && (row >> ld) != h) continue;
          ub[k + lw * h] += er[by_rows ? row & ((std::size_t{1} << ld) - 1) : row] *
                            w.u[l.u_index(k, row, by_rows ? 0 : h << ld)];
        }
        for (std::size_t col = 0; col < cols; ++col) {
          if (!by_rows && (col >> ld) != h) continue;
          vb[k + lw * h] += ec[by_rows ? col : col & ((std::size_t{1} << ld) - 1)] *
                            w.v[l.v_index(k, by_rows ? h << ld : 0, col)];
        }
      }
    }
  }
  const std::vector<Fp> indicator = rank_indicator_table(cl, st.rank);
  std::vector<Fp3> ind3(indicator.begin(), indicator.end());
  std::vector<Fp3> head = rank_head_table(cl, rank_head_point(cl, rho));
  Fp3 sum = Fp3::zero();
  for (std::size_t x = 0; x < ub.size(); ++x) sum += ub[x] * vb[x] * ind3[x] * (cl.head_vars > 0 ? head[x] : Fp3::one());
  std::vector<Fp3>& moved = which == kRankHeadPoly ? head : ind3;
  const Fp3 rest = ub[0] * vb[0] * (which == kRankHeadPoly ? ind3[0] : (cl.head_vars > 0 ? head[0] : Fp3::one()));
  EXPECT_NE(rest, Fp3::zero());
  moved[0] += (product - sum) * rest.inverse();
  std::vector<crypto::MultilinearRef> factor_refs = {std::span<const Fp3>(ub), std::span<const Fp3>(vb),
                                                     std::span<const Fp3>(ind3)};
  if (cl.head_vars > 0) factor_refs.push_back(std::span<const Fp3>(head));
  const Fp3 products[] = {product};
  crypto::SumcheckProverOutput fc = crypto::sumcheck_prove(rank_factor_statement(cl, products), factor_refs, t);
  cp.factor_sumcheck = std::move(fc.proof);
  cp.u_opening = crypto::basefold_open(committed.u, rank_u_point(cl, fc.point, rho), t).proof;
  cp.v_opening = crypto::basefold_open(committed.v, rank_v_point(cl, fc.point, rho), t).proof;
  out.proof.range = crypto::range_prove(range, t);
  return out;
}

TEST(RankHeads, AForgedHeadOrIndicatorTableIsCaughtByTheVerifiersOwnEvaluation) {
  for (const bool by_rows : {true, false}) {
    const HeadPair p = head_pair(12, 16, 16, 4, 2, by_rows, small_params());
    const RankStatement st = head_statement(p);
    // Another update's factors: the true residual of p with them is large.
    const HeadPair other = head_pair(13, 16, 16, 4, 2, by_rows, small_params());
    const RankFactors wrong = head_factors(other, st);
    const RankPair pair{p.base, p.cand, {}, {}};
    ASSERT_GT(prove_rank_pair_factors(pair, st, wrong).out.disclosures[0].value(), uint128{1} << 20);
    for (const std::uint32_t which : {kRankHeadPoly, kRankIndicatorPoly}) {
      const RankProverOutput forged = forge_zero_residual(p, st, wrong, which);
      EXPECT_EQ(forged.disclosures[0].value(), uint128{0});
      EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, forged.disclosures[0], forged.proof.serialize()).status,
                DriftStatus::kEvaluationMismatch)
          << by_rows << " " << which;
    }
  }
}

TEST(RankHeadsFormat, EveryByteFlipOfAHeadsProofIsRejected) {
  const HeadPair p = head_pair(11, 8, 8, 2, 1, false, tiny_params());
  const RankStatement st = head_statement(p, 12, 0);
  const RankPair pair{p.base, p.cand, {}, {}};
  const RankProven proven = prove_rank_pair(pair, st);
  auto accepts = [&](std::span<const std::uint8_t> bytes) {
    return verify_rank_pair(p.base, p.cand, st, proven.out.disclosures[0], bytes).ok();
  };
  ASSERT_TRUE(accepts(proven.bytes));
  ASSERT_LT(proven.bytes.size(), 60000u);
  const std::vector<std::size_t> accepted = accepted_byte_flips(proven.bytes, accepts);
  EXPECT_TRUE(accepted.empty()) << accepted.size() << " flips accepted, the first at byte " << accepted.front();
}

}  // namespace
}  // namespace fti::drift

// Low-rank drift proofs (docs/PROTOCOL.md, section 10.5): honest provers
// verify, R equals the exact residual of the factors, shapes with rows !=
// cols, r = 1, r = 8, r not a power of two, an exact rank-r update with R = 0,
// the absolute bound checked exactly, parameters refused when no block size
// keeps the sums below p, the security floor.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "tests/drift/rank_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;

RankStatement statement(std::uint32_t r, unsigned bu, unsigned t) {
  RankStatement st;
  st.rank = r;
  st.factor_bits = bu;
  st.shift = t;
  st.range_limb_bits = 4;
  return st;
}

struct Case {
  std::uint64_t rows, cols;
  std::uint32_t r;
  unsigned bu, t;
};

class RankCompleteness : public ::testing::TestWithParam<Case> {};

TEST_P(RankCompleteness, RankUpdatePlusNoiseVerifiesAndRIsTheExactResidual) {
  const Case c = GetParam();
  const RankPair p = rank_pair(100 + c.rows + c.r, c.rows, c.cols, c.r, 30, 2, small_params());
  const RankStatement st = statement(c.r, c.bu, c.t);
  const RankLayout layout = rank_layout(p, st);
  const auto bg = p.base.group_pointers();
  const auto cg = p.cand.group_pointers();
  const RankTables tables = rank_tables(p.base.commitment, bg, p.cand.commitment, cg, layout);
  const RankFactors f = rank_factorize(layout, st, tables);
  const RankProven proven = prove_rank_pair_factors(p, st, f);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, proven.out.disclosures[0], proven.bytes), DriftResult{});
  const uint128 r = exact_residual(p, st, f);
  EXPECT_EQ(proven.out.disclosures[0].value(), r);
  // The residual is small against 2^2t ||Delta||^2: the factors explain the update.
  const uint128 delta = exact_delta_squares(p.base.tensor("w"), p.cand.tensor("w")) << (2 * c.t);
  EXPECT_LT(r * 20, delta) << "residual " << static_cast<double>(r) << " vs " << static_cast<double>(delta);
  // prove_rank (factorization inside) gives the same proof.
  const RankProven again = prove_rank_pair(p, st);
  EXPECT_EQ(again.bytes, proven.bytes);
}

INSTANTIATE_TEST_SUITE_P(RankShapes, RankCompleteness,
                         ::testing::Values(Case{32, 64, 1, 14, 6}, Case{64, 16, 8, 13, 4}, Case{16, 16, 3, 14, 6},
                                           Case{8, 128, 2, 14, 6}, Case{24, 40, 8, 12, 2}));

TEST(RankCompletenessExact, ExactRankUpdateHasZeroResidual) {
  for (const std::uint32_t r : {1u, 4u, 8u}) {
    const RankPair p = rank_pair(7 + r, 16, 32, r, 40, 0, small_params());
    const RankStatement st = statement(r, 8, 0);
    const RankFactors f = exact_factors(p, st, 16, 32);
    const RankProven proven = prove_rank_pair_factors(p, st, f);
    EXPECT_EQ(proven.out.disclosures[0].value(), uint128{0});
    RankStatement bounded = st;
    bounded.bound = RankBoundKind::kAbsolute;
    bounded.max_residual_squares = 0;
    const RankProven zero = prove_rank_pair_factors(p, bounded, f);
    EXPECT_EQ(verify_rank_pair(p.base, p.cand, bounded, zero.out.disclosures[0], zero.bytes), DriftResult{}) << r;
  }
}

TEST(RankCompletenessExact, BoundIsCheckedExactly) {
  const RankPair p = rank_pair(5, 16, 32, 2, 30, 3, small_params());
  RankStatement st = statement(2, 14, 4);
  const RankProven free = prove_rank_pair(p, st);
  const uint128 r = free.out.disclosures[0].value();
  ASSERT_GT(r, uint128{0});
  st.bound = RankBoundKind::kAbsolute;
  st.max_residual_squares = r;
  const RankProven at = prove_rank_pair(p, st);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, at.out.disclosures[0], at.bytes), DriftResult{});
  st.max_residual_squares = r - 1;
  const RankProven below = prove_rank_pair(p, st);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, below.out.disclosures[0], below.bytes),
            (DriftResult{DriftStatus::kBoundExceeded, crypto::Status::kOk}));
}

TEST(RankLayoutTest, BlockSizeFollowsTheResidualBoundAndHopelessParametersAreRefused) {
  const RankPair p = rank_pair(9, 16, 32, 1, 10, 0, small_params());
  RankLayout layout;
  // E_max = 2^t delta_max + r 2^(2bu-2); blocks of 2^k with 2^k E_max^2 < 2^63.
  RankStatement st = statement(8, 15, 0);
  ASSERT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kOk);
  const uint128 e = layout.residual_max;
  EXPECT_EQ(e, layout.delta_max + (uint128{8} << 28));
  EXPECT_LT((e * e) << layout.block_size_vars, uint128{1} << 63);
  EXPECT_TRUE(layout.block_size_vars == kMaxRankBlockSizeVars || ((e * e) << (layout.block_size_vars + 1)) >= (uint128{1} << 63));
  EXPECT_EQ(layout.block_vars, layout.num_vars > layout.block_size_vars ? layout.num_vars - layout.block_size_vars : 0);
  // bu = 18, r = 8: E_max > 2^36, no block of one entry keeps E^2 < 2^63.
  st = statement(8, 18, 0);
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kBadStatement);
  st = statement(1, 12, 24);  // 2^24 delta_max > 2^32: too large
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kBadStatement);
  st = statement(0, 12, 0);
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kBadStatement);
  st = statement(kMaxRank + 1, 2, 0);
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kBadStatement);
  st = statement(1, 12, 0);
  st.tensor = 5;
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kBadStatement);
}

TEST(RankSecurityFloor, SmallParametersAreRefusedUnlessTheFloorIsOff) {
  const RankPair p = rank_pair(11, 8, 16, 2, 20, 1, small_params());
  const RankStatement st = statement(2, 12, 2);
  const RankProven proven = prove_rank_pair(p, st);
  crypto::Transcript t = test_transcript();
  const DriftResult r =
      verify_ranks_bytes(p.base.commitment, p.cand.commitment, std::span(&st, 1), proven.out.disclosures, proven.bytes, t);
  EXPECT_EQ(r.status, DriftStatus::kInsecureParameters);
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, proven.out.disclosures[0], proven.bytes), DriftResult{});
}

}  // namespace
}  // namespace fti::drift

namespace fti::drift {
namespace {

// Measurement (not part of the suite): a 2^8 x 2^8 tensor, r = 8, default
// proven parameters, L = 16, security floor ON. Run with
//   fti_drift_tests --gtest_also_run_disabled_tests --gtest_filter='*RankMeasure*'
TEST(RankMeasure, DISABLED_DefaultParameters256x256Rank8) {
  using namespace fti::drift::testing;
  using clock = std::chrono::steady_clock;
  const RankPair p = rank_pair(77, 256, 256, 8, 30, 2, crypto::basefold_default_params());
  RankStatement st;
  st.rank = 8;
  st.factor_bits = 12;
  st.shift = 6;
  const RankLayout layout = rank_layout(p, st);
  const auto t0 = clock::now();
  crypto::Transcript tp = test_transcript();
  const RankProverOutput out =
      prove_ranks(p.base.commitment, p.base.group_pointers(), p.cand.commitment, p.cand.group_pointers(),
                  std::span(&st, 1), tp);
  const auto t1 = clock::now();
  const std::vector<std::uint8_t> bytes = out.proof.serialize();
  crypto::Transcript tv = test_transcript();
  const DriftResult r =
      verify_ranks_bytes(p.base.commitment, p.cand.commitment, std::span(&st, 1), out.disclosures, bytes, tv);
  const auto t2 = clock::now();
  EXPECT_EQ(r, DriftResult{});
  const double delta = static_cast<double>(exact_delta_squares(p.base.tensor("w"), p.cand.tensor("w")));
  std::printf("n=%u k=%u m=%u E_max=%.3g prove=%.3f s verify=%.2f ms bytes=%zu R=%.4g 2^2t||Delta||^2=%.4g\n",
              layout.num_vars, layout.block_size_vars, layout.block_vars, static_cast<double>(layout.residual_max),
              std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count(), bytes.size(),
              static_cast<double>(out.disclosures[0].value()), delta * std::ldexp(1.0, 12));
}

}  // namespace
}  // namespace fti::drift

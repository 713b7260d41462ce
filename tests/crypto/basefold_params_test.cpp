// Basefold parameters: the defaults reach 100 proven bits for every stacked
// size n + ceil(log2 M) <= 30 (M up to 2^16), the conjectured option is
// labelled and never the default, range checks, and the derived layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/basefold_params.h"

namespace fti::crypto {
namespace {

TEST(BasefoldParams, DefaultsAreProvenAndReach100BitsForEverySize) {
  const BasefoldParams p = basefold_default_params();
  EXPECT_EQ(p.security, BasefoldSecurity::kUniqueDecoding);
  EXPECT_TRUE(p.proven());
  EXPECT_EQ(p.check(), Status::kOk);
  for (unsigned n = 0; n <= kMaxBasefoldVars; ++n) {
    ASSERT_EQ(p.check_size(n), Status::kOk) << n;
    for (const std::size_t m : {std::size_t{1}, std::size_t{2}, std::size_t{64}, kMaxBasefoldPolys}) {
      if (p.check_shape(n, m) != Status::kOk) {
        EXPECT_GT(n + basefold_stack_vars(m), kMaxBasefoldVars);
        EXPECT_THROW((void)basefold_soundness(p, n, m), std::invalid_argument);
        continue;
      }
      const BasefoldSoundness s = basefold_soundness(p, n, m);
      EXPECT_TRUE(s.proven);
      EXPECT_GE(s.total_bits, 100.0) << "n=" << n << " m=" << m;
      // The commit-phase terms are far from the target; the query term decides.
      EXPECT_GE(s.sumcheck_bits, 180.0);
      EXPECT_GE(s.batching_bits, 140.0);
      EXPECT_GE(s.folding_bits, 150.0);
    }
  }
  EXPECT_EQ(p.check_size(kMaxBasefoldVars + 1), Status::kBadParameters);
  // The stacking term is l / |F|: about 190 bits for 2^16 members.
  EXPECT_NEAR(basefold_soundness(p, 10, kMaxBasefoldPolys).batching_bits,
              3 * std::log2(static_cast<double>(0xffffffff00000001ULL)) - 4.0, 1e-6);
  EXPECT_EQ(basefold_soundness(p, 10, 1).batching_bits, std::numeric_limits<double>::infinity());
  EXPECT_EQ(p.check_shape(24, 64), Status::kOk);
  EXPECT_EQ(p.check_shape(25, 64), Status::kBadParameters);  // 2^31 stacked entries
  EXPECT_EQ(p.check_shape(10, 0), Status::kBadParameters);
  EXPECT_EQ(p.check_shape(10, kMaxBasefoldPolys + 1), Status::kBadParameters);
  EXPECT_EQ(basefold_stack_vars(1), 0u);
  EXPECT_EQ(basefold_stack_vars(2), 1u);
  EXPECT_EQ(basefold_stack_vars(3), 2u);
  EXPECT_EQ(basefold_stack_vars(kMaxBasefoldPolys), 16u);
  // The largest stack of every size passes the floor (what verifiers check
  // for prover-sized range limb groups).
  for (unsigned n = 0; n <= kMaxBasefoldVars; ++n) {
    const std::size_t most = basefold_max_polys(p, n);
    EXPECT_EQ(most, std::size_t{1} << std::min(16u, kMaxBasefoldVars - n)) << n;
    EXPECT_EQ(basefold_check_security(p, n, most), Status::kOk) << n;
    EXPECT_EQ(p.check_shape(n, most + 1), Status::kBadParameters) << n;
  }
  EXPECT_EQ(basefold_max_polys(p, kMaxBasefoldVars + 1), 0u);
}

TEST(BasefoldParams, QueryCountsFollowTheUniqueDecodingBound) {
  BasefoldParams p = basefold_default_params();
  // ((1 + 1/4) / 2)^q 2^-16 <= 2^-100  <=>  q >= 84 / log2(8/5) = 123.9.
  EXPECT_EQ(basefold_min_queries(p, 100), 124u);
  EXPECT_EQ(p.num_queries, 124u);
  const BasefoldSoundness s = basefold_soundness(p, 24, 1);
  EXPECT_NEAR(s.query_bits, 124 * std::log2(8.0 / 5.0) + 16, 1e-9);
  EXPECT_EQ(s.effective_queries, 124u);
  p.num_queries = 123;
  EXPECT_LT(basefold_soundness(p, 24, 1).total_bits, 100.0);
  // Rate 1/2 without grinding: (3/4)^q <= 2^-100  <=>  q >= 240.9.
  p.log_blowup = 1;
  p.grinding_bits = 0;
  EXPECT_EQ(basefold_min_queries(p, 100), 241u);
}

TEST(BasefoldParams, ConjecturedOptionIsLabelledAndNotTheDefault) {
  const BasefoldParams c = basefold_conjectured_params();
  EXPECT_EQ(c.security, BasefoldSecurity::kConjectured);
  EXPECT_FALSE(c.proven());
  EXPECT_EQ(c.num_queries, 42u);  // rho^q 2^-16 <= 2^-100 with rho = 1/4
  EXPECT_FALSE(basefold_soundness(c, 20, 1).proven);
  EXPECT_FALSE(c == basefold_default_params());
  // The same 42 queries under the proven analysis give far less than 100 bits.
  BasefoldParams proven = c;
  proven.security = BasefoldSecurity::kUniqueDecoding;
  EXPECT_LT(basefold_soundness(proven, 20, 1).total_bits, 50.0);
}

// Review finding 2: a verifier of stored proofs must not accept parameters a
// prover chose below the floor, even well-formed ones.
TEST(BasefoldParams, SecurityFloorRefusesConjecturedAndWeakParameters) {
  const BasefoldParams d = basefold_default_params();
  for (unsigned n : {0u, 1u, 10u, 14u, 20u, 30u}) {
    EXPECT_EQ(basefold_check_security(d, n, 1), Status::kOk) << n;
    EXPECT_EQ(basefold_check_security(d, n, kMaxBasefoldPolys),
              n <= 14 ? Status::kOk : Status::kBadParameters)  // stacked n + 16 <= 30
        << n;
  }
  EXPECT_EQ(basefold_check_security(basefold_conjectured_params(), 20, 1), Status::kInsecureParameters);
  BasefoldParams weak = d;
  weak.num_queries = 123;
  EXPECT_EQ(basefold_check_security(weak, 24, 1), Status::kInsecureParameters);
  weak = d;
  weak.grinding_bits = 0;
  EXPECT_EQ(basefold_check_security(weak, 24, 1), Status::kInsecureParameters);
  // A small tree where every leaf is queried has no query error at all.
  weak = d;
  weak.num_queries = 1024;
  EXPECT_EQ(basefold_check_security(weak, 4, 1), Status::kOk);
  EXPECT_EQ(basefold_check_security(d, kMaxBasefoldVars + 1, 1), Status::kBadParameters);
  EXPECT_EQ(basefold_check_security(d, 10, 0), Status::kBadParameters);
  EXPECT_EQ(basefold_check_security(d, 10, kMaxBasefoldPolys + 1), Status::kBadParameters);
  EXPECT_EQ(basefold_check_security(d, 20, 1, 128), Status::kInsecureParameters);
}

TEST(BasefoldParams, RangeChecks) {
  auto bad = [](auto mutate) {
    BasefoldParams p = basefold_default_params();
    mutate(p);
    return p.check() == Status::kBadParameters;
  };
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.security = static_cast<BasefoldSecurity>(0); }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.security = static_cast<BasefoldSecurity>(3); }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.log_blowup = 0; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.log_blowup = 9; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.commit_leaf_log_size = 0; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.commit_leaf_log_size = 9; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.fold_log_arity = 0; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.fold_log_arity = 7; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.final_log_size = 13; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.num_queries = 0; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.num_queries = 1025; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.grinding_bits = 33; }));
  EXPECT_TRUE(bad([](BasefoldParams& p) { p.cap_log = 13; }));
  BasefoldParams p = basefold_default_params();
  p.log_blowup = 3;
  EXPECT_EQ(p.check_size(29), Status::kOk);
  EXPECT_EQ(p.check_size(30), Status::kBadParameters);  // 2^33-point codeword
  EXPECT_THROW((void)basefold_soundness(p, 30, 1), std::invalid_argument);
  EXPECT_THROW((void)basefold_soundness(p, 10, 0), std::invalid_argument);
}

TEST(BasefoldParams, WordsAreAbsorbedInSpecOrder) {
  BasefoldParams p;
  p.log_blowup = 3;
  p.commit_leaf_log_size = 5;
  p.fold_log_arity = 2;
  p.final_log_size = 7;
  p.num_queries = 99;
  p.grinding_bits = 11;
  p.cap_log = 4;
  const std::array<std::uint64_t, 8> expected = {1, 3, 5, 2, 7, 99, 11, 4};
  EXPECT_EQ(p.words(), expected);
}

TEST(BasefoldLayout, ShapesFollowTheRules) {
  const BasefoldParams p = basefold_default_params();  // b=2, L=4, a=3, f=8, cap 0
  {
    // n + l <= f (5 + 2 stacked variables): no rounds, one layer of single positions.
    const BasefoldLayout l = BasefoldLayout::make(p, 5, 3);
    EXPECT_EQ(l.num_rounds, 0u);
    EXPECT_EQ(l.final_log_size, 7u);
    ASSERT_EQ(l.layers.size(), 1u);
    EXPECT_EQ(l.layers[0].log_arity, 0u);
    EXPECT_EQ(l.layers[0].log_leaves, 9u);
    EXPECT_EQ(l.num_queries, 124u);
    EXPECT_EQ(l.commitment_shape().leaf_width, 1u);
  }
  {
    // n = 24, one polynomial: R = 16 rounds, a0 = 4 then four layers of 3.
    const BasefoldLayout l = BasefoldLayout::make(p, 24, 1);
    EXPECT_EQ(l.num_rounds, 16u);
    ASSERT_EQ(l.layers.size(), 5u);
    const unsigned arities[] = {4, 3, 3, 3, 3};
    unsigned round = 0, domain = 26;
    for (std::size_t j = 0; j < l.layers.size(); ++j) {
      EXPECT_EQ(l.layers[j].log_arity, arities[j]) << j;
      EXPECT_EQ(l.layers[j].first_round, round);
      EXPECT_EQ(l.layers[j].log_domain, domain);
      EXPECT_EQ(l.layers[j].log_leaves, domain - arities[j]);
      round += arities[j];
      domain -= arities[j];
    }
    EXPECT_EQ(round, l.num_rounds);
    EXPECT_EQ(l.final_log_domain(), 10u);
    EXPECT_EQ(l.commitment_shape().leaf_width, 16u);
    EXPECT_EQ(l.layer_shape(1).leaf_width, 24u);  // 8 extension elements
  }
  // A batch is one stacked polynomial: l = ceil(log2 M) more variables, the
  // same leaves of 2^L positions of one codeword.
  for (const std::size_t m : {std::size_t{2}, std::size_t{3}, std::size_t{16}, std::size_t{64}}) {
    const BasefoldLayout l = BasefoldLayout::make(p, 20, m);
    EXPECT_EQ(l.stack_vars, basefold_stack_vars(m));
    EXPECT_EQ(l.total_vars(), 20 + l.stack_vars);
    EXPECT_EQ(l.num_rounds, 12 + l.stack_vars);
    EXPECT_EQ(l.layers[0].log_arity, 4u);
    EXPECT_EQ(l.layers[0].log_domain, 22 + l.stack_vars);
    EXPECT_EQ(l.commitment_shape().leaf_width, 16u);
  }
  EXPECT_THROW((void)BasefoldLayout::make(p, 28, 5), std::invalid_argument);  // 2^31 stacked entries
  // The last layer takes whatever rounds remain.
  EXPECT_EQ(BasefoldLayout::make(p, 9, 1).layers.size(), 1u);  // R = 1: a0 = 1
  EXPECT_EQ(BasefoldLayout::make(p, 9, 1).layers[0].log_arity, 1u);
  EXPECT_THROW((void)BasefoldLayout::make(p, 31, 1), std::invalid_argument);
  EXPECT_THROW((void)BasefoldLayout::make(p, 10, 0), std::invalid_argument);
}

}  // namespace
}  // namespace fti::crypto

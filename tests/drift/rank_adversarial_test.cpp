// Low-rank drift proofs against a malicious prover (docs/PROTOCOL.md, section
// 10.5.7): a lying R, factors out of range, THE WRAP-AROUND FORGERY (U, V as
// unbounded field elements so that sum E^2 = 0 mod p for a dense residual),
// a candidate tampered after proving, replays against another base,
// candidate or statement, every byte flip and every truncation of a small proof.
#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "engine/crypto/bytes.h"
#include "tests/drift/rank_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;
using crypto::Fp;

RankStatement statement(std::uint32_t r, unsigned bu, unsigned t) {
  RankStatement st;
  st.rank = r;
  st.factor_bits = bu;
  st.shift = t;
  st.range_limb_bits = 4;
  return st;
}

DriftResult verify_out(const RankPair& p, const RankStatement& st, const RankProverOutput& out) {
  return verify_rank_pair(p.base, p.cand, st, out.disclosures[0], out.proof.serialize());
}

TEST(RankAdversarial, LyingResidualIsRejected) {
  const RankPair p = rank_pair(21, 16, 32, 2, 30, 3, small_params());
  const RankStatement st = statement(2, 14, 4);
  const RankProven proven = prove_rank_pair(p, st);
  ASSERT_EQ(verify_rank_pair(p.base, p.cand, st, proven.out.disclosures[0], proven.bytes), DriftResult{});
  for (const int which : {0, 1, 2, 3}) {
    NormStatistic lie = proven.out.disclosures[0];
    if (which == 0) lie.high += 1;
    if (which == 1) lie.low -= 1;
    if (which == 2) lie = {};
    if (which == 3) lie.low = lie.low + 1;
    const DriftResult r = verify_rank_pair(p.base, p.cand, st, lie, proven.bytes);
    EXPECT_FALSE(r.ok()) << which;
    EXPECT_EQ(r.status, DriftStatus::kSumcheckRejected) << which;
  }
  // Above the limbs' bound: refused before anything else.
  NormStatistic huge = proven.out.disclosures[0];
  huge.high = norm_max_high(rank_layout(p, st).block_vars) + 1;
  EXPECT_EQ(verify_rank_pair(p.base, p.cand, st, huge, proven.bytes).status, DriftStatus::kStatisticOutOfRange);
}

TEST(RankAdversarial, FactorsOutOfRangeAreRefusedByTheProverAndRejectedByTheRangeArgument) {
  const RankPair p = rank_pair(23, 16, 32, 2, 30, 0, small_params());
  const RankStatement st = statement(2, 8, 0);  // |U|, |V| <= 2^7
  RankFactors f = exact_factors(p, st, 16, 32);
  const RankLayout layout = rank_layout(p, st);
  for (const bool on_u : {true, false}) {
    for (const std::int64_t bad : {std::int64_t{128}, std::int64_t{-129}, std::int64_t{1} << 20}) {
      RankFactors g = f;
      (on_u ? g.u : g.v)[3] = bad;
      EXPECT_THROW(prove_rank_pair_factors(p, st, g), fti::Error);
      const RankProverOutput out = prove_rank_field(p, st, to_field(g.u), to_field(g.v));
      EXPECT_EQ(verify_out(p, st, out).status, DriftStatus::kRangeRejected) << on_u << " " << bad;
    }
  }
  // The same cheating path with in-range factors verifies: only the range is caught.
  const RankProverOutput fine = prove_rank_field(p, st, to_field(f.u), to_field(f.v));
  EXPECT_EQ(verify_out(p, st, fine), DriftResult{});
  (void)layout;
}

// sqrt(-1) in Goldilocks: 7 is a generator, 7^((p-1)/4) has order 4.
Fp sqrt_minus_one() {
  const Fp i = Fp::from_u64(7).pow((Fp::kModulus - 1) / 4);
  EXPECT_EQ(i * i, -Fp::one());
  return i;
}

// THE REQUIRED FORGERY. Rank 1, U = (1, i, 0, ..., 0)^T with i^2 = -1, so
// sum_rows U^2 = 0 in the field; per block j (all rows, the columns
// c = j mod 2^m; m <= lc here) sum_x (D_x - U_row V_c)^2 = S_j - 2 V_cj (D_0cj + i D_1cj)
// with V zero but for one column c_j per block: V_cj = S_j / (2 (D_0cj + i D_1cj)).
// Every block's sum of E^2 is then 0 mod p although the integer residual of
// any factors is huge: the claim R = 0 satisfies every field identity of the
// protocol. Only the range argument on U, V stands in the way.
void forge(std::uint64_t rows, std::uint64_t cols, unsigned bu) {
  const RankPair p = rank_pair(31 + bu, rows, cols, 3, 300, 50, small_params(), 100000);
  RankStatement st = statement(1, bu, 0);
  st.bound = RankBoundKind::kAbsolute;
  st.max_residual_squares = 1000;  // the candidate is far outside this
  const RankLayout layout = rank_layout(p, st);
  ASSERT_LE(layout.block_vars, layout.log_cols);
  const auto bg = p.base.group_pointers();
  const auto cg = p.cand.group_pointers();
  const RankTables tables = rank_tables(p.base.commitment, bg, p.cand.commitment, cg, layout);
  const std::size_t ncols = std::size_t{1} << layout.log_cols;
  const std::size_t blocks = std::size_t{1} << layout.block_vars;
  auto d = [&](std::size_t row, std::size_t col) {
    const std::size_t x = col + ncols * row;
    return tables.candidate[x] - tables.base[x];
  };
  const Fp i = sqrt_minus_one();
  std::vector<Fp> u(std::size_t{1} << layout.log_rows, Fp::zero()), v(ncols, Fp::zero());
  u[0] = Fp::one();
  u[1] = i;
  std::vector<Fp> s(blocks, Fp::zero());
  for (std::size_t x = 0; x < tables.base.size(); ++x) {
    const Fp e = tables.candidate[x] - tables.base[x];
    s[x & (blocks - 1)] += e * e;
  }
  for (std::size_t j = 0; j < blocks; ++j) {
    const Fp l = d(0, j) + i * d(1, j);
    ASSERT_NE(l, Fp::zero());
    v[j] = s[j] * (Fp::from_u64(2) * l).inverse();
  }
  const RankProverOutput out = prove_rank_field(p, st, u, v);
  // Every block sum wrapped to 0: the forged disclosure claims R = 0.
  EXPECT_EQ(out.disclosures[0].value(), uint128{0});
  // The true residual of the best rank-1 integer factors is far above the bound.
  EXPECT_GT(exact_delta_squares(p.base.tensor("w"), p.cand.tensor("w")), uint128{1} << 40);
  const DriftResult r = verify_out(p, st, out);
  EXPECT_FALSE(r.ok());
  // Everything but the range argument passed: it is what rejects the forgery.
  EXPECT_EQ(r.status, DriftStatus::kRangeRejected);
}

TEST(RankAdversarial, WrapAroundForgeryWithUnboundedFactorsIsRejected) {
  forge(8, 64, 12);  // one block (m = 0)
  forge(8, 64, 15);  // m = 3 block-index variables
  forge(16, 32, 14);
}

TEST(RankAdversarial, TamperedCandidateAfterProvingIsRejected) {
  const RankPair p = rank_pair(41, 16, 32, 2, 30, 2, small_params());
  const RankStatement st = statement(2, 14, 4);
  const RankProven proven = prove_rank_pair(p, st);
  ASSERT_EQ(verify_rank_pair(p.base, p.cand, st, proven.out.disclosures[0], proven.bytes), DriftResult{});
  TestTensor c = p.cand.tensor("w");
  c.values[17] += 1;
  const TestModel tampered = make_model({c}, small_params(), true);
  EXPECT_FALSE(verify_rank_pair(p.base, tampered, st, proven.out.disclosures[0], proven.bytes).ok());
  TestTensor b = p.base.tensor("w");
  b.values[0] -= 1;
  const TestModel other_base = make_model({b}, small_params(), false);
  EXPECT_FALSE(verify_rank_pair(other_base, p.cand, st, proven.out.disclosures[0], proven.bytes).ok());
}

TEST(RankAdversarial, ReplayAgainstAnotherPairStatementOrContextIsRejected) {
  const RankPair p = rank_pair(43, 16, 32, 3, 30, 2, small_params());
  const RankPair q = rank_pair(44, 16, 32, 3, 30, 2, small_params());
  RankStatement st = statement(3, 14, 4);
  st.bound = RankBoundKind::kAbsolute;
  st.max_residual_squares = uint128{1} << 60;
  const RankProven proven = prove_rank_pair(p, st);
  const NormStatistic& ds = proven.out.disclosures[0];
  ASSERT_EQ(verify_rank_pair(p.base, p.cand, st, ds, proven.bytes), DriftResult{});
  EXPECT_FALSE(verify_rank_pair(q.base, p.cand, st, ds, proven.bytes).ok());
  EXPECT_FALSE(verify_rank_pair(p.base, q.cand, st, ds, proven.bytes).ok());
  EXPECT_FALSE(verify_rank_pair(q.base, q.cand, st, ds, proven.bytes).ok());
  EXPECT_FALSE(verify_rank_pair(p.base, p.cand, st, ds, proven.bytes, 2).ok());
  auto other = [&](auto change) {
    RankStatement s = st;
    change(s);
    return verify_rank_pair(p.base, p.cand, s, ds, proven.bytes);
  };
  EXPECT_FALSE(other([](RankStatement& s) { s.rank = 4; }).ok());  // same kr, another r
  EXPECT_FALSE(other([](RankStatement& s) { s.rank = 2; }).ok());
  EXPECT_FALSE(other([](RankStatement& s) { s.max_residual_squares -= 1; }).ok());  // another (still holding) bound
  EXPECT_FALSE(other([](RankStatement& s) { s.bound = RankBoundKind::kNone; }).ok());
  EXPECT_FALSE(other([](RankStatement& s) { s.factor_bits = 13; }).ok());
  EXPECT_FALSE(other([](RankStatement& s) { s.shift = 3; }).ok());
  EXPECT_FALSE(other([](RankStatement& s) { s.range_limb_bits = 5; }).ok());
}

struct Tiny {
  RankPair p;
  RankStatement st;
  RankProven proven;
};

// One 4 x 8 tensor, rank 2, tiny parameters, 4-bit limbs.
const Tiny& tiny() {
  static const Tiny t = [] {
    Tiny x{rank_pair(51, 4, 8, 2, 20, 2, tiny_params()), statement(2, 12, 2), {}};
    x.proven = prove_rank_pair(x.p, x.st);
    return x;
  }();
  return t;
}

DriftResult verify_tiny(std::span<const std::uint8_t> bytes) {
  const Tiny& t = tiny();
  return verify_rank_pair(t.p.base, t.p.cand, t.st, t.proven.out.disclosures[0], bytes);
}

TEST(RankFormat, RoundTrip) {
  const Tiny& t = tiny();
  EXPECT_EQ(verify_tiny(t.proven.bytes), DriftResult{});
  RankBatchLayout layout;
  ASSERT_EQ(RankBatchLayout::make(t.p.base.commitment, t.p.cand.commitment, std::span(&t.st, 1), layout),
            DriftStatus::kOk);
  RankProof parsed;
  ASSERT_EQ(RankProof::parse(t.proven.bytes, t.p.base.commitment, t.p.cand.commitment, std::span(&t.st, 1), layout,
                             parsed),
            DriftResult{});
  EXPECT_EQ(parsed.serialize(), t.proven.bytes);
  RecordProperty("proof_bytes", static_cast<int>(t.proven.bytes.size()));
}

TEST(RankFormat, EveryByteFlipIsRejected) {
  const Tiny& t = tiny();
  ASSERT_LT(t.proven.bytes.size(), 60000u);
  const std::vector<std::size_t> accepted =
      accepted_byte_flips(t.proven.bytes, [](std::span<const std::uint8_t> b) { return verify_tiny(b).ok(); });
  EXPECT_TRUE(accepted.empty()) << accepted.size() << " flips accepted, the first at byte " << accepted.front();
}

TEST(RankFormat, TruncationsAndTrailingBytesAreMalformed) {
  const Tiny& t = tiny();
  const std::vector<std::uint8_t>& bytes = t.proven.bytes;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    ASSERT_EQ(verify_tiny(std::span(bytes).first(n)).status, DriftStatus::kMalformed) << n;
  }
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(verify_tiny(longer).status, DriftStatus::kMalformed);
  // A hostile length prefix.
  std::vector<std::uint8_t> hostile = bytes;
  crypto::store_le32(0xFFFF'FFFFu, hostile.data());
  EXPECT_EQ(verify_tiny(hostile).status, DriftStatus::kMalformed);
}

}  // namespace
}  // namespace fti::drift

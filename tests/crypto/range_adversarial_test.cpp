// Range arguments against a dishonest prover (docs/PROTOCOL.md, section 8):
// the honest prover refuses out-of-range values, and proofs that a CHEATING
// prover builds anyway (a value 2^b, "-1" = p - 1, a limb of 2^L, forged
// roots, lying evaluations) are rejected, as are flipped bytes, truncations,
// replays under another transcript prefix, statement or commitment.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "engine/crypto/range.h"
#include "tests/crypto/range_helpers.h"

namespace fti::crypto {
namespace {

using testing::cheat_commit;
using testing::in_range_values;
using testing::prove_standalone;
using testing::range_transcript;
using testing::RangeFixture;
using testing::TestRng;

struct Cheat {
  BasefoldParams params = testing::test_params();
  RangeStatement statement;
  std::vector<BasefoldProverData> groups;
  std::vector<RangeValueSource> sources;

  Cheat(RangeStatement st, std::vector<Fp> values) : statement(std::move(st)) {
    std::vector<std::vector<Fp>> t;
    t.push_back(std::move(values));
    groups = range_commit_values(params, std::move(t));
    sources = range_sources(groups);
  }
  Status verify(const RangeProverData& data, const RangeProof& proof) const {
    Transcript t = range_transcript();
    return range_verify(params, statement, data.bindings(), proof, t);
  }
  RangeProof prove(const RangeProverData& data) const {
    Transcript t = range_transcript();
    return range_prove(data, t);
  }
};

RangeStatement one(unsigned num_vars, unsigned bits, bool is_signed, unsigned limb_bits = kDefaultRangeLimbBits) {
  RangeStatement st;
  st.limb_bits = limb_bits;
  st.vectors = {{num_vars, bits, is_signed}};
  return st;
}

std::vector<Fp> with(std::vector<Fp> v, std::size_t i, Fp x) {
  v[i] = x;
  return v;
}

TEST(RangeAdversarial, HonestProverRefusesJustOutside) {
  TestRng rng(1);
  for (const unsigned b : {1u, 8u, 16u, 31u, 32u}) {
    for (const bool s : {false, true}) {
      const RangeStatement st = one(6, b, s);
      const std::vector<Fp> good = in_range_values(rng, st.vectors[0]);
      const std::int64_t half = std::int64_t{1} << (b - 1);
      std::vector<Fp> outside;
      if (s) {
        outside = {Fp::from_i64(half), Fp::from_i64(-half - 1)};
      } else {
        outside = {Fp::from_u64(std::uint64_t{1} << b)};
      }
      outside.push_back(Fp::from_u64(Fp::kModulus - 1 - (s ? static_cast<std::uint64_t>(half) : 0)));
      for (const Fp bad : outside) {
        const std::vector<Fp> values = with(good, 37, bad);
        const std::span<const Fp> view(values);
        const auto violation = range_find_violation(st, std::span(&view, 1));
        ASSERT_TRUE(violation.has_value()) << b << " " << s << " " << bad.value();
        EXPECT_EQ(violation->index, 37u);
        const std::vector<BasefoldProverData> g = range_commit_values(testing::test_params(), {values});
        const std::vector<RangeValueSource> src = range_sources(g);
        EXPECT_THROW(range_commit(testing::test_params(), st, src), std::invalid_argument) << b << " " << s;
      }
      const std::span<const Fp> ok(good);
      EXPECT_FALSE(range_find_violation(st, std::span(&ok, 1)).has_value());
    }
  }
}

TEST(RangeAdversarial, ValueTwoToTheBIsRejectedWhenTheProverSkipsTheCheck) {
  TestRng rng(2);
  for (const unsigned b : {1u, 8u, 16u, 31u, 32u}) {
    const RangeStatement st = one(5, b, false);
    Cheat c(st, with(in_range_values(rng, st.vectors[0]), 3, Fp::from_u64(std::uint64_t{1} << b)));
    const RangeProverData data = cheat_commit(c.params, c.statement, c.sources);
    const RangeProof proof = c.prove(data);
    EXPECT_EQ(c.verify(data, proof), Status::kLookupSumMismatch) << b;
  }
}

TEST(RangeAdversarial, MinusOneIsRejectedWhenTheProverSkipsTheCheck) {
  TestRng rng(3);
  for (const unsigned b : {8u, 32u}) {
    for (const bool s : {false, true}) {
      const RangeStatement st = one(4, b, s);
      // p - 1 = "-1" is in range only when signed; p - 1 - 2^(b-1) is "-1 - 2^(b-1)", just below a signed range.
      const std::uint64_t bad = Fp::kModulus - 1 - (s ? std::uint64_t{1} << (b - 1) : 0);
      Cheat c(st, with(in_range_values(rng, st.vectors[0]), 9, Fp::from_u64(bad)));
      const RangeProverData data = cheat_commit(c.params, c.statement, c.sources);
      const RangeProof proof = c.prove(data);
      EXPECT_EQ(c.verify(data, proof), Status::kLookupSumMismatch) << b << " " << s;
    }
  }
}

TEST(RangeAdversarial, LimbOfTwoToTheLIsRejected) {
  // v in range, but the prover commits l_0 + 2^L as limb 0 (the derived top
  // limb shrinks by one and stays in range): the limb misses the table.
  TestRng rng(4);
  const RangeStatement st = one(5, 32, false);
  std::vector<Fp> values = in_range_values(rng, st.vectors[0]);
  values[11] = Fp::from_u64(0x1234'5678);
  Cheat c(st, values);
  const RangeProverData data = cheat_commit(
      c.params, c.statement, c.sources,
      [](std::size_t, std::vector<std::vector<Fp>>& lower) { lower[0][11] += Fp::from_u64(std::uint64_t{1} << 16); });
  EXPECT_EQ(data.top_limb(0)[11], Fp::from_u64(0x1233));
  EXPECT_EQ(c.verify(data, c.prove(data)), Status::kLookupSumMismatch);
}

TEST(RangeAdversarial, ForgedRootsThatBalanceAreCaughtByTheGkr) {
  TestRng rng(5);
  const RangeStatement st = one(6, 16, false, 8);
  Cheat c(st, with(in_range_values(rng, st.vectors[0]), 0, Fp::from_u64(1u << 16)));
  const RangeProverData data = cheat_commit(c.params, c.statement, c.sources);
  RangeProof proof = c.prove(data);
  // Make the roots balance: P_T := Q_T * sum_i P_i / Q_i.
  const RangeLayout layout = RangeLayout::make(st);
  std::vector<Fp3>& roots = proof.reduction.gkr.roots;
  Fp3 sum = Fp3::zero();
  for (std::size_t i = 0; i < layout.table_instance; ++i) sum += roots[2 * i] * roots[2 * i + 1].inverse();
  roots[2 * layout.table_instance] = sum * roots[2 * layout.table_instance + 1];
  const Status s = c.verify(data, proof);
  EXPECT_TRUE(s == Status::kSumMismatch || s == Status::kFinalClaimMismatch) << status_name(s);
}

TEST(RangeAdversarial, LimbsThatDoNotRecomposeAreRejected) {
  // Lower limbs off by one from the decomposition of an in-range value: the
  // top limb the verifier derives, (u - l) / 2^L, is then not an integer in
  // the table.
  TestRng rng(8);
  for (const unsigned b : {20u, 32u}) {
    const RangeStatement st = one(5, b, true);
    Cheat c(st, in_range_values(rng, st.vectors[0]));
    const RangeProverData data =
        cheat_commit(c.params, c.statement, c.sources,
                     [](std::size_t, std::vector<std::vector<Fp>>& lower) { lower[0][4] += Fp::one(); });
    EXPECT_GE(data.top_limb(0)[4].value(), std::uint64_t{1} << 16);
    EXPECT_EQ(c.verify(data, c.prove(data)), Status::kLookupSumMismatch) << b;
  }
}

TEST(RangeAdversarial, NonRecomposingLimbsCannotBeExpressed) {
  // The top limb is derived, so the only freedom is the lower limbs; moving
  // value between limbs without carrying leaves some lookup out of the
  // table: limb 0 - 1 with top unchanged means v' = v - 1 is what is
  // proven, but the opening binds v, so the evaluations disagree.
  TestRng rng(6);
  const RangeStatement st = one(5, 32, false);
  Cheat c(st, in_range_values(rng, st.vectors[0]));
  const RangeProverData honest = cheat_commit(c.params, c.statement, c.sources);
  EXPECT_EQ(c.verify(honest, c.prove(honest)), Status::kOk);  // the cheat prover is honest on honest data
  RangeProof proof = c.prove(honest);
  proof.reduction.limb_evaluations[0] += Fp3::one();
  EXPECT_EQ(c.verify(honest, proof), Status::kEvaluationMismatch);
}

class RangeTamper : public ::testing::Test {
 protected:
  // One honest proof for the whole suite (built on first use).
  static const RangeFixture& f() {
    static const RangeFixture fixture = [] {
      TestRng rng(99);
      RangeStatement st;
      st.limb_bits = 8;
      st.vectors = {{6, 20, true}, {4, 8, false}};
      std::vector<std::vector<Fp>> t;
      for (const auto& v : st.vectors) t.push_back(in_range_values(rng, v));
      return prove_standalone(st, t);
    }();
    return fixture;
  }
};

TEST_F(RangeTamper, HonestVerifies) { EXPECT_EQ(f().verify_bytes(f().bytes), Status::kOk); }

TEST_F(RangeTamper, WrongClaimedValuesAreRejected) {
  RangeProof p = f().proof;
  p.reduction.value_evaluations[1] += Fp3::one();
  EXPECT_EQ(f().verify(p), Status::kEvaluationMismatch);
  p = f().proof;
  p.reduction.multiplicity_evaluation += Fp3::one();
  EXPECT_EQ(f().verify(p), Status::kEvaluationMismatch);
  // The opened values of a value group disagree with the reduction's claim.
  p = f().proof;
  p.value_group_values[0][0] += Fp3::one();
  EXPECT_EQ(f().verify(p), Status::kEvaluationMismatch);
  // Both changed together: the GKR's input claim no longer matches.
  p = f().proof;
  p.value_group_values[0][0] += Fp3::one();
  p.reduction.value_evaluations[0] += Fp3::one();
  EXPECT_EQ(f().verify(p), Status::kEvaluationMismatch);
}

TEST_F(RangeTamper, ZeroDenominatorAndUnbalancedRootsAreRejected) {
  RangeProof p = f().proof;
  p.reduction.gkr.roots[1] = Fp3::zero();
  EXPECT_EQ(f().verify(p), Status::kZeroDenominator);
  p = f().proof;
  p.reduction.gkr.roots[0] += Fp3::one();
  EXPECT_EQ(f().verify(p), Status::kLookupSumMismatch);
}

TEST_F(RangeTamper, ReplayUnderAnotherPrefixStatementOrCommitmentIsRejected) {
  EXPECT_NE(f().verify_bytes(f().bytes, 8), Status::kOk);
  // Another statement: a narrower range for vector 0, or unsigned.
  for (const auto& change : {RangeVectorSpec{6, 19, true}, RangeVectorSpec{6, 20, false}}) {
    RangeStatement st = f().statement;
    st.vectors[0] = change;
    RangeProof p;
    Status s = RangeProof::parse(f().bytes, f().params, st, f().bindings, p);
    if (s == Status::kOk) {
      Transcript t = range_transcript();
      s = range_verify(f().params, st, f().bindings, p, t);
    }
    EXPECT_NE(s, Status::kOk);
  }
  // Another value commitment (vector 1 bound to vector 0's group).
  std::vector<RangeValueBinding> other = f().bindings;
  other[1].commitment = other[0].commitment;
  other[1].commitment.num_vars = 4;
  Transcript t = range_transcript();
  EXPECT_NE(range_verify(f().params, f().statement, other, f().proof, t), Status::kOk);
  // Another parameter set.
  BasefoldParams params = f().params;
  params.num_queries += 1;
  Transcript t2 = range_transcript();
  EXPECT_NE(range_verify(params, f().statement, f().bindings, f().proof, t2), Status::kOk);
}

TEST_F(RangeTamper, FlippedBytesAreRejected) {
  TestRng rng(7);
  const std::vector<std::uint8_t>& bytes = f().bytes;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::uint8_t> b = bytes;
    b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
    EXPECT_NE(f().verify_bytes(b), Status::kOk) << trial;
  }
}

TEST_F(RangeTamper, EveryGkrValueIsBound) {
  for (std::size_t j = 0; j < f().proof.reduction.gkr.layers.size(); ++j) {
    const LogupGkrLayerProof& layer = f().proof.reduction.gkr.layers[j];
    for (std::size_t k = 0; k < layer.round_polynomials.size(); ++k) {
      RangeProof p = f().proof;
      p.reduction.gkr.layers[j].round_polynomials[k][2] += Fp3::one();
      EXPECT_NE(f().verify(p), Status::kOk);
    }
    for (std::size_t c = 0; c < layer.child_values.size(); ++c) {
      RangeProof p = f().proof;
      p.reduction.gkr.layers[j].child_values[c] += Fp3::one();
      EXPECT_NE(f().verify(p), Status::kOk);
    }
  }
}

TEST_F(RangeTamper, TruncatedAndExtendedProofsAreRejectedByTheParser) {
  const std::vector<std::uint8_t>& bytes = f().bytes;
  RangeProof p;
  for (std::size_t len = 0; len < bytes.size(); len += 13) {
    EXPECT_NE(RangeProof::parse(std::span(bytes).first(len), f().params, f().statement, f().bindings, p), Status::kOk)
        << len;
  }
  EXPECT_NE(RangeProof::parse(std::span(bytes).first(bytes.size() - 1), f().params, f().statement, f().bindings, p),
            Status::kOk);
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(RangeProof::parse(longer, f().params, f().statement, f().bindings, p), Status::kMalformed);
  // A length prefix claiming 4 GiB is refused without allocating.
  std::vector<std::uint8_t> huge = bytes;
  huge[0] = huge[1] = huge[2] = huge[3] = 0xFF;
  EXPECT_EQ(RangeProof::parse(huge, f().params, f().statement, f().bindings, p), Status::kMalformed);
}

TEST_F(RangeTamper, ShapesTheStatementDoesNotPrescribeAreRejected) {
  RangeProof p = f().proof;
  p.reduction.limb_evaluations.push_back(Fp3::zero());
  EXPECT_EQ(f().verify(p), Status::kWrongLength);
  p = f().proof;
  p.reduction.value_evaluations.pop_back();
  EXPECT_EQ(f().verify(p), Status::kWrongLength);
  p = f().proof;
  p.commitment.limbs.push_back(p.commitment.limbs[0]);
  EXPECT_EQ(f().verify(p), Status::kMalformed);
  p = f().proof;
  p.commitment.multiplicities.num_vars += 1;
  EXPECT_EQ(f().verify(p), Status::kMalformed);
  p = f().proof;
  p.value_group_values.pop_back();
  EXPECT_EQ(f().verify(p), Status::kMalformed);
  p = f().proof;
  p.reduction.gkr.roots.pop_back();
  EXPECT_EQ(f().verify(p), Status::kWrongLength);
  // Invalid statements and bindings: kBadParameters, never a throw.
  RangeStatement st = f().statement;
  st.vectors[0].bits = 33;
  Transcript t = range_transcript();
  EXPECT_EQ(range_verify(f().params, st, f().bindings, f().proof, t), Status::kBadParameters);
  st = f().statement;
  st.limb_bits = 0;
  EXPECT_EQ(range_verify(f().params, st, f().bindings, f().proof, t), Status::kBadParameters);
  std::vector<RangeValueBinding> b = f().bindings;
  b[0].index = 5;
  EXPECT_EQ(range_verify(f().params, f().statement, b, f().proof, t), Status::kBadParameters);
  b.pop_back();
  EXPECT_EQ(range_verify(f().params, f().statement, b, f().proof, t), Status::kBadParameters);
}

}  // namespace
}  // namespace fti::crypto

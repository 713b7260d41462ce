// Range arguments (docs/PROTOCOL.md, section 8): honest proofs verify for
// every bit width class (b = 1, 8, 16, 31, 32; signed and unsigned), sizes
// from 1 to 2^17 entries, several limb sizes, several vectors per statement,
// and in the composable form where the value vector lives in the caller's
// group and everything is opened in one basefold_open.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "tests/crypto/range_helpers.h"

namespace fti::crypto {
namespace {

using testing::in_range_values;
using testing::prove_standalone;
using testing::range_transcript;
using testing::RangeFixture;
using testing::TestRng;

struct Case {
  unsigned bits;
  bool is_signed;
  unsigned num_vars;
  unsigned limb_bits;
};

std::string name(const Case& c) {
  return std::string(c.is_signed ? "s" : "u") + std::to_string(c.bits) + "_n" + std::to_string(c.num_vars) + "_L" +
         std::to_string(c.limb_bits);
}

class RangeComplete : public ::testing::TestWithParam<Case> {};

TEST_P(RangeComplete, HonestProofVerifiesAndRoundTrips) {
  const Case c = GetParam();
  TestRng rng(1000 + c.bits * 64 + c.num_vars);
  RangeStatement st;
  st.limb_bits = c.limb_bits;
  st.vectors = {{c.num_vars, c.bits, c.is_signed}};
  const RangeFixture f = prove_standalone(st, {in_range_values(rng, st.vectors[0])});
  EXPECT_EQ(f.verify(f.proof), Status::kOk);
  EXPECT_EQ(f.verify_bytes(f.bytes), Status::kOk);
  RangeProof parsed;
  ASSERT_EQ(RangeProof::parse(f.bytes, f.params, f.statement, f.bindings, parsed), Status::kOk);
  EXPECT_EQ(parsed.serialize(), f.bytes);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const unsigned b : {1u, 8u, 16u, 31u, 32u}) {
    for (const bool s : {false, true}) {
      for (const unsigned n : {0u, 1u, 5u, 10u}) out.push_back({b, s, n, kDefaultRangeLimbBits});
      out.push_back({b, s, 7, 8});
      out.push_back({b, s, 6, 5});
    }
  }
  // Large: 2^16 and 2^17 entries.
  out.push_back({32, false, 16, 16});
  out.push_back({31, true, 16, 16});
  out.push_back({16, false, 17, 16});
  out.push_back({32, true, 17, 16});
  out.push_back({1, false, 17, 16});
  // Odd limb sizes: L = 1 (bit decomposition), L = 3, L = 20.
  out.push_back({7, false, 4, 1});
  out.push_back({32, true, 3, 3});
  out.push_back({32, false, 8, 20});
  return out;
}

INSTANTIATE_TEST_SUITE_P(All, RangeComplete, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return name(i.param); });

TEST(Range, ManyVectorsOfMixedSizesAndWidthsInOneArgument) {
  TestRng rng(77);
  RangeStatement st;
  st.limb_bits = 8;
  st.vectors = {{6, 32, true}, {0, 1, false}, {9, 12, false}, {3, 31, true}, {9, 8, true}, {2, 20, false}};
  std::vector<std::vector<Fp>> tables;
  for (const auto& v : st.vectors) tables.push_back(in_range_values(rng, v));
  const RangeFixture f = prove_standalone(st, tables);
  EXPECT_EQ(f.verify_bytes(f.bytes), Status::kOk);
}

// The instances of one size are one merged LogUp instance (PROTOCOL 8.3):
// 8 times the vectors add 3 index variables to the GKR, not 8 times its
// per-instance child values, and the merged proof still verifies.
TEST(Range, InstancesOfOneSizeAreMergedIntoOneBundle) {
  TestRng rng(79);
  auto gkr_bytes = [&](std::size_t count) {
    RangeStatement st;
    st.limb_bits = 8;
    st.vectors.assign(count, {8, 32, true});  // 4 limbs each
    std::vector<std::vector<Fp>> tables;
    for (const auto& v : st.vectors) tables.push_back(in_range_values(rng, v));
    const RangeFixture f = prove_standalone(st, tables);
    EXPECT_EQ(f.verify_bytes(f.bytes), Status::kOk) << count;
    EXPECT_EQ(RangeLayout::make(st).bundles.size(), 1u);
    return f.proof.reduction.gkr.serialize().size();
  };
  const std::size_t few = gkr_bytes(4), many = gkr_bytes(32);
  EXPECT_LT(many * 2, few * 3) << few << " -> " << many;
}

TEST(Range, LimbGroupsBySizeWithInterleavedSizes) {
  // Sizes 4, 6, 4, 6, 4, every vector with K >= 2: two limb groups, each
  // holding its vectors' limbs in vector order (limb_offset), and the
  // claimed limb evaluations regrouped the same way by the verifier.
  TestRng rng(91);
  RangeStatement st;
  st.limb_bits = 4;
  st.vectors = {{4, 10, false}, {6, 12, true}, {4, 9, false}, {6, 5, false}, {4, 16, true}};
  const RangeLayout layout = RangeLayout::make(st);
  ASSERT_EQ(layout.num_limb_groups, 2u);
  EXPECT_EQ(layout.limb_groups[0], (RangeLimbGroup{4, 2 + 2 + 3}));
  EXPECT_EQ(layout.limb_groups[1], (RangeLimbGroup{6, 2 + 1}));
  EXPECT_EQ(layout.vectors[2].limb_offset, 2u);
  EXPECT_EQ(layout.vectors[4].limb_offset, 4u);
  EXPECT_EQ(layout.vectors[3].limb_offset, 2u);
  std::vector<std::vector<Fp>> tables;
  for (const auto& v : st.vectors) tables.push_back(in_range_values(rng, v));
  const RangeFixture f = prove_standalone(st, tables);
  EXPECT_EQ(f.verify_bytes(f.bytes), Status::kOk);
  // One value out of range in the middle vector of the first group, proven
  // by a prover that skips the range check: rejected.
  tables[2][3] = Fp::from_u64(1u << 9);
  const BasefoldParams params = testing::test_params();
  const std::vector<BasefoldProverData> groups = range_commit_values(params, tables);
  const std::vector<RangeValueSource> sources = range_sources(groups);
  const RangeProverData data = testing::cheat_commit(params, st, sources);
  Transcript pt = range_transcript();
  const RangeProof proof = range_prove(data, pt);
  Transcript vt = range_transcript();
  EXPECT_NE(range_verify(params, st, data.bindings(), proof, vt), Status::kOk);
}

TEST(Range, SameGroupBoundTwiceIsOpenedOnce) {
  // Two vectors that are the same committed polynomial: one value group.
  TestRng rng(3);
  const BasefoldParams params = testing::test_params();
  RangeStatement st;
  st.vectors = {{5, 10, false}, {5, 12, true}};
  std::vector<std::vector<Fp>> tables{in_range_values(rng, st.vectors[0])};
  const std::vector<BasefoldProverData> groups = range_commit_values(params, tables);
  const RangeValueSource sources[2] = {{&groups[0], 0}, {&groups[0], 0}};
  const RangeProverData data = range_commit(params, st, sources);
  Transcript pt = range_transcript();
  const RangeProof proof = range_prove(data, pt);
  EXPECT_EQ(proof.value_group_values.size(), 1u);
  const std::vector<RangeValueBinding> bindings = data.bindings();
  Transcript vt = range_transcript();
  EXPECT_EQ(range_verify(params, st, bindings, proof, vt), Status::kOk);
  EXPECT_EQ(vt.state(), pt.state());
}

TEST(Range, DecompositionRecomposesAndCountsEveryLookup) {
  TestRng rng(5);
  RangeStatement st;
  st.limb_bits = 8;
  st.vectors = {{6, 20, true}, {4, 16, false}};
  std::vector<std::vector<Fp>> tables;
  for (const auto& v : st.vectors) tables.push_back(in_range_values(rng, v));
  std::vector<std::span<const Fp>> views(tables.begin(), tables.end());
  const RangeLimbs limbs = range_decompose(st, views);
  const RangeLayout layout = RangeLayout::make(st);
  std::uint64_t total = 0;
  for (const Fp m : limbs.multiplicities) total += m.value();
  EXPECT_EQ(total, layout.num_lookups);
  for (std::size_t j = 0; j < tables.size(); ++j) {
    // The top limb the verifier defines equals the integer one.
    EXPECT_EQ(range_top_limb(st, j, tables[j], limbs.lower[j]), limbs.tops[j]);
    for (const Fp t : limbs.tops[j]) EXPECT_LT(t.value(), std::uint64_t{1} << layout.vectors[j].top_bits);
  }
}

// The composable form: v is polynomial 1 of a caller's group of three; the
// caller has its own claim about that group at the range argument's point r
// and opens everything (its group and the range groups) in one basefold_open.
TEST(Range, ComposesWithTheCallersGroupsInOneOpening) {
  TestRng rng(9);
  const BasefoldParams params = testing::test_params();
  RangeStatement st;
  st.vectors = {{8, 24, true}};
  std::vector<std::vector<Fp>> caller_tables{rng.fps(256), in_range_values(rng, st.vectors[0]), rng.fps(256)};
  const BasefoldProverData caller = basefold_commit(params, caller_tables);
  const RangeValueSource source{&caller, 1};

  // Prover.
  Transcript pt = range_transcript();
  pt.absorb_digests("caller.commitment", caller.commitment().cap.nodes);
  const RangeProverData data = range_commit(params, st, std::span(&source, 1));
  const RangeReduction reduction = range_reduce(data, pt);
  std::vector<const BasefoldProverData*> groups{&caller};
  for (const BasefoldProverData* g : data.groups()) groups.push_back(g);
  const BasefoldOpening opening = basefold_open(groups, reduction.point, pt);
  // The caller's other polynomials come out at r too.
  EXPECT_EQ(opening.values[0][2], mle_evaluate(caller_tables[2], std::span<const Fp3>(reduction.point).first(8)));

  // Verifier.
  const RangeValueBinding binding{caller.commitment(), 1};
  const std::vector<std::uint8_t> red_bytes = reduction.proof.serialize();
  RangeReductionProof red;
  ASSERT_EQ(RangeReductionProof::parse(red_bytes, st, red), Status::kOk);
  Transcript vt = range_transcript();
  vt.absorb_digests("caller.commitment", binding.commitment.cap.nodes);
  RangeClaims claims;
  ASSERT_EQ(range_verify_reduction(params, st, std::span(&binding, 1), data.commitment(), red, vt, claims),
            Status::kOk);
  EXPECT_EQ(claims.point, reduction.point);
  EXPECT_EQ(range_check_value_claim(claims, 0, opening.values[0], 1), Status::kOk);
  // A caller opening showing another value for v is refused.
  std::vector<Fp3> lying = opening.values[0];
  lying[1] += Fp3::one();
  EXPECT_EQ(range_check_value_claim(claims, 0, lying, 1), Status::kEvaluationMismatch);
  EXPECT_EQ(range_check_value_claim(claims, 0, lying, 3), Status::kWrongLength);
  std::vector<BasefoldGroupClaim> all{{binding.commitment, opening.values[0]}};
  for (const BasefoldGroupClaim& g : claims.groups) all.push_back(g);
  EXPECT_EQ(basefold_verify(params, all, claims.point, opening.proof, vt), Status::kOk);
  EXPECT_EQ(vt.state(), pt.state());
}

TEST(Range, DefaultParametersProveAndVerify) {
  TestRng rng(21);
  RangeStatement st;
  st.vectors = {{12, 32, true}};
  const RangeFixture f = prove_standalone(st, {in_range_values(rng, st.vectors[0])}, basefold_default_params());
  EXPECT_EQ(f.verify_bytes(f.bytes), Status::kOk);
}

}  // namespace
}  // namespace fti::crypto

// Honest norm proofs verify, and the disclosed S and Q are the exact integer
// sums (computed here independently in 128-bit integers): several shapes in
// one proof (one block, several blocks, several padded sizes), an all-zero
// delta, extreme values whose sum of squares exceeds p, and a real
// checkpoint through commit_model and group_tables.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/commitment/fixed_point.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/goldilocks.h"
#include "registry/checkpoint.h"
#include "tests/drift/drift_helpers.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;

constexpr std::int64_t kMax = commitment::kValueBound - 1;  // 2^23 - 1

TEST(NormProof, SeveralShapesAndSizesInOneProof) {
  // n = 4 and n = 12 (one block each, m = 0), n = 16 (two blocks), an all-zero delta.
  std::vector<TestTensor> base{random_tensor(1, "a.norm", {16}, kMax), random_tensor(2, "b.proj", {60, 50}, 1 << 22),
                               random_tensor(3, "c.mlp", {100, 300}, 1 << 20), random_tensor(4, "d.same", {8, 8}, kMax)};
  std::vector<TestTensor> cand{perturbed(base[0], 11, 1 << 22), perturbed(base[1], 12, 1000),
                               perturbed(base[2], 13, 1 << 18), base[3]};
  const TestModel b = make_model(base, small_params(), false);
  const TestModel c = make_model(cand, small_params(), true);
  NormStatement st;
  st.tensors = {{0, false, {}}, {1, true, {}}, {2, true, {}}, {3, false, {NormBoundKind::kAbsolute, 0, 0, 1}}};
  const Proven p = prove(b, c, st);
  EXPECT_EQ(verify(b, c, st, p.out.disclosure, p.bytes), DriftResult{});

  NormLayout layout;
  ASSERT_EQ(NormLayout::make(b.commitment, c.commitment, st, layout), DriftStatus::kOk);
  ASSERT_EQ(layout.classes.size(), 4u);  // n = 4, 6, 12, 16
  EXPECT_EQ(layout.classes[3].block_vars, 1u);
  ASSERT_EQ(p.out.disclosure.items.size(), 6u);
  const auto& d = p.out.disclosure.items;
  EXPECT_EQ(d[0].value(), exact_delta_squares(b.tensor("a.norm"), c.tensor("a.norm")));
  EXPECT_EQ(d[1].value(), exact_delta_squares(b.tensor("b.proj"), c.tensor("b.proj")));
  EXPECT_EQ(d[2].value(), exact_base_squares(b.tensor("b.proj")));
  EXPECT_EQ(d[3].value(), exact_delta_squares(b.tensor("c.mlp"), c.tensor("c.mlp")));
  EXPECT_EQ(d[4].value(), exact_base_squares(b.tensor("c.mlp")));
  EXPECT_EQ(d[5].value(), 0u);
  EXPECT_GT(d[3].value(), 0u);
}

// 2^16 entries with d = 2^24 - 2 and one more: S = p + 1310719 > p. The
// proof discloses S exactly, not S mod p.
TestTensor extreme(const std::string& name, bool candidate) {
  TestTensor t{name, {2, 65536}, std::vector<std::int64_t>(2 * 65536, 0)};
  for (std::size_t i = 0; i < 65536; ++i) t.values[i] = candidate ? kMax : -kMax;
  t.values[65536] = candidate ? (std::int64_t{1} << 21) - (std::int64_t{1} << 10) : 0;
  return t;
}

TEST(NormProof, SumsAbovePAreExact) {
  const TestModel b = make_model({extreme("w", false)}, small_params(), false);
  const TestModel c = make_model({extreme("w", true)}, small_params(), true);
  NormStatement st;
  st.tensors = {{0, true, {}}};
  const Proven p = prove(b, c, st);
  EXPECT_EQ(verify(b, c, st, p.out.disclosure, p.bytes), DriftResult{});
  const uint128 s = exact_delta_squares(b.tensor("w"), c.tensor("w"));
  EXPECT_EQ(s, uint128{crypto::Fp::kModulus} + 1310719u);
  EXPECT_EQ(p.out.disclosure.items[0].value(), s);
  EXPECT_EQ(p.out.disclosure.items[1].value(), exact_base_squares(b.tensor("w")));
}

TEST(NormProof, BoundsAreCheckedExactly) {
  const TestTensor base = random_tensor(5, "w", {32, 32}, 1 << 20);
  const TestTensor cand = perturbed(base, 6, 1 << 12);
  const TestModel b = make_model({base}, small_params(), false);
  const TestModel c = make_model({cand}, small_params(), true);
  const uint128 s = exact_delta_squares(base, cand);
  const uint128 q = exact_base_squares(base);
  auto result = [&](NormBound bound, bool base_squares) {
    NormStatement st;
    st.tensors = {{0, base_squares, bound}};
    const Proven p = prove(b, c, st);
    return verify(b, c, st, p.out.disclosure, p.bytes).status;
  };
  EXPECT_EQ(result({NormBoundKind::kAbsolute, s, 0, 1}, false), DriftStatus::kOk);
  EXPECT_EQ(result({NormBoundKind::kAbsolute, s - 1, 0, 1}, false), DriftStatus::kBoundExceeded);
  // Relative: S / Q <= num / den. With num / den = S / Q exactly it holds, one less fails.
  const auto num = static_cast<std::uint64_t>(s);  // s < 2^64 here
  const auto den = static_cast<std::uint64_t>(q >> 8);
  EXPECT_EQ(norm_bound_holds({NormBoundKind::kRelative, 0, num, den}, s, q), s * den <= uint128{num} * q);
  EXPECT_EQ(result({NormBoundKind::kRelative, 0, 1, 1}, true), DriftStatus::kOk);  // S <= Q
  EXPECT_EQ(result({NormBoundKind::kRelative, 0, 1, 1u << 30}, true), DriftStatus::kBoundExceeded);
}

TEST(NormBound, ComparesProductsBeyond128Bits) {
  const uint128 big = (uint128{1} << 77) + 12345;
  EXPECT_TRUE(norm_bound_holds({NormBoundKind::kRelative, 0, ~std::uint64_t{0}, ~std::uint64_t{0}}, big, big));
  EXPECT_FALSE(norm_bound_holds({NormBoundKind::kRelative, 0, ~std::uint64_t{0} - 1, ~std::uint64_t{0}}, big, big));
  EXPECT_TRUE(norm_bound_holds({NormBoundKind::kRelative, 0, 3, 1}, 3 * big, big));
  EXPECT_FALSE(norm_bound_holds({NormBoundKind::kRelative, 0, 3, 1}, 3 * big + 1, big));
  EXPECT_TRUE(norm_bound_holds({NormBoundKind::kAbsolute, big, 0, 1}, big, 0));
  EXPECT_FALSE(norm_bound_holds({NormBoundKind::kAbsolute, big - 1, 0, 1}, big, 0));
  EXPECT_TRUE(norm_bound_holds({}, big, 0));
}

// The real path: BF16 checkpoints, commit_model (default, proven
// parameters), the candidate at the base's scales, group_tables.
TEST(NormProof, RealCheckpointsThroughCommitModel) {
  fti::testing::TempDir dir;
  std::vector<TensorData> tensors = fti::testing::make_model_tensors(1, 16, 3);
  fti::testing::write_model(dir.path() / "base", tensors, 1);
  for (TensorData& t : tensors) {
    for (std::size_t i = 0; i < t.bytes.size(); i += 14) t.bytes[i] ^= 0x3;  // low mantissa bits of some values
  }
  fti::testing::write_model(dir.path() / "cand", tensors, 1);
  const Checkpoint bc = Checkpoint::open_local(dir.path() / "base");
  const Checkpoint cc = Checkpoint::open_local(dir.path() / "cand");
  const commitment::ModelCommitment base = commitment::commit_model(bc);
  commitment::CommitOptions options;
  options.given_scales = commitment::scales_of(base);
  const commitment::ModelCommitment cand = commitment::commit_model(cc, options);
  ASSERT_EQ(base.groups.size(), cand.groups.size());

  // The statement: every tensor of the two smallest groups, relative for the first.
  NormStatement st;
  for (std::uint32_t i = 0; i < base.tensors.size(); ++i) {
    if (base.tensors[i].group <= 1) st.tensors.push_back({i, st.tensors.empty(), {}});
  }
  ASSERT_GE(st.tensors.size(), 2u);
  std::vector<crypto::BasefoldProverData> bg, cg;
  std::vector<const crypto::BasefoldProverData*> bp(base.groups.size(), nullptr), cp(cand.groups.size(), nullptr);
  bg.reserve(2);
  cg.reserve(2);
  for (std::size_t g = 0; g < 2; ++g) {
    bg.push_back(crypto::basefold_commit(base.params, commitment::group_tables(bc, base, g)));
    cg.push_back(crypto::basefold_commit(cand.params, commitment::group_tables(cc, cand, g)));
    bp[g] = &bg[g];
    cp[g] = &cg[g];
  }
  crypto::Transcript pt = test_transcript();
  const NormProverOutput out = prove_norms(base, bp, cand, cp, st, pt);
  crypto::Transcript vt = test_transcript();
  EXPECT_EQ(verify_norms_bytes(base, cand, st, out.disclosure, out.proof.serialize(), vt), DriftResult{});
  // S from the tables directly.
  auto signed_value = [](crypto::Fp x) {
    return x.value() <= crypto::Fp::kModulus / 2 ? int128{static_cast<std::int64_t>(x.value())}
                                                 : -int128{static_cast<std::int64_t>(crypto::Fp::kModulus - x.value())};
  };
  const commitment::TensorRecord& t0 = base.tensors[st.tensors[0].tensor];
  const commitment::TensorRecord* c0 = cand.find(t0.name);
  ASSERT_NE(c0, nullptr);
  uint128 s = 0, q = 0;
  const auto& btab = bg[t0.group].tables()[t0.index];
  const auto& ctab = cg[c0->group].tables()[c0->index];
  for (std::size_t x = 0; x < btab.size(); ++x) {
    const int128 d = signed_value(ctab[x]) - signed_value(btab[x]);
    s += static_cast<uint128>(d * d);
    q += static_cast<uint128>(signed_value(btab[x]) * signed_value(btab[x]));
  }
  EXPECT_EQ(out.disclosure.items[0].value(), s);
  EXPECT_EQ(out.disclosure.items[1].value(), q);
  EXPECT_GT(s, 0u);
}

}  // namespace
}  // namespace fti::drift

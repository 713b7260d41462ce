// Low-rank proofs of several claims at once (docs/PROTOCOL.md, sections
// 10.5.2-10.5.7): classes of equal (lr, lc, kr), one residual and one factor
// sumcheck per class, one range argument. Completeness against single-claim
// proofs; a lie, an out-of-range factor or a changed statement on ONE claim
// among several is rejected; replays against another candidate; every byte
// flip of a two-class proof.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/crypto/bytes.h"
#include "tests/drift/rank_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;

struct Spec {
  std::string name;
  std::uint64_t rows, cols;
  std::uint32_t r;
};

struct Batch {
  TestModel base, cand;
  std::vector<RankStatement> claims;  // one per spec, in tensor order
};

// Claimed tensors per spec plus one unclaimed tensor of the first spec's
// shape (its group then holds a polynomial no claim opens).
Batch make_batch(const std::vector<Spec>& specs, const crypto::BasefoldParams& params, std::uint64_t seed = 90,
                 unsigned bu = 14, unsigned t = 4) {
  std::vector<TestTensor> base, cand;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    RankUpdate u = rank_update(seed + 10 * i, specs[i].name, specs[i].rows, specs[i].cols, specs[i].r, 30, 2);
    base.push_back(u.base);
    cand.push_back(u.cand);
  }
  const TestTensor frozen = random_tensor(seed + 999, "z.frozen", {specs[0].rows, specs[0].cols}, 1000);
  base.push_back(frozen);
  cand.push_back(frozen);
  Batch b{make_model(base, params, false), make_model(cand, params, true), {}};
  for (const Spec& s : specs) {
    RankStatement st;
    st.tensor = static_cast<std::uint32_t>(b.base.commitment.find(s.name) - b.base.commitment.tensors.data());
    st.rank = s.r;
    st.factor_bits = bu;
    st.shift = t;
    st.range_limb_bits = 4;
    b.claims.push_back(st);
  }
  std::sort(b.claims.begin(), b.claims.end(), [](const RankStatement& x, const RankStatement& y) {
    return x.tensor < y.tensor;
  });
  return b;
}

// Two classes: three 16 x 32 claims with kr = 2 (r = 3, 4, 3), one 8 x 64 with r = 1.
const std::vector<Spec>& two_class_specs() {
  static const std::vector<Spec> s = {{"l0.q", 16, 32, 3}, {"l0.v", 16, 32, 4}, {"l1.o", 8, 64, 1}, {"l1.q", 16, 32, 3}};
  return s;
}

struct BatchProven {
  RankProverOutput out;
  std::vector<std::uint8_t> bytes;
};

BatchProven prove_batch(const Batch& b, std::span<const RankStatement> claims, std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  BatchProven p{prove_ranks(b.base.commitment, b.base.group_pointers(), b.cand.commitment, b.cand.group_pointers(),
                            claims, t),
                {}};
  p.bytes = p.out.proof.serialize();
  return p;
}

DriftResult verify_batch(const TestModel& base, const TestModel& cand, std::span<const RankStatement> claims,
                         std::span<const NormStatistic> disclosures, std::span<const std::uint8_t> bytes,
                         std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  return verify_ranks_bytes(base.commitment, cand.commitment, claims, disclosures, bytes, t,
                            RankVerifyOptions{.min_security_bits = 0});
}

TEST(RankBatch, ClassesGroupEqualViewsAndRankVariables) {
  const Batch b = make_batch(two_class_specs(), small_params());
  RankBatchLayout layout;
  ASSERT_EQ(RankBatchLayout::make(b.base.commitment, b.cand.commitment, b.claims, layout), DriftStatus::kOk);
  ASSERT_EQ(layout.classes.size(), 2u);
  // Ordered by (lr, lc, kr): 8 x 64 (lr = 3) first.
  EXPECT_EQ(layout.classes[0].log_rows, 3u);
  EXPECT_EQ(layout.classes[0].size(), 1u);
  EXPECT_EQ(layout.classes[1].size(), 3u);
  EXPECT_EQ(layout.classes[1].rank_vars, 2u);
  for (const RankClassLayout& cl : layout.classes) {
    for (const std::size_t i : cl.claims) {
      RankLayout single;
      ASSERT_EQ(RankLayout::make(b.base.commitment, b.cand.commitment, b.claims[i], single), DriftStatus::kOk);
      EXPECT_LE(cl.block_size_vars, single.block_size_vars);  // the class takes the smallest block
      EXPECT_EQ(layout.claims[i].block_vars, cl.block_vars);
    }
  }
}

TEST(RankBatch, SeveralClaimsVerifyWithTheResidualsOfSingleProofs) {
  const Batch b = make_batch(two_class_specs(), small_params());
  const BatchProven proven = prove_batch(b, b.claims);
  ASSERT_EQ(proven.out.disclosures.size(), b.claims.size());
  EXPECT_EQ(verify_batch(b.base, b.cand, b.claims, proven.out.disclosures, proven.bytes), DriftResult{});
  std::size_t single_bytes = 0;
  for (std::size_t i = 0; i < b.claims.size(); ++i) {
    const BatchProven one = prove_batch(b, std::span(&b.claims[i], 1));
    EXPECT_EQ(verify_batch(b.base, b.cand, std::span(&b.claims[i], 1), one.out.disclosures, one.bytes), DriftResult{});
    // Same factors (the same factorization), same R, whatever the block size.
    EXPECT_EQ(one.out.disclosures[0].value(), proven.out.disclosures[i].value()) << i;
    single_bytes += one.bytes.size();
  }
  // One range argument and one opening per class instead of per claim.
  EXPECT_LT(proven.bytes.size(), single_bytes);
  RecordProperty("batch_bytes", static_cast<int>(proven.bytes.size()));
  RecordProperty("single_bytes", static_cast<int>(single_bytes));
}

TEST(RankBatch, ALieAboutOneClaimIsRejected) {
  const Batch b = make_batch(two_class_specs(), small_params());
  const BatchProven proven = prove_batch(b, b.claims);
  ASSERT_EQ(verify_batch(b.base, b.cand, b.claims, proven.out.disclosures, proven.bytes), DriftResult{});
  for (std::size_t i = 0; i < b.claims.size(); ++i) {
    std::vector<NormStatistic> lie = proven.out.disclosures;
    lie[i].low -= 1;
    EXPECT_EQ(verify_batch(b.base, b.cand, b.claims, lie, proven.bytes).status, DriftStatus::kSumcheckRejected) << i;
    lie = proven.out.disclosures;
    lie[i] = {};
    EXPECT_FALSE(verify_batch(b.base, b.cand, b.claims, lie, proven.bytes).ok()) << i;
  }
  // Residuals moved between two claims of one class.
  std::vector<NormStatistic> swapped = proven.out.disclosures;
  std::swap(swapped[0], swapped[1]);
  ASSERT_NE(swapped[0].value(), swapped[1].value());
  EXPECT_FALSE(verify_batch(b.base, b.cand, b.claims, swapped, proven.bytes).ok());
  // One disclosure missing.
  EXPECT_EQ(verify_batch(b.base, b.cand, b.claims, std::span(proven.out.disclosures).first(3), proven.bytes).status,
            DriftStatus::kMalformed);
}

TEST(RankBatch, AnOutOfRangeFactorOfOneClaimIsRejectedByTheRangeArgument) {
  const Batch b = make_batch(two_class_specs(), small_params());
  RankBatchLayout layout;
  ASSERT_EQ(RankBatchLayout::make(b.base.commitment, b.cand.commitment, b.claims, layout), DriftStatus::kOk);
  const auto bg = b.base.group_pointers();
  const auto cg = b.cand.group_pointers();
  const std::vector<RankTables> tables = rank_tables(b.base.commitment, bg, b.cand.commitment, cg, layout);
  std::vector<FieldFactors> honest;
  for (std::size_t i = 0; i < b.claims.size(); ++i) {
    const RankFactors f = rank_factorize(layout.claims[i], b.claims[i], tables[i]);
    honest.push_back({to_field(f.u), to_field(f.v)});
  }
  const RankProverOutput fine = prove_ranks_field(b.base, b.cand, b.claims, honest);
  EXPECT_EQ(verify_batch(b.base, b.cand, b.claims, fine.disclosures, fine.proof.serialize()), DriftResult{});
  for (std::size_t i = 0; i < b.claims.size(); ++i) {
    std::vector<FieldFactors> bad = honest;
    bad[i].v[1] = crypto::Fp::from_i64(std::int64_t{1} << 13);  // bu = 14: |V| < 2^13
    const RankProverOutput out = prove_ranks_field(b.base, b.cand, b.claims, bad);
    EXPECT_EQ(verify_batch(b.base, b.cand, b.claims, out.disclosures, out.proof.serialize()).status,
              DriftStatus::kRangeRejected)
        << i;
  }
}

TEST(RankBatch, ChangedClaimsAreRejected) {
  const Batch b = make_batch(two_class_specs(), small_params());
  const BatchProven proven = prove_batch(b, b.claims);
  const std::vector<NormStatistic>& ds = proven.out.disclosures;
  auto with = [&](auto change) {
    std::vector<RankStatement> claims = b.claims;
    change(claims);
    return verify_batch(b.base, b.cand, claims, ds, proven.bytes);
  };
  EXPECT_FALSE(with([](auto& c) { c[1].rank = 3; }).ok());  // same kr
  EXPECT_FALSE(with([](auto& c) { c[2].shift = 3; }).ok());
  EXPECT_FALSE(with([](auto& c) { c[3].factor_bits = 13; }).ok());
  EXPECT_FALSE(with([](auto& c) {
                 c[0].bound = RankBoundKind::kAbsolute;
                 c[0].max_residual_squares = uint128{1} << 90;
               }).ok());
  EXPECT_EQ(with([](auto& c) { std::swap(c[0], c[1]); }).status, DriftStatus::kBadStatement);  // not ascending
  EXPECT_EQ(with([](auto& c) { c[2].range_limb_bits = 5; }).status, DriftStatus::kBadStatement);  // two limb sizes
  // A claim left out: the proof's shapes no longer match.
  std::vector<RankStatement> fewer(b.claims.begin(), b.claims.begin() + 3);
  EXPECT_FALSE(verify_batch(b.base, b.cand, fewer, std::span(ds).first(3), proven.bytes).ok());
  // Another transcript context.
  EXPECT_FALSE(verify_batch(b.base, b.cand, b.claims, ds, proven.bytes, 2).ok());
}

TEST(RankBatch, ABoundOnOneClaimIsCheckedExactly) {
  const Batch b = make_batch(two_class_specs(), small_params());
  const BatchProven free = prove_batch(b, b.claims);
  std::vector<RankStatement> bounded = b.claims;
  bounded[2].bound = RankBoundKind::kAbsolute;
  bounded[2].max_residual_squares = free.out.disclosures[2].value();
  const BatchProven at = prove_batch(b, bounded);
  EXPECT_EQ(verify_batch(b.base, b.cand, bounded, at.out.disclosures, at.bytes), DriftResult{});
  bounded[2].max_residual_squares -= 1;
  const BatchProven below = prove_batch(b, bounded);
  EXPECT_EQ(verify_batch(b.base, b.cand, bounded, below.out.disclosures, below.bytes).status,
            DriftStatus::kBoundExceeded);
}

TEST(RankBatch, ATensorTamperedAfterProvingIsRejected) {
  const Batch b = make_batch(two_class_specs(), small_params());
  const BatchProven proven = prove_batch(b, b.claims);
  for (const std::string name : {"l0.v", "l1.o", "z.frozen"}) {
    std::vector<TestTensor> tensors = b.cand.tensors;
    for (TestTensor& t : tensors) {
      if (t.name == name) t.values[5] += 1;
    }
    const TestModel tampered = make_model(tensors, small_params(), true);
    EXPECT_FALSE(verify_batch(b.base, tampered, b.claims, proven.out.disclosures, proven.bytes).ok()) << name;
  }
}

// Records only (layout needs no Basefold data): `count` tensors of 2^11 x
// 2^11 in one group, as a commitment of that many 2048 x 2048 tensors has.
commitment::ModelCommitment records_only(std::size_t count) {
  commitment::ModelCommitment c;
  c.params = small_params();
  crypto::BasefoldCommitment group;
  group.num_vars = 22;
  group.num_polys = count;
  c.groups.push_back(group);
  for (std::size_t i = 0; i < count; ++i) {
    commitment::TensorRecord t;
    t.name = "t" + std::to_string(10 + i);
    t.shape = {2048, 2048};
    t.log_rows = t.log_cols = 11;
    t.max_abs = 1000;
    t.index = static_cast<std::uint32_t>(i);
    c.tensors.push_back(t);
  }
  return c;
}

TEST(RankBatch, AClassHoldsAtMost2To24TableEntries) {
  // Five 2^22-entry claims of one key: 4 fit a class (2^24 entries), the fifth opens a second.
  const commitment::ModelCommitment base = records_only(5), cand = records_only(5);
  std::vector<RankStatement> claims(5);
  for (std::size_t i = 0; i < claims.size(); ++i) {
    claims[i].tensor = static_cast<std::uint32_t>(i);
    claims[i].rank = 4;
    claims[i].factor_bits = 8;
    claims[i].range_limb_bits = 4;
  }
  RankBatchLayout layout;
  ASSERT_EQ(RankBatchLayout::make(base, cand, claims, layout), DriftStatus::kOk);
  ASSERT_EQ(layout.classes.size(), 2u);
  EXPECT_EQ(layout.classes[0].size(), 4u);
  EXPECT_EQ(layout.classes[1].size(), 1u);
  EXPECT_EQ(layout.claims[4].size_class, 1u);
  EXPECT_EQ(layout.claims[4].position, 0u);
  // Both classes open the one model group (each at its own point).
  EXPECT_EQ(layout.classes[1].base_groups, std::vector<std::uint32_t>{0});
}

TEST(RankBatchFormat, EveryByteFlipOfATwoClassProofIsRejected) {
  const std::vector<Spec> specs = {{"a", 4, 8, 2}, {"b", 2, 16, 1}, {"c", 4, 8, 2}};
  const Batch b = make_batch(specs, tiny_params(), 7, 12, 2);
  const BatchProven proven = prove_batch(b, b.claims);
  auto accepts = [&](std::span<const std::uint8_t> bytes) {
    return verify_batch(b.base, b.cand, b.claims, proven.out.disclosures, bytes).ok();
  };
  ASSERT_TRUE(accepts(proven.bytes));
  RankBatchLayout layout;
  ASSERT_EQ(RankBatchLayout::make(b.base.commitment, b.cand.commitment, b.claims, layout), DriftStatus::kOk);
  ASSERT_EQ(layout.classes.size(), 2u);
  RankProof parsed;
  ASSERT_EQ(RankProof::parse(proven.bytes, b.base.commitment, b.cand.commitment, b.claims, layout, parsed),
            DriftResult{});
  EXPECT_EQ(parsed.serialize(), proven.bytes);
  ASSERT_LT(proven.bytes.size(), 120000u);
  const std::vector<std::size_t> accepted = accepted_byte_flips(proven.bytes, accepts);
  EXPECT_TRUE(accepted.empty()) << accepted.size() << " flips accepted, the first at byte " << accepted.front();
  std::vector<std::uint8_t> longer = proven.bytes;
  longer.push_back(0);
  EXPECT_FALSE(accepts(longer));
  EXPECT_FALSE(accepts(std::span(proven.bytes).first(proven.bytes.size() - 1)));
}

}  // namespace
}  // namespace fti::drift

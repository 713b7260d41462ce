// Range statements, their limb layout and soundness bound (docs/PROTOCOL.md,
// sections 8.1, 8.2 and 8.8), and a pinned proof digest (any change of the
// decomposition, the LogUp-GKR schedule, labels or byte format fails it).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/crypto/range.h"
#include "engine/crypto/range_soundness.h"
#include "engine/crypto/sha256.h"
#include "tests/crypto/range_helpers.h"

namespace fti::crypto {
namespace {

RangeStatement one(unsigned num_vars, unsigned bits, bool is_signed, unsigned limb_bits = kDefaultRangeLimbBits) {
  RangeStatement st;
  st.limb_bits = limb_bits;
  st.vectors = {{num_vars, bits, is_signed}};
  return st;
}

TEST(RangeStatement, LayoutOfTheLimbs) {
  struct Row {
    unsigned bits, limb_bits, k, c;
    bool shifted;
  };
  for (const Row& r : {Row{1, 16, 1, 1, true}, Row{8, 16, 1, 8, true}, Row{16, 16, 1, 16, false},
                       Row{31, 16, 2, 15, true}, Row{32, 16, 2, 16, false}, Row{32, 8, 4, 8, false},
                       Row{20, 8, 3, 4, true}, Row{7, 1, 7, 1, false}, Row{32, 20, 2, 12, true}}) {
    const RangeLayout l = RangeLayout::make(one(10, r.bits, true, r.limb_bits));
    const RangeVectorLayout& v = l.vectors[0];
    EXPECT_EQ(v.num_limbs, r.k) << r.bits << "/" << r.limb_bits;
    EXPECT_EQ(v.top_bits, r.c) << r.bits << "/" << r.limb_bits;
    EXPECT_EQ(v.top_shifted, r.shifted) << r.bits << "/" << r.limb_bits;
    EXPECT_EQ(v.offset, std::uint64_t{1} << (r.bits - 1));
    // One bundle (all instances of n = 10 merged) and the table.
    const unsigned instances = r.k + (r.shifted ? 1u : 0u);
    ASSERT_EQ(l.bundles.size(), 1u);
    EXPECT_EQ(l.bundles[0].members, instances);
    EXPECT_EQ(l.bundles[0].stack_vars, basefold_stack_vars(instances));
    EXPECT_EQ(v.bundle, 0u);
    EXPECT_EQ(v.first_slot, 0u);
    EXPECT_EQ(l.instance_vars.size(), 2u);
    EXPECT_EQ(l.instance_vars.front(), 10u + basefold_stack_vars(instances));
    EXPECT_EQ(l.num_lookups, std::uint64_t{instances} << 10);
    EXPECT_EQ(l.num_leaves, std::uint64_t{1} << (10 + basefold_stack_vars(instances)));
    EXPECT_EQ(l.table_instance, l.instance_vars.size() - 1);
    EXPECT_EQ(l.instance_vars.back(), r.limb_bits);
    EXPECT_EQ(l.num_vars, std::max(10u, r.limb_bits));
    EXPECT_EQ(l.num_limb_groups, r.k >= 2 ? 1u : 0u);
  }
}

TEST(RangeStatement, CheckRejectsEverythingOutOfBounds) {
  EXPECT_EQ(one(10, 32, false).check(), Status::kOk);
  EXPECT_EQ(one(10, 0, false).check(), Status::kBadParameters);
  EXPECT_EQ(one(10, 33, false).check(), Status::kBadParameters);
  EXPECT_EQ(one(31, 8, false).check(), Status::kBadParameters);
  EXPECT_EQ(one(10, 8, false, 0).check(), Status::kBadParameters);
  EXPECT_EQ(one(10, 8, false, 21).check(), Status::kBadParameters);
  RangeStatement empty;
  EXPECT_EQ(empty.check(), Status::kBadParameters);
  RangeStatement many;
  many.vectors.assign(kMaxRangeVectors + 1, {0, 8, false});
  EXPECT_EQ(many.check(), Status::kBadParameters);
  // Lookups: 511 vectors of 2^30 entries in two limbs stay below 2^40; 512 do not.
  RangeStatement big;
  big.vectors.assign(511, {30, 32, false});
  EXPECT_EQ(big.check(), Status::kOk);
  big.vectors.push_back({30, 32, false});
  EXPECT_EQ(big.check(), Status::kBadParameters);
  EXPECT_THROW(RangeLayout::make(big), std::invalid_argument);
}

TEST(RangeStatement, SoundnessAtTheLargestSizesMeetsTheTarget) {
  const BasefoldParams params = basefold_default_params();
  const double log_field = 3 * std::log2(static_cast<double>(Fp::kModulus));
  // The largest lookup count the statement allows (just under 2^40).
  RangeStatement big;
  big.vectors.assign(511, {30, 32, true});
  const RangeSoundness s = range_soundness(params, big);
  // 1022 instances of 2^30 entries: one bundle of 1024 slots, 2^40 leaves with the padding.
  EXPECT_NEAR(s.lookup_bits, log_field - std::log2(std::ldexp(1.0, 40) + 65536), 1e-9);
  EXPECT_GT(s.lookup_bits, 151.9);
  EXPECT_GT(s.gkr_bits, 165.0);
  EXPECT_GE(s.opening_bits, 100.0);
  EXPECT_GE(s.total_bits, 100.0);
  EXPECT_NEAR(s.total_bits, s.opening_bits, 1e-6);  // the opening dominates by ~50 bits
  EXPECT_EQ(s.num_vars, 40u);  // the bundle's 30 + 10 variables
  // Bit decomposition (L = 1) of kMaxRangeVectors vectors: the most instances.
  RangeStatement bits;
  bits.limb_bits = 1;
  bits.vectors.assign(kMaxRangeVectors, {20, 32, false});
  const RangeSoundness b = range_soundness(params, bits);
  EXPECT_EQ(b.num_instances, 2u);  // 32 x 4096 instances of n = 20 in one bundle, and the table
  EXPECT_GT(b.gkr_bits, 165.0);
  EXPECT_GE(b.total_bits, 100.0);
  for (const unsigned n : {0u, 10u, 20u, 30u}) {
    for (const unsigned bw : {1u, 16u, 31u, 32u}) {
      EXPECT_GE(range_soundness(params, one(n, bw, false)).total_bits, 100.0) << n << " " << bw;
    }
  }
}

std::string hex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// Regression pin: fixed values (no library RNG: distributions differ between
// standard libraries), fixed parameters; any change of the decomposition,
// the LogUp-GKR schedule, labels or byte formats changes the digest (update
// it only with docs/PROTOCOL.md).
TEST(RangeStatement, PinnedProofDigest) {
  RangeStatement st;
  st.limb_bits = 8;
  st.vectors = {{5, 12, true}, {3, 32, false}};
  std::vector<std::vector<Fp>> t(2);
  for (std::int64_t i = 0; i < 32; ++i) t[0].push_back(Fp::from_i64((i * i * 37) % 4096 - 2048));
  for (std::uint64_t i = 0; i < 8; ++i) t[1].push_back(Fp::from_u64(0xFFFF'FFFFULL - i * 0x1357'9BDFULL));
  const testing::RangeFixture f = testing::prove_standalone(st, t, basefold_default_params());
  EXPECT_EQ(f.verify_bytes(f.bytes), Status::kOk);
  EXPECT_EQ(hex(sha256(f.bytes)), "b35a929dd5a8c37879a018611e5339a1b18093a028e0a4289372a7d176a7fc43");
  EXPECT_EQ(f.bytes.size(), 27808u);
}

}  // namespace
}  // namespace fti::crypto

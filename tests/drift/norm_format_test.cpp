// The norm proof's byte format: a round trip, every single-byte change of a
// small proof rejected, every truncation and trailing bytes rejected by the
// parser, hostile counts and lengths refused without allocating.
#include <gtest/gtest.h>

#include "engine/crypto/bytes.h"
#include "tests/drift/drift_helpers.h"

namespace fti::drift {
namespace {

using namespace fti::drift::testing;

struct Tiny {
  TestModel base, cand;
  NormStatement st;
  Proven proven;
};

// One 4 x 4 tensor, tiny parameters, 4-bit limbs: a proof of a few KB.
const Tiny& tiny() {
  static const Tiny t = [] {
    Tiny x;
    const TestTensor b = random_tensor(41, "t", {4, 4}, 1 << 22);
    x.base = make_model({b}, tiny_params(), false);
    x.cand = make_model({perturbed(b, 42, 1 << 20)}, tiny_params(), true);
    x.st.tensors = {{0, true, {}}};
    x.st.range_limb_bits = 4;
    x.proven = prove(x.base, x.cand, x.st);
    return x;
  }();
  return t;
}

DriftResult verify_tiny(std::span<const std::uint8_t> bytes) {
  const Tiny& t = tiny();
  return verify(t.base, t.cand, t.st, t.proven.out.disclosure, bytes);
}

TEST(NormFormat, RoundTrip) {
  const Tiny& t = tiny();
  EXPECT_EQ(verify_tiny(t.proven.bytes), DriftResult{});
  NormLayout layout;
  ASSERT_EQ(NormLayout::make(t.base.commitment, t.cand.commitment, t.st, layout), DriftStatus::kOk);
  NormProof parsed;
  ASSERT_EQ(NormProof::parse(t.proven.bytes, t.base.commitment, t.cand.commitment, t.st, layout, parsed),
            DriftResult{});
  EXPECT_EQ(parsed.serialize(), t.proven.bytes);
  RecordProperty("proof_bytes", static_cast<int>(t.proven.bytes.size()));
}

TEST(NormFormat, EveryByteFlipIsRejected) {
  const Tiny& t = tiny();
  ASSERT_LT(t.proven.bytes.size(), 40000u);
  const std::vector<std::size_t> accepted =
      accepted_byte_flips(t.proven.bytes, [](std::span<const std::uint8_t> b) { return verify_tiny(b).ok(); });
  EXPECT_TRUE(accepted.empty()) << accepted.size() << " flips accepted, the first at byte " << accepted.front();
}

TEST(NormFormat, TruncationsAndTrailingBytesAreMalformed) {
  const Tiny& t = tiny();
  const std::vector<std::uint8_t>& bytes = t.proven.bytes;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const DriftResult r = verify_tiny(std::span(bytes).first(n));
    ASSERT_EQ(r.status, DriftStatus::kMalformed) << n;
  }
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(verify_tiny(longer).status, DriftStatus::kMalformed);
}

TEST(NormFormat, HostileCountsAndLengthsAreRefusedWithoutAllocating) {
  const Tiny& t = tiny();
  auto with_u32 = [&](std::size_t offset, std::uint32_t value) {
    std::vector<std::uint8_t> b = t.proven.bytes;
    crypto::store_le32(value, b.data() + offset);
    return verify_tiny(b);
  };
  // The class count, the first block commitment's length, its num_vars.
  EXPECT_EQ(with_u32(0, 0xFFFF'FFFFu), (DriftResult{DriftStatus::kMalformed, crypto::Status::kMalformed}));
  EXPECT_EQ(with_u32(4, 0xFFFF'FFFFu), (DriftResult{DriftStatus::kMalformed, crypto::Status::kMalformed}));
  EXPECT_EQ(with_u32(8, 0xFFFF'FFF0u).status, DriftStatus::kMalformed);
  // The sumcheck blob's length and its round count.
  const std::size_t block_len = crypto::load_le32(t.proven.bytes.data() + 4);
  const std::size_t sumcheck = 8 + block_len;
  EXPECT_EQ(with_u32(sumcheck, 0x7FFF'FFFFu).status, DriftStatus::kMalformed);
  EXPECT_EQ(with_u32(sumcheck + 4, 0xFFFF'FFFFu).status, DriftStatus::kMalformed);
  // Pure garbage of several lengths.
  for (const std::size_t n : {1u, 4u, 8u, 100u, 5000u}) {
    const std::vector<std::uint8_t> junk(n, 0xFF);
    EXPECT_EQ(verify_tiny(junk).status, DriftStatus::kMalformed) << n;
  }
}

}  // namespace
}  // namespace fti::drift

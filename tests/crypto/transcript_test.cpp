// Fiat-Shamir transcript: exact bytes against one-shot SHA-256, pinned
// vectors (computed by an independent Python implementation of the spec in
// docs/PROTOCOL.md), sensitivity to every absorbed message, and unbiased
// rejection sampling.
#include <gtest/gtest.h>

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/crypto/bytes.h"
#include "engine/crypto/transcript.h"

namespace fti::crypto {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

void put_le64(std::vector<std::uint8_t>& b, std::uint64_t x) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

Digest oneshot(const std::vector<std::uint8_t>& b) {
  Digest d;
  SHA256(b.data(), b.size(), d.data());
  return d;
}

std::string hex(std::span<const std::uint8_t> d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (const auto x : d) {
    s += digits[x >> 4];
    s += digits[x & 15];
  }
  return s;
}

// Word i of the output stream after a squeeze that left `state`.
std::uint64_t stream_word(const Digest& state, std::uint64_t i) {
  std::vector<std::uint8_t> b = {0x03};
  b.insert(b.end(), state.begin(), state.end());
  put_le64(b, i / 4);
  const Digest blk = oneshot(b);
  return load_le64(blk.data() + 8 * (i % 4));
}

TEST(Transcript, InitAndAbsorbAreTheSpecifiedBytes) {
  Transcript t("proto");
  std::vector<std::uint8_t> init = {0x00};
  put_le64(init, 17);
  const auto dom = bytes_of("fti.transcript.v1");
  init.insert(init.end(), dom.begin(), dom.end());
  put_le64(init, 5);
  const auto id = bytes_of("proto");
  init.insert(init.end(), id.begin(), id.end());
  const Digest s0 = oneshot(init);
  ASSERT_EQ(t.state(), s0);

  t.absorb_u64("n", 9);
  std::vector<std::uint8_t> ab = {0x01};
  ab.insert(ab.end(), s0.begin(), s0.end());
  ab.push_back(0x02);  // kU64
  put_le64(ab, 1);
  ab.push_back('n');
  put_le64(ab, 8);
  put_le64(ab, 9);
  const Digest s1 = oneshot(ab);
  ASSERT_EQ(t.state(), s1);

  const Fp c = t.challenge_fp("c");
  std::vector<std::uint8_t> sq = {0x02};
  sq.insert(sq.end(), s1.begin(), s1.end());
  sq.push_back(0x41);  // kChallengeFp
  put_le64(sq, 1);
  sq.push_back('c');
  put_le64(sq, 0);
  const Digest s2 = oneshot(sq);
  ASSERT_EQ(t.state(), s2);
  // The first word below p (the first word unless it was rejected).
  std::uint64_t i = 0, w = 0;
  do w = stream_word(s2, i++);
  while (w >= Fp::kModulus);
  EXPECT_EQ(c.value(), w);
}

TEST(Transcript, PinnedVectors) {
  Transcript t("fti.test.v1");
  const auto hello = bytes_of("hello");
  t.absorb_bytes("public_input", hello);
  t.absorb_u64("n", 42);
  t.absorb_fp("x", Fp::from_u64(5));
  const Fp v[] = {Fp::from_u64(1), Fp::from_u64(2), Fp::from_u64(3)};
  t.absorb_fps("v", v);
  t.absorb_fp3("y", Fp3(Fp::from_u64(1), Fp::from_u64(2), Fp::from_u64(3)));
  Digest root;
  for (std::size_t i = 0; i < 32; ++i) root[i] = static_cast<std::uint8_t>(i);
  t.absorb_digest("root", root);
  const std::uint64_t us[] = {7, 8};
  t.absorb_u64s("us", us);
  const Fp3 ys[] = {Fp3(Fp::from_u64(4), Fp::from_u64(5), Fp::from_u64(6)), Fp3(-Fp::one(), Fp::zero(), Fp::one())};
  t.absorb_fp3s("ys", ys);
  Digest root2;
  for (std::size_t i = 0; i < 32; ++i) root2[i] = static_cast<std::uint8_t>(32 + i);
  const Digest roots[] = {root, root2};
  t.absorb_digests("roots", roots);
  EXPECT_EQ(hex(t.state()), "aadf1ceed66e4239b3f75de854e36de413ae035c51681f7f60d2ae612250e5d2");

  EXPECT_EQ(t.challenge_fp("alpha").value(), 0x7d33e83929b4c73cULL);
  const Fp3 beta = t.challenge_fp3("beta");
  EXPECT_EQ(beta, Fp3(Fp::from_u64(0xd9b60378e40abd5fULL), Fp::from_u64(0x1dab4180ad6b87a2ULL),
                      Fp::from_u64(0xbe8b1e1d55df71daULL)));
  EXPECT_EQ(t.challenge_index("q", 1000), 542u);
  EXPECT_EQ(t.challenge_indices("qs", 1 << 20, 4), (std::vector<std::uint64_t>{323232, 120999, 716886, 269411}));
  EXPECT_EQ(t.challenge_distinct_indices("ds", 16, 5), (std::vector<std::uint64_t>{6, 7, 10, 13, 15}));
  EXPECT_EQ(t.challenge_index("big", (std::uint64_t{1} << 63) + 1), 5411341103667563355ULL);
  EXPECT_EQ(hex(t.state()), "7ba1863ef7b9aae70d087e00c81956fc1d861519b82a984420dc42336b5e694e");
}

// A fixed protocol prefix; `variant` changes exactly one thing.
Fp challenge_after(int variant) {
  Transcript t(variant == 1 ? "proto.v2" : "proto.v1");
  t.absorb_u64(variant == 2 ? "m" : "n", 1024);
  const Fp pub[] = {Fp::from_u64(1), Fp::from_u64(variant == 3 ? 3 : 2)};
  if (variant == 4) {
    t.absorb_fps("public", std::span<const Fp>(pub).first(1));
  } else {
    t.absorb_fps("public", pub);
  }
  Digest commitment{};
  commitment[31] = variant == 5 ? 1 : 0;
  t.absorb_digest("commitment", commitment);
  if (variant == 6) t.absorb_bytes("extra", {});
  return t.challenge_fp("alpha");
}

TEST(Transcript, ChallengeDependsOnEverythingAbsorbedBefore) {
  std::set<std::uint64_t> seen;
  for (int variant = 0; variant <= 6; ++variant) seen.insert(challenge_after(variant).value());
  EXPECT_EQ(seen.size(), 7u) << "a change to protocol id, label, public input, length, commitment or an "
                                "extra message must change the challenge";
  EXPECT_EQ(challenge_after(0), challenge_after(0));
}

TEST(Transcript, EncodingsDoNotCollideAcrossTypesOrSplits) {
  auto state_after = [](auto&& absorb) {
    Transcript t("p");
    absorb(t);
    return t.state();
  };
  const Fp one[] = {Fp::from_u64(7)};
  const std::uint64_t word[] = {7};
  std::vector<std::uint8_t> le7(8, 0);
  le7[0] = 7;
  std::set<Digest> states = {
      state_after([&](Transcript& t) { t.absorb_u64("a", 7); }),
      state_after([&](Transcript& t) { t.absorb_fp("a", Fp::from_u64(7)); }),
      state_after([&](Transcript& t) { t.absorb_fps("a", one); }),
      state_after([&](Transcript& t) { t.absorb_u64s("a", word); }),
      state_after([&](Transcript& t) { t.absorb_bytes("a", le7); }),
      state_after([&](Transcript& t) { t.absorb_fp3("a", Fp3(Fp::from_u64(7))); }),
  };
  EXPECT_EQ(states.size(), 6u) << "same bytes under different types must differ";
  // Label/data boundary: ("ab", "c") vs ("a", "bc").
  const auto c = bytes_of("c"), bc = bytes_of("bc");
  EXPECT_NE(state_after([&](Transcript& t) { t.absorb_bytes("ab", c); }),
            state_after([&](Transcript& t) { t.absorb_bytes("a", bc); }));
  // Message boundary: one message "xy" vs two messages "x", "y".
  const auto xy = bytes_of("xy"), x = bytes_of("x"), y = bytes_of("y");
  EXPECT_NE(state_after([&](Transcript& t) { t.absorb_bytes("m", xy); }), state_after([&](Transcript& t) {
              t.absorb_bytes("m", x);
              t.absorb_bytes("m", y);
            }));
  // Absorb vs squeeze with the same label never coincide either.
  EXPECT_NE(state_after([&](Transcript& t) { t.absorb_bytes("a", {}); }),
            state_after([&](Transcript& t) { (void)t.challenge_fp("a"); }));
}

// A copied transcript would let a caller absorb into one copy and draw
// challenges from the other.
static_assert(!std::is_copy_constructible_v<Transcript> && !std::is_copy_assignable_v<Transcript>);
static_assert(std::is_move_constructible_v<Transcript>);

TEST(Transcript, SuccessiveChallengesDiffer) {
  Transcript t("p");
  t.absorb_u64("n", 1);
  const Fp a = t.challenge_fp("r");
  const Fp b = t.challenge_fp("r");
  EXPECT_NE(a, b);
  Transcript u("p");
  u.absorb_u64("n", 1);
  EXPECT_EQ(u.challenge_fp("r"), a);
  EXPECT_NE(u.challenge_fp("s"), b) << "label is part of the squeeze";
}

// Feeds a fixed word sequence to a sampler.
struct Words {
  std::vector<std::uint64_t> words;
  std::size_t used = 0;
  std::uint64_t operator()() { return words.at(used++); }
};

TEST(Transcript, RejectionSamplersOnChosenWords) {
  const std::uint64_t p = Fp::kModulus;
  Words w{{p, p + 5, ~std::uint64_t{0}, p - 1}};
  EXPECT_EQ(sample_fp_by_rejection(w), Fp::from_u64(p - 1)) << "words >= p are skipped, not reduced";
  EXPECT_EQ(w.used, 4u);
  Words first{{7, p}};
  EXPECT_EQ(sample_fp_by_rejection(first).value(), 7u);
  EXPECT_EQ(first.used, 1u);
  // bound 5: mask 7; 5, 6, 7 (after masking) are rejected, high bits ignored.
  Words idx{{5, 6, 0xFF, (std::uint64_t{1} << 40) | 4}};
  EXPECT_EQ(sample_index_by_rejection(idx, 5), 4u);
  EXPECT_EQ(idx.used, 4u);
  // Power-of-two bound: nothing is rejected.
  Words pow2{{0xFFFF'FFFF'FFFF'FFF3ULL}};
  EXPECT_EQ(sample_index_by_rejection(pow2, 16), 3u);
  // bound above 2^63: the full word, rejected when >= bound.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 1;
  Words full{{big, big - 1}};
  EXPECT_EQ(sample_index_by_rejection(full, big), big - 1);
  Words one{{12345}};
  EXPECT_EQ(sample_index_by_rejection(one, 1), 0u);
}

TEST(Transcript, IndexRejectionSamplingIsExact) {
  // bound = 2^63 + 1: the mask is all ones and about half the words are
  // rejected. The index must be the first word below the bound, computed
  // here from the raw stream; and rejections must actually occur.
  const std::uint64_t bound = (std::uint64_t{1} << 63) + 1;
  int rejected_first = 0;
  for (std::uint64_t k = 0; k < 64; ++k) {
    Transcript t("p");
    t.absorb_u64("k", k);
    const std::uint64_t got = t.challenge_index("i", bound);
    const Digest s = t.state();  // the squeeze state the output stream derives from
    std::uint64_t i = 0, w = 0;
    do w = stream_word(s, i++);
    while (w >= bound);
    ASSERT_EQ(got, w);
    if (i > 1) ++rejected_first;
  }
  EXPECT_GT(rejected_first, 10);
  // Small bound: mask 3, reject 3.
  for (std::uint64_t k = 0; k < 64; ++k) {
    Transcript t("p");
    t.absorb_u64("k", k);
    const std::uint64_t got = t.challenge_index("i", 3);
    std::uint64_t i = 0, w = 0;
    do w = stream_word(t.state(), i++) & 3;
    while (w >= 3);
    ASSERT_EQ(got, w);
  }
}

TEST(Transcript, IndexDistributionIsUniform) {
  // 30000 draws in [0, 6): each bucket within 5 sigma of 5000.
  std::vector<int> counts(6);
  Transcript t("p");
  for (int i = 0; i < 30000; ++i) ++counts[t.challenge_index("i", 6)];
  for (const int c : counts) EXPECT_NEAR(c, 5000, 5 * 65);
  EXPECT_EQ(t.challenge_index("one", 1), 0u);
  EXPECT_THROW((void)t.challenge_index("zero", 0), std::invalid_argument);
}

TEST(Transcript, DistinctIndices) {
  Transcript t("p");
  for (const std::size_t count : {0u, 1u, 10u, 100u}) {
    const auto idx = t.challenge_distinct_indices("d", 1000, count);
    ASSERT_EQ(idx.size(), count);
    EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
    EXPECT_EQ(std::set<std::uint64_t>(idx.begin(), idx.end()).size(), count);
    for (const auto i : idx) EXPECT_LT(i, 1000u);
  }
  const auto all = t.challenge_distinct_indices("all", 16, 16);
  for (std::uint64_t i = 0; i < 16; ++i) EXPECT_EQ(all[i], i);
  EXPECT_THROW((void)t.challenge_distinct_indices("too many", 4, 5), std::invalid_argument);
}

}  // namespace
}  // namespace fti::crypto

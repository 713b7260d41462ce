// A prover without the codeword (basefold_windows.h, PROTOCOL.md 7.10): the
// windows it computes from the tables are the codeword's own positions, its
// first folded layer is basefold_fold_commitment's, a tree rebuilt from a
// stored level is the committed tree, and an opening from such prover data is
// the opening from the full data byte for byte (and verifies).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_fold.h"
#include "engine/crypto/basefold_windows.h"
#include "engine/crypto/merkle.h"
#include "tests/crypto/basefold_helpers.h"
#include "tests/crypto/simd_setting.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

// Every window index below `count`, or a random increasing subset of them
// (always with the first and the last).
std::vector<std::size_t> some_windows(TestRng& rng, std::size_t count, bool all) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < count; ++k) {
    if (all || k == 0 || k + 1 == count || rng.below(3) == 0) out.push_back(k);
  }
  return out;
}

TEST(BasefoldWindows, EqualTheCodewordForEveryShapeAndWindowSize) {
  TestRng rng(8101);
  struct Shape {
    unsigned n;
    std::size_t members;
  };
  // One member, padding members, a full stack, more layer variables than
  // table variables, a single-entry table.
  for (const Shape s : {Shape{6, 1}, Shape{5, 3}, Shape{4, 16}, Shape{2, 40}, Shape{0, 5}, Shape{7, 2}}) {
    const auto tables = testing::random_tables(rng, s.n, s.members);
    const BasefoldParams params = testing::test_params();
    const BasefoldProverData full = basefold_commit(params, tables);
    const std::span<const Fp> word = full.codeword();
    const unsigned l = full.layout().stack_vars;
    const unsigned log_domain = s.n + l + params.log_blowup;
    for (unsigned w = 0; w <= log_domain; ++w) {
      const std::vector<std::size_t> windows = some_windows(rng, std::size_t{1} << (log_domain - w), w >= log_domain - 2);
      const std::vector<Fp> got = basefold_codeword_windows(tables, l, params.log_blowup, w, windows);
      ASSERT_EQ(got.size(), windows.size() << w);
      for (std::size_t i = 0; i < windows.size(); ++i) {
        ASSERT_TRUE(std::equal(got.begin() + static_cast<std::ptrdiff_t>(i << w),
                               got.begin() + static_cast<std::ptrdiff_t>((i + 1) << w),
                               word.begin() + static_cast<std::ptrdiff_t>(windows[i] << w)))
            << "n " << s.n << " members " << s.members << " window log " << w << " window " << windows[i];
      }
    }
  }
}

// Member parts larger than one fold piece, several parallel chunks per fold,
// several x chunks in the vectorized layer-1 fold, with the kernels and
// without.
TEST(BasefoldWindows, LargerTablesWindowsAndFolds) {
  TestRng rng(8108);
  const BasefoldParams params = basefold_default_params();
  const auto tables = testing::random_tables(rng, 14, 16);
  const BasefoldProverData full = basefold_commit(params, tables);
  const std::span<const Fp> word = full.codeword();
  const std::vector<std::size_t> windows = {0, 1, 77, 513, 1023};
  for (const bool simd : {true, false}) {
    const testing::SimdSetting setting(simd);
    const std::vector<Fp> got = basefold_codeword_windows(tables, 4, params.log_blowup, 10, windows);
    for (std::size_t i = 0; i < windows.size(); ++i) {
      ASSERT_TRUE(std::equal(got.begin() + static_cast<std::ptrdiff_t>(i << 10),
                             got.begin() + static_cast<std::ptrdiff_t>((i + 1) << 10),
                             word.begin() + static_cast<std::ptrdiff_t>(windows[i] << 10)))
          << "window " << windows[i] << " simd " << simd;
    }
    const std::vector<Fp3> powers = rng.fp3s(1), challenges = rng.fp3s(4);
    const std::span<const Fp> words[1] = {word};
    const std::span<const std::vector<Fp>> groups[1] = {tables};
    std::vector<Fp3> expected(word.size() >> 4), folded(word.size() >> 4);
    basefold_fold_commitment(words, powers, challenges, expected);
    basefold_fold_tables(groups, 4, params.log_blowup, powers, challenges, folded);
    EXPECT_EQ(folded, expected) << "simd " << simd;
  }
}

TEST(BasefoldWindows, ScalarAndVectorKernelsAgree) {
  TestRng rng(8102);
  const auto tables = testing::random_tables(rng, 9, 6);
  std::vector<std::size_t> windows = {0, 3, 17, 40, 63};
  std::vector<Fp> with, without;
  {
    const testing::SimdSetting on(true);
    with = basefold_codeword_windows(tables, 3, 2, 8, windows);
  }
  {
    const testing::SimdSetting off(false);
    without = basefold_codeword_windows(tables, 3, 2, 8, windows);
  }
  EXPECT_EQ(with, without);
}

TEST(BasefoldWindows, RejectsInconsistentInput) {
  TestRng rng(8103);
  const auto tables = testing::random_tables(rng, 4, 3);
  const std::vector<std::size_t> unsorted = {2, 1};
  EXPECT_THROW(basefold_codeword_windows(tables, 2, 2, 3, unsorted), std::invalid_argument);
  const std::vector<std::size_t> outside = {std::size_t{1} << 5};
  EXPECT_THROW(basefold_codeword_windows(tables, 2, 2, 3, outside), std::invalid_argument);
  const std::vector<std::size_t> one = {0};
  EXPECT_THROW(basefold_codeword_windows(tables, 1, 2, 3, one), std::invalid_argument);  // 3 tables, 2^1 slots
  EXPECT_THROW(basefold_codeword_windows(tables, 2, 2, 9, one), std::invalid_argument);  // window above the domain
}

TEST(BasefoldWindows, FoldFromTablesEqualsFoldOfCodewords) {
  TestRng rng(8104);
  const BasefoldParams params = testing::test_params();
  struct Shape {
    unsigned n;
    std::size_t members;
  };
  for (const Shape s : {Shape{8, 1}, Shape{6, 3}, Shape{5, 8}, Shape{3, 20}}) {
    std::vector<std::vector<std::vector<Fp>>> groups;
    std::vector<BasefoldProverData> data;
    for (int g = 0; g < 3; ++g) {
      groups.push_back(testing::random_tables(rng, s.n, s.members));
      data.push_back(basefold_commit(params, groups.back()));
    }
    const unsigned l = data.front().layout().stack_vars;
    const std::vector<Fp3> powers = rng.fp3s(groups.size());
    for (unsigned a = 1; a <= std::min(6u, s.n + l); ++a) {
      const std::vector<Fp3> challenges = rng.fp3s(a);
      std::vector<std::span<const Fp>> words;
      std::vector<std::span<const std::vector<Fp>>> tables;
      for (std::size_t g = 0; g < data.size(); ++g) {
        words.push_back(data[g].codeword());
        tables.push_back(groups[g]);
      }
      const std::size_t size = data.front().codeword().size() >> a;
      std::vector<Fp3> expected(size), got(size);
      basefold_fold_commitment(words, powers, challenges, expected);
      basefold_fold_tables(tables, l, params.log_blowup, powers, challenges, got);
      EXPECT_EQ(got, expected) << "n " << s.n << " members " << s.members << " a " << a;
    }
  }
}

TEST(BasefoldWindows, TreeFromAStoredLevelIsTheCommittedTree) {
  TestRng rng(8105);
  const std::vector<Fp> column = rng.fps(std::size_t{1} << 12);
  const std::span<const Fp> columns[1] = {column};
  const std::span<const std::span<const Fp>> cols(columns);
  const MerkleTree full = MerkleTree::commit(cols, 4, 2);
  for (unsigned level = 1; level <= kMaxMerkleDroppedLevels; ++level) {
    const MerkleTree dropped = MerkleTree::commit(cols, 4, 2, level);
    const std::span<const Digest> nodes = dropped.level_nodes(level);
    const MerkleTree rebuilt =
        MerkleTree::from_level(full.shape(), level, std::vector<Digest>(nodes.begin(), nodes.end()));
    EXPECT_EQ(rebuilt.cap(), full.cap());
    const std::vector<std::size_t> leaves = {0, 1, 7, 64, 65, 300, 1023};
    std::vector<std::size_t> subtrees;
    std::vector<Fp> windows;
    const std::size_t window = std::size_t{4} << level;
    for (const std::size_t m : leaves) {
      if (!subtrees.empty() && subtrees.back() == (m >> level)) continue;
      subtrees.push_back(m >> level);
      windows.insert(windows.end(), column.begin() + static_cast<std::ptrdiff_t>(subtrees.back() * window),
                     column.begin() + static_cast<std::ptrdiff_t>((subtrees.back() + 1) * window));
    }
    EXPECT_EQ(rebuilt.open_windows(leaves, windows, 4).siblings, full.open(leaves).siblings) << "level " << level;
    windows.pop_back();
    EXPECT_THROW(rebuilt.open_windows(leaves, windows, 4), std::invalid_argument);
  }
  EXPECT_THROW(MerkleTree::from_level(full.shape(), 0, {}), std::invalid_argument);
  EXPECT_THROW(MerkleTree::from_level(full.shape(), 3, std::vector<Digest>(7)), std::invalid_argument);
}

// Opens the groups once from full prover data and once with the groups
// listed in `lean` built without the codeword: the same proof and values,
// and the proof verifies.
void expect_same_opening(const BasefoldParams& params, const std::vector<std::vector<std::vector<Fp>>>& groups,
                         const std::vector<bool>& lean, const std::vector<Fp3>& point) {
  std::vector<BasefoldProverData> full, mixed;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    full.push_back(basefold_commit(params, groups[g]));
    mixed.push_back(lean[g] ? basefold_commit_without_codeword(params, groups[g]) : basefold_commit(params, groups[g]));
    EXPECT_EQ(mixed.back().commitment(), full.back().commitment());
  }
  std::vector<const BasefoldProverData*> a, b;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    a.push_back(&full[g]);
    b.push_back(&mixed[g]);
  }
  Transcript ta = testing::prefix_transcript(), tb = testing::prefix_transcript();
  const BasefoldOpening oa = basefold_open(a, point, ta);
  const BasefoldOpening ob = basefold_open(b, point, tb);
  EXPECT_EQ(ob.values, oa.values);
  EXPECT_EQ(ob.proof.serialize(), oa.proof.serialize());
  Transcript tv = testing::prefix_transcript();
  EXPECT_EQ(basefold_verify(params, testing::claims_for(b, ob), point, ob.proof, tv), Status::kOk);
}

TEST(BasefoldWindows, OpeningWithoutTheCodewordIsTheSameProof) {
  TestRng rng(8106);
  for (const BasefoldParams& params : {testing::test_params(), basefold_default_params()}) {
    // One group of each shape; one batch of three groups, one of them full;
    // a batch whose rounds are all layer rounds.
    expect_same_opening(params, {testing::random_tables(rng, 12, 1)}, {true}, rng.fp3s(12));
    expect_same_opening(params, {testing::random_tables(rng, 10, 5)}, {true}, rng.fp3s(10));
    std::vector<std::vector<std::vector<Fp>>> batch;
    for (int g = 0; g < 3; ++g) batch.push_back(testing::random_tables(rng, 9, 12));
    expect_same_opening(params, batch, {true, false, true}, rng.fp3s(9));
    expect_same_opening(params, {testing::random_tables(rng, 1, 64), testing::random_tables(rng, 11, 2)},
                        {true, true}, rng.fp3s(11));
    // More layer variables than a window holds (l > a0 + 6): windows inside one block.
    expect_same_opening(params, {testing::random_tables(rng, 2, 2048)}, {true}, rng.fp3s(2));
  }
}

TEST(BasefoldWindows, WithoutCodewordChecksTheTree) {
  TestRng rng(8107);
  const BasefoldParams params = basefold_default_params();
  auto tables = testing::random_tables(rng, 12, 2);
  const BasefoldProverData lean = basefold_commit_without_codeword(params, tables);
  EXPECT_FALSE(lean.holds_codeword());
  // A tree stored from another level than the rule's is refused.
  const BasefoldProverData full = basefold_commit(params, tables);
  EXPECT_THROW(BasefoldProverData::without_codeword(params, tables, full.tree()), std::invalid_argument);
}

}  // namespace
}  // namespace fti::crypto

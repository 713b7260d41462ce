// The streamed group commitment equals basefold_commit's, for every size
// class of the layout (no folding rounds, one layer, several layers), several
// group sizes, every number of slabs (whole codeword, whole blocks, cosets
// smaller than a block), other rates and Merkle caps.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <optional>
#include <random>
#include <vector>

#include "engine/commitment/group_commit.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_layout.h"

namespace fti::commitment {
namespace {

using crypto::BasefoldParams;
using crypto::Fp;

std::vector<std::vector<Fp>> random_tables(unsigned n, std::size_t m, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Fp>> tables(m, std::vector<Fp>(std::size_t{1} << n));
  for (auto& t : tables) {
    for (Fp& x : t) x = Fp::from_i64(static_cast<std::int64_t>(rng() % (1u << 24)) - (1 << 23));
  }
  return tables;
}

crypto::BasefoldCommitment streamed(const BasefoldParams& params, const std::vector<std::vector<Fp>>& tables,
                                    std::size_t budget, GroupCommitStats* stats = nullptr, bool cache = true,
                                    std::optional<crypto::MerkleTree>* tree = nullptr) {
  const auto n = static_cast<unsigned>(std::countr_zero(tables.front().size()));
  GroupCommitOptions options;
  options.memory_budget = budget;
  options.cached_slabs_grow = false;  // every slab count, with the cache too
  if (!cache) options.coefficient_cache_budget = 0;
  std::size_t calls = 0;
  const auto c = commit_group(
      params, n, tables.size(),
      [&](std::size_t j, std::span<Fp> table) {
        ++calls;
        std::copy(tables[j].begin(), tables[j].end(), table.begin());
      },
      options, stats, tree);
  const std::size_t slabs = stats != nullptr ? (std::size_t{1} << stats->slabs_log) : 0;
  if (stats != nullptr) {
    // Each table read once with the coefficient cache, once per slab without.
    const bool cached = stats->coefficient_cache_bytes != 0;
    EXPECT_EQ(cached, cache && slabs > 1);
    EXPECT_EQ(calls, (cached ? 1 : slabs) * tables.size());
  }
  return c;
}

void expect_equal_for_every_slab_count(const BasefoldParams& params, unsigned n, std::size_t m) {
  const auto tables = random_tables(n, m, 1000 * n + m);
  const crypto::BasefoldCommitment expected = crypto::basefold_commit(params, tables).commitment();
  const crypto::BasefoldLayout layout = crypto::BasefoldLayout::make(params, n, m);
  const unsigned log_leaves = layout.layers.front().log_leaves;
  // Every slab count (down to slabs of one leaf, or of one member position
  // when a position's block spans several leaves) for small trees; for larger
  // ones the whole codeword, whole blocks and the first cosets smaller than
  // a block (the small trees cover the rest of the arithmetic).
  for (unsigned slabs_log = 0; slabs_log <= group_commit_max_slabs_log(layout); ++slabs_log) {
    if (log_leaves > 10 && slabs_log > 4) continue;
    const std::size_t budget = group_commit_slab_bytes(layout, slabs_log);
    for (const bool cache : {true, false}) {
      GroupCommitStats stats;
      EXPECT_EQ(streamed(params, tables, budget, &stats, cache), expected)
          << "n=" << n << " M=" << m << " slabs=2^" << slabs_log << " cache=" << cache;
      EXPECT_EQ(stats.slabs_log, slabs_log);
    }
    // The upper tree a prover without the codeword keeps, collected slab by
    // slab (also from slabs of fewer leaves than its level's subtrees).
    const unsigned level = crypto::basefold_window_tree_level(layout);
    if (level == 0) {
      std::optional<crypto::MerkleTree> tree;
      EXPECT_THROW(streamed(params, tables, budget, nullptr, true, &tree), std::invalid_argument);
      continue;
    }
    const crypto::BasefoldProverData lean = crypto::basefold_commit_without_codeword(params, tables);
    std::optional<crypto::MerkleTree> tree;
    EXPECT_EQ(streamed(params, tables, budget, nullptr, true, &tree), expected);
    ASSERT_TRUE(tree.has_value());
    EXPECT_EQ(tree->first_level(), level);
    EXPECT_TRUE(std::ranges::equal(tree->level_nodes(level), lean.tree().level_nodes(level)))
        << "n=" << n << " M=" << m << " slabs=2^" << slabs_log;
  }
}

TEST(GroupCommit, KeepGroupWithoutTheCodewordOpensAsTheFullData) {
  const BasefoldParams params = crypto::basefold_default_params();
  const auto tables = random_tables(13, 5, 11);
  const crypto::BasefoldProverData full = crypto::basefold_commit(params, tables);
  const std::size_t bytes = stacked_codeword_bytes(params, 1u << 13, 5);
  std::size_t none = bytes - 1, enough = bytes + 7;
  const crypto::BasefoldProverData lean = keep_group(params, tables, none);
  const crypto::BasefoldProverData held = keep_group(params, tables, enough);
  EXPECT_EQ(none, bytes - 1);  // nothing taken from a budget it does not fit
  EXPECT_EQ(enough, 7u);      // the held codeword taken from the budget
  EXPECT_FALSE(lean.holds_codeword());
  EXPECT_TRUE(held.holds_codeword());
  EXPECT_EQ(lean.commitment(), full.commitment());
  EXPECT_EQ(held.commitment(), full.commitment());
  const std::vector<std::size_t> leaves = {0, 5, 6, 900, 4095};
  EXPECT_EQ(lean.open_leaves(leaves).values, full.open_leaves(leaves).values);
  EXPECT_EQ(lean.open_leaves(leaves).paths.siblings, full.open_leaves(leaves).paths.siblings);
  EXPECT_EQ(stacked_codeword_bytes(params, 1u << 13, 5), (std::size_t{8} << 13) * 8 * 4);
}

TEST(GroupCommit, EqualsBasefoldCommitForEverySizeAndSlabCount) {
  const BasefoldParams params = crypto::basefold_default_params();
  const std::pair<unsigned, std::size_t> shapes[] = {{0, 1}, {1, 1},  {3, 2},  {5, 3},   {8, 1},  {9, 1},
                                                    {10, 4}, {11, 9}, {12, 17}, {13, 2}, {2, 64}, {4, 33}};
  for (const auto& [n, m] : shapes) expect_equal_for_every_slab_count(params, n, m);
}

TEST(GroupCommit, EqualsBasefoldCommitForOtherRatesAndCaps) {
  BasefoldParams params = crypto::basefold_default_params();
  params.log_blowup = 1;
  expect_equal_for_every_slab_count(params, 10, 3);
  params.log_blowup = 3;
  params.cap_log = 4;
  expect_equal_for_every_slab_count(params, 11, 5);
  params.log_blowup = 2;
  params.cap_log = 12;  // cap above the tree height: the whole leaf level
  params.commit_leaf_log_size = 8;
  expect_equal_for_every_slab_count(params, 6, 1);
}

TEST(GroupCommit, DefaultBudgetIsOneSlabForSmallGroups) {
  const auto tables = random_tables(12, 3, 7);
  GroupCommitStats stats;
  const auto c = streamed(crypto::basefold_default_params(), tables, GroupCommitOptions{}.memory_budget, &stats);
  EXPECT_EQ(stats.slabs_log, 0u);
  EXPECT_EQ(c, crypto::basefold_commit(crypto::basefold_default_params(), tables).commitment());
}

// With the cache, slabs grow to half the cached coefficients (fewer passes
// over them), and the commitment is the same.
TEST(GroupCommit, CachedSlabsGrowToHalfTheCache) {
  const BasefoldParams params = crypto::basefold_default_params();
  const auto tables = random_tables(12, 9, 21);  // 16 slots: 2^16 coefficients, 512 KiB
  const crypto::BasefoldLayout layout = crypto::BasefoldLayout::make(params, 12, 9);
  GroupCommitOptions options;
  options.memory_budget = group_commit_slab_bytes(layout, 6);
  GroupCommitStats stats;
  const auto source = [&](std::size_t j, std::span<Fp> table) { std::copy(tables[j].begin(), tables[j].end(), table.begin()); };
  const auto c = commit_group(params, 12, 9, source, options, &stats);
  EXPECT_EQ(c, crypto::basefold_commit(params, tables).commitment());
  EXPECT_LT(stats.slabs_log, 6u);
  EXPECT_LE(group_commit_slab_bytes(layout, stats.slabs_log), (std::size_t{8} << 16) / 2);
  EXPECT_GT(group_commit_slab_bytes(layout, stats.slabs_log - 1), (std::size_t{8} << 16) / 2);
}

TEST(GroupCommit, DefaultCacheIsHalfOfMemory) {
  const std::size_t budget = default_coefficient_cache_budget();
  const std::size_t usable = usable_memory_bytes();
  EXPECT_GE(budget, std::size_t{64} << 20);  // any machine that runs the suite has 256 MiB
  if (usable != 0) {
    EXPECT_EQ(budget, usable / 2);
  }
  EXPECT_EQ(GroupCommitOptions{}.coefficient_cache_budget, budget);
}

TEST(GroupCommit, BadSizesAreProgrammingErrors) {
  const auto noop = [](std::size_t, std::span<Fp>) {};
  const BasefoldParams params = crypto::basefold_default_params();
  EXPECT_THROW((void)commit_group(params, 31, 1, noop), std::invalid_argument);
  EXPECT_THROW((void)commit_group(params, 4, 0, noop), std::invalid_argument);
  EXPECT_THROW((void)commit_group(params, 4, crypto::kMaxBasefoldPolys + 1, noop), std::invalid_argument);
  EXPECT_THROW((void)commit_group(params, 26, 17, noop), std::invalid_argument);  // stacked 2^31
}

}  // namespace
}  // namespace fti::commitment

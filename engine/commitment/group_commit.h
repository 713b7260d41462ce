// The Basefold commitment of one group, computed in bounded memory
// (docs/PROTOCOL.md, section 9.4.2).
//
// The result is bit for bit the commitment basefold_commit(params, tables)
// would return (tested against it), but the stacked codeword is never held
// whole: basefold_commit keeps every table and the codeword (8 (1 + 2^b)
// bytes per padded entry, ~40 bytes at rate 1/4), which for the larger
// groups of a real model exceeds the machine. Here the codeword is produced
// in 2^sigma slabs of stacked positions (aligned ranges: cosets of a
// subgroup), each slab's leaves hashed and its subtree reduced to its root
// before the next. When there is one slab, or the group's stacked
// coefficients fit the coefficient cache, the stacked table is assembled
// once (each member read once), Moebius-transformed once, and every slab is
// evaluated from those coefficients. Otherwise, for each slab, every member's
// table is streamed and transformed again, its codeword evaluated on the
// slab, and position m of every member becomes block m of the stacked
// codeword (basefold_stack_blocks: a Moebius transform and a coset NTT of
// size 2^l). Memory: one slab of the stacked codeword and its leaf digests,
// one table, and either the cached stacked coefficients or one member slab.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/merkle.h"

namespace fti::commitment {

// Writes the evaluation table of polynomial j (2^n entries) into `table`.
// Called once per polynomial and slab (once per polynomial when the
// coefficient cache holds the group), in polynomial order within a slab.
using TableSource = std::function<void(std::size_t j, std::span<crypto::Fp> table)>;

// The default coefficient cache: half the memory this process may use
// (physical memory, or a cgroup's limit where lower; 1 GiB where neither can
// be read). The cache lives while one group is committed. Streamed per slab,
// every member is read and transformed again for every slab: a 28-layer
// model of the scale bench (an 86-member MLP group, 2 GiB of stacked
// coefficients) took 4x the time of the 14-layer one, and at 141 layers
// (423 members, 8 GiB) the base commitment had not finished after 10
// minutes with a 4 GiB cap.
std::size_t default_coefficient_cache_budget() noexcept;


// The memory this process may use: physical memory, or a cgroup's limit
// where lower; 0 where neither can be read.
std::size_t usable_memory_bytes() noexcept;

struct GroupCommitOptions {
  // Bound on one slab of the stacked codeword and its leaf digests (not on
  // the table and codeword buffers of the member being streamed).
  std::size_t memory_budget = std::size_t{512} << 20;
  // When the coefficient cache holds the group, slabs may take up to half
  // the cache's size instead (each slab is one pass over the cache). False:
  // memory_budget bounds them regardless.
  bool cached_slabs_grow = true;
  // When the codeword takes several slabs, the group's stacked coefficients
  // (8 bytes per stacked entry, the padding members included) are kept for
  // every slab if they fit in this, instead of each member being read,
  // encoded and transformed again per slab (bench/commitment_bench --params
  // 1e8, with a 16-slab MLP group: 48 s streaming every slab, 17.6 s with
  // the cache). 0: never kept.
  std::size_t coefficient_cache_budget = default_coefficient_cache_budget();
};

struct GroupCommitStats {
  unsigned slabs_log = 0;         // the codeword was streamed in 2^slabs_log slabs
  std::size_t state_bytes = 0;    // leaf digests of one slab
  std::size_t buffer_bytes = 0;   // stacked slab + table + member slab (streamed)
  std::size_t coefficient_cache_bytes = 0;  // the stacked coefficients kept across slabs (0: none)
};

// Bytes per commitment leaf held during a slab (its digest).
std::size_t group_commit_bytes_per_leaf() noexcept;

// Bytes of one slab (its stacked codeword values and leaf digests) when the
// group of `layout` is streamed in 2^slabs_log slabs; the budget picks the
// smallest slabs_log whose slab fits. Slabs hold whole leaves:
// slabs_log <= group_commit_max_slabs_log(layout).
std::size_t group_commit_slab_bytes(const crypto::BasefoldLayout& layout, unsigned slabs_log) noexcept;
unsigned group_commit_max_slabs_log(const crypto::BasefoldLayout& layout) noexcept;

// The commitment to M tables in n variables. Throws std::invalid_argument if
// params.check_shape(n, M) fails.
//
// With `tree`, the commitment tree from level basefold_window_tree_level up
// is kept there too (collected slab by slab), so that prover data without
// the codeword (BasefoldProverData::without_codeword) can open the group;
// std::invalid_argument if that level is 0 (a tree that is only its cap).
crypto::BasefoldCommitment commit_group(const crypto::BasefoldParams& params, unsigned num_vars,
                                        std::size_t num_polys, const TableSource& source,
                                        const GroupCommitOptions& options = {}, GroupCommitStats* stats = nullptr,
                                        std::optional<crypto::MerkleTree>* tree = nullptr);

// Bytes of the stacked codeword of num_polys tables of table_size entries.
std::size_t stacked_codeword_bytes(const crypto::BasefoldParams& params, std::size_t table_size,
                                   std::size_t num_polys) noexcept;

// Prover data for a group whose tables the caller holds: basefold_commit
// (tables, codeword and tree) when its stacked codeword fits
// `codeword_budget` (which it then takes from the budget), else the tables
// and the upper tree only (BasefoldProverData::without_codeword), the
// commitment streamed slab by slab from the tables as above. Where the tree
// is only its cap the codeword is held either way. The same commitment bit
// for bit.
crypto::BasefoldProverData keep_group(const crypto::BasefoldParams& params, std::vector<std::vector<crypto::Fp>> tables,
                                      std::size_t& codeword_budget, const GroupCommitOptions& options = {});

}  // namespace fti::commitment

#include "engine/commitment/group_commit.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <vector>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/large_buffer.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/powers.h"
#include "engine/crypto/reed_solomon.h"

namespace fti::commitment {
namespace {

using crypto::Digest;
using crypto::Fp;

static_assert(std::endian::native == std::endian::little, "codeword values are hashed from memory");

constexpr std::size_t kLeafGrain = 1024;
constexpr std::size_t kNodeGrain = 1024;
constexpr std::size_t kFieldGrain = std::size_t{1} << 14;

// The ancestors `levels` levels above `nodes` (2^h consecutive nodes of one
// level, h >= levels).
std::vector<Digest> reduce_levels(std::span<const Digest> nodes, unsigned levels) {
  std::vector<Digest> current(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(levels == 0 ? nodes.size() : 0));
  std::span<const Digest> below = nodes;
  for (unsigned l = 0; l < levels; ++l) {
    std::vector<Digest> next(below.size() / 2);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, next.size(), kNodeGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i < r.end(); ++i) {
                          next[i] = crypto::merkle_hash_node(below[2 * i], below[2 * i + 1]);
                        }
                      });
    current = std::move(next);
    below = current;
  }
  return current;
}

// Positions [first, first + out.size()) of the codeword of the polynomial with
// monomial coefficients `coeffs` on the bit-reversed domain of 2^log_domain
// points (shift 1). out.size() is a power of two and `first` a multiple of it,
// so the positions are the coset x <w_len>, x = domain_point(log_domain, first),
// in bit-reversed order (ntt.h).
void codeword_slab(std::span<const Fp> coeffs, unsigned log_domain, std::size_t first, std::span<Fp> out) {
  const std::size_t n = coeffs.size();
  const std::size_t len = out.size();
  if (len >= n) {
    // Whole cosets of <w_n>: one coset NTT each (as rs_encode does per block).
    for (std::size_t block = 0; block < len / n; ++block) {
      const std::span<Fp> segment = out.subspan(block * n, n);
      std::copy(coeffs.begin(), coeffs.end(), segment.begin());
      crypto::coset_ntt_forward(segment, crypto::domain_point(log_domain, first + block * n));
    }
    return;
  }
  // A coset smaller than the degree: on x <w_len>, X^len = x^len = c, so f
  // agrees there with g(X) = sum_q c^q f_q(X), f_q the q-th chunk of len
  // coefficients (Horner from the top chunk).
  const Fp x = crypto::domain_point(log_domain, first);
  Fp c = x;
  for (std::size_t m = 1; m < len; m <<= 1) c = c * c;
  const std::size_t chunks = n / len;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, len, kFieldGrain), [&](const tbb::blocked_range<std::size_t>& r) {
    const std::span<Fp> acc = out.subspan(r.begin(), r.size());
    const auto chunk = [&](std::size_t q) { return coeffs.subspan(q * len + r.begin(), r.size()); };
    std::copy_n(chunk(chunks - 1).begin(), r.size(), acc.begin());
    for (std::size_t q = chunks - 1; q-- > 0;) crypto::multiply_accumulate(acc, c, chunk(q));
  });
  crypto::coset_ntt_forward(out, x);
}

}  // namespace

// Physical memory, or less where a cgroup (v2 memory.max, v1
// memory.limit_in_bytes) limits it; 0 if unknown.
std::size_t usable_memory_bytes() noexcept {
  std::size_t limit = 0;
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) limit = static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size);
#endif
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::FILE* f = std::fopen(path, "r");
    if (f == nullptr) continue;
    unsigned long long value = 0;
    const bool read = std::fscanf(f, "%llu", &value) == 1;  // "max" (no limit) does not parse
    std::fclose(f);
    if (read && value > 0 && (limit == 0 || value < limit)) limit = static_cast<std::size_t>(value);
  }
  return limit;
}

std::size_t default_coefficient_cache_budget() noexcept {
  const std::size_t usable = usable_memory_bytes();
  return usable == 0 ? std::size_t{1} << 30 : usable / 2;
}

std::size_t group_commit_bytes_per_leaf() noexcept { return sizeof(Digest); }

unsigned group_commit_max_slabs_log(const crypto::BasefoldLayout& layout) noexcept {
  const crypto::BasefoldLayer& l0 = layout.layers.front();
  const unsigned member_log_domain = layout.num_vars + layout.log_blowup;
  const unsigned min_slab_log = l0.log_arity > layout.stack_vars ? l0.log_arity - layout.stack_vars : 0;
  return member_log_domain - min_slab_log;
}

std::size_t group_commit_slab_bytes(const crypto::BasefoldLayout& layout, unsigned slabs_log) noexcept {
  const crypto::BasefoldLayer& l0 = layout.layers.front();
  const unsigned stacked_log = l0.log_domain - slabs_log;  // stacked positions of a slab
  return (std::size_t{1} << stacked_log) * sizeof(Fp) +
         (std::size_t{1} << (stacked_log - l0.log_arity)) * group_commit_bytes_per_leaf();
}

crypto::BasefoldCommitment commit_group(const crypto::BasefoldParams& params, unsigned num_vars,
                                        std::size_t num_polys, const TableSource& source,
                                        const GroupCommitOptions& options, GroupCommitStats* stats,
                                        std::optional<crypto::MerkleTree>* tree) {
  if (params.check_shape(num_vars, num_polys) != crypto::Status::kOk) {
    throw std::invalid_argument("commit_group: parameters invalid for this group shape");
  }
  const crypto::BasefoldLayout layout = crypto::BasefoldLayout::make(params, num_vars, num_polys);
  const crypto::BasefoldLayer& l0 = layout.layers.front();
  const unsigned stack = layout.stack_vars;
  const std::size_t width = std::size_t{1} << stack;  // stacked positions per member position
  const unsigned member_log_domain = num_vars + params.log_blowup;
  const std::size_t coset = std::size_t{1} << l0.log_arity;

  // A slab is 2^(member_log_domain - slabs_log) member positions, i.e. that
  // many blocks of the stacked codeword; it holds whole leaves.
  // With the coefficient cache (below) every slab is one Horner pass over
  // the cached coefficients: slabs of up to half the cache's size (16 slabs
  // at rate 1/4) bound those passes. The 1B scale bench's base commitment
  // (an 8 GiB MLP group): 238.5 s with 512 MiB slabs, 210.5 s with these.
  const std::size_t stacked_bytes = (std::size_t{1} << (num_vars + layout.stack_vars)) * sizeof(Fp);
  const bool cacheable = stacked_bytes <= options.coefficient_cache_budget;
  const std::size_t slab_budget =
      cacheable && options.cached_slabs_grow ? std::max(options.memory_budget, stacked_bytes / 2) : options.memory_budget;
  unsigned slabs_log = 0;
  while (slabs_log < group_commit_max_slabs_log(layout) && group_commit_slab_bytes(layout, slabs_log) > slab_budget) {
    ++slabs_log;
  }
  const std::size_t slab_positions = std::size_t{1} << (member_log_domain - slabs_log);  // member positions
  const std::size_t slab_values = slab_positions * width;                                // stacked positions
  const unsigned slab_log_leaves = l0.log_domain - slabs_log - l0.log_arity;
  const std::size_t slab_leaves = std::size_t{1} << slab_log_leaves;
  const unsigned cap_height = l0.log_leaves - l0.cap_log;  // the cap's level, counted from the leaves
  const unsigned keep_height = std::min(slab_log_leaves, cap_height);
  // The prover's stored tree level (with `tree`): reached within each slab
  // when slabs hold that many leaves, else after the last.
  const unsigned tree_level = tree != nullptr ? crypto::basefold_window_tree_level(layout) : 0;
  if (tree != nullptr && tree_level == 0) throw std::invalid_argument("commit_group: no tree level to keep");
  const unsigned slab_tree_level = std::min(tree_level, keep_height);
  std::vector<Digest> tree_nodes;

  // Whole: with one slab, or when the group's stacked coefficients (8 bytes
  // per stacked entry) fit the cache budget, the stacked table is assembled
  // once (each member read once), turned into coefficients once, and every
  // slab is evaluated from them: large transforms, as basefold_commit does.
  // Otherwise every member's codeword is evaluated on each slab (its table
  // streamed again) and the blocks are stacked (basefold_stack_blocks).
  const std::size_t table_size = std::size_t{1} << num_vars;
  const std::size_t stacked_size = table_size << stack;
  const bool whole = slabs_log == 0 || cacheable;

  // Huge pages where available: first touches of 4 KiB pages dominate otherwise (large_buffer.h).
  std::vector<Fp> stacked = crypto::large_vector<Fp>(slab_values);
  std::vector<Fp> cache = crypto::large_vector<Fp>(whole && slabs_log > 0 ? stacked_size : 0);
  std::vector<Fp> table = crypto::large_vector<Fp>(width > 1 || !whole ? table_size : 0);
  std::vector<Fp> slab = crypto::large_vector<Fp>(whole ? 0 : slab_positions);
  std::vector<Digest> leaves(slab_leaves);
  std::vector<Digest> kept;
  kept.reserve(std::size_t{1} << (l0.log_leaves - keep_height));
  if (stats != nullptr) {
    stats->slabs_log = slabs_log;
    stats->state_bytes = slab_leaves * group_commit_bytes_per_leaf();
    stats->buffer_bytes = (stacked.size() + table.size() + slab.size()) * sizeof(Fp);
    stats->coefficient_cache_bytes = cache.size() * sizeof(Fp);
  }

  // The stacked coefficients, S[x 2^l + y] = P_y[x] transformed (the
  // padding members stay zero): in the first part of the slab buffer when
  // there is one slab, in the cache otherwise.
  const std::span<Fp> coefficients =
      whole ? (slabs_log == 0 ? std::span<Fp>(stacked).first(stacked_size) : std::span<Fp>(cache)) : std::span<Fp>();
  if (whole) {
    for (std::size_t j = 0; j < num_polys; ++j) {
      if (width == 1) {
        source(j, coefficients);
        continue;
      }
      source(j, table);
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, table_size, kFieldGrain),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t x = r.begin(); x < r.end(); ++x) coefficients[x * width + j] = table[x];
                        });
    }
    crypto::moebius_transform(coefficients);
  }

  for (std::size_t t = 0; t < (std::size_t{1} << slabs_log); ++t) {
    const std::size_t first = t * slab_positions;
    if (whole && slabs_log == 0) {
      crypto::rs_encode_in_place(stacked, params.log_blowup);
    } else if (whole) {
      codeword_slab(coefficients, l0.log_domain, first * width, stacked);
    } else {
      if (num_polys < width) std::fill(stacked.begin(), stacked.end(), Fp::zero());
      // Position m of every member's codeword, member by member, into block m.
      for (std::size_t j = 0; j < num_polys; ++j) {
        source(j, table);
        crypto::moebius_transform(table);
        codeword_slab(table, member_log_domain, first, slab);
        if (width == 1) {
          std::copy(slab.begin(), slab.end(), stacked.begin());
          continue;
        }
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, slab_positions, kFieldGrain),
                          [&](const tbb::blocked_range<std::size_t>& r) {
                            for (std::size_t m = r.begin(); m < r.end(); ++m) stacked[m * width + j] = slab[m];
                          });
      }
      // Each block of members' values becomes that block of the stacked codeword.
      crypto::basefold_stack_blocks(stacked, stack, l0.log_domain, first);
    }
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, slab_leaves, kLeafGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i < r.end(); ++i) {
                          leaves[i] = crypto::merkle_hash_leaf(std::span<const Fp>(stacked).subspan(i * coset, coset));
                        }
                      });
    if (tree == nullptr) {
      const std::vector<Digest> nodes = reduce_levels(leaves, keep_height);
      kept.insert(kept.end(), nodes.begin(), nodes.end());
    } else {
      const std::vector<Digest> lower = reduce_levels(leaves, slab_tree_level);
      tree_nodes.insert(tree_nodes.end(), lower.begin(), lower.end());
      const std::vector<Digest> nodes = reduce_levels(lower, keep_height - slab_tree_level);
      kept.insert(kept.end(), nodes.begin(), nodes.end());
    }
  }
  kept = reduce_levels(kept, cap_height - keep_height);
  if (tree != nullptr) {
    tree->emplace(crypto::MerkleTree::from_level(layout.commitment_shape(), tree_level,
                                           reduce_levels(tree_nodes, tree_level - slab_tree_level)));
  }
  crypto::BasefoldCommitment out;
  out.num_vars = num_vars;
  out.num_polys = num_polys;
  out.cap.nodes = std::move(kept);
  return out;
}

std::size_t stacked_codeword_bytes(const crypto::BasefoldParams& params, std::size_t table_size,
                                   std::size_t num_polys) noexcept {
  return (std::bit_ceil(num_polys) * table_size * sizeof(Fp)) << params.log_blowup;
}

crypto::BasefoldProverData keep_group(const crypto::BasefoldParams& params, std::vector<std::vector<crypto::Fp>> tables,
                                      std::size_t& codeword_budget, const GroupCommitOptions& options) {
  if (tables.empty()) throw std::invalid_argument("keep_group: no tables");
  const std::size_t codeword_bytes = stacked_codeword_bytes(params, tables.front().size(), tables.size());
  const bool hold_codeword = codeword_bytes <= codeword_budget;
  if (hold_codeword) codeword_budget -= codeword_bytes;
  const auto num_vars = static_cast<unsigned>(std::countr_zero(tables.front().size()));
  if (params.check_shape(num_vars, tables.size()) != crypto::Status::kOk) {
    throw std::invalid_argument("keep_group: parameters invalid for this group shape");
  }
  const crypto::BasefoldLayout layout = crypto::BasefoldLayout::make(params, num_vars, tables.size());
  if (hold_codeword || crypto::basefold_window_tree_level(layout) == 0) {
    return crypto::basefold_commit(params, std::move(tables));
  }
  // The tables are resident: the cache takes at most half of what they leave.
  GroupCommitOptions o = options;
  const std::size_t usable = usable_memory_bytes();
  const std::size_t resident = tables.size() * tables.front().size() * sizeof(Fp);
  if (usable != 0) {
    o.coefficient_cache_budget = std::min(o.coefficient_cache_budget, usable > resident ? (usable - resident) / 2 : 0);
  }
  std::optional<crypto::MerkleTree> tree;
  const TableSource source = [&tables](std::size_t j, std::span<crypto::Fp> out) {
    std::copy(tables[j].begin(), tables[j].end(), out.begin());
  };
  commit_group(params, num_vars, tables.size(), source, o, nullptr, &tree);
  return crypto::BasefoldProverData::without_codeword(params, std::move(tables), std::move(*tree));
}

}  // namespace fti::commitment

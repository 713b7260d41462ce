#include "engine/commitment/group_commit.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <vector>

#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/large_buffer.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/reed_solomon.h"
#include "engine/crypto/sha256.h"

namespace fti::commitment {
namespace {

using crypto::Digest;
using crypto::Fp;

static_assert(std::endian::native == std::endian::little, "codeword values are hashed from memory");

constexpr std::size_t kLeafGrain = 1024;
constexpr std::size_t kNodeGrain = 1024;
constexpr std::size_t kFieldGrain = std::size_t{1} << 14;
// Leaves finished and reduced together, in a buffer of 2^kBlockLog digests.
constexpr unsigned kBlockLog = 10;

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
    for (std::size_t u = r.begin(); u < r.end(); ++u) out[u] = coeffs[(chunks - 1) * len + u];
    for (std::size_t q = chunks - 1; q-- > 0;) {
      const Fp* chunk = coeffs.data() + q * len;
      for (std::size_t u = r.begin(); u < r.end(); ++u) out[u] = out[u] * c + chunk[u];
    }
  });
  crypto::coset_ntt_forward(out, x);
}

}  // namespace

std::size_t group_commit_bytes_per_leaf() noexcept { return sizeof(crypto::Sha256); }

crypto::BasefoldCommitment commit_group(const crypto::BasefoldParams& params, unsigned num_vars,
                                        std::size_t num_polys, const TableSource& source,
                                        const GroupCommitOptions& options, GroupCommitStats* stats) {
  if (params.check_size(num_vars) != crypto::Status::kOk) {
    throw std::invalid_argument("commit_group: parameters invalid for this number of variables");
  }
  if (num_polys == 0 || num_polys > crypto::kMaxBasefoldPolys) {
    throw std::invalid_argument("commit_group: between 1 and 2^16 polynomials");
  }
  const crypto::BasefoldLayout layout = crypto::BasefoldLayout::make(params, num_vars, num_polys);
  const crypto::BasefoldLayer& l0 = layout.layers.front();
  const unsigned log_leaves = l0.log_leaves;
  const std::size_t coset = std::size_t{1} << l0.log_arity;
  const std::uint64_t leaf_width = static_cast<std::uint64_t>(num_polys) << l0.log_arity;

  const std::size_t per_leaf = group_commit_bytes_per_leaf();
  unsigned slabs_log = 0;
  while (slabs_log < log_leaves && (std::size_t{1} << (log_leaves - slabs_log)) * per_leaf > options.memory_budget) {
    ++slabs_log;
  }
  const unsigned slab_log_leaves = log_leaves - slabs_log;
  const std::size_t slab_leaves = std::size_t{1} << slab_log_leaves;
  const std::size_t slab_positions = slab_leaves * coset;
  const unsigned cap_height = log_leaves - l0.cap_log;  // the cap's level, counted from the leaves
  const unsigned keep_height = std::min(slab_log_leaves, cap_height);

  // Huge pages where available: first touches of 4 KiB pages dominate otherwise (large_buffer.h).
  std::vector<crypto::Sha256> states = crypto::large_vector<crypto::Sha256>(slab_leaves);
  const unsigned block_log = std::min(keep_height, kBlockLog);
  std::vector<Digest> block_nodes(slab_leaves >> block_log);
  std::vector<Fp> table = crypto::large_vector<Fp>(std::size_t{1} << num_vars);
  std::vector<Fp> slab = crypto::large_vector<Fp>(slab_positions);
  std::vector<Digest> kept;
  kept.reserve(std::size_t{1} << (log_leaves - keep_height));
  if (stats != nullptr) {
    stats->slabs_log = slabs_log;
    stats->state_bytes = slab_leaves * per_leaf;
    stats->buffer_bytes = (table.size() + slab.size()) * sizeof(Fp);
  }

  for (std::size_t t = 0; t < (std::size_t{1} << slabs_log); ++t) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, slab_leaves, kLeafGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i < r.end(); ++i) {
                          states[i].update_byte(crypto::kMerkleLeafTag);
                          states[i].update_u64_le(leaf_width);
                        }
                      });
    for (std::size_t j = 0; j < num_polys; ++j) {
      source(j, table);
      crypto::moebius_transform(table);
      if (slabs_log == 0) {
        crypto::rs_encode_into(table, params.log_blowup, Fp::one(), slab);
      } else {
        codeword_slab(table, l0.log_domain, t * slab_positions, slab);
      }
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, slab_leaves, kLeafGrain),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i < r.end(); ++i) {
                            states[i].update(slab.data() + i * coset, coset * sizeof(Fp));
                          }
                        });
    }
    // Leaf digests and the subtree above them, block by block: each block of
    // 2^block_log leaves is finished and reduced to one node in a small
    // buffer, so no array of leaf digests is ever materialized.
    const std::size_t block = std::size_t{1} << block_log;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, block_nodes.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        std::vector<Digest> level(block);
                        for (std::size_t b = r.begin(); b < r.end(); ++b) {
                          for (std::size_t i = 0; i < block; ++i) level[i] = states[b * block + i].finish();
                          for (std::size_t width = block; width > 1; width /= 2) {
                            for (std::size_t i = 0; i < width / 2; ++i) {
                              level[i] = crypto::merkle_hash_node(level[2 * i], level[2 * i + 1]);
                            }
                          }
                          block_nodes[b] = level[0];
                        }
                      });
    const std::vector<Digest> nodes = reduce_levels(block_nodes, keep_height - block_log);
    kept.insert(kept.end(), nodes.begin(), nodes.end());
  }
  kept = reduce_levels(kept, cap_height - keep_height);
  crypto::BasefoldCommitment out;
  out.num_vars = num_vars;
  out.num_polys = num_polys;
  out.cap.nodes = std::move(kept);
  return out;
}

}  // namespace fti::commitment

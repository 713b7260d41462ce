#include "engine/crypto/merkle.h"

#include <algorithm>
#include <bit>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/crypto/bytes.h"

namespace fti::crypto {

// One column's slice for one leaf, as raw bytes.
struct merkle_detail::ByteColumn {
  const std::uint8_t* data;
  std::size_t element_bytes;  // bytes per column element (8 or 24)
};

namespace {

// Field elements are hashed straight from memory: the in-memory form of a
// canonical Fp (and of an Fp3, three Fp) is its little-endian encoding.
static_assert(std::endian::native == std::endian::little, "leaf hashing assumes a little-endian host");

constexpr std::size_t kLeafGrain = 256;
constexpr std::size_t kNodeGrain = 1024;

unsigned log2_exact(std::size_t n, const char* who) {
  if (n == 0 || (n & (n - 1)) != 0) {
    throw std::invalid_argument(std::string(who) + ": number of leaves must be a power of two");
  }
  return static_cast<unsigned>(std::countr_zero(n));
}

using merkle_detail::ByteColumn;

// Leaf i's digest, with the caller's hasher (reused across leaves).
Digest leaf_digest(Sha256& h, std::span<const ByteColumn> columns, std::size_t coset_size, std::uint64_t leaf_width,
                   std::size_t i) {
  h.update_byte(kMerkleLeafTag);
  h.update_u64_le(leaf_width);
  for (const ByteColumn& c : columns) {
    const std::size_t chunk = coset_size * c.element_bytes;
    h.update(c.data + i * chunk, chunk);
  }
  return h.finish();
}

// The node at `height` above the leaves with index k: its 2^height leaves
// hashed and reduced (height <= kMaxMerkleDroppedLevels).
Digest subtree_root(std::span<const ByteColumn> columns, std::size_t coset_size, std::uint64_t leaf_width,
                    unsigned height, std::size_t k) {
  Digest d[std::size_t{1} << kMaxMerkleDroppedLevels];
  Sha256 h;
  const std::size_t n = std::size_t{1} << height;
  for (std::size_t i = 0; i < n; ++i) d[i] = leaf_digest(h, columns, coset_size, leaf_width, (k << height) + i);
  for (std::size_t m = n; m > 1; m /= 2) {
    for (std::size_t i = 0; i < m / 2; ++i) d[i] = merkle_hash_node(d[2 * i], d[2 * i + 1]);
  }
  return d[0];
}

// The nodes at `height` (the leaves' digests at 0), in parallel.
void hash_level(std::span<const ByteColumn> columns, std::size_t coset_size, std::uint64_t leaf_width, unsigned height,
                std::span<Digest> out) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.size(), std::max<std::size_t>(1, kLeafGrain >> height)),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      Sha256 h;
                      for (std::size_t i = r.begin(); i < r.end(); ++i) {
                        out[i] = height == 0 ? leaf_digest(h, columns, coset_size, leaf_width, i)
                                             : subtree_root(columns, coset_size, leaf_width, height, i);
                      }
                    });
}

template <typename T>
std::vector<ByteColumn> byte_columns(std::span<const std::span<const T>> columns, std::size_t coset_size,
                                     std::size_t& num_leaves) {
  if (columns.empty()) throw std::invalid_argument("MerkleTree::commit: no columns");
  if (coset_size == 0) throw std::invalid_argument("MerkleTree::commit: coset_size must be >= 1");
  const std::size_t len = columns.front().size();
  if (len == 0 || len % coset_size != 0) {
    throw std::invalid_argument("MerkleTree::commit: column length is not a multiple of coset_size");
  }
  std::vector<ByteColumn> out;
  out.reserve(columns.size());
  for (const auto& c : columns) {
    if (c.size() != len) throw std::invalid_argument("MerkleTree::commit: columns of different lengths");
    out.push_back({reinterpret_cast<const std::uint8_t*>(c.data()), sizeof(T)});
  }
  num_leaves = len / coset_size;
  return out;
}

void check_indices(std::span<const std::size_t> indices, std::size_t num_leaves) {
  if (indices.empty()) throw std::invalid_argument("MerkleTree::open: no indices");
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= num_leaves) throw std::invalid_argument("MerkleTree::open: index out of range");
    if (i > 0 && indices[i] <= indices[i - 1]) {
      throw std::invalid_argument("MerkleTree::open: indices not strictly increasing");
    }
  }
}

template <typename T>
std::vector<Fp> leaf_values_impl(std::span<const std::span<const T>> columns, std::size_t coset_size,
                                 std::size_t i) {
  std::vector<Fp> out;
  for (const auto& c : columns) {
    const auto slice = c.subspan(i * coset_size, coset_size);
    for (const T& x : slice) {
      if constexpr (std::is_same_v<T, Fp>) {
        out.push_back(x);
      } else {
        out.insert(out.end(), x.coeffs().begin(), x.coeffs().end());
      }
    }
  }
  return out;
}

}  // namespace

Digest merkle_hash_leaf(std::span<const Fp> leaf) noexcept {
  Sha256 h;
  h.update_byte(kMerkleLeafTag);
  h.update_u64_le(leaf.size());
  h.update(leaf.data(), leaf.size_bytes());
  return h.finish();
}

Digest merkle_hash_node(const Digest& left, const Digest& right) noexcept {
  // One contiguous 65-byte message: a single SHA256_Update call.
  std::uint8_t buf[65];
  buf[0] = kMerkleNodeTag;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  Sha256 h;
  h.update(buf, sizeof buf);
  return h.finish();
}

MerkleTree MerkleTree::commit(std::span<const std::span<const Fp>> columns, std::size_t coset_size, unsigned cap_log,
                              unsigned dropped_levels) {
  std::size_t num_leaves = 0;
  const auto cols = byte_columns(columns, coset_size, num_leaves);
  return commit_bytes(cols, num_leaves, coset_size, columns.size() * coset_size, cap_log, dropped_levels);
}

MerkleTree MerkleTree::commit(std::span<const std::span<const Fp3>> columns, std::size_t coset_size,
                              unsigned cap_log) {
  std::size_t num_leaves = 0;
  const auto cols = byte_columns(columns, coset_size, num_leaves);
  return commit_bytes(cols, num_leaves, coset_size, columns.size() * coset_size * 3, cap_log, 0);
}

MerkleTree MerkleTree::commit_bytes(std::span<const ByteColumn> columns, std::size_t num_leaves, std::size_t coset_size,
                                    std::size_t leaf_width, unsigned cap_log, unsigned dropped_levels) {
  if (dropped_levels > kMaxMerkleDroppedLevels) throw std::invalid_argument("MerkleTree::commit: too many dropped levels");
  MerkleTree t;
  t.shape_ = {log2_exact(num_leaves, "MerkleTree::commit"), leaf_width, cap_log};
  if (!t.shape_.valid()) throw std::invalid_argument("MerkleTree::commit: cap_log above tree height");
  // The cap is always stored.
  t.first_level_ = std::min(dropped_levels, t.shape_.log_leaves - cap_log);
  t.levels_.emplace_back(num_leaves >> t.first_level_);
  hash_level(columns, coset_size, leaf_width, t.first_level_, t.levels_.front());
  t.build_upper_levels();
  return t;
}

MerkleTree MerkleTree::commit_rows(std::span<const Fp> rows, std::size_t leaf_width, unsigned cap_log) {
  const std::span<const Fp> one[1] = {rows};
  return commit(std::span<const std::span<const Fp>>(one), leaf_width, cap_log);
}

MerkleTree MerkleTree::from_level(const MerkleShape& shape, unsigned level, std::vector<Digest> nodes) {
  if (!shape.valid() || level == 0 || level > kMaxMerkleDroppedLevels || level > shape.log_leaves - shape.cap_log ||
      nodes.size() != (shape.num_leaves() >> level)) {
    throw std::invalid_argument("MerkleTree::from_level: level or node count does not fit the shape");
  }
  MerkleTree t;
  t.shape_ = shape;
  t.first_level_ = level;
  t.levels_.push_back(std::move(nodes));
  t.build_upper_levels();
  return t;
}

std::span<const Digest> MerkleTree::level_nodes(unsigned level) const {
  if (level < first_level_ || level - first_level_ >= levels_.size()) {
    throw std::invalid_argument("MerkleTree::level_nodes: level not stored");
  }
  return levels_[level - first_level_];
}

void MerkleTree::build_upper_levels() {
  for (unsigned level = first_level_; level < shape_.log_leaves - shape_.cap_log; ++level) {
    const std::vector<Digest>& below = levels_.back();
    std::vector<Digest> above(below.size() / 2);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, above.size(), kNodeGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i < r.end(); ++i) {
                          above[i] = merkle_hash_node(below[2 * i], below[2 * i + 1]);
                        }
                      });
    levels_.push_back(std::move(above));
  }
}

MerkleCap MerkleTree::cap() const { return MerkleCap{levels_.back()}; }

const Digest& MerkleTree::leaf_hash(std::size_t i) const {
  if (first_level_ != 0) throw std::logic_error("MerkleTree::leaf_hash: the leaf level was dropped");
  return levels_.front().at(i);
}

MerkleMultiProof MerkleTree::open(std::span<const std::size_t> indices) const {
  if (first_level_ != 0) throw std::logic_error("MerkleTree::open: lower levels were dropped; pass the columns");
  return open_impl(indices, {}, 0);
}

MerkleMultiProof MerkleTree::open(std::span<const std::size_t> indices, std::span<const std::span<const Fp>> columns,
                                  std::size_t coset_size) const {
  std::size_t num_leaves = 0;
  const auto cols = byte_columns(columns, coset_size, num_leaves);
  if (num_leaves != shape_.num_leaves() || columns.size() * coset_size != shape_.leaf_width) {
    throw std::invalid_argument("MerkleTree::open: columns of another shape than the tree's");
  }
  return open_impl(
      indices, [&](std::size_t) { return SubtreeColumns{cols, 0}; }, coset_size);
}

std::vector<std::size_t> MerkleTree::opened_subtrees(std::span<const std::size_t> indices) const {
  std::vector<std::size_t> out;
  for (const std::size_t i : indices) {
    if (out.empty() || out.back() != (i >> first_level_)) out.push_back(i >> first_level_);
  }
  return out;
}

MerkleMultiProof MerkleTree::open_windows(std::span<const std::size_t> indices, std::span<const Fp> windows,
                                          std::size_t coset_size) const {
  check_indices(indices, shape_.num_leaves());
  if (coset_size != shape_.leaf_width) throw std::invalid_argument("MerkleTree::open_windows: leaf width differs");
  const std::vector<std::size_t> subtrees = opened_subtrees(indices);
  const std::size_t window_leaves = std::size_t{1} << first_level_;
  if (windows.size() != subtrees.size() * window_leaves * coset_size) {
    throw std::invalid_argument("MerkleTree::open_windows: one window per opened subtree");
  }
  std::vector<ByteColumn> cols(subtrees.size());
  for (std::size_t w = 0; w < cols.size(); ++w) {
    cols[w] = {reinterpret_cast<const std::uint8_t*>(windows.data() + w * window_leaves * coset_size), sizeof(Fp)};
  }
  return open_impl(
      indices,
      [&](std::size_t k) {
        const auto pos = static_cast<std::size_t>(std::lower_bound(subtrees.begin(), subtrees.end(), k) - subtrees.begin());
        return SubtreeColumns{std::span<const ByteColumn>(&cols[pos], 1), k * window_leaves};
      },
      coset_size);
}

MerkleMultiProof MerkleTree::open_impl(std::span<const std::size_t> indices,
                                       const std::function<SubtreeColumns(std::size_t)>& subtree,
                                       std::size_t coset_size) const {
  check_indices(indices, shape_.num_leaves());
  MerkleMultiProof proof;
  std::vector<std::size_t> known(indices.begin(), indices.end());
  std::vector<std::size_t> next;
  for (unsigned level = 0; level < shape_.log_leaves - shape_.cap_log; ++level) {
    next.clear();
    for (std::size_t i = 0; i < known.size();) {
      const std::size_t idx = known[i];
      if ((idx & 1) == 0 && i + 1 < known.size() && known[i + 1] == idx + 1) {
        i += 2;  // both children known: the parent needs nothing from the proof
      } else if (level < first_level_) {
        // Below the stored levels the sibling is recomputed from its leaves,
        // which lie in the same stored subtree as the known node.
        const std::size_t sibling = idx ^ 1;
        const SubtreeColumns s = subtree(sibling >> (first_level_ - level));
        const std::size_t local = sibling - (s.first_leaf >> level);
        proof.siblings.push_back(subtree_root(s.columns, coset_size, shape_.leaf_width, level, local));
        i += 1;
      } else {
        proof.siblings.push_back(levels_[level - first_level_][idx ^ 1]);
        i += 1;
      }
      next.push_back(idx >> 1);
    }
    std::swap(known, next);
  }
  return proof;
}

std::vector<Fp> merkle_leaf_values(std::span<const std::span<const Fp>> columns, std::size_t coset_size,
                                   std::size_t i) {
  return leaf_values_impl(columns, coset_size, i);
}

std::vector<Fp> merkle_leaf_values(std::span<const std::span<const Fp3>> columns, std::size_t coset_size,
                                   std::size_t i) {
  return leaf_values_impl(columns, coset_size, i);
}

std::vector<std::uint8_t> MerkleMultiProof::serialize() const {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(siblings.size()));
  for (const Digest& d : siblings) w.raw(d);
  return std::move(w).take();
}

Status MerkleMultiProof::parse(std::span<const std::uint8_t> bytes, MerkleMultiProof& out) {
  ByteReader r(bytes);
  const auto count = r.u32();
  // The count is checked against the bytes present before anything is allocated.
  if (!count || r.remaining() != std::size_t{*count} * 32) return Status::kMalformed;
  MerkleMultiProof proof;
  proof.siblings.resize(*count);
  for (Digest& d : proof.siblings) {
    const auto b = r.take(32);
    std::copy(b->begin(), b->end(), d.begin());
  }
  if (!r.done()) return Status::kMalformed;
  out = std::move(proof);
  return Status::kOk;
}

Status merkle_verify(const MerkleShape& shape, const MerkleCap& cap, std::span<const std::size_t> indices,
                     std::span<const Fp> leaf_values, const MerkleMultiProof& proof) noexcept {
  if (!shape.valid()) return Status::kBadParameters;
  if (cap.nodes.size() != (std::size_t{1} << shape.cap_log)) return Status::kBadParameters;
  if (indices.empty()) return Status::kBadParameters;
  const std::size_t num_leaves = shape.num_leaves();
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= num_leaves) return Status::kIndexOutOfRange;
    if (i > 0 && indices[i] == indices[i - 1]) return Status::kDuplicateIndex;
    if (i > 0 && indices[i] < indices[i - 1]) return Status::kUnsortedIndices;
  }
  // Exactly leaf_width elements per opened leaf (division, so no product can overflow).
  if (leaf_values.size() % shape.leaf_width != 0 || leaf_values.size() / shape.leaf_width != indices.size()) {
    return Status::kWrongLength;
  }
  try {
    std::vector<std::pair<std::size_t, Digest>> known;
    known.reserve(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i) {
      known.emplace_back(indices[i], merkle_hash_leaf(leaf_values.subspan(i * shape.leaf_width, shape.leaf_width)));
    }
    std::size_t used = 0;
    std::vector<std::pair<std::size_t, Digest>> next;
    next.reserve(known.size());
    for (unsigned level = 0; level < shape.log_leaves - shape.cap_log; ++level) {
      next.clear();
      for (std::size_t i = 0; i < known.size();) {
        const auto& [idx, digest] = known[i];
        Digest parent;
        if ((idx & 1) == 0 && i + 1 < known.size() && known[i + 1].first == idx + 1) {
          parent = merkle_hash_node(digest, known[i + 1].second);
          i += 2;
        } else {
          if (used == proof.siblings.size()) return Status::kMalformed;  // proof too short
          const Digest& sibling = proof.siblings[used++];
          parent = (idx & 1) == 0 ? merkle_hash_node(digest, sibling) : merkle_hash_node(sibling, digest);
          i += 1;
        }
        next.emplace_back(idx >> 1, parent);
      }
      std::swap(known, next);
    }
    if (used != proof.siblings.size()) return Status::kMalformed;  // unused siblings
    for (const auto& [idx, digest] : known) {
      if (cap.nodes[idx] != digest) return Status::kRootMismatch;
    }
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

}  // namespace fti::crypto

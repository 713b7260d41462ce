// SHA-256 Merkle trees over leaves of field elements, with batched
// multi-openings and an optional cap.
//
// Byte layout (docs/PROTOCOL.md, "Merkle trees"):
//   leaf = SHA-256(0x10 || LE64(w) || e_0 || ... || e_{w-1})   e_i: 8-byte LE, canonical
//   node = SHA-256(0x11 || left || right)
// The first byte separates leaves from inner nodes (a node can never be passed
// off as a leaf or the reverse), and w, the number of field elements, binds
// the leaf's length into its hash. The number of leaves is a power of two.
// With cap_log = c the commitment is the 2^c nodes at height log_leaves - c
// (c = 0: the root); authentication paths stop there, c levels shorter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/sha256.h"
#include "engine/crypto/status.h"

namespace fti::crypto {

inline constexpr std::uint8_t kMerkleLeafTag = 0x10;
inline constexpr std::uint8_t kMerkleNodeTag = 0x11;
// Trees up to 2^40 leaves (far beyond memory); bounds loops over untrusted shapes.
inline constexpr unsigned kMaxMerkleLogLeaves = 40;
// A prover's tree may leave out at most this many of its lowest levels.
inline constexpr unsigned kMaxMerkleDroppedLevels = 6;

// Public parameters both prover and verifier fix in advance.
struct MerkleShape {
  unsigned log_leaves = 0;     // 2^log_leaves leaves
  std::size_t leaf_width = 1;  // field elements per leaf, >= 1
  unsigned cap_log = 0;        // <= log_leaves

  bool valid() const noexcept {
    return log_leaves <= kMaxMerkleLogLeaves && leaf_width >= 1 && cap_log <= log_leaves;
  }
  std::size_t num_leaves() const noexcept { return std::size_t{1} << log_leaves; }
  friend bool operator==(const MerkleShape&, const MerkleShape&) = default;
};

// The commitment: 2^cap_log digests (one root when cap_log = 0).
struct MerkleCap {
  std::vector<Digest> nodes;
  friend bool operator==(const MerkleCap&, const MerkleCap&) = default;
};

// Sibling digests for a set of opened leaves, level by level from the leaves
// up, ascending index within a level; a node the verifier can compute from
// the opened leaves is never included.
struct MerkleMultiProof {
  std::vector<Digest> siblings;

  // LE32(count) || count * 32 bytes.
  std::vector<std::uint8_t> serialize() const;
  // Exact inverse of serialize(): rejects truncation and trailing bytes (kMalformed).
  static Status parse(std::span<const std::uint8_t> bytes, MerkleMultiProof& out);
};

Digest merkle_hash_leaf(std::span<const Fp> leaf) noexcept;
Digest merkle_hash_node(const Digest& left, const Digest& right) noexcept;

namespace merkle_detail {
struct ByteColumn;  // a column's bytes (merkle.cpp)
}  // namespace merkle_detail

class MerkleTree {
 public:
  // Leaf i is the concatenation, over the columns in order, of
  // column[i * coset_size, (i + 1) * coset_size). coset_size = 1 gives "a row
  // across several polynomials"; one column with coset_size = 2^m gives "a
  // coset of a bit-reversed codeword". All columns have the same length
  // num_leaves * coset_size, num_leaves a power of two. Built in parallel.
  //
  // With dropped_levels = d > 0 the tree does not store its d lowest levels
  // (the leaf digests and the d - 1 levels above them; the cap is always
  // kept): it computes level d subtree by subtree, and open() recomputes a
  // sibling below it from that sibling's 2^level leaves in the columns. A
  // prover holding the codeword anyway saves 1 - 2^-d of the tree's memory
  // (a digest per leaf is 4 bytes per value of a 16-value leaf: half of the
  // codeword's own size). d <= kMaxMerkleDroppedLevels.
  static MerkleTree commit(std::span<const std::span<const Fp>> columns, std::size_t coset_size, unsigned cap_log,
                           unsigned dropped_levels = 0);
  // Extension-field columns: each element contributes its three coefficients
  // (c0, c1, c2), so leaf_width = columns * coset_size * 3.
  static MerkleTree commit(std::span<const std::span<const Fp3>> columns, std::size_t coset_size,
                           unsigned cap_log);
  // Row-major leaves: leaf i = rows[i * leaf_width, (i + 1) * leaf_width).
  static MerkleTree commit_rows(std::span<const Fp> rows, std::size_t leaf_width, unsigned cap_log);
  // A tree of `shape` whose lowest stored level is `level` (0 <
  // level <= min(kMaxMerkleDroppedLevels, log_leaves - cap_log)), given that
  // level's 2^(log_leaves - level) nodes: the upper levels are rebuilt from
  // them. For a prover that hashed the leaves slab by slab and never held the
  // whole column (commitment/group_commit.h). std::invalid_argument for other
  // sizes.
  static MerkleTree from_level(const MerkleShape& shape, unsigned level, std::vector<Digest> nodes);

  const MerkleShape& shape() const noexcept { return shape_; }
  // The lowest stored level (0: the leaf digests are stored).
  unsigned first_level() const noexcept { return first_level_; }
  // The nodes of one stored level (first_level() <= level <= log_leaves - cap_log).
  std::span<const Digest> level_nodes(unsigned level) const;
  MerkleCap cap() const;
  // Throws std::logic_error when the leaf level was dropped.
  const Digest& leaf_hash(std::size_t i) const;

  // Multi-proof for strictly increasing leaf indices. Throws
  // std::invalid_argument for empty, unsorted, repeated or out-of-range
  // indices (the prover's own bug, not untrusted input), std::logic_error
  // when levels were dropped (the overload below recomputes them).
  MerkleMultiProof open(std::span<const std::size_t> indices) const;
  // The same, recomputing dropped levels from the committed columns (the
  // same columns and coset size as commit()'s; std::invalid_argument for
  // another shape).
  MerkleMultiProof open(std::span<const std::size_t> indices, std::span<const std::span<const Fp>> columns,
                        std::size_t coset_size) const;
  // The same from windows instead of whole columns, for one column of
  // coset_size values per leaf: `windows` holds, for every subtree of
  // 2^first_level() leaves that contains an index (in increasing subtree
  // order, each once), that subtree's 2^first_level() * coset_size values.
  // A prover that evaluates its codeword only where the queries fall
  // (basefold_windows.h). std::invalid_argument for another size.
  MerkleMultiProof open_windows(std::span<const std::size_t> indices, std::span<const Fp> windows,
                                std::size_t coset_size) const;
  // The subtrees of 2^first_level() leaves that contain the (increasing)
  // indices, each once, increasing: the windows open_windows takes.
  std::vector<std::size_t> opened_subtrees(std::span<const std::size_t> indices) const;

 private:
  using ByteColumn = merkle_detail::ByteColumn;
  MerkleTree() = default;
  static MerkleTree commit_bytes(std::span<const ByteColumn> columns, std::size_t num_leaves, std::size_t coset_size,
                                 std::size_t leaf_width, unsigned cap_log, unsigned dropped_levels);
  // The columns holding the leaves of the level-first_level_ subtree k, and
  // the index of that subtree's first leaf within them.
  struct SubtreeColumns {
    std::span<const ByteColumn> columns;
    std::size_t first_leaf = 0;
  };
  MerkleMultiProof open_impl(std::span<const std::size_t> indices,
                             const std::function<SubtreeColumns(std::size_t)>& subtree, std::size_t coset_size) const;
  void build_upper_levels();

  MerkleShape shape_;
  unsigned first_level_ = 0;  // the lowest stored level (0: the leaf digests)
  // levels_[h]: the 2^(log_leaves - first_level_ - h) nodes of level
  // first_level_ + h; the last is the cap.
  std::vector<std::vector<Digest>> levels_;
};

// The leaf values commit() hashed for leaf i, in the same order.
std::vector<Fp> merkle_leaf_values(std::span<const std::span<const Fp>> columns, std::size_t coset_size,
                                   std::size_t i);
std::vector<Fp> merkle_leaf_values(std::span<const std::span<const Fp3>> columns, std::size_t coset_size,
                                   std::size_t i);

// Checks that leaf_values (indices.size() leaves of shape.leaf_width elements,
// concatenated in index order) are the leaves at `indices` of the tree
// committed to by `cap`. Indices must be strictly increasing and in range.
// Returns kOk or the first failed check; never throws.
[[nodiscard]] Status merkle_verify(const MerkleShape& shape, const MerkleCap& cap,
                                   std::span<const std::size_t> indices, std::span<const Fp> leaf_values,
                                   const MerkleMultiProof& proof) noexcept;

}  // namespace fti::crypto

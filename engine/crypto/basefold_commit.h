// Basefold commitments (docs/PROTOCOL.md, section 7.2).
//
// A batch of M multilinear polynomials P_0..P_{M-1} in n variables, each given
// by its evaluation table (multilinear.h), is committed as ONE stacked
// polynomial in n + l variables, l = ceil(log2 M), the layer variables y
// first: S(y, x) = P_y(x) (0 for y >= M), whose table interleaves the members,
// S[x 2^l + y] = P_y[x]. The stacked table is turned into monomial
// coefficients (moebius.h), the univariate twin f(X) = sum_i a_i X^i is
// Reed-Solomon encoded at rate 2^-b (bit-reversed, reed_solomon.h), and one
// Merkle tree is built whose leaf m holds the 2^a0 consecutive codeword
// positions [m 2^a0, (m+1) 2^a0) (merkle.h). The commitment is that tree's cap
// together with n and M. An opening then costs O(log M) per query rather than
// M values per query (a leaf of every member's codeword).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/status.h"

namespace fti::crypto {

// What the verifier holds for one committed batch.
struct BasefoldCommitment {
  unsigned num_vars = 0;      // n
  std::size_t num_polys = 0;  // M
  MerkleCap cap;              // 2^min(cap_log, log_leaves) digests

  // LE32(n) || LE32(M) || LE32(count) || count * 32 bytes.
  std::vector<std::uint8_t> serialize() const;
  // Strict inverse of serialize(): n and M within the parameters' limits
  // (kBadParameters), count equal to the cap size the parameters give for n
  // (kWrongLength), no truncation or trailing bytes (kMalformed).
  static Status parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params, BasefoldCommitment& out);

  friend bool operator==(const BasefoldCommitment&, const BasefoldCommitment&) = default;
};

// The commitment tree of a prover leaves out this many of its lowest levels
// (merkle.h): 15/16 of the tree's memory, recomputed from the codeword for
// the few paths an opening needs.
inline constexpr unsigned kBasefoldTreeDroppedLevels = 4;
// A prover that does not hold the codeword (basefold_windows.h) keeps the
// tree from this level up (at most; lower for trees shorter than that) and
// evaluates the codeword on the 2^(a0 + 6) positions of each queried
// subtree: 1/64 of the tree, and windows of 1024 positions at a0 = 4.
inline constexpr unsigned kBasefoldWindowTreeLevel = 6;
static_assert(kBasefoldWindowTreeLevel <= kMaxMerkleDroppedLevels, "MerkleTree::from_level's limit");
// The level such a prover's tree starts at for `layout` (0: the tree is
// only its cap, and a prover holds the codeword).
unsigned basefold_window_tree_level(const BasefoldLayout& layout) noexcept;

// Everything the prover keeps between commit and open: the members' tables
// (for the sumcheck), the stacked codeword and the tree (for the query phase).
// Or, built by without_codeword(), the tables and the upper tree only: an
// opening then computes the parts of the codeword it reads from the tables
// (basefold_windows.h), with the same proof bit for bit, in a fifth of the
// memory at rate 1/4.
class BasefoldProverData {
 public:
  const BasefoldParams& params() const noexcept { return params_; }
  const BasefoldLayout& layout() const noexcept { return layout_; }
  unsigned num_vars() const noexcept { return layout_.num_vars; }
  std::size_t num_polys() const noexcept { return tables_.size(); }
  std::span<const std::vector<Fp>> tables() const noexcept { return tables_; }
  // Empty when the codeword is not held.
  std::span<const Fp> codeword() const noexcept { return codeword_; }
  bool holds_codeword() const noexcept { return !codeword_.empty(); }
  const MerkleTree& tree() const noexcept { return tree_; }
  // The authentication paths of commitment leaves (strictly increasing),
  // the tree's dropped levels recomputed from the codeword.
  MerkleMultiProof open_paths(std::span<const std::size_t> leaves) const;
  // The values of commitment leaves (strictly increasing; 2^a0 positions
  // each, concatenated) and their paths, from the codeword or, without one,
  // from the windows of the queried subtrees.
  struct LeafOpening {
    std::vector<Fp> values;
    MerkleMultiProof paths;
  };
  LeafOpening open_leaves(std::span<const std::size_t> leaves) const;
  BasefoldCommitment commitment() const;

  // Prover data without the codeword: the tables and the commitment tree
  // from level basefold_window_tree_level(layout) up (MerkleTree::from_level,
  // e.g. from a commitment streamed slab by slab). The tree is trusted to be
  // the tables' (only its shape is checked, std::invalid_argument).
  static BasefoldProverData without_codeword(const BasefoldParams& params, std::vector<std::vector<Fp>> tables,
                                             MerkleTree tree);

  // Prover data over a caller-supplied stacked word that is NOT checked to be
  // the encoding of the tables (the commitment is to whatever it is). For
  // tests that commit to corrupted codewords. Sizes are checked
  // (std::invalid_argument).
  static BasefoldProverData from_word_unchecked(const BasefoldParams& params, std::vector<std::vector<Fp>> tables,
                                                std::vector<Fp> word);

 private:
  friend BasefoldProverData basefold_commit(const BasefoldParams&, std::vector<std::vector<Fp>>);
  BasefoldProverData(const BasefoldParams& params, BasefoldLayout layout, std::vector<std::vector<Fp>> tables,
                     std::vector<Fp> codeword, MerkleTree tree);

  BasefoldParams params_;
  BasefoldLayout layout_;
  std::vector<std::vector<Fp>> tables_;
  std::vector<Fp> codeword_;
  MerkleTree tree_;
};

// The Reed-Solomon encoding of one table: Moebius transform, univariate twin,
// rs_encode at rate 2^-log_blowup on the subgroup (shift 1), bit-reversed.
std::vector<Fp> basefold_encode(std::span<const Fp> table, unsigned log_blowup);

// The stacked table of M tables of one size 2^n: 2^(n+l) entries,
// S[x 2^l + y] = tables[y][x], zero for y >= M.
std::vector<Fp> basefold_stacked_table(std::span<const std::vector<Fp>> tables);

// The stacked codeword from the members' own codewords (section 7.2), for
// 2^c consecutive blocks at once: `values` holds, for member positions
// first .. first + 2^c - 1 (first a multiple of 2^c: a slab of the streaming
// commitment), position m of every member's codeword (basefold_encode of its
// table; 2^stack_vars values, zero for y >= M); on return it holds positions
// [m 2^l, (m+1) 2^l) of the stacked codeword, whose domain has 2^log_domain
// points. Block m is the coset w_0 <zeta> (zeta of order 2^l), and
// f(w) = sum_y w^y G_y(w^(2^l)) with G the Moebius transform over y of the
// members' twins, so each block is a size-2^l Moebius transform and coset NTT;
// the coset points and twiddles are computed once for the slab, parallel over
// blocks.
void basefold_stack_blocks(std::span<Fp> values, unsigned stack_vars, unsigned log_domain, std::size_t first);

// Commits to 1 <= M <= kMaxBasefoldPolys tables of one size 2^n, taking
// ownership of them. Throws std::invalid_argument for bad sizes or
// parameters (params.check_shape(n, M) != kOk).
BasefoldProverData basefold_commit(const BasefoldParams& params, std::vector<std::vector<Fp>> tables);

// The same commitment, keeping only the tables and the upper tree
// (without_codeword): the codeword is computed whole and dropped (for
// groups small enough to encode at once; commitment/group_commit.h streams
// larger ones). Where the tree is only its cap, the codeword is kept.
BasefoldProverData basefold_commit_without_codeword(const BasefoldParams& params,
                                                    std::vector<std::vector<Fp>> tables);

}  // namespace fti::crypto

// Basefold commitments (docs/PROTOCOL.md, section 7.2).
//
// A batch of M multilinear polynomials in n variables, each given by its
// evaluation table (multilinear.h), is committed as follows: the table is
// turned into monomial coefficients (moebius.h), the univariate twin
// f(X) = sum_i a_i X^i is Reed-Solomon encoded at rate 2^-b (bit-reversed,
// reed_solomon.h), and one Merkle tree is built whose leaf m holds the 2^a0
// consecutive codeword positions [m 2^a0, (m+1) 2^a0) of every polynomial, in
// polynomial order (merkle.h, "a coset of every polynomial in one leaf").
// The commitment is that tree's cap together with n and M.
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

// Everything the prover keeps between commit and open: the tables (for the
// sumcheck), the codewords and the tree (for the query phase).
class BasefoldProverData {
 public:
  const BasefoldParams& params() const noexcept { return params_; }
  const BasefoldLayout& layout() const noexcept { return layout_; }
  unsigned num_vars() const noexcept { return layout_.num_vars; }
  std::size_t num_polys() const noexcept { return tables_.size(); }
  std::span<const std::vector<Fp>> tables() const noexcept { return tables_; }
  std::span<const std::vector<Fp>> codewords() const noexcept { return codewords_; }
  const MerkleTree& tree() const noexcept { return tree_; }
  BasefoldCommitment commitment() const;

  // Prover data over caller-supplied words that are NOT checked to be the
  // encodings of the tables (the commitment is to whatever they are). For
  // tests that commit to corrupted codewords, and for callers that computed
  // the encodings themselves. Sizes are checked (std::invalid_argument).
  static BasefoldProverData from_words_unchecked(const BasefoldParams& params, std::vector<std::vector<Fp>> tables,
                                                 std::vector<std::vector<Fp>> words);

 private:
  friend BasefoldProverData basefold_commit(const BasefoldParams&, std::vector<std::vector<Fp>>);
  BasefoldProverData(const BasefoldParams& params, BasefoldLayout layout, std::vector<std::vector<Fp>> tables,
                     std::vector<std::vector<Fp>> codewords, MerkleTree tree);

  BasefoldParams params_;
  BasefoldLayout layout_;
  std::vector<std::vector<Fp>> tables_;
  std::vector<std::vector<Fp>> codewords_;
  MerkleTree tree_;
};

// The Reed-Solomon encoding of one table: Moebius transform, univariate twin,
// rs_encode at rate 2^-log_blowup on the subgroup (shift 1), bit-reversed.
std::vector<Fp> basefold_encode(std::span<const Fp> table, unsigned log_blowup);

// Commits to 1 <= M <= kMaxBasefoldPolys tables of one size 2^n (n <= 30),
// taking ownership of them. Throws std::invalid_argument for bad sizes or
// parameters (params.check_size(n) != kOk).
BasefoldProverData basefold_commit(const BasefoldParams& params, std::vector<std::vector<Fp>> tables);

}  // namespace fti::crypto

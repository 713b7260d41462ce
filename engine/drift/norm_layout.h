// Every shape of a norm proof, derived by prover and verifier alike from the
// two commitments and the statement (docs/PROTOCOL.md, section 10.3.2).
//
// Items: for each statement tensor in order, its S item, then its Q item if
// base_squares. Size classes: the distinct table sizes n of the statement's
// tensors, ascending; class c has m = max(n - 15, 0) block-index variables
// (the LOW m variables: block j = { x : x mod 2^m = j }, so a block-sum
// table is its own periodic extension's prefix, section 7.5), one sumcheck,
// one Basefold opening of the base and candidate groups holding its tensors
// and of its block group (2 polynomials hi, lo per item of the class).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/range_statement.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {

struct NormTensorLayout {
  std::uint32_t base_index = 0;
  std::uint32_t candidate_index = 0;
  unsigned num_vars = 0;  // n
  std::uint32_t base_group = 0, base_poly = 0;
  std::uint32_t candidate_group = 0, candidate_poly = 0;
  std::size_t size_class = 0;
  std::size_t position = 0;    // position among its class's tensors
  std::size_t first_item = 0;  // its S item; Q (if any) is first_item + 1
};

struct NormItemLayout {
  std::size_t tensor = 0;  // statement position
  NormClaim claim = NormClaim::kDeltaSquares;
  std::size_t size_class = 0;
  std::size_t block_poly = 0;  // hi in the class's block group; lo is block_poly + 1
};

struct NormClassLayout {
  unsigned num_vars = 0;    // n
  unsigned block_vars = 0;  // m = max(n - kNormBlockVars, 0)
  std::vector<std::size_t> tensors;  // statement positions, in order
  std::vector<std::size_t> items;    // item indices, in order
  std::vector<std::uint32_t> base_groups;       // distinct model groups opened, ascending
  std::vector<std::uint32_t> candidate_groups;  // likewise in the candidate

  std::size_t num_block_polys() const noexcept { return 2 * items.size(); }
};

struct NormLayout {
  std::vector<NormTensorLayout> tensors;  // one per statement tensor
  std::vector<NormItemLayout> items;
  std::vector<NormClassLayout> classes;   // by n ascending
  unsigned max_block_vars = 0;            // length of the block point r_blk

  // DriftStatus::kOk and `out`, or kBadStatement (empty statement, more than
  // kMaxNormTensors tensors or kMaxNormItems items, unknown or repeated
  // tensor, a relative bound without base_squares or with den = 0, a limb
  // size the range argument refuses) or kIncompatibleCommitments (different
  // Basefold parameters, a candidate without the tensor, another shape,
  // layout or scale, a group record that does not match the tensor).
  static DriftStatus make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                          const NormStatement& statement, NormLayout& out);
};

// The range statement on the block-sum limbs: per item hi ([0, 2^31), m
// variables) then lo ([0, 2^32)), item order, limb size statement.range_limb_bits.
crypto::RangeStatement norm_range_statement(const NormLayout& layout, const NormStatement& statement);

}  // namespace fti::drift

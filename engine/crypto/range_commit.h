// Range-argument commitments (docs/PROTOCOL.md, section 8.5): the lower limbs
// of every vector with K >= 2 limbs (one Basefold group per distinct n_j: the
// K_j - 1 limb tables of each such vector, vector order, so a batch of
// same-size vectors opens one group) and the multiplicities of the table (one
// group, one polynomial in L variables). The value vectors themselves are the
// caller's: they live in the caller's Basefold groups (RangeValueSource on
// the prover's side, RangeValueBinding on the verifier's), or in groups made
// by range_commit_values for a caller that has none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/range_statement.h"
#include "engine/crypto/status.h"

namespace fti::crypto {

// Where the prover finds v_j: polynomial `index` of a committed group
// (borrowed; it must outlive the RangeProverData).
struct RangeValueSource {
  const BasefoldProverData* group = nullptr;
  std::size_t index = 0;
};

// What the verifier knows of v_j: the commitment of its group and its index.
struct RangeValueBinding {
  BasefoldCommitment commitment;
  std::size_t index = 0;
};

struct RangeCommitment {
  std::vector<BasefoldCommitment> limbs;  // one per vector with K_j >= 2, in vector order
  BasefoldCommitment multiplicities;

  // LE32(G) || G times (LE32(len) || BasefoldCommitment) || LE32(len) || BasefoldCommitment.
  std::vector<std::uint8_t> serialize() const;
  // Strict: G equal to the statement's number of limb groups and every
  // commitment of the shape the statement prescribes (kMalformed), each
  // parsed by BasefoldCommitment::parse (its status). kBadParameters for an
  // invalid statement.
  static Status parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params,
                      const RangeStatement& statement, RangeCommitment& out);
  friend bool operator==(const RangeCommitment&, const RangeCommitment&) = default;
};

// Everything the prover keeps between commitment and proof.
class RangeProverData {
 public:
  const BasefoldParams& params() const noexcept { return params_; }
  const RangeStatement& statement() const noexcept { return statement_; }
  const RangeLayout& layout() const noexcept { return layout_; }
  std::span<const RangeValueSource> sources() const noexcept { return sources_; }
  std::span<const Fp> values(std::size_t vector) const;
  // The committed lower limbs l_k of vector j (empty if K_j = 1).
  std::span<const std::vector<Fp>> lower_limbs(std::size_t vector) const;
  std::span<const Fp> top_limb(std::size_t vector) const { return tops_[vector]; }
  std::span<const Fp> multiplicities() const { return multiplicity_group_->tables()[0]; }
  std::span<const Fp> table() const noexcept { return table_; }
  std::span<const BasefoldProverData> limb_groups() const noexcept { return limb_groups_; }
  const BasefoldProverData& multiplicity_group() const noexcept { return *multiplicity_group_; }

  RangeCommitment commitment() const;
  // The range argument's own groups, as an opening lists them: limb groups, then multiplicities.
  std::vector<const BasefoldProverData*> groups() const;
  // The value bindings a verifier would hold.
  std::vector<RangeValueBinding> bindings() const;

  // Prover data from caller-chosen lower limbs and multiplicities, NOT
  // checked to be a decomposition or the counts (the top limbs follow from
  // the values and limbs as in section 8.2). For tests that play a cheating
  // prover; soundness never depends on the prover. Sizes are checked.
  static RangeProverData from_parts_unchecked(const BasefoldParams& params, const RangeStatement& statement,
                                              std::span<const RangeValueSource> sources,
                                              std::vector<std::vector<std::vector<Fp>>> lower_limbs,
                                              std::vector<Fp> multiplicities);

 private:
  friend RangeProverData range_commit(const BasefoldParams&, const RangeStatement&, std::span<const RangeValueSource>);
  RangeProverData(const BasefoldParams& params, const RangeStatement& statement,
                  std::span<const RangeValueSource> sources);
  void commit_parts(std::vector<std::vector<std::vector<Fp>>> lower_limbs, std::vector<std::vector<Fp>> tops,
                    std::vector<Fp> multiplicities);

  BasefoldParams params_;
  RangeStatement statement_;
  RangeLayout layout_;
  std::vector<RangeValueSource> sources_;
  std::vector<std::vector<Fp>> tops_;
  std::vector<Fp> table_;  // 0, 1, .., 2^L - 1
  std::vector<BasefoldProverData> limb_groups_;
  std::optional<BasefoldProverData> multiplicity_group_;
};

// Decomposes the value vectors (range_decompose: throws std::invalid_argument
// naming the first entry out of range) and commits the lower limbs and the
// multiplicities under `params`. Every source group must have been committed
// under the same parameters, with n_j variables (std::invalid_argument).
RangeProverData range_commit(const BasefoldParams& params, const RangeStatement& statement,
                             std::span<const RangeValueSource> sources);

// For a caller without groups of its own: one group per table (M = 1).
std::vector<BasefoldProverData> range_commit_values(const BasefoldParams& params, std::vector<std::vector<Fp>> tables);
// Sources pointing at polynomial 0 of each of `groups`.
std::vector<RangeValueSource> range_sources(std::span<const BasefoldProverData> groups);

}  // namespace fti::crypto

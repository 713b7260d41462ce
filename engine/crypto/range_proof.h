// Range-argument proofs and their byte formats (docs/PROTOCOL.md, section 8.7).
//
// RangeReductionProof is what the composable form adds to a caller's proof:
// the LogUp-GKR proof and the claimed evaluations at the final point r (the
// caller opens them). RangeProof is the standalone form: the range
// commitment, the reduction, the claimed values of every polynomial of the
// value groups at r, and one Basefold opening of all groups.
//
//   reduction = LE32(len) || LogupGkrProof
//            || LE32(V) || V Fp3                  -- v_j(r_<n_j)
//            || LE32(C) || C Fp3                  -- l_{j,k}(r_<n_j), C = sum_j (K_j - 1)
//            || LE32(1) || Fp3                    -- m(r_<L)
//   proof     = LE32(len) || RangeCommitment || LE32(len) || reduction
//            || LE32(U) || U times (LE32(M_g) || M_g Fp3)   -- the U distinct value groups
//            || LE32(len) || BasefoldProof
//
// Parsers are strict and bounded: every count is the one the statement (and,
// for RangeProof, the value bindings and parameters) prescribes (kWrongLength
// for evaluation lists, kMalformed for structure), every element canonical,
// no trailing bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/crypto/basefold_params.h"
#include "engine/crypto/basefold_proof.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/logup_gkr_proof.h"
#include "engine/crypto/range_commit.h"
#include "engine/crypto/range_statement.h"
#include "engine/crypto/status.h"

namespace fti::crypto {

struct RangeReductionProof {
  LogupGkrProof gkr;
  std::vector<Fp3> value_evaluations;  // v_j(r_<n_j), one per vector
  std::vector<Fp3> limb_evaluations;   // l_{j,k}(r_<n_j), vectors in order, k ascending
  Fp3 multiplicity_evaluation;         // m(r_<L)

  std::vector<std::uint8_t> serialize() const;
  // kBadParameters for an invalid statement.
  static Status parse(std::span<const std::uint8_t> bytes, const RangeStatement& statement, RangeReductionProof& out);
};

struct RangeProof {
  RangeCommitment commitment;
  RangeReductionProof reduction;
  std::vector<std::vector<Fp3>> value_group_values;  // every polynomial of each distinct value group at r
  BasefoldProof opening;

  std::vector<std::uint8_t> serialize() const;
  static Status parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params,
                      const RangeStatement& statement, std::span<const RangeValueBinding> bindings, RangeProof& out);
};

// The distinct value groups in order of first use (equal commitments are one
// group) and, per vector, the position of its group in that list. Prover and
// verifier both call this.
struct RangeValueGroups {
  std::vector<std::size_t> first_vector;  // per distinct group: the first vector bound to it
  std::vector<std::size_t> group_of;      // per vector
};
RangeValueGroups range_value_groups(std::span<const BasefoldCommitment> commitments);

// The Basefold group shapes of a standalone opening: the distinct value
// groups, the limb groups, the multiplicity group.
std::vector<BasefoldGroupShape> range_opening_shapes(const RangeStatement& statement,
                                                     std::span<const RangeValueBinding> bindings);

}  // namespace fti::crypto

// The norm proof and its byte format (docs/PROTOCOL.md, section 10.3.6).
//
//   proof = LE32(C) || C times (LE32(len) || BasefoldCommitment)          -- block groups, by class
//        || C times ( LE32(len) || SumcheckProof                          -- the class's sumcheck
//                  || LE32(G) || G times (LE32(M_g) || M_g Fp3)            -- opened values: base groups,
//                                                                          --   candidate groups, block group
//                  || LE32(len) || BasefoldProof )                         -- the class's opening
//        || LE32(len) || RangeProof                                        -- limbs of every block sum
//
// parse() derives every count from the commitments and the statement first
// (NormLayout) and hands each nested part to its strict fti_crypto parser;
// no length is trusted beyond the bytes left, nothing is allocated from an
// untrusted count, and no input makes it throw.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_proof.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/range_proof.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/norm_layout.h"

namespace fti::drift {

struct NormClassProof {
  crypto::SumcheckProof sumcheck;
  std::vector<std::vector<crypto::Fp3>> opened_values;  // every polynomial of every opened group at the class's point
  crypto::BasefoldProof opening;
};

struct NormProof {
  std::vector<crypto::BasefoldCommitment> block_commitments;  // one per size class
  std::vector<NormClassProof> classes;
  crypto::RangeProof range;

  std::vector<std::uint8_t> serialize() const;
  // kOk, or kMalformed with the nested parser's status as detail
  // (kMalformed, kWrongLength, kNonCanonical, ...); the layout must come
  // from NormLayout::make on the same commitments and statement.
  static DriftResult parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const NormStatement& statement,
                           const NormLayout& layout, NormProof& out);
};

// The Basefold shapes of class c's opening: its base groups, its candidate
// groups, its block group.
std::vector<crypto::BasefoldGroupShape> norm_opening_shapes(const commitment::ModelCommitment& base,
                                                            const commitment::ModelCommitment& candidate,
                                                            const NormLayout& layout, std::size_t c);

// The range argument's value bindings: per item, hi then lo in its class's block group.
std::vector<crypto::RangeValueBinding> norm_range_bindings(const NormLayout& layout,
                                                           std::span<const crypto::BasefoldCommitment> blocks);

}  // namespace fti::drift

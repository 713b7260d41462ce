// The entrywise proof and its byte format (docs/PROTOCOL.md, section 10.6.6).
//
//   proof = LE32(len) || BasefoldCommitment                       -- W
//        || [count]   LE32(len) || SumcheckProof                   -- the zero-check of the count claims
//        || LE32(3) || 3 times (LE32(M_g) || M_g Fp3)              -- base group, candidate group, W at the point
//        || LE32(len) || BasefoldProof                             -- their opening
//        || [max_abs] LE32(len) || RangeProof                      -- a, a' in [0, 2^b)
//
// parse() derives every count from the commitments and the statement first
// (EntryLayout) and hands each nested part to its strict fti_crypto parser;
// nothing is allocated from an untrusted count and no input makes it throw.
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
#include "engine/drift/entry_layout.h"

namespace fti::drift {

struct EntryProof {
  crypto::BasefoldCommitment witness_commitment;
  crypto::SumcheckProof sumcheck;                       // count only
  std::vector<std::vector<crypto::Fp3>> opened_values;  // base group, candidate group, W
  crypto::BasefoldProof opening;
  crypto::RangeProof range;                             // max_abs only

  std::vector<std::uint8_t> serialize(const EntryStatement& statement) const;
  static DriftResult parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                           const EntryLayout& layout, EntryProof& out);
};

// The Basefold shapes of the opening: base group, candidate group, W.
std::vector<crypto::BasefoldGroupShape> entry_opening_shapes(const commitment::ModelCommitment& base,
                                                             const commitment::ModelCommitment& candidate,
                                                             const EntryLayout& layout);

// The range argument's value bindings: a, a' (polynomials 0, 1 of W).
std::vector<crypto::RangeValueBinding> entry_range_bindings(const crypto::BasefoldCommitment& witness);

}  // namespace fti::drift

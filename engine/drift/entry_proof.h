// The entrywise proof and its byte format (docs/PROTOCOL.md, section 10.6.6).
//
//   proof = LE32(C) || C times (LE32(len) || BasefoldCommitment)          -- W_c, by class
//        || C times ( [class has a count] LE32(len) || SumcheckProof      -- its zero-check
//                  || LE32(G) || G times (LE32(M_g) || M_g Fp3)            -- base groups, candidate
//                                                                          --   groups, W_c at the point
//                  || LE32(len) || BasefoldProof )                         -- their opening
//        || [some max_abs] LE32(len) || RangeProof                         -- every a, a' in [0, 2^b)
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

struct EntryClassProof {
  crypto::SumcheckProof sumcheck;                       // classes with count claims only
  std::vector<std::vector<crypto::Fp3>> opened_values;  // base groups, candidate groups, W_c
  crypto::BasefoldProof opening;
};

struct EntryProof {
  std::vector<crypto::BasefoldCommitment> witness_commitments;  // one per size class
  std::vector<EntryClassProof> classes;
  crypto::RangeProof range;  // when some claim has max_abs

  std::vector<std::uint8_t> serialize(const EntryLayout& layout) const;
  static DriftResult parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                           const EntryLayout& layout, EntryProof& out);
};

// The Basefold shapes of class c's opening: its base groups, its candidate groups, W_c.
std::vector<crypto::BasefoldGroupShape> entry_opening_shapes(const commitment::ModelCommitment& base,
                                                             const commitment::ModelCommitment& candidate,
                                                             const EntryLayout& layout, std::size_t c);

// The range argument's value bindings: per max_abs claim, a and a' in its class's W.
std::vector<crypto::RangeValueBinding> entry_range_bindings(const EntryLayout& layout,
                                                            std::span<const crypto::BasefoldCommitment> witnesses);

}  // namespace fti::drift

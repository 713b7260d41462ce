// The transcript steps of a norm proof that prover and verifier share
// (docs/PROTOCOL.md, section 10.3.3): every label, and the absorption of the
// protocol id, parameters, both commitment roots, the statement, the
// block-sum commitments and the disclosed statistics, in that order, before
// the first challenge.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/transcript.h"
#include "engine/drift/norm_disclosure.h"
#include "engine/drift/norm_layout.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {

inline constexpr std::string_view kNormProtocolId = "fti.drift.norm.v1";

// Transcript labels, in the order they are used (section 10.3.3).
inline constexpr std::string_view kNormLabelProtocol = "drift.norm.protocol";
inline constexpr std::string_view kNormLabelParams = "drift.norm.params";
inline constexpr std::string_view kNormLabelBaseRoot = "drift.norm.base_root";
inline constexpr std::string_view kNormLabelCandidateRoot = "drift.norm.candidate_root";
inline constexpr std::string_view kNormLabelNumTensors = "drift.norm.num_tensors";
inline constexpr std::string_view kNormLabelTensorName = "drift.norm.tensor_name";
inline constexpr std::string_view kNormLabelTensor = "drift.norm.tensor";
inline constexpr std::string_view kNormLabelBlockGroup = "drift.norm.block_group";
inline constexpr std::string_view kNormLabelBlockCommitment = "drift.norm.block_commitment";
inline constexpr std::string_view kNormLabelDisclosed = "drift.norm.disclosed";
inline constexpr std::string_view kNormLabelBlockPoint = "drift.norm.block_point";

// Steps 1-3: protocol id, parameters, roots, statement.
void norm_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const NormStatement& statement,
                           const NormLayout& layout);

// Steps 4-5: the block-sum commitments (one per size class) and the disclosed H, L.
void norm_absorb_blocks(crypto::Transcript& t, const NormLayout& layout,
                        std::span<const crypto::BasefoldCommitment> block_commitments,
                        const NormDisclosure& disclosure);

// Step 6: r_blk, max_block_vars coordinates (each class uses its prefix of m).
std::vector<crypto::Fp3> norm_block_point(crypto::Transcript& t, const NormLayout& layout);

}  // namespace fti::drift

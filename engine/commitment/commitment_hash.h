// The SHA-256 digests of a model commitment (docs/PROTOCOL.md,
// section 9.5). Every hash starts with its own tag byte, distinct from the
// Merkle (0x10, 0x11) and transcript (0x00..0x03) tags of docs/PROTOCOL.md and
// from the proof-of-work domain ('f'), so no two kinds of message share a
// prefix:
//
//   tensor leaf   SHA-256(0x20 || fields of the tensor || its group's commitment)
//   tree node     SHA-256(0x21 || left || right)
//   files digest  SHA-256(0x22 || LE64(count) || per file: name, role, size, sha256)
//   root          SHA-256(0x23 || protocol id || encoding || Basefold parameters
//                          || groups || LE64(#tensors) || tensors root
//                          || LE64(#files) || files digest)
//
// The tensor tree is the RFC 6962 Merkle tree hash over the leaves in name
// order (any count; k > 1 leaves split at the largest power of two below k),
// so a single tensor's leaf can later be proven against the root with a
// logarithmic path.
#pragma once

#include <cstdint>
#include <span>

#include "engine/commitment/model_commitment.h"

namespace fti::commitment {

inline constexpr std::uint8_t kTensorLeafTag = 0x20;
inline constexpr std::uint8_t kTensorNodeTag = 0x21;
inline constexpr std::uint8_t kFilesTag = 0x22;
inline constexpr std::uint8_t kRootTag = 0x23;

// Encoding constants bound into the root (fixed_point.h, tensor_layout.h).
inline constexpr std::uint64_t kRoundingHalfEven = 1;
inline constexpr std::uint64_t kLayoutMatrix2d = 1;

Sha256Digest tensor_leaf_hash(const TensorRecord& tensor, const crypto::BasefoldCommitment& group);
Sha256Digest tensor_node_hash(const Sha256Digest& left, const Sha256Digest& right);
// RFC 6962 Merkle tree hash; throws std::invalid_argument for no leaves.
Sha256Digest tensor_tree_root(std::span<const Sha256Digest> leaves);
Sha256Digest files_digest(std::span<const FileRecord> files);
Sha256Digest commitment_root(const crypto::BasefoldParams& params, std::span<const crypto::BasefoldCommitment> groups,
                             std::uint64_t tensor_count, const Sha256Digest& tensors_root, std::uint64_t file_count,
                             const Sha256Digest& files_digest);

// Fills tensors_root, files_digest and root from the other fields.
// Throws std::out_of_range if a tensor names a group that does not exist.
void compute_roots(ModelCommitment& commitment);

}  // namespace fti::commitment

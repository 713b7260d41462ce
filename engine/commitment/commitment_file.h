// The commitment file "fti.commitment/v1" (docs/PROTOCOL.md, section 9.6):
// a model commitment stored so that a base commitment is computed once and
// reused by later proofs.
//
// Binary, little-endian, canonical (one encoding per commitment): magic, the
// encoding constants, the Basefold parameters, the files, the groups' Basefold
// commitments, the tensor records, the three digests, and a SHA-256 checksum
// of everything before it. The Basefold prover data (tables, codewords) is
// not stored: group_tables() (model_commitment.h) recomputes it from the
// model files and the records.
//
// parse_commitment_file is strict and bounded: every count is checked against
// a fixed limit and against the bytes that remain before anything is
// allocated; truncation, trailing bytes, a bad checksum (any flipped byte), a
// non-canonical or inconsistent record (unsorted names, a group that does not
// match the grouping rule, a cap of the wrong size) and digests that do not
// match the contents are all rejected with Error(kCertificate) and a one-line
// message naming the field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "engine/commitment/model_commitment.h"

namespace fti::commitment {

inline constexpr std::string_view kCommitmentFileMagic = "fti.commitment/v1";

// Limits a file must respect (a hostile file cannot exceed them).
inline constexpr std::size_t kMaxCommitmentFileBytes = std::size_t{1} << 30;
inline constexpr std::size_t kMaxCommittedFiles = 100'000;
inline constexpr std::size_t kMaxCommittedTensors = 1'000'000;
inline constexpr std::size_t kMaxNameBytes = 65'536;
inline constexpr std::size_t kMaxRank = 32;

std::vector<std::uint8_t> serialize_commitment(const ModelCommitment& commitment);

// `what` names the file in error messages.
ModelCommitment parse_commitment(std::span<const std::uint8_t> bytes, std::string_view what);

// Reads (at most kMaxCommitmentFileBytes) and parses a commitment file.
// Error(kIo) if it cannot be read, Error(kCertificate) if it is invalid.
ModelCommitment read_commitment_file(const std::filesystem::path& path);

// Writes the file atomically (engine/common/atomic_file.h).
void write_commitment_file(const std::filesystem::path& path, const ModelCommitment& commitment);

}  // namespace fti::commitment

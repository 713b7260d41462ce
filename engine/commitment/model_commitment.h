// The commitment of a model checkpoint (docs/PROTOCOL.md section 9): every
// tensor encoded in fixed point (fixed_point.h) and laid out as a padded
// matrix (tensor_layout.h), the tensors grouped by padded size (grouping.h),
// one Basefold commitment per group (group_commit.h), a SHA-256 Merkle tree
// over one leaf per tensor (name, dtype, shape, layout, scale, encoding
// figures, the SHA-256 of its raw bytes, its group and position, the group's
// commitment), the SHA-256 of every file, and one 32-byte root over all of it
// (commitment_hash.h). Anyone holding the files recomputes it bit for bit;
// commitment_file.h stores it so a base commitment is computed once and
// reused by later proofs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commitment/group_commit.h"
#include "engine/commitment/tensor_layout.h"
#include "engine/common/sha256.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/tensor/dtype.h"

namespace fti {
class Checkpoint;
}

namespace fti::commitment {

// Protocol identifier bound into the root.
inline constexpr std::string_view kCommitmentProtocolId = "fti.commitment.v1";

// How a tensor's scale was chosen: by the rule of fixed_point.h from its own
// values, or given by the caller (typically the base's scale, so that a base
// and a candidate tensor share one scale; see scales_of()).
enum class ScaleSource : std::uint8_t { kRule = 0, kGiven = 1 };

enum class FileRole : std::uint8_t { kShard = 0, kIndex = 1 };

struct FileRecord {
  std::string name;  // name within the model ("model-00001-of-00002.safetensors")
  FileRole role = FileRole::kShard;
  std::uint64_t size = 0;
  Sha256Digest sha256{};
  friend bool operator==(const FileRecord&, const FileRecord&) = default;
};

struct TensorRecord {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::uint64_t> shape;
  unsigned log_rows = 0;  // the padded matrix view (tensor_layout.h)
  unsigned log_cols = 0;
  std::int32_t scale = 0;  // values are v * 2^-scale
  ScaleSource scale_source = ScaleSource::kRule;
  std::uint64_t max_abs = 0;  // max |v| of the encoded integers
  std::uint64_t inexact = 0;  // number of values the encoding rounded
  Sha256Digest data_sha256{};  // SHA-256 of the tensor's raw little-endian bytes
  std::uint32_t group = 0;     // index into ModelCommitment::groups
  std::uint32_t index = 0;     // polynomial index within the group

  unsigned num_vars() const noexcept { return log_rows + log_cols; }
  friend bool operator==(const TensorRecord&, const TensorRecord&) = default;
};

struct ModelCommitment {
  crypto::BasefoldParams params;
  std::vector<FileRecord> files;                   // sorted by name
  std::vector<crypto::BasefoldCommitment> groups;  // canonical group order (grouping.h)
  std::vector<TensorRecord> tensors;               // sorted by name (bytewise)
  Sha256Digest tensors_root{};  // Merkle root over the tensor leaves: content only
  Sha256Digest files_digest{};  // over the file list
  Sha256Digest root{};          // the model's commitment root

  const TensorRecord* find(std::string_view name) const;
  friend bool operator==(const ModelCommitment&, const ModelCommitment&) = default;
};

struct CommitProgress {
  std::size_t group = 0;  // group being committed
  std::size_t group_count = 0;
  std::size_t tensors_done = 0;  // tensors whose first pass is complete
  std::size_t tensor_count = 0;
};

// Prover data of the groups kept whole, by group index.
using KeptGroups = std::map<std::uint32_t, crypto::BasefoldProverData>;

// A 32nd of the memory this process may use (256 MiB where unknown): small
// groups keep their codewords; larger ones are opened from their tables,
// which at 31.5M and 201M parameters was as fast or faster overall (the
// streamed commitment faults in far less memory; bench/certify_scale_bench
// --codeword-budget, docs/PERFORMANCE.md).
std::size_t default_kept_codeword_budget() noexcept;

struct CommitOptions {
  crypto::BasefoldParams params = crypto::basefold_default_params();
  // Tensors listed here are encoded at this scale (ScaleSource::kGiven)
  // instead of the rule's; names absent from the model are ignored.
  std::map<std::string, std::int32_t, std::less<>> given_scales;
  GroupCommitOptions group;  // memory budget of one group's leaf states
  std::function<void(const CommitProgress&)> progress;
  // The prover's groups (see commit_model's `kept`): a group is kept whole if
  // this returns true for any of its tensors. Empty: none is.
  std::function<bool(std::string_view tensor)> keep_group_of;
  // A commitment this checkpoint may share groups with (a candidate's base):
  // group g whose every member is the reference's member of group g at the
  // same position with the same name, dtype, shape, scale and raw bytes
  // (SHA-256) has the same tables, so the reference's commitment of g is
  // taken instead of being computed again (the tensors are still read and
  // hashed). The reference is trusted: one computed from files or a stored
  // commitment the caller relies on; a wrong one gives a commitment that a
  // recomputation (`fti verify --against`) rejects. A verifier must not pass
  // one taken from a certificate. Null: nothing is shared.
  const ModelCommitment* reference = nullptr;
  // Kept groups hold their stacked codeword (8 * 2^b bytes per stacked
  // entry) while the codewords held by this commitment stay within this
  // many bytes; later kept groups keep only their tables and upper tree
  // (BasefoldProverData::without_codeword: the opening computes what it
  // reads of the codeword from the tables, the same proof). Default: a 32nd
  // of usable memory.
  std::size_t kept_codeword_budget = default_kept_codeword_budget();
  // The reference's kept groups (commit_model's `kept` of the reference): a
  // shared group this commitment keeps is copied from here; absent, it is
  // kept as usual.
  const KeptGroups* reference_kept = nullptr;
};

struct GroupFigures {
  unsigned num_vars = 0;
  std::size_t num_polys = 0;
  std::uint64_t elements = 0;  // tensor elements in the group
  double seconds = 0;
  bool shared = false;  // taken from CommitOptions::reference
  GroupCommitStats stats;
};

struct CommitFigures {
  double files_seconds = 0;   // SHA-256 of the files
  double groups_seconds = 0;  // encoding and Basefold commitments
  std::uint64_t elements = 0;
  std::uint64_t padded_elements = 0;
  std::uint64_t tensor_bytes = 0;
  std::vector<GroupFigures> groups;
};

// Commits to every tensor and file of the checkpoint. Throws Error(kInput)
// naming the tensor for values that cannot be encoded (NaN, infinities, a
// value out of range at a given scale) or shapes above 2^30 padded entries,
// and for a checkpoint with no tensors.
//
// With `kept` and options.keep_group_of, the groups it selects keep their
// prover data in `kept` (keep_group: every table and the tree, with the
// codeword while options.kept_codeword_budget allows; the same commitment
// bit for bit), so that `prove` opens them without encoding them a second
// time; the other groups stream in bounded memory as usual.
ModelCommitment commit_model(const Checkpoint& checkpoint, const CommitOptions& options = {},
                             CommitFigures* figures = nullptr, KeptGroups* kept = nullptr);

// The scales of a commitment, as CommitOptions::given_scales: encoding a
// candidate with its base's scales makes Delta = C - B a difference of
// integers at one scale.
std::map<std::string, std::int32_t, std::less<>> scales_of(const ModelCommitment& commitment);

// The options that reproduce `commitment` (its parameters, and the scales of
// the tensors recorded as ScaleSource::kGiven).
CommitOptions options_to_reproduce(const ModelCommitment& commitment);

// What `prove` needs to open a group: the tables of group g in polynomial
// order, re-encoded from the checkpoint at the recorded scales and layouts.
// basefold_commit(commitment.params, tables) then yields prover data whose
// commitment() equals commitment.groups[g]. Throws Error(kIntegrity) naming
// the tensor if the checkpoint's bytes are not the committed ones.
std::vector<std::vector<crypto::Fp>> group_tables(const Checkpoint& checkpoint, const ModelCommitment& commitment,
                                                  std::size_t group);

struct CommitmentDifference {
  std::string tensor;   // the first differing tensor (by name), empty if none
  std::string message;  // one line
};

// The first difference between an expected commitment and a recomputed one,
// tensors first (by name), then groups, files, parameters and roots; nullopt
// if they are identical.
std::optional<CommitmentDifference> first_difference(const ModelCommitment& expected, const ModelCommitment& actual);

}  // namespace fti::commitment

// A model checkpoint: one safetensors file, or shards tied together by an
// index. Tensors are listed by name; their bytes are read from the mapped
// shards on demand, one tensor at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/common/sha256.h"
#include "registry/safetensors_file.h"

namespace fti {

// A file that makes up a checkpoint, wherever it came from.
struct CheckpointFileSource {
  std::string name;            // name within the model ("model-00001-of-00002.safetensors")
  std::filesystem::path path;  // where the bytes are on disk (a cache blob, say)
  std::string origin;          // what to call it in messages: a path, URL or archive member
  std::optional<Sha256Digest> known_sha256;  // already verified when fetched
};

// What a source resolves to: shards (or a single file) and, for sharded
// models, the index that binds tensors to shards.
struct ModelFiles {
  std::string origin;  // the source as the user gave it
  std::optional<CheckpointFileSource> index;
  std::vector<CheckpointFileSource> shards;
};

struct CheckpointTensor {
  const TensorEntry* entry = nullptr;  // inside its file's header
  std::size_t file_index = 0;
  const std::string& name() const noexcept { return entry->name; }
};

class Checkpoint {
 public:
  // A local .safetensors file, a directory with one .safetensors file, or a
  // directory with a *.safetensors.index.json and its shards.
  static Checkpoint open_local(const std::filesystem::path& path,
                               const SafetensorsLimits& limits = {});
  static Checkpoint open(const ModelFiles& files, const SafetensorsLimits& limits = {});

  // The model files of a local path: a file, an index and the shards beside
  // it, or a directory (see locate_in_directory). `origin` names it in messages.
  static ModelFiles locate_local(const std::filesystem::path& path, const std::string& origin);
  // Finds the model files in a local directory (index or single file).
  static ModelFiles locate_in_directory(const std::filesystem::path& directory,
                                        const std::string& origin);

  const std::string& origin() const noexcept { return origin_; }
  const std::vector<CheckpointTensor>& tensors() const noexcept { return tensors_; }  // by name
  const CheckpointTensor* find(std::string_view name) const;
  std::uint64_t total_tensor_bytes() const noexcept { return total_bytes_; }

  std::size_t file_count() const noexcept { return files_.size(); }
  const SafetensorsFile& file(std::size_t i) const { return *files_.at(i).file; }
  const CheckpointFileSource& file_source(std::size_t i) const { return files_.at(i).source; }
  const std::optional<CheckpointFileSource>& index_source() const noexcept { return index_; }
  // SHA-256 of file i, computed on first use (and checked against a digest
  // known from fetching: a cache entry that changed on disk is an error).
  Sha256Digest file_sha256(std::size_t i) const;

  std::span<const std::uint8_t> data(const CheckpointTensor& tensor) const;
  void prefetch(const CheckpointTensor& tensor) const noexcept;
  void release(const CheckpointTensor& tensor) const noexcept;

  // Non-fatal observations (e.g. an index total_size that disagrees).
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

 private:
  struct OpenFile {
    CheckpointFileSource source;
    std::unique_ptr<SafetensorsFile> file;
    mutable std::optional<Sha256Digest> sha256;
  };
  std::string origin_;
  std::optional<CheckpointFileSource> index_;
  std::vector<OpenFile> files_;
  std::vector<CheckpointTensor> tensors_;
  std::uint64_t total_bytes_ = 0;
  std::vector<std::string> warnings_;
};

// Reads a small text file (an index, a config) with a size limit.
std::string read_text_file(const std::filesystem::path& path, std::uint64_t max_bytes,
                           const std::string& what);

}  // namespace fti

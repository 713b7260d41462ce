// "*.safetensors.index.json": which shard holds which tensor.
//
// Parsed leniently (unknown fields and metadata are ignored, as the ecosystem
// writes various extras) but never trusted: Checkpoint checks the weight map
// against the shard headers, tensor by tensor. Shard names must be plain file
// names beside the index: no directories, no "..", nothing absolute.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fti {

inline constexpr std::uint64_t kMaxIndexFileBytes = 64ull << 20;

struct ShardIndex {
  std::map<std::string, std::string> weight_map;  // tensor name -> shard file name
  std::optional<std::uint64_t> total_size;        // metadata.total_size, when given
  std::vector<std::string> shard_files() const;   // distinct, sorted
};

// Throws Error(kInput) naming `what` on malformed JSON, a missing or
// non-object weight_map, non-string entries, or unsafe shard names.
ShardIndex parse_shard_index(std::string_view text, std::string_view what);

// A file name that is safe to join to a directory or a base URL.
bool is_plain_file_name(std::string_view name) noexcept;

}  // namespace fti

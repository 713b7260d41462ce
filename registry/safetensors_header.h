// The safetensors header: parsing and strict validation of untrusted bytes.
//
// Layout: an 8-byte little-endian length N, N bytes of UTF-8 JSON, then the
// data buffer. fti accepts a file only if all of these hold (the reference
// implementation's rules, made explicit, plus a few it leaves implicit):
//   * N <= limits.max_header_bytes (100,000,000 by default, the reference
//     limit) and 8 + N <= file size;
//   * the JSON starts with '{' right after the length, is one object, and is
//     followed by nothing but JSON whitespace (writers pad with spaces);
//   * no key appears twice, at any level (parsers that keep the first or the
//     last duplicate would disagree about the file);
//   * "__metadata__", if present, maps strings to strings;
//   * every other key is a non-empty tensor name without control characters,
//     whose value has exactly the fields dtype, shape and data_offsets;
//   * dtype is a supported name; shape is a list of non-negative integers of
//     rank <= limits.max_rank; the element count and byte size do not
//     overflow 64 bits;
//   * data_offsets [begin, end] has begin <= end and end - begin equals
//     element count x dtype size;
//   * sorted by offset, the tensors tile the data buffer exactly: the first
//     starts at 0, each starts where the previous ended, the last ends at the
//     end of the file (no overlaps, no holes, no trailing bytes, so no
//     polyglot tails);
//   * no alignment is assumed; empty (zero-element) and rank-0 tensors are valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/tensor/dtype.h"

namespace fti {

struct SafetensorsLimits {
  std::uint64_t max_header_bytes = 100'000'000;
  std::size_t max_tensors = 1'000'000;
  std::size_t max_rank = 32;
};

struct TensorEntry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::uint64_t> shape;
  std::uint64_t element_count = 0;
  std::uint64_t begin = 0;  // offsets relative to the start of the data buffer
  std::uint64_t end = 0;
  std::uint64_t byte_size() const noexcept { return end - begin; }
};

struct SafetensorsHeader {
  std::uint64_t header_length = 0;  // N
  std::uint64_t data_size = 0;      // file size - 8 - N
  std::vector<std::pair<std::string, std::string>> metadata;  // sorted by key
  std::vector<TensorEntry> tensors;                           // sorted by offset
  std::uint64_t data_offset() const noexcept { return 8 + header_length; }
};

// Validates the 8-byte prefix against the limits and the file size and
// returns N. `what` names the file in error messages.
std::uint64_t parse_safetensors_length(std::span<const std::uint8_t> prefix,
                                       std::uint64_t file_size, std::string_view what,
                                       const SafetensorsLimits& limits = {});

// Parses and validates the N header bytes (the JSON, after the prefix).
// Throws Error(kInput) (kLimit for limits) with a one-line message naming
// `what` and, where it applies, the tensor.
SafetensorsHeader parse_safetensors_header(std::span<const std::uint8_t> header_json,
                                           std::uint64_t file_size, std::string_view what,
                                           const SafetensorsLimits& limits = {});

// Both steps over a complete file image (tests, the fuzzer, small files).
SafetensorsHeader parse_safetensors(std::span<const std::uint8_t> file_bytes,
                                    std::string_view what, const SafetensorsLimits& limits = {});

}  // namespace fti

// A validated, memory-mapped safetensors file. Tensor bytes are spans into
// the mapping; nothing is copied. Callers stream tensor by tensor and
// release() each one when done so the resident set stays small.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "engine/common/mapped_file.h"
#include "registry/safetensors_header.h"

namespace fti {

class SafetensorsFile {
 public:
  // `display_name` names the file in messages (a URL or archive member for
  // fetched files); defaults to the path.
  explicit SafetensorsFile(const std::filesystem::path& path, std::string display_name = {},
                           const SafetensorsLimits& limits = {});

  const SafetensorsHeader& header() const noexcept { return header_; }
  const std::vector<TensorEntry>& tensors() const noexcept { return header_.tensors; }
  const std::filesystem::path& path() const noexcept { return file_.path(); }
  const std::string& display_name() const noexcept { return display_name_; }
  std::uint64_t file_size() const noexcept { return file_.size(); }

  // The tensor's bytes, little-endian, unaligned.
  std::span<const std::uint8_t> data(const TensorEntry& tensor) const;
  // Hint the kernel to read the tensor ahead, and give its pages back after.
  void prefetch(const TensorEntry& tensor) const noexcept;
  void release(const TensorEntry& tensor) const noexcept;

 private:
  MappedFile file_;
  std::string display_name_;
  SafetensorsHeader header_;
};

}  // namespace fti

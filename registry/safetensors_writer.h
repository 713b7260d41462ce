// Writing safetensors files, byte-compatible with the reference writer:
// "__metadata__" first, tensors ordered by dtype alignment (largest first)
// then by name, compact JSON, header padded with spaces to a multiple of 8 so
// every tensor is aligned to its element size.
//
// The writer streams: declare every tensor up front, then hand over each
// tensor's bytes in layout order. The file appears atomically on commit().
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "engine/common/atomic_file.h"
#include "engine/tensor/dtype.h"

namespace fti {

struct TensorSpec {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::uint64_t> shape;
  std::uint64_t byte_size() const;  // element count x dtype size (throws on overflow)
};

using SafetensorsMetadata = std::map<std::string, std::string>;

// The header bytes (8-byte length + padded JSON) for `specs` in the order the
// reference writer uses; `specs` is reordered into that layout.
std::vector<std::uint8_t> build_safetensors_header(std::vector<TensorSpec>& specs,
                                                   const SafetensorsMetadata& metadata);

class SafetensorsWriter {
 public:
  SafetensorsWriter(const std::filesystem::path& destination, std::vector<TensorSpec> specs,
                    const SafetensorsMetadata& metadata = {});

  // The order in which write_next() expects the tensors.
  const std::vector<TensorSpec>& layout() const noexcept { return specs_; }
  // Appends the bytes of layout()[next]; its size must match exactly.
  void write_next(std::span<const std::uint8_t> bytes);
  // Appends part of the current tensor; the tensor is complete once its
  // declared size has been written.
  void write_partial(std::span<const std::uint8_t> bytes);
  void commit();

 private:
  AtomicFile file_;
  std::vector<TensorSpec> specs_;
  std::size_t next_ = 0;
  std::uint64_t written_in_current_ = 0;
};

// In-memory tensors for tests and small files.
struct TensorData {
  TensorSpec spec;
  std::vector<std::uint8_t> bytes;
};

std::vector<std::uint8_t> serialize_safetensors(std::vector<TensorData> tensors,
                                                const SafetensorsMetadata& metadata = {});
void write_safetensors(const std::filesystem::path& destination, std::vector<TensorData> tensors,
                       const SafetensorsMetadata& metadata = {});

}  // namespace fti

// Small F32 tensors for the gate tests, values exactly as written.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "registry/safetensors_writer.h"

namespace fti::gate {

inline TensorData f32(const std::string& name, std::vector<std::uint64_t> shape, const std::vector<float>& values) {
  TensorData t{{name, DType::kF32, std::move(shape)}, std::vector<std::uint8_t>(values.size() * 4)};
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

}  // namespace fti::gate

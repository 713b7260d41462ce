// Fuzzes the safetensors header parser over whole file images. Any input may
// be rejected with fti::Error; nothing may crash, leak, overflow or hang.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/common/error.h"
#include "registry/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fti::SafetensorsLimits limits;
  limits.max_header_bytes = 1 << 20;
  try {
    const fti::SafetensorsHeader header =
        fti::parse_safetensors(std::span(data, size), "fuzz", limits);
    // Invariants a successful parse guarantees.
    std::uint64_t position = 0;
    for (const fti::TensorEntry& t : header.tensors) {
      if (t.begin != position || t.end < t.begin) __builtin_trap();
      position = t.end;
    }
    if (position != header.data_size || 8 + header.header_length + header.data_size != size) {
      __builtin_trap();
    }
  } catch (const fti::Error&) {
  }
  return 0;
}

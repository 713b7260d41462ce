// Fuzzes the model commitment file parser (fti.commitment/v1, PROTOCOL.md
// section 9.6): a hostile file is rejected with fti::Error, never crashes or
// allocates beyond its limits, and a file it accepts re-serializes to exactly
// the same bytes (the format has one encoding per commitment).
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/commitment/commitment_file.h"
#include "engine/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    const fti::commitment::ModelCommitment c = fti::commitment::parse_commitment(bytes, "fuzz.fticommit");
    const std::vector<std::uint8_t> again = fti::commitment::serialize_commitment(c);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) __builtin_trap();
  } catch (const fti::Error&) {
  }
  return 0;
}

// Fuzzes the shard index parser (lenient JSON, strict shard names).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/common/error.h"
#include "registry/shard_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const fti::ShardIndex index = fti::parse_shard_index(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    for (const std::string& shard : index.shard_files()) {
      if (!fti::is_plain_file_name(shard)) __builtin_trap();
    }
  } catch (const fti::Error&) {
  }
  return 0;
}

// Fuzzes archive listing: names and kinds validated, limits enforced.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/common/error.h"
#include "registry/archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fti::ArchiveLimits limits;
  limits.max_entries = 1000;
  limits.max_total_bytes = 1 << 24;
  try {
    for (const fti::ArchiveEntryInfo& entry : fti::list_archive_memory(data, size, "fuzz", limits)) {
      if (entry.path.empty() || entry.path.front() == '/') __builtin_trap();
      std::size_t start = 0;
      while (start <= entry.path.size()) {
        std::size_t slash = entry.path.find('/', start);
        if (slash == std::string::npos) slash = entry.path.size();
        const std::string_view part(entry.path.data() + start, slash - start);
        if (part.empty() || part == "." || part == "..") __builtin_trap();
        start = slash + 1;
      }
    }
  } catch (const fti::Error&) {
  }
  return 0;
}

// Safe extraction of model archives (.tar, .tar.gz, .tar.zst, .zip and the
// other tar compressions libarchive detects) into a directory.
//
// An archive is untrusted. fti extracts regular files, directories, and links
// that stay inside the extraction root, and refuses everything else:
//   * absolute paths, ".." components, backslashes, control characters;
//   * device nodes, FIFOs, sockets, encrypted entries;
//   * the same path twice;
//   * writing through a symlink (every directory is opened with O_NOFOLLOW);
//   * symlinks that resolve, physically, outside the root (checked with
//     realpath after extraction, over the whole tree) and hard links to
//     anything but a regular file already extracted;
//   * more than max_entries entries, more than max_total_bytes extracted, or
//     an expansion ratio above max_ratio once max_ratio_floor bytes are out
//     (archive bombs).
// On any refusal the partial extraction is removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/sha256.h"

namespace fti {

class Cache;

struct ArchiveLimits {
  std::uint64_t max_total_bytes = 1ull << 40;  // 1 TiB
  std::uint64_t max_entries = 100'000;
  double max_ratio = 200.0;
  std::uint64_t max_ratio_floor = 256ull << 20;
  // FTI_MAX_EXTRACT_BYTES, FTI_MAX_EXTRACT_ENTRIES and FTI_MAX_EXTRACT_RATIO
  // override the defaults.
  static ArchiveLimits from_environment();
};

// True for names fti treats as archives: .tar, .tar.gz, .tgz, .tar.zst,
// .tzst, .tar.xz, .tar.bz2, .zip.
bool looks_like_archive(std::string_view name) noexcept;

struct ArchiveEntryInfo {
  std::string path;
  enum class Kind { kFile, kDirectory, kSymlink, kHardlink } kind = Kind::kFile;
  std::uint64_t size = 0;
  std::string link_target;
};

struct ExtractionSummary {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

// Lists and validates entry names and kinds without writing anything. Throws
// like extract_archive for unsafe names, unsupported kinds and limits.
std::vector<ArchiveEntryInfo> list_archive(const std::filesystem::path& archive,
                                           const std::string& what,
                                           const ArchiveLimits& limits = {});
// The same over an in-memory archive (the fuzzer).
std::vector<ArchiveEntryInfo> list_archive_memory(const void* data, std::size_t size,
                                                  const std::string& what,
                                                  const ArchiveLimits& limits = {});

// Extracts into `destination`, which must not exist yet (it is created).
ExtractionSummary extract_archive(const std::filesystem::path& archive,
                                  const std::filesystem::path& destination,
                                  const std::string& what, const ArchiveLimits& limits = {});

// Extracts once per archive digest into the cache (cache/extracted/<sha256>)
// and returns that directory; a second call finds it. Atomic: extraction goes
// to a temporary directory that is renamed into place when complete.
std::filesystem::path extract_to_cache(const std::filesystem::path& archive,
                                       const Sha256Digest& archive_sha256, Cache& cache,
                                       const std::string& what,
                                       const ArchiveLimits& limits = {});

}  // namespace fti

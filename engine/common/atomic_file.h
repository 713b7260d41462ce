// A file that appears under its final name complete or not at all.
//
// Bytes go to a temporary file beside the destination (same filesystem, so the
// final rename is atomic); commit() flushes, fsyncs and renames. Destroying an
// AtomicFile that was not committed removes the temporary, so an error or an
// exception never leaves a half-written report, certificate or cache entry.
// The temporary is ".NAME.tmp-PID-XXXXXX"; a process killed before its
// rename (SIGKILL) leaves it behind, and the next AtomicFile for the same
// destination removes it once that PID no longer exists.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

namespace fti {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path destination);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  void write(std::span<const std::uint8_t> bytes) { write(bytes.data(), bytes.size()); }

  // Makes the content visible under the destination name. Throws Error(kIo).
  void commit();

  const std::filesystem::path& temp_path() const noexcept { return temp_path_; }
  const std::filesystem::path& destination() const noexcept { return destination_; }

 private:
  void discard() noexcept;
  std::filesystem::path destination_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Removes ".NAME.tmp-PID-*" beside `destination` whose PID is not a live
// process (never this process's or a running writer's); the count removed.
std::size_t sweep_stale_temporaries(const std::filesystem::path& destination) noexcept;

// Convenience: writes the whole content atomically.
void write_file_atomically(const std::filesystem::path& destination, std::string_view content);

// fsync of a directory, so a rename inside it survives a crash.
void sync_directory(const std::filesystem::path& directory) noexcept;

}  // namespace fti

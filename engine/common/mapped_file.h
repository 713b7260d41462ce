// Read-only memory map of a whole file. Tensor data is read straight from the
// mapping; release() hands pages of a finished tensor back to the kernel so
// the resident set stays at a few tensors however large the checkpoint is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace fti {

class MappedFile {
 public:
  // Throws Error(kIo) naming the path on failure. An empty file maps to an
  // empty span (mmap of length 0 is not allowed, so nothing is mapped).
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }
  const std::filesystem::path& path() const noexcept { return path_; }

  // Hint that [offset, offset+length) will be read once, front to back.
  void advise_sequential(std::size_t offset, std::size_t length) const noexcept;
  // Drop the pages of [offset, offset+length) from this process; a later read
  // faults them back in from the page cache or disk.
  void release(std::size_t offset, std::size_t length) const noexcept;

 private:
  void unmap() noexcept;
  std::filesystem::path path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace fti

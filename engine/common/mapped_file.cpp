#include "engine/common/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "engine/common/error.h"

namespace fti {
namespace {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// Widen [offset, offset+length) to page boundaries inside the mapping.
std::pair<std::size_t, std::size_t> page_range(std::size_t offset, std::size_t length,
                                               std::size_t size) {
  if (offset >= size || length == 0) return {0, 0};
  const std::size_t end = std::min(size, offset + std::min(length, size - offset));
  const std::size_t begin = offset - offset % page_size();
  return {begin, end - begin};
}

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorCode::kIo, path.string() + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(ErrorCode::kIo, path.string() + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::kInput, path.string() + ": not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error(ErrorCode::kIo, path.string() + ": cannot map: " + std::strerror(err));
    }
    data_ = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);  // the mapping keeps the file alive
}

MappedFile::~MappedFile() { unmap(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void MappedFile::unmap() noexcept {
  if (data_ != nullptr) {
    ::munmap(const_cast<std::uint8_t*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
  }
}

void MappedFile::advise_sequential(std::size_t offset, std::size_t length) const noexcept {
  const auto [begin, len] = page_range(offset, length, size_);
  if (len != 0) {
    // Advice values are not flags: one call each. POPULATE_READ (Linux 5.14)
    // maps the whole range in one call instead of one page fault per 4 KiB,
    // which is most of the cost of reading a warm file through a mapping;
    // older kernels refuse it and fall back to faulting.
    void* start = const_cast<std::uint8_t*>(data_) + begin;
    ::madvise(start, len, MADV_SEQUENTIAL);
#ifdef MADV_POPULATE_READ
    if (::madvise(start, len, MADV_POPULATE_READ) == 0) return;
#endif
    ::madvise(start, len, MADV_WILLNEED);
  }
}

void MappedFile::release(std::size_t offset, std::size_t length) const noexcept {
  const auto [begin, len] = page_range(offset, length, size_);
  if (len != 0) {
    ::madvise(const_cast<std::uint8_t*>(data_) + begin, len, MADV_DONTNEED);
  }
}

}  // namespace fti

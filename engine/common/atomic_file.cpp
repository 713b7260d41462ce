#include "engine/common/atomic_file.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "engine/common/error.h"

namespace fti {

AtomicFile::AtomicFile(std::filesystem::path destination) : destination_(std::move(destination)) {
  const std::filesystem::path dir =
      destination_.has_parent_path() ? destination_.parent_path() : std::filesystem::path(".");
  // Built by appending: GCC 12 at -O3 reports a false -Wrestrict on `"." + std::string&&`.
  std::string temp_name = ".";
  temp_name += destination_.filename().string();
  temp_name += ".tmp-XXXXXX";
  std::string pattern = (dir / temp_name).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd_ < 0) {
    throw Error(ErrorCode::kIo,
                destination_.string() + ": cannot create temporary file: " + std::strerror(errno));
  }
  temp_path_ = buf.data();
  ::fchmod(fd_, 0644);
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
  }
}

void AtomicFile::write(const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo,
                  destination_.string() + ": write failed: " + std::strerror(errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (committed_) return;
  if (::fsync(fd_) != 0) {
    throw Error(ErrorCode::kIo, destination_.string() + ": fsync failed: " + std::strerror(errno));
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw Error(ErrorCode::kIo, destination_.string() + ": close failed: " + std::strerror(errno));
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), destination_.c_str()) != 0) {
    throw Error(ErrorCode::kIo, destination_.string() + ": rename failed: " + std::strerror(errno));
  }
  committed_ = true;
  sync_directory(destination_.has_parent_path() ? destination_.parent_path()
                                                : std::filesystem::path("."));
}

void write_file_atomically(const std::filesystem::path& destination, std::string_view content) {
  AtomicFile file(destination);
  file.write(content);
  file.commit();
}

void sync_directory(const std::filesystem::path& directory) noexcept {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace fti

#include "engine/common/atomic_file.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "engine/common/error.h"

namespace fti {
namespace {

// The PID in a temporary's name ".NAME.tmp-PID-XXXXXX", 0 if it has none.
pid_t temp_owner(std::string_view file_name, std::string_view prefix) {
  if (file_name.substr(0, prefix.size()) != prefix) return 0;
  const std::string_view rest = file_name.substr(prefix.size());
  const std::size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 10 || rest.size() - dash - 1 != 6) return 0;
  long pid = 0;
  for (const char c : rest.substr(0, dash)) {
    if (c < '0' || c > '9') return 0;
    pid = pid * 10 + (c - '0');
  }
  return pid > 0 && pid <= 0x3FFFFFFF ? static_cast<pid_t>(pid) : 0;
}

}  // namespace

std::size_t sweep_stale_temporaries(const std::filesystem::path& destination) noexcept {
  std::size_t removed = 0;
  try {
    const std::filesystem::path dir =
        destination.has_parent_path() ? destination.parent_path() : std::filesystem::path(".");
    std::string prefix = ".";
    prefix += destination.filename().string();
    prefix += ".tmp-";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      const pid_t owner = temp_owner(name, prefix);
      // Only a writer that no longer exists: a live one (this process or a
      // concurrent fti) is mid-write and keeps its file.
      if (owner == 0 || owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
      if (::unlink(entry.path().c_str()) == 0) ++removed;
    }
  } catch (...) {
    // Best effort: a directory that cannot be listed is the create's problem.
  }
  return removed;
}

AtomicFile::AtomicFile(std::filesystem::path destination) : destination_(std::move(destination)) {
  const std::filesystem::path dir =
      destination_.has_parent_path() ? destination_.parent_path() : std::filesystem::path(".");
  // A writer killed between create and rename (SIGKILL, power loss) left its
  // temporary; the PID in the name says whether it is gone.
  sweep_stale_temporaries(destination_);
  // Built by appending: GCC 12 at -O3 reports a false -Wrestrict on `"." + std::string&&`.
  std::string temp_name = ".";
  temp_name += destination_.filename().string();
  temp_name += ".tmp-";
  temp_name += std::to_string(::getpid());
  temp_name += "-XXXXXX";
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

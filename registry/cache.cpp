#include "registry/cache.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/common/atomic_file.h"
#include "engine/common/env.h"
#include "engine/common/error.h"
#include "engine/common/strict_json.h"
#include "registry/interrupt.h"

namespace fti {
namespace fs = std::filesystem;

namespace {

std::string url_key(std::string_view url) { return to_hex(sha256(url)); }

}  // namespace

Cache::Cache(fs::path root) : root_(std::move(root)) {}

Cache Cache::from_environment() {
  if (const std::string dir = env_or_empty("FTI_CACHE_DIR"); !dir.empty()) return Cache(dir);
  if (const std::string xdg = env_or_empty("XDG_CACHE_HOME"); !xdg.empty()) {
    return Cache(fs::path(xdg) / "fti");
  }
  if (const std::string home = env_or_empty("HOME"); !home.empty()) {
    return Cache(fs::path(home) / ".cache" / "fti");
  }
  throw Error(ErrorCode::kUsage,
              "no cache directory: set FTI_CACHE_DIR, XDG_CACHE_HOME or HOME");
}

fs::path Cache::ensure_dir(const fs::path& relative) const {
  const fs::path dir = root_ / relative;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error(ErrorCode::kIo,
                dir.string() + ": cannot create cache directory: " + ec.message() +
                    " (point FTI_CACHE_DIR or --cache-dir at a writable directory)");
  }
  return dir;
}

fs::path Cache::blob_path(const Sha256Digest& digest) const {
  return root_ / "blobs" / "sha256" / to_hex(digest);
}

std::optional<fs::path> Cache::find_blob(const Sha256Digest& digest) const {
  const fs::path path = blob_path(digest);
  std::error_code ec;
  if (fs::is_regular_file(fs::symlink_status(path, ec))) return path;
  return std::nullopt;
}

fs::path Cache::adopt_blob(const fs::path& verified_file, const Sha256Digest& digest) {
  ensure_dir(fs::path("blobs") / "sha256");
  const fs::path destination = blob_path(digest);
  if (find_blob(digest)) {
    std::error_code ec;
    fs::remove(verified_file, ec);
    return destination;
  }
  if (::rename(verified_file.c_str(), destination.c_str()) != 0) {
    throw Error(ErrorCode::kIo, destination.string() + ": cannot store cache entry: " +
                                    std::strerror(errno));
  }
  sync_directory(destination.parent_path());
  return destination;
}

std::optional<UrlRecord> Cache::lookup_url(std::string_view url) const {
  const fs::path path = root_ / "urls" / (url_key(url) + ".json");
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > (1u << 20)) return std::nullopt;
  try {
    std::string text(size, '\0');
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    const ssize_t n = ::read(fd, text.data(), text.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(size)) return std::nullopt;
    const nlohmann::json j = parse_strict_json(text, path.string());
    UrlRecord record;
    record.url = j.at("url").get<std::string>();
    if (record.url != url) return std::nullopt;  // key collision or tampering
    const auto digest = parse_hex_digest<32>(j.at("sha256").get<std::string>());
    if (!digest) return std::nullopt;
    record.sha256 = *digest;
    record.size = j.at("size").get<std::uint64_t>();
    record.etag = j.value("etag", "");
    record.last_modified = j.value("last_modified", "");
    record.repo_commit = j.value("repo_commit", "");
    record.verified_by = j.value("verified_by", "");
    return record;
  } catch (const std::exception&) {
    return std::nullopt;  // an unreadable record is a cache miss, not an error
  }
}

void Cache::record_url(const UrlRecord& record) {
  const fs::path dir = ensure_dir("urls");
  nlohmann::json j = {{"url", record.url},
                      {"sha256", to_hex(record.sha256)},
                      {"size", record.size},
                      {"etag", record.etag},
                      {"last_modified", record.last_modified},
                      {"repo_commit", record.repo_commit},
                      {"verified_by", record.verified_by}};
  write_file_atomically(dir / (url_key(record.url) + ".json"), j.dump(2) + "\n");
}

fs::path Cache::partial_path(std::string_view url) const {
  return ensure_dir("partial") / url_key(url);
}

fs::path Cache::extraction_path(const Sha256Digest& archive_digest) const {
  return ensure_dir("extracted") / to_hex(archive_digest);
}

fs::path Cache::temp_dir() const { return ensure_dir("tmp"); }

fs::path Cache::lock_path(std::string_view name) const {
  return ensure_dir("locks") / (std::string(name) + ".lock");
}

FileLock::FileLock(const fs::path& lock_file) {
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(ErrorCode::kIo, lock_file.string() + ": cannot open lock: " + std::strerror(errno));
  }
  // Polled rather than blocking, so that SIGINT/SIGTERM can end the wait
  // for another process (registry/interrupt.h).
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK) {
      ::close(fd_);
      throw Error(ErrorCode::kIo, lock_file.string() + ": cannot lock: " + std::strerror(err));
    }
    if (!interruptible_sleep(std::chrono::milliseconds(20))) {
      ::close(fd_);
      fd_ = -1;
      throw_interrupted(lock_file.string(), " while waiting for another fti process");
    }
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace fti

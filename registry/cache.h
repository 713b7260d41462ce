// Content-addressed local cache: $FTI_CACHE_DIR, else $XDG_CACHE_HOME/fti,
// else $HOME/.cache/fti.
//
//   blobs/sha256/<hex>      complete files, named by their verified SHA-256
//   urls/<sha256(url)>.json what a URL (without user:password) resolved to
//                           last time (digest, size, ETag, Last-Modified, hub
//                           commit), for conditional re-fetches
//   partial/<sha256(url)>   an interrupted download and its .json sidecar
//                           (partial/<sha256(url)>.json), resumable with
//                           Range; never read as a blob
//   extracted/<hex>/        an archive's verified extraction, by archive digest
//   tmp/                    scratch on the same filesystem, for atomic renames
//   locks/                  advisory locks shared by concurrent fti processes
//                           (url-<sha256(url)>.lock while a URL downloads)
//
// A blob exists only after its bytes were hashed and matched, and it appears
// by rename, so a reader never sees a partial file under a blob name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "engine/common/sha256.h"

namespace fti {

// What a URL resolved to on a previous fetch.
struct UrlRecord {
  std::string url;
  Sha256Digest sha256{};
  std::uint64_t size = 0;
  std::string etag;           // the server's validator, if any
  std::string last_modified;  // likewise
  std::string repo_commit;    // the hub's X-Repo-Commit for this answer, if any
  std::string verified_by;    // what the bytes were checked against ("expected", ...)
};

class Cache {
 public:
  explicit Cache(std::filesystem::path root);
  // The cache named by the environment (see above).
  static Cache from_environment();

  const std::filesystem::path& root() const noexcept { return root_; }

  std::filesystem::path blob_path(const Sha256Digest& digest) const;
  // The blob's path when it is present (a regular file), else nullopt.
  std::optional<std::filesystem::path> find_blob(const Sha256Digest& digest) const;
  // Moves `verified_file` (already hashed to `digest`, on the cache's
  // filesystem) into the store by rename and returns the blob path. If the
  // blob already exists the file is removed instead.
  std::filesystem::path adopt_blob(const std::filesystem::path& verified_file,
                                   const Sha256Digest& digest);

  std::optional<UrlRecord> lookup_url(std::string_view url) const;
  void record_url(const UrlRecord& record);

  // partial/<key> where key = hex(sha256(url)); the caller owns the format.
  std::filesystem::path partial_path(std::string_view url) const;
  std::filesystem::path extraction_path(const Sha256Digest& archive_digest) const;
  // A directory for temporary files on the cache's filesystem (created).
  std::filesystem::path temp_dir() const;
  // locks/<name>.lock (directory created); use with FileLock.
  std::filesystem::path lock_path(std::string_view name) const;

 private:
  std::filesystem::path ensure_dir(const std::filesystem::path& relative) const;
  std::filesystem::path root_;
};

// Exclusive advisory lock (flock) held for the object's lifetime, so two fti
// processes sharing a cache do not download or extract the same thing twice
// at once. Waits until acquired; a SIGINT/SIGTERM noted while waiting
// (registry/interrupt.h) ends the wait with Error(kInterrupted). The kernel
// releases the lock when its process dies, however it dies.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& lock_file);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace fti

#include "registry/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>

#include "engine/common/atomic_file.h"
#include "engine/common/env.h"
#include "engine/common/error.h"
#include "engine/common/text.h"
#include "engine/common/unique_fd.h"
#include "registry/cache.h"

namespace fti {
namespace fs = std::filesystem;

namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const std::string text = env_or_empty(name);
  if (text.empty()) return fallback;
  const char* value = text.c_str();
  char* end = nullptr;
  errno = 0;
  const unsigned long long parsed = std::strtoull(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || *value < '0' || *value > '9') {
    throw Error(ErrorCode::kUsage, std::string(name) + "=" + value + " is not a number");
  }
  return parsed;
}

[[noreturn]] void refuse(const std::string& what, std::string_view entry, const std::string& why) {
  throw Error(ErrorCode::kInput, what + ": archive entry " + quote_untrusted(entry) + ": " + why);
}

// Splits an entry path into safe components ("." and empty ones dropped).
std::vector<std::string> safe_components(std::string_view path, const std::string& what) {
  if (path.empty()) refuse(what, path, "empty path");
  if (path.front() == '/') refuse(what, path, "absolute path");
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(start, slash - start);
    if (part == "..") refuse(what, path, "path contains '..'");
    if (!part.empty() && part != ".") {
      if (part.find('\\') != std::string_view::npos) refuse(what, path, "path contains a backslash");
      if (has_control_chars(part)) refuse(what, path, "path contains control characters");
      if (part.size() > NAME_MAX) refuse(what, path, "path component too long");
      parts.emplace_back(part);
    }
    start = slash + 1;
  }
  if (parts.empty()) refuse(what, path, "path names the archive root");
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

const char* entry_path(archive_entry* entry) {
  const char* utf8 = archive_entry_pathname_utf8(entry);
  return utf8 != nullptr ? utf8 : archive_entry_pathname(entry);
}

ArchivePtr open_reader() {
  ArchivePtr a(archive_read_new());
  if (!a) throw Error(ErrorCode::kInternal, "libarchive: out of memory");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_zip(a.get());
  return a;
}

// Walks every header, validating names, kinds and limits. `on_entry` gets the
// validated info and may read the entry's data.
void for_each_entry(archive* a, const std::string& what, const ArchiveLimits& limits,
                    std::uint64_t archive_size,
                    const std::function<void(const ArchiveEntryInfo&,
                                             const std::vector<std::string>&)>& on_entry) {
  std::uint64_t entries = 0;
  std::uint64_t declared = 0;
  std::unordered_set<std::string> seen;
  for (;;) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      const char* message = archive_error_string(a);
      throw Error(ErrorCode::kInput, what + ": not a readable archive: " +
                                         escape_untrusted(message != nullptr ? message : "unknown error"));
    }
    if (++entries > limits.max_entries) {
      throw Error(ErrorCode::kLimit, what + ": more than " + std::to_string(limits.max_entries) +
                                         " entries (raise with FTI_MAX_EXTRACT_ENTRIES)");
    }
    const char* raw_path = entry_path(entry);
    const std::string path = raw_path != nullptr ? raw_path : "";
    if (archive_entry_is_encrypted(entry)) refuse(what, path, "encrypted entries are not supported");
    ArchiveEntryInfo info;
    std::vector<std::string> parts = safe_components(path, what);
    info.path = join(parts);
    if (!seen.insert(info.path).second) refuse(what, path, "appears twice in the archive");
    if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
      info.kind = ArchiveEntryInfo::Kind::kHardlink;
      info.link_target = join(safe_components(hardlink, what));
    } else {
      switch (archive_entry_filetype(entry)) {
        case AE_IFREG:
          info.kind = ArchiveEntryInfo::Kind::kFile;
          break;
        case AE_IFDIR:
          info.kind = ArchiveEntryInfo::Kind::kDirectory;
          break;
        case AE_IFLNK: {
          info.kind = ArchiveEntryInfo::Kind::kSymlink;
          const char* target = archive_entry_symlink(entry);
          info.link_target = target != nullptr ? target : "";
          if (info.link_target.empty()) refuse(what, path, "symlink without a target");
          if (info.link_target.front() == '/') refuse(what, path, "symlink to an absolute path");
          if (info.link_target.find('\0') != std::string::npos) refuse(what, path, "bad symlink");
          break;
        }
        default:
          refuse(what, path, "not a regular file, directory or link (device, FIFO or socket)");
      }
    }
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
      info.size = static_cast<std::uint64_t>(archive_entry_size(entry));
      declared += info.size;
      if (declared > limits.max_total_bytes) {
        throw Error(ErrorCode::kLimit, what + ": declares more than " +
                                           std::to_string(limits.max_total_bytes) +
                                           " bytes of content (raise with FTI_MAX_EXTRACT_BYTES)");
      }
    }
    (void)archive_size;
    on_entry(info, parts);
  }
}

// Opens (creating as needed) the directory holding parts[0..n-2], refusing to
// pass through anything that is not a real directory.
UniqueFd open_parent(int root_fd, const std::vector<std::string>& parts, const std::string& what,
                     const std::string& entry) {
  UniqueFd dir(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (::mkdirat(dir.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST) {
      refuse(what, entry, std::string("cannot create directory: ") + std::strerror(errno));
    }
    UniqueFd next(::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) refuse(what, entry, "a parent path is a symlink or a file");
    dir = std::move(next);
  }
  return dir;
}

class Extractor {
 public:
  Extractor(const fs::path& root, const std::string& what, const ArchiveLimits& limits,
            std::uint64_t archive_size)
      : what_(what), limits_(limits), archive_size_(archive_size) {
    if (::mkdir(root.c_str(), 0755) != 0) {
      throw Error(ErrorCode::kIo, root.string() + ": cannot create extraction directory: " +
                                      std::strerror(errno));
    }
    root_fd_ = UniqueFd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (root_fd_.get() < 0) {
      throw Error(ErrorCode::kIo, root.string() + ": cannot open: " + std::strerror(errno));
    }
  }

  void extract(archive* a, const ArchiveEntryInfo& info, const std::vector<std::string>& parts) {
    const UniqueFd parent = open_parent(root_fd_.get(), parts, what_, info.path);
    const std::string& name = parts.back();
    switch (info.kind) {
      case ArchiveEntryInfo::Kind::kDirectory:
        if (::mkdirat(parent.get(), name.c_str(), 0755) != 0) {
          // An implicit parent created earlier is fine; anything else is not.
          struct stat st {};
          if (errno != EEXIST || ::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
              !S_ISDIR(st.st_mode)) {
            refuse(what_, info.path, "cannot create directory");
          }
        }
        return;
      case ArchiveEntryInfo::Kind::kSymlink:
        if (::symlinkat(info.link_target.c_str(), parent.get(), name.c_str()) != 0) {
          refuse(what_, info.path, std::string("cannot create symlink: ") + std::strerror(errno));
        }
        return;
      case ArchiveEntryInfo::Kind::kHardlink: {
        const std::vector<std::string> target_parts = safe_components(info.link_target, what_);
        const UniqueFd target_parent = open_parent(root_fd_.get(), target_parts, what_, info.path);
        struct stat st {};
        if (::fstatat(target_parent.get(), target_parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode)) {
          refuse(what_, info.path, "hard link to something that is not an extracted regular file");
        }
        if (::linkat(target_parent.get(), target_parts.back().c_str(), parent.get(), name.c_str(), 0) != 0) {
          refuse(what_, info.path, std::string("cannot create hard link: ") + std::strerror(errno));
        }
        ++summary.files;
        return;
      }
      case ArchiveEntryInfo::Kind::kFile:
        write_file(a, parent.get(), name, info.path);
        return;
    }
  }

  ExtractionSummary summary;

 private:
  void write_file(archive* a, int parent_fd, const std::string& name, const std::string& path) {
    UniqueFd out(::openat(parent_fd, name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (out.get() < 0) refuse(what_, path, std::string("cannot create file: ") + std::strerror(errno));
    std::vector<char> buffer(1 << 20);
    for (;;) {
      const la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
      if (n < 0) {
        const char* message = archive_error_string(a);
        refuse(what_, path, "corrupt data: " + escape_untrusted(message != nullptr ? message : "?"));
      }
      if (n == 0) break;
      summary.bytes += static_cast<std::uint64_t>(n);
      check_limits();
      const char* p = buffer.data();
      std::size_t left = static_cast<std::size_t>(n);
      while (left > 0) {
        const ssize_t w = ::write(out.get(), p, left);
        if (w < 0) {
          if (errno == EINTR) continue;
          throw Error(ErrorCode::kIo, what_ + ": writing " + path + ": " + std::strerror(errno));
        }
        p += w;
        left -= static_cast<std::size_t>(w);
      }
    }
    ++summary.files;
  }

  void check_limits() const {
    if (summary.bytes > limits_.max_total_bytes) {
      throw Error(ErrorCode::kLimit, what_ + ": expands to more than " +
                                         std::to_string(limits_.max_total_bytes) +
                                         " bytes (raise with FTI_MAX_EXTRACT_BYTES)");
    }
    if (summary.bytes > limits_.max_ratio_floor && archive_size_ > 0 &&
        static_cast<double>(summary.bytes) > limits_.max_ratio * static_cast<double>(archive_size_)) {
      throw Error(ErrorCode::kLimit,
                  what_ + ": expands more than " + std::to_string(static_cast<int>(limits_.max_ratio)) +
                      "x its size; refusing a likely archive bomb (raise with FTI_MAX_EXTRACT_RATIO)");
    }
  }

  std::string what_;
  ArchiveLimits limits_;
  std::uint64_t archive_size_;
  UniqueFd root_fd_;
};

// Every symlink in the tree must resolve, physically, to a path inside root.
void check_symlinks(const fs::path& root, const std::string& what) {
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) throw Error(ErrorCode::kIo, root.string() + ": " + ec.message());
  const std::string prefix = real_root.string() + "/";
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink(ec)) continue;
    const std::string relative = fs::relative(it->path(), root, ec).string();
    char resolved[PATH_MAX];
    if (::realpath(it->path().c_str(), resolved) == nullptr) {
      refuse(what, relative, "symlink target is missing or outside the extraction directory");
    }
    const std::string target = resolved;
    if (target != real_root.string() && target.rfind(prefix, 0) != 0) {
      refuse(what, relative, "symlink points outside the extraction directory");
    }
  }
  if (ec) throw Error(ErrorCode::kIo, root.string() + ": " + ec.message());
}

void remove_tree_quietly(const fs::path& path) noexcept {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace

ArchiveLimits ArchiveLimits::from_environment() {
  ArchiveLimits limits;
  limits.max_total_bytes = env_u64("FTI_MAX_EXTRACT_BYTES", limits.max_total_bytes);
  limits.max_entries = env_u64("FTI_MAX_EXTRACT_ENTRIES", limits.max_entries);
  limits.max_ratio = static_cast<double>(
      env_u64("FTI_MAX_EXTRACT_RATIO", static_cast<std::uint64_t>(limits.max_ratio)));
  return limits;
}

bool looks_like_archive(std::string_view name) noexcept {
  static constexpr std::string_view kSuffixes[] = {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst",
                                                   ".tar.xz", ".txz", ".tar.bz2", ".zip"};
  for (const std::string_view suffix : kSuffixes) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return true;
    }
  }
  return false;
}

std::vector<ArchiveEntryInfo> list_archive(const fs::path& archive_path, const std::string& what,
                                           const ArchiveLimits& limits) {
  ArchivePtr a = open_reader();
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 20) != ARCHIVE_OK) {
    const char* message = archive_error_string(a.get());
    throw Error(ErrorCode::kInput, what + ": cannot open archive: " +
                                       escape_untrusted(message != nullptr ? message : "?"));
  }
  std::vector<ArchiveEntryInfo> entries;
  for_each_entry(a.get(), what, limits, 0,
                 [&](const ArchiveEntryInfo& info, const std::vector<std::string>&) {
                   entries.push_back(info);
                 });
  return entries;
}

std::vector<ArchiveEntryInfo> list_archive_memory(const void* data, std::size_t size,
                                                  const std::string& what,
                                                  const ArchiveLimits& limits) {
  ArchivePtr a = open_reader();
  if (archive_read_open_memory(a.get(), data, size) != ARCHIVE_OK) {
    const char* message = archive_error_string(a.get());
    throw Error(ErrorCode::kInput, what + ": cannot open archive: " +
                                       escape_untrusted(message != nullptr ? message : "?"));
  }
  std::vector<ArchiveEntryInfo> entries;
  for_each_entry(a.get(), what, limits, size,
                 [&](const ArchiveEntryInfo& info, const std::vector<std::string>&) {
                   entries.push_back(info);
                 });
  return entries;
}

ExtractionSummary extract_archive(const fs::path& archive_path, const fs::path& destination,
                                  const std::string& what, const ArchiveLimits& limits) {
  std::error_code ec;
  const std::uint64_t archive_size = fs::file_size(archive_path, ec);
  if (ec) throw Error(ErrorCode::kInput, what + ": " + ec.message());
  ArchivePtr a = open_reader();
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 20) != ARCHIVE_OK) {
    const char* message = archive_error_string(a.get());
    throw Error(ErrorCode::kInput, what + ": cannot open archive: " +
                                       escape_untrusted(message != nullptr ? message : "?"));
  }
  try {
    Extractor extractor(destination, what, limits, archive_size);
    for_each_entry(a.get(), what, limits, archive_size,
                   [&](const ArchiveEntryInfo& info, const std::vector<std::string>& parts) {
                     extractor.extract(a.get(), info, parts);
                   });
    check_symlinks(destination, what);
    return extractor.summary;
  } catch (...) {
    remove_tree_quietly(destination);
    throw;
  }
}

fs::path extract_to_cache(const fs::path& archive_path, const Sha256Digest& archive_sha256,
                          Cache& cache, const std::string& what, const ArchiveLimits& limits) {
  const fs::path final_dir = cache.extraction_path(archive_sha256);
  const FileLock lock(cache.lock_path("extract-" + to_hex(archive_sha256)));
  std::error_code ec;
  if (fs::is_directory(final_dir, ec)) return final_dir;
  const fs::path staging = cache.temp_dir() / ("extract-" + to_hex(archive_sha256) + "-" +
                                               std::to_string(::getpid()));
  remove_tree_quietly(staging);
  extract_archive(archive_path, staging, what, limits);
  if (::rename(staging.c_str(), final_dir.c_str()) != 0) {
    const int err = errno;
    remove_tree_quietly(staging);
    throw Error(ErrorCode::kIo, final_dir.string() + ": cannot store extraction: " + std::strerror(err));
  }
  sync_directory(final_dir.parent_path());
  return final_dir;
}

}  // namespace fti

#include "registry/checkpoint.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <set>
#include <unistd.h>

#include "engine/common/error.h"
#include "registry/shard_index.h"

namespace fti {
namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

constexpr std::string_view kIndexSuffix = ".safetensors.index.json";
constexpr std::string_view kSafetensorsSuffix = ".safetensors";

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 8; ++i) {
    if (i != 0) out += ", ";
    out += names[i];
  }
  if (names.size() > 8) out += ", ...";
  return out;
}

// The index and the shards it names, all beside it in `directory`.
ModelFiles files_from_index(const fs::path& directory, const std::string& index_name,
                            const std::string& origin);

}  // namespace

namespace {
ModelFiles files_from_index(const fs::path& directory, const std::string& index_name,
                            const std::string& origin) {
  const fs::path index_path = directory / index_name;
  const std::string what = (fs::path(origin) / index_name).string();
  const ShardIndex index =
      parse_shard_index(read_text_file(index_path, kMaxIndexFileBytes, what), what);
  ModelFiles files;
  files.origin = origin;
  files.index = CheckpointFileSource{index_name, index_path, what, std::nullopt};
  std::error_code ec;
  for (const std::string& shard : index.shard_files()) {
    const fs::path shard_path = directory / shard;
    if (!fs::is_regular_file(shard_path, ec)) {
      throw Error(ErrorCode::kInput,
                  what + ": shard " + quote_untrusted(shard) + " is missing from " + origin);
    }
    files.shards.push_back({shard, shard_path, (fs::path(origin) / shard).string(), std::nullopt});
  }
  return files;
}
}  // namespace

std::string read_text_file(const fs::path& path, std::uint64_t max_bytes, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::kInput, what + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw Error(ErrorCode::kIo, what + ": read failed: " + std::strerror(err));
    }
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      throw Error(ErrorCode::kLimit,
                  what + ": larger than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

ModelFiles Checkpoint::locate_in_directory(const fs::path& directory, const std::string& origin) {
  std::vector<std::string> indexes;
  std::vector<std::string> singles;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec)) continue;
    if (ends_with(name, kIndexSuffix)) {
      indexes.push_back(name);
    } else if (ends_with(name, kSafetensorsSuffix)) {
      singles.push_back(name);
    }
  }
  if (ec) throw Error(ErrorCode::kInput, origin + ": cannot list directory: " + ec.message());
  std::sort(indexes.begin(), indexes.end());
  std::sort(singles.begin(), singles.end());

  ModelFiles files;
  files.origin = origin;
  if (!indexes.empty()) {
    std::string chosen;
    if (indexes.size() == 1) {
      chosen = indexes.front();
    } else if (std::find(indexes.begin(), indexes.end(), "model.safetensors.index.json") !=
               indexes.end()) {
      chosen = "model.safetensors.index.json";
    } else {
      throw Error(ErrorCode::kInput, origin + ": several index files (" + join_names(indexes) +
                                         "); name the one to use");
    }
    return files_from_index(directory, chosen, origin);
  }
  if (singles.size() == 1) {
    const fs::path path = directory / singles.front();
    files.shards.push_back(
        {singles.front(), path, (fs::path(origin) / singles.front()).string(), std::nullopt});
    return files;
  }
  if (singles.empty()) {
    throw Error(ErrorCode::kInput, origin + ": no .safetensors file and no *.safetensors.index.json");
  }
  throw Error(ErrorCode::kInput, origin + ": " + std::to_string(singles.size()) +
                                     " .safetensors files (" + join_names(singles) +
                                     ") and no index; name the file to use");
}

ModelFiles Checkpoint::locate_local(const fs::path& path, const std::string& origin) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error(ErrorCode::kInput, origin + ": no such file or directory");
  if (fs::is_directory(status)) return locate_in_directory(path, origin);
  if (!fs::is_regular_file(status)) {
    throw Error(ErrorCode::kInput, origin + ": not a regular file or directory");
  }
  if (ends_with(path.filename().string(), kIndexSuffix)) {
    // An index names shards beside it.
    const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const fs::path origin_dir = fs::path(origin).has_parent_path() ? fs::path(origin).parent_path() : fs::path(".");
    ModelFiles located = files_from_index(directory, path.filename().string(), origin_dir.string());
    located.origin = origin;
    return located;
  }
  ModelFiles files;
  files.origin = origin;
  files.shards.push_back({path.filename().string(), path, origin, std::nullopt});
  return files;
}

Checkpoint Checkpoint::open_local(const fs::path& path, const SafetensorsLimits& limits) {
  return open(locate_local(path, path.string()), limits);
}

Checkpoint Checkpoint::open(const ModelFiles& files, const SafetensorsLimits& limits) {
  Checkpoint cp;
  cp.origin_ = files.origin;
  cp.index_ = files.index;
  if (files.shards.empty()) throw Error(ErrorCode::kInput, files.origin + ": no safetensors files");
  if (!files.index && files.shards.size() != 1) {
    throw Error(ErrorCode::kInput, files.origin + ": several files without an index");
  }
  std::map<std::string, std::size_t> file_by_name;
  for (const CheckpointFileSource& source : files.shards) {
    if (!file_by_name.emplace(source.name, cp.files_.size()).second) {
      throw Error(ErrorCode::kInput, files.origin + ": shard " + quote_untrusted(source.name) +
                                         " listed twice");
    }
    OpenFile open_file;
    open_file.source = source;
    open_file.file = std::make_unique<SafetensorsFile>(source.path, source.origin, limits);
    cp.files_.push_back(std::move(open_file));
  }

  std::map<std::string_view, CheckpointTensor> by_name;
  for (std::size_t f = 0; f < cp.files_.size(); ++f) {
    for (const TensorEntry& entry : cp.files_[f].file->tensors()) {
      const auto [it, inserted] = by_name.emplace(entry.name, CheckpointTensor{&entry, f});
      if (!inserted) {
        throw Error(ErrorCode::kInput, files.origin + ": tensor " + quote_untrusted(entry.name) +
                                           " appears in both " +
                                           cp.files_[it->second.file_index].source.origin + " and " +
                                           cp.files_[f].source.origin);
      }
      cp.total_bytes_ += entry.byte_size();
    }
  }

  if (files.index) {
    const std::string& what = files.index->origin;
    const ShardIndex index = parse_shard_index(
        read_text_file(files.index->path, kMaxIndexFileBytes, what), what);
    for (const auto& [tensor, shard] : index.weight_map) {
      const auto file = file_by_name.find(shard);
      if (file == file_by_name.end()) {
        throw Error(ErrorCode::kInput, what + ": tensor " + quote_untrusted(tensor) +
                                           " maps to shard " + quote_untrusted(shard) +
                                           ", which was not provided");
      }
      const auto found = by_name.find(tensor);
      if (found == by_name.end() || found->second.file_index != file->second) {
        throw Error(ErrorCode::kInput, what + ": tensor " + quote_untrusted(tensor) +
                                           " is mapped to " + shard + " but that shard's header " +
                                           "does not contain it");
      }
    }
    for (const auto& [name, tensor] : by_name) {
      const auto mapped = index.weight_map.find(std::string(name));
      if (mapped == index.weight_map.end()) {
        throw Error(ErrorCode::kInput, what + ": tensor " + quote_untrusted(name) + " in " +
                                           cp.files_[tensor.file_index].source.origin +
                                           " is missing from the index's weight_map");
      }
    }
    const std::vector<std::string> indexed_shards = index.shard_files();
    for (const auto& entry : file_by_name) {
      if (!std::binary_search(indexed_shards.begin(), indexed_shards.end(), entry.first)) {
        cp.warnings_.push_back(what + ": shard " + entry.first + " holds no indexed tensor");
      }
    }
    if (index.total_size && *index.total_size != cp.total_bytes_) {
      cp.warnings_.push_back(what + ": metadata.total_size is " + std::to_string(*index.total_size) +
                             " but the shards hold " + std::to_string(cp.total_bytes_) +
                             " tensor bytes");
    }
  }

  cp.tensors_.reserve(by_name.size());
  for (const auto& [name, tensor] : by_name) cp.tensors_.push_back(tensor);
  return cp;
}

const CheckpointTensor* Checkpoint::find(std::string_view name) const {
  const auto it = std::lower_bound(
      tensors_.begin(), tensors_.end(), name,
      [](const CheckpointTensor& t, std::string_view n) { return t.name() < n; });
  return it != tensors_.end() && it->name() == name ? &*it : nullptr;
}

Sha256Digest Checkpoint::file_sha256(std::size_t i) const {
  const OpenFile& f = files_.at(i);
  if (!f.sha256) {
    const Sha256Digest digest = sha256_file(f.source.path);
    if (f.source.known_sha256 && *f.source.known_sha256 != digest) {
      throw Error(ErrorCode::kIntegrity,
                  f.source.origin + ": content changed on disk: expected sha256 " +
                      to_hex(*f.source.known_sha256) + ", found " + to_hex(digest));
    }
    f.sha256 = digest;
  }
  return *f.sha256;
}

std::span<const std::uint8_t> Checkpoint::data(const CheckpointTensor& tensor) const {
  return files_.at(tensor.file_index).file->data(*tensor.entry);
}

void Checkpoint::prefetch(const CheckpointTensor& tensor) const noexcept {
  files_[tensor.file_index].file->prefetch(*tensor.entry);
}

void Checkpoint::release(const CheckpointTensor& tensor) const noexcept {
  files_[tensor.file_index].file->release(*tensor.entry);
}

}  // namespace fti

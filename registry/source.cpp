#include "registry/source.h"

#include <algorithm>

#include "engine/common/error.h"
#include "registry/shard_index.h"

namespace fti {
namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The path part of a URL (no query or fragment), for deciding what it names.
std::string url_path(std::string_view url) {
  const std::size_t cut = url.find_first_of("?#");
  return std::string(url.substr(0, cut));
}

constexpr std::string_view kIndexSuffix = ".safetensors.index.json";

bool has_model_files(const fs::path& directory) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (ends_with(name, ".safetensors") || ends_with(name, kIndexSuffix)) return true;
  }
  return false;
}

ModelFiles local_archive_files(const fs::path& archive, const std::optional<Sha256Digest>& digest,
                               const std::string& origin, Cache& cache,
                               const ResolveOptions& options) {
  const Sha256Digest archive_digest = digest ? *digest : sha256_file(archive);
  const fs::path extracted = extract_to_cache(archive, archive_digest, cache, origin, options.archive);
  const fs::path model_dir = find_model_directory(extracted, origin);
  const std::string inner = fs::relative(model_dir, extracted).string();
  return Checkpoint::locate_in_directory(
      model_dir, inner == "." ? origin : origin + "!/" + inner);
}

// Fetches an index by URL and every shard it names, relative to it.
ModelFiles fetch_sharded(const std::string& index_url, const std::string& display,
                         const FetchedFile& index_file, const FetchOptions& options, Cache& cache) {
  ModelFiles files;
  files.origin = display;
  const std::string index_name = fs::path(url_path(index_url)).filename().string();
  files.index = CheckpointFileSource{index_name, index_file.path, index_url, index_file.sha256};
  const ShardIndex index = parse_shard_index(
      read_text_file(index_file.path, kMaxIndexFileBytes, index_url), index_url);
  for (const std::string& shard : index.shard_files()) {
    const std::string shard_url = resolve_relative_url(index_url, shard);
    FetchOptions shard_options = options;
    shard_options.expected_sha256.reset();  // the index's digest is not the shard's
    const FetchedFile fetched = fetch_url(shard_url, shard_options, cache);
    files.shards.push_back({shard, fetched.path, shard_url, fetched.sha256});
  }
  return files;
}

ModelFiles files_from_fetched_url(const std::string& url, const std::string& display,
                                  const FetchedFile& fetched, const FetchOptions& options,
                                  Cache& cache, const ResolveOptions& resolve_options) {
  const std::string path = url_path(url);
  const std::string name = fs::path(path).filename().string();
  if (ends_with(path, kIndexSuffix)) {
    return fetch_sharded(url, display, fetched, options, cache);
  }
  if (looks_like_archive(path)) {
    return local_archive_files(fetched.path, fetched.sha256, display, cache, resolve_options);
  }
  ModelFiles files;
  files.origin = display;
  files.shards.push_back({name, fetched.path, url, fetched.sha256});
  return files;
}

void require_known_url_kind(const std::string& url) {
  const std::string path = url_path(url);
  if (!ends_with(path, ".safetensors") && !ends_with(path, kIndexSuffix) && !looks_like_archive(path)) {
    throw Error(ErrorCode::kUsage,
                url + ": cannot tell what this URL holds; it should end in .safetensors, "
                      ".safetensors.index.json or an archive suffix (.tar, .tar.gz, .tar.zst, .zip)");
  }
}

}  // namespace

SourceSpec parse_source(std::string_view text) {
  if (text.empty()) throw Error(ErrorCode::kUsage, "empty model source");
  SourceSpec spec;
  spec.text = std::string(text);
  if (is_hub_uri(text)) {
    spec.kind = SourceKind::kHub;
    spec.hub = parse_hub_uri(text);
    return spec;
  }
  if (text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0) {
    spec.kind = SourceKind::kUrl;
    spec.url = std::string(text);
    require_known_url_kind(spec.url);
    return spec;
  }
  if (const auto colon = text.find("://"); colon != std::string_view::npos) {
    throw Error(ErrorCode::kUsage, spec.text + ": unsupported scheme (use a path, http://, https:// or hf://)");
  }
  spec.path = fs::path(spec.text);
  std::error_code ec;
  spec.kind = fs::is_regular_file(spec.path, ec) && looks_like_archive(spec.path.filename().string())
                  ? SourceKind::kLocalArchive
                  : SourceKind::kLocalPath;
  return spec;
}

fs::path find_model_directory(const fs::path& root, const std::string& origin) {
  fs::path current = root;
  for (int depth = 0; depth < 8; ++depth) {
    if (has_model_files(current)) return current;
    std::vector<fs::path> subdirs;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(current, ec)) {
      if (entry.is_directory(ec) && !entry.is_symlink(ec)) subdirs.push_back(entry.path());
    }
    if (subdirs.size() != 1) break;
    current = subdirs.front();
  }
  throw Error(ErrorCode::kInput,
              origin + ": no .safetensors file or index at the top of the archive or in a lone subdirectory");
}

ResolvedSource resolve_source(const SourceSpec& spec, Cache& cache, const ResolveOptions& options) {
  ResolvedSource resolved;
  switch (spec.kind) {
    case SourceKind::kLocalPath:
      resolved.files = Checkpoint::locate_local(spec.path, spec.text);
      return resolved;
    case SourceKind::kLocalArchive:
      resolved.files = local_archive_files(spec.path, std::nullopt, spec.text, cache, options);
      return resolved;
    case SourceKind::kUrl: {
      const FetchedFile fetched = fetch_url(spec.url, options.fetch, cache);
      resolved.files = files_from_fetched_url(spec.url, spec.text, fetched, options.fetch, cache, options);
      resolved.pinned = spec.url;
      return resolved;
    }
    case SourceKind::kHub: {
      const FetchOptions hub_options = hub_fetch_options(options.fetch);
      const HubEntry entry = fetch_hub_entry(spec.hub, cache, hub_options);
      const std::string url = hub_file_url(entry.pinned, entry.file);
      resolved.files = files_from_fetched_url(url, spec.text, entry.fetched, entry.options, cache, options);
      resolved.pinned = hub_display(entry.pinned);
      return resolved;
    }
  }
  throw Error(ErrorCode::kInternal, "unknown source kind");
}

}  // namespace fti

// Where a checkpoint comes from, as the user writes it on the command line:
//
//   ./model.safetensors              a local file
//   ./model/                         a directory (one file, or an index + shards)
//   ./model/x.safetensors.index.json an index, shards beside it
//   ./model.tar.gz (.tar .tgz .tar.zst .zip ...)  a local archive
//   https://host/model.safetensors[#sha256=<hex>]  a file, index or archive by URL
//   hf://org/name[@revision][/path]  a Hugging Face style hub
//
// resolve_source() fetches what is remote into the cache, extracts archives
// (once per archive digest), and returns the files that make up the model.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "registry/archive.h"
#include "registry/cache.h"
#include "registry/checkpoint.h"
#include "registry/http_fetch.h"
#include "registry/hub.h"

namespace fti {

enum class SourceKind { kLocalPath, kLocalArchive, kUrl, kHub };

struct SourceSpec {
  SourceKind kind = SourceKind::kLocalPath;
  std::string text;             // as given
  std::filesystem::path path;   // kLocalPath, kLocalArchive
  std::string url;              // kUrl
  HubRef hub;                   // kHub
};

// Classifies a source string. Throws Error(kUsage) for an empty string, an
// unsupported URL scheme or a malformed hf:// reference.
SourceSpec parse_source(std::string_view text);

struct ResolveOptions {
  FetchOptions fetch = FetchOptions::from_environment();
  ArchiveLimits archive = ArchiveLimits::from_environment();
};

// What a source resolved to, with provenance for reports.
struct ResolvedSource {
  ModelFiles files;
  std::string pinned;  // hf:// with the commit the hub reported, or the URL; empty if local
};

ResolvedSource resolve_source(const SourceSpec& spec, Cache& cache, const ResolveOptions& options);

// In an extracted archive the model may sit in a single top-level directory
// (model/ or name-v1/): descend through lone subdirectories until a
// directory with model files is found.
std::filesystem::path find_model_directory(const std::filesystem::path& root,
                                           const std::string& origin);

}  // namespace fti

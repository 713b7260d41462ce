// hf://org/name[@revision][/path/in/repo] references to a Hugging Face style
// hub, mapped to the hub's resolve URLs:
//
//   {endpoint}/{org}/{name}/resolve/{revision}/{path}
//
// endpoint from $HF_ENDPOINT (default https://huggingface.co), token from
// $HF_TOKEN. The revision is a branch, tag or 40-hex commit and ends at the
// next '/'; it defaults to "main". A trailing "#sha256=<hex>" pins the file's
// digest like it does for https URLs.
//
// This is a pure mapping plus a small helper that decides which file to fetch
// for a repository given without a path; parsing an index file and fetching
// its shards is the source resolver's job.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/common/sha256.h"
#include "registry/cache.h"
#include "registry/http_fetch.h"

namespace fti {

struct HubRef {
  std::string endpoint;  // e.g. "https://huggingface.co", no trailing slash
  std::string org;
  std::string name;
  std::string revision = "main";
  bool explicit_revision = false;
  std::string path;  // path in the repository; empty: the repository itself
  std::optional<Sha256Digest> expected_sha256;  // from "#sha256=<hex>"
};

inline constexpr std::string_view kHubScheme = "hf://";
inline constexpr std::string_view kDefaultHubEndpoint = "https://huggingface.co";
inline constexpr std::string_view kHubIndexFile = "model.safetensors.index.json";
inline constexpr std::string_view kHubModelFile = "model.safetensors";

bool is_hub_uri(std::string_view text) noexcept;

// $HF_ENDPOINT validated (http or https, no query or fragment, trailing
// slashes removed), else the default. Throws Error(kUsage).
std::string hub_endpoint_from_environment();

// Parses an hf:// URI. Throws Error(kUsage) naming the URI and what is wrong.
HubRef parse_hub_uri(std::string_view uri);  // endpoint from the environment
HubRef parse_hub_uri(std::string_view uri, std::string_view endpoint);

// "hf://org/name@revision/path" (for messages and reports).
std::string hub_display(const HubRef& ref);

// The resolve URL of `path` (a path in the repository, '/'-separated; each
// segment percent-encoded, as is the revision). Throws Error(kUsage) for an
// empty path or '.', '..' or empty segments.
std::string hub_file_url(const HubRef& ref, std::string_view path);

// Options for fetching from the hub: hub_etags on, Authorization from
// $HF_TOKEN. Other settings are taken from `base`.
FetchOptions hub_fetch_options(FetchOptions base = {});

// What fetch_hub_entry found.
struct HubEntry {
  HubRef ref;            // as asked
  HubRef pinned;         // revision = the hub's X-Repo-Commit when it sent one, else = ref
  bool sharded = false;  // `file` is a *.safetensors.index.json
  std::string file;      // path in the repository of `fetched`
  std::string url;       // its resolve URL
  FetchedFile fetched;
  FetchOptions options;  // what was used; use it for the shards too
};

// Fetches the entry point of `ref`: its path when it has one; else
// model.safetensors.index.json when the repository has it (sharded), else
// model.safetensors. Shards named by the index resolve with
// resolve_relative_url(hub_file_url(entry.pinned, entry.file), shard_name)
// so that every file comes from the same commit. Throws FetchError naming
// the hf:// reference when neither file exists.
HubEntry fetch_hub_entry(const HubRef& ref, Cache& cache,
                         const FetchOptions& options = hub_fetch_options());

}  // namespace fti

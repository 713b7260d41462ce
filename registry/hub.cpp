#include "registry/hub.h"

#include <utility>

#include "engine/common/env.h"
#include "engine/common/error.h"
#include "registry/http_text.h"

namespace fti {

namespace {

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The hub's rule for user, organisation and repository names: letters,
// digits, '-', '_' and '.', no "--" or "..", not starting or ending with '-'
// or '.', at most 96 characters.
std::string check_repo_part(std::string_view part) {
  if (part.empty()) return "is empty";
  if (part.size() > 96) return "is longer than 96 characters";
  for (const char c : part) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
      return "may only contain letters, digits, '-', '_' and '.'";
    }
  }
  if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos) {
    return "may not contain \"--\" or \"..\"";
  }
  if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.') {
    return "may not start or end with '-' or '.'";
  }
  return {};
}

// A branch, tag or commit: git's ref-name rules for one component.
std::string check_revision(std::string_view revision) {
  if (revision.empty()) return "is empty";
  if (revision.size() > 255) return "is longer than 255 characters";
  if (has_control_chars(revision)) return "contains control characters";
  for (const char c : revision) {
    if (c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' ||
        c == '\\') {
      return "may not contain spaces or any of ~ ^ : ? * [ \\";
    }
  }
  if (revision.find("..") != std::string_view::npos ||
      revision.find("@{") != std::string_view::npos || revision.front() == '.' ||
      revision.back() == '.') {
    return "is not a valid branch, tag or commit name";
  }
  return {};
}

// Path in the repository: '/'-separated, no empty, '.' or '..' segments.
std::string check_repo_path(std::string_view path) {
  if (path.size() > 4096) return "is longer than 4096 characters";
  if (has_control_chars(path)) return "contains control characters";
  if (path.find('\\') != std::string_view::npos) return "may not contain '\\'";
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    const std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) return "has an empty segment";
    if (segment == "." || segment == "..") return "may not contain '.' or '..' segments";
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

std::string normalize_endpoint(std::string_view endpoint, std::string_view what) {
  std::string out(endpoint);
  while (!out.empty() && out.back() == '/') out.pop_back();
  const auto bad = [&](const char* why) {
    return Error(ErrorCode::kUsage,
                 std::string(what) + " " + quote_untrusted(endpoint, 120) + ": " + why);
  };
  const bool http = out.rfind("http://", 0) == 0;
  const bool https = out.rfind("https://", 0) == 0;
  if (!http && !https) throw bad("must start with http:// or https://");
  const std::string_view rest = std::string_view(out).substr(http ? 7 : 8);
  if (rest.empty() || rest.front() == '/') throw bad("has no host");
  if (has_control_chars(out) || out.find_first_of(" ?#") != std::string::npos) {
    throw bad("may not contain spaces, a query or a fragment");
  }
  return out;
}

// The hub answers 401 for a repository that does not exist as well as for a
// private one (so as not to reveal which): say so.
template <typename Fn>
auto with_hub_context(const HubRef& ref, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const FetchError& e) {
    if (e.http_status() != 401) throw;
    throw FetchError(hub_display(ref) + ": " + e.what() +
                         "; the hub also answers 401 for a repository that does not exist",
                     401);
  }
}

}  // namespace

bool is_hub_uri(std::string_view text) noexcept {
  return text.substr(0, kHubScheme.size()) == kHubScheme;
}

std::string hub_endpoint_from_environment() {
  const std::string value = env_or_empty("HF_ENDPOINT");
  if (value.empty()) return std::string(kDefaultHubEndpoint);
  return normalize_endpoint(value, "HF_ENDPOINT");
}

HubRef parse_hub_uri(std::string_view uri) {
  return parse_hub_uri(uri, hub_endpoint_from_environment());
}

HubRef parse_hub_uri(std::string_view uri, std::string_view endpoint) {
  const auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kUsage, quote_untrusted(uri, 200) + ": " + why +
                                        " (expected hf://org/name[@revision][/path])");
  };
  if (!is_hub_uri(uri)) throw bad("not an hf:// reference");
  if (uri.size() > 8192) throw bad("too long");
  if (has_control_chars(uri)) throw bad("contains control characters");
  std::string_view rest = uri.substr(kHubScheme.size());

  HubRef ref;
  ref.endpoint = normalize_endpoint(endpoint, "hub endpoint");
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    const std::string_view fragment = rest.substr(hash + 1);
    constexpr std::string_view kPrefix = "sha256=";
    if (fragment.substr(0, kPrefix.size()) != kPrefix ||
        !(ref.expected_sha256 = parse_hex_digest<32>(fragment.substr(kPrefix.size())))) {
      throw bad("the only fragment allowed is #sha256=<64 hex digits>");
    }
    rest = rest.substr(0, hash);
  }
  if (rest.find('?') != std::string_view::npos) throw bad("a query ('?') is not allowed");

  const auto org_end = rest.find('/');
  if (org_end == std::string_view::npos) throw bad("missing repository name");
  const std::string_view org = rest.substr(0, org_end);
  rest.remove_prefix(org_end + 1);
  const auto name_end = rest.find_first_of("@/");
  const std::string_view name = rest.substr(0, name_end);
  rest = name_end == std::string_view::npos ? std::string_view() : rest.substr(name_end);
  if (const std::string why = check_repo_part(org); !why.empty()) {
    throw bad("organisation " + quote_untrusted(org, 100) + " " + why);
  }
  if (const std::string why = check_repo_part(name); !why.empty()) {
    throw bad("repository name " + quote_untrusted(name, 100) + " " + why);
  }
  ref.org = std::string(org);
  ref.name = std::string(name);

  if (!rest.empty() && rest.front() == '@') {
    rest.remove_prefix(1);
    const auto rev_end = rest.find('/');
    const std::string_view revision = rest.substr(0, rev_end);
    rest = rev_end == std::string_view::npos ? std::string_view() : rest.substr(rev_end);
    if (const std::string why = check_revision(revision); !why.empty()) {
      throw bad("revision " + quote_untrusted(revision, 100) + " " + why);
    }
    ref.revision = std::string(revision);
    ref.explicit_revision = true;
  }
  if (!rest.empty()) {
    rest.remove_prefix(1);  // the '/' before the path; "org/name/" alone means no path
    if (!rest.empty()) {
      if (const std::string why = check_repo_path(rest); !why.empty()) {
        throw bad("path " + quote_untrusted(rest, 100) + " " + why);
      }
      ref.path = std::string(rest);
    }
  }
  if (ref.expected_sha256 && ref.path.empty()) {
    throw bad("#sha256= names one file: give its path in the repository");
  }
  return ref;
}

std::string hub_display(const HubRef& ref) {
  std::string out = std::string(kHubScheme) + ref.org + "/" + ref.name + "@" + ref.revision;
  if (!ref.path.empty()) out += "/" + ref.path;
  return escape_untrusted(out, 300);
}

std::string hub_file_url(const HubRef& ref, std::string_view path) {
  if (path.empty()) throw Error(ErrorCode::kUsage, hub_display(ref) + ": empty file path");
  if (const std::string why = check_repo_path(path); !why.empty()) {
    throw Error(ErrorCode::kUsage,
                hub_display(ref) + ": file path " + quote_untrusted(path, 100) + " " + why);
  }
  return ref.endpoint + "/" + percent_encode_segment(ref.org) + "/" +
         percent_encode_segment(ref.name) + "/resolve/" + percent_encode_segment(ref.revision) +
         "/" + percent_encode_path(path);
}

FetchOptions hub_fetch_options(FetchOptions base) {
  base.hub_etags = true;
  base.auth_env = "HF_TOKEN";
  return base;
}

HubEntry fetch_hub_entry(const HubRef& ref, Cache& cache, const FetchOptions& options) {
  HubEntry entry;
  entry.ref = ref;
  entry.options = options;
  if (!ref.path.empty()) {
    FetchOptions file_options = options;
    if (ref.expected_sha256) {
      if (options.expected_sha256 && *options.expected_sha256 != *ref.expected_sha256) {
        throw Error(ErrorCode::kUsage, hub_display(ref) +
                                           ": #sha256= contradicts the expected digest " +
                                           to_hex(*options.expected_sha256));
      }
      file_options.expected_sha256 = ref.expected_sha256;
    }
    entry.file = ref.path;
    entry.url = hub_file_url(ref, ref.path);
    entry.fetched =
        with_hub_context(ref, [&] { return fetch_url(entry.url, file_options, cache); });
    constexpr std::string_view kIndexSuffix = ".index.json";
    entry.sharded = entry.file.size() >= kIndexSuffix.size() &&
                    entry.file.compare(entry.file.size() - kIndexSuffix.size(), kIndexSuffix.size(),
                                       kIndexSuffix) == 0;
  } else {
    // A sharded checkpoint has the index; a single-file one has neither
    // index nor shards. Ask for the index first.
    const std::string index_url = hub_file_url(ref, kHubIndexFile);
    auto index =
        with_hub_context(ref, [&] { return fetch_url_if_exists(index_url, options, cache); });
    if (index) {
      entry.sharded = true;
      entry.file = std::string(kHubIndexFile);
      entry.url = index_url;
      entry.fetched = std::move(*index);
    } else {
      const std::string model_url = hub_file_url(ref, kHubModelFile);
      try {
        entry.fetched = with_hub_context(ref, [&] { return fetch_url(model_url, options, cache); });
      } catch (const FetchError& e) {
        if (e.http_status() != 404) throw;
        // The hub's X-Error-Message (in e) tells a missing revision from a missing file.
        throw FetchError(hub_display(ref) + ": neither " + std::string(kHubIndexFile) + " nor " +
                             std::string(kHubModelFile) + " found: " + e.what(),
                         404);
      }
      entry.file = std::string(kHubModelFile);
      entry.url = model_url;
    }
  }
  entry.pinned = ref;
  // Pin the rest of the files to the commit the hub answered from, so a push
  // during the download cannot mix two versions.
  if (auto commit = parse_hex_digest<20>(entry.fetched.repo_commit)) {
    entry.pinned.revision = to_hex(*commit);
    entry.pinned.explicit_revision = true;
  }
  entry.pinned.path = entry.file;
  return entry;
}

}  // namespace fti

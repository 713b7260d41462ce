// URLs for fetching, parsed with libcurl's URL API (the parser the transfer
// itself uses, so what is checked is what is requested): the URL a fetch
// starts from, file names resolved against an index's URL, redirect targets
// and their origins, percent-encoding, and redaction for messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/common/sha256.h"

namespace fti {

// A URL as fetch_url requests it.
struct RequestUrl {
  std::string url;  // what is requested: normalised, no fragment
  // The cache's name for it: `url` without user name and password, so that
  // no password is written into the cache's records.
  std::string key;
  std::optional<Sha256Digest> fragment_sha256;  // a "#sha256=<hex>" fragment
};

// Parses a URL given to fetch_url: http or https, with a host; a "#sha256="
// fragment must hold 64 hex digits; any fragment is dropped. Throws
// Error(kUsage) naming the URL.
RequestUrl parse_request_url(std::string_view text);

// `relative` (a file name from an index file, possibly "dir/file") resolved
// against the directory of `base`. Only plain relative names are accepted: no
// scheme, no leading '/', no '.' or '..' or empty segments, no '\\', '?', '#'
// or control characters; each segment is percent-encoded. The base's query
// and fragment are dropped. Throws Error(kInput).
std::string resolve_relative_url(std::string_view base, std::string_view relative);

// Redirect policy, exposed for tests. Resolves `location` (absolute or
// relative) against `current_url`; refuses schemes other than http(s) and
// https->http downgrades with FetchError (kFetch). same_origin compares the
// target's scheme, host and port with `origin_url`'s.
struct RedirectTarget {
  std::string url;
  bool same_origin = false;
};
RedirectTarget resolve_redirect(std::string_view current_url, std::string_view location,
                                std::string_view origin_url);

// scheme + host + port (default port filled in) of both URLs are equal.
bool same_origin(std::string_view a, std::string_view b);

// RFC 3986 percent-encoding of everything but unreserved characters
// (A-Z a-z 0-9 - . _ ~), for one path segment.
std::string percent_encode_segment(std::string_view segment);

// Each '/'-separated segment of `path` percent-encoded as above, the '/'
// separators kept.
std::string percent_encode_path(std::string_view path);

// The URL without user information, query or fragment (a query becomes
// "?..."), for messages and logs.
std::string redact_url(std::string_view url);

// The last segment of the URL's path, as it stands in the URL (still
// percent-encoded); "" when the path ends in '/' or the URL does not parse.
std::string url_file_name(std::string_view url);

}  // namespace fti

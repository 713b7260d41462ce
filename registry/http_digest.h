// What an HTTP server says about the content it sends: digest headers
// (RFC 3230 Digest, RFC 9530 Repr-Digest), ETags, and the claims a hub puts
// on its answers (X-Linked-Etag, X-Linked-Size, X-Repo-Commit). The fetcher
// checks the downloaded bytes against these claims.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/common/sha256.h"

namespace fti {

// Parses an HTTP digest header value for a sha-256 entry: RFC 3230
// "Digest: sha-256=<base64>" or RFC 9530 "Repr-Digest: sha-256=:<base64>:".
// nullopt when there is no well-formed sha-256 entry.
std::optional<Sha256Digest> parse_digest_header(std::string_view value);

// A strong ETag (not W/"..."), usable as an If-Range validator.
bool is_strong_etag(std::string_view value);

// Digests and sizes the server promised along the redirect chain.
struct ServerClaims {
  std::vector<std::pair<std::string, Sha256Digest>> sha256;  // (source header, digest)
  std::optional<std::pair<std::string, Sha1Digest>> git_sha1;
  std::optional<std::uint64_t> linked_size;
  std::string repo_commit;

  // Reads an etag-like value from `header`: 64 hex = sha256, 40 hex = git
  // blob sha1 (the first one seen is kept); anything else is no claim.
  void absorb_etag(const std::string& header, std::string_view value);

  // The single sha256 all claims agree on, if any.
  std::optional<Sha256Digest> agreed_sha256() const;
  // The digest claims as one string, to tell whether a resumed download is
  // still promised the same content.
  std::string summary() const;
};

}  // namespace fti

// Downloads over http(s) into the content-addressed cache, through libcurl.
//
// fetch_url() returns a verified blob: bytes go to cache.partial_path(url),
// are hashed while they arrive, are checked against the digest the caller or
// the server promised, and only then are renamed into blobs/. Redirects are
// followed here (not by curl) so that the policy is ours: at most
// max_redirects hops, no https->http downgrade, no Authorization header once
// a hop leaves the original origin, and the first hop's headers are kept (a
// hub puts X-Linked-Etag / X-Linked-Size / X-Repo-Commit on its redirect, not
// on the CDN's answer). Transient failures (connection errors, stalls, 5xx,
// 408, 429) are retried with exponential backoff and jitter; a broken transfer
// resumes with Range from what is already on disk, also across processes.
// SIGINT/SIGTERM (registry/interrupt.h) stop a transfer, a backoff or a wait
// for another process's download with Error(kInterrupted); the partial file
// stays resumable and never becomes a blob.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "engine/common/error.h"
#include "engine/common/sha256.h"
#include "registry/cache.h"
// The pieces the fetcher is built from, included so that callers of the
// fetch API find them here too.
#include "registry/download_progress.h"
#include "registry/fetch_error.h"
#include "registry/http_digest.h"
#include "registry/url.h"

namespace fti {

struct FetchOptions {
  std::chrono::milliseconds connect_timeout{30'000};
  // Limit for one whole transfer; zero means none (model files are large, a
  // stalled transfer is caught by the low-speed limit instead).
  std::chrono::milliseconds transfer_timeout{0};
  // A transfer slower than low_speed_bytes per second for low_speed_time is
  // treated as stalled (a retryable failure). curl counts whole seconds.
  long low_speed_bytes = 1024;
  std::chrono::seconds low_speed_time{60};

  // Retries after the first attempt, for connection errors, stalls, 5xx
  // (except 501/505), 408 and 429.
  int max_retries = 5;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  // Upper bound on a server's Retry-After (429/503) that we are willing to wait.
  std::chrono::milliseconds max_retry_after{60'000};
  int max_redirects = 10;

  // The digest the content must have. Overrides any digest the server sends.
  // A URL fragment "#sha256=<hex>" is read as the same thing.
  std::optional<Sha256Digest> expected_sha256;
  // Larger bodies fail with Error(kLimit).
  std::optional<std::uint64_t> max_size;

  // Authorization: an explicit header value ("Bearer ...") wins; otherwise, when
  // the environment variable auth_env is set and not empty, "Bearer <value>".
  // Never printed.
  std::optional<std::string> authorization;
  std::string auth_env = "FTI_HTTP_TOKEN";

  // Read ETag as the hub does: on answers from the original origin, a quoted
  // 64-hex ETag is a SHA-256 and a 40-hex one a git blob SHA-1.
  bool hub_etags = false;
  // Use only the cache; a URL that is not cached is an Error(kFetch).
  bool offline = false;
  ProgressMode progress = ProgressMode::kAuto;
  std::string user_agent = "fti/0.1";
  // A PEM file of CA certificates to trust instead of the system's store
  // (an internal registry with a private CA). Empty: the system's store.
  // Certificates and host names are always verified.
  std::string ca_bundle;

  // The defaults, with what the environment overrides (whole numbers;
  // anything else is Error(kUsage) naming the variable):
  //   FTI_HTTP_CONNECT_TIMEOUT  seconds to connect (default 30)
  //   FTI_HTTP_TIMEOUT          seconds for one whole transfer, 0 = none (default 0)
  //   FTI_HTTP_STALL_TIMEOUT    seconds below FTI_HTTP_LOW_SPEED_LIMIT before a
  //                             transfer counts as stalled, 0 = never (default 60)
  //   FTI_HTTP_LOW_SPEED_LIMIT  bytes per second (default 1024)
  //   FTI_HTTP_RETRIES          retries after the first attempt (default 5)
  //   FTI_CA_BUNDLE             ca_bundle (a path)
  static FetchOptions from_environment();
};

// How the content of a FetchedFile was checked.
enum class DigestSource {
  kNone,           // nobody promised a digest; only the length was checked
  kExpected,       // the caller's expected_sha256 (or the URL's #sha256=)
  kServerSha256,   // X-Linked-Etag / hub ETag / Digest / Repr-Digest
  kServerGitSha1,  // a 40-hex X-Linked-Etag or hub ETag: git blob SHA-1
};
std::string_view digest_source_name(DigestSource source) noexcept;

struct FetchedFile {
  std::filesystem::path path;  // the blob in the cache
  Sha256Digest sha256{};
  std::uint64_t size = 0;
  std::string url;        // as asked
  std::string final_url;  // after redirects (empty when from_cache without network)
  bool from_cache = false;
  DigestSource verified_by = DigestSource::kNone;
  std::string repo_commit;  // X-Repo-Commit of the first hop (hub), if any
};

// Downloads `url` (http or https; a "#sha256=<hex>" fragment is an expected
// digest and is not sent) into `cache`, or finds it there. Throws
// Error(kUsage) for a malformed or unsupported URL, FetchError (kFetch) for
// network and server failures, Error(kIntegrity) for a digest or size
// mismatch (no blob is created and the partial download is discarded),
// Error(kLimit) past options.max_size, Error(kIo) for local failures.
FetchedFile fetch_url(const std::string& url, const FetchOptions& options, Cache& cache);

// The same, but a 404 answer gives nullopt instead of an error.
std::optional<FetchedFile> fetch_url_if_exists(const std::string& url, const FetchOptions& options,
                                               Cache& cache);

// Whether the URL exists, by HEAD (falling back to a GET that stops at the
// first byte when HEAD is refused with 405/501), following redirects with the
// same policy. true on 2xx, false on 404; other answers throw FetchError.
// No retries on purpose beyond options.max_retries of transient failures.
bool probe_exists(const std::string& url, const FetchOptions& options);

}  // namespace fti

#include "registry/http_fetch.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "engine/common/atomic_file.h"
#include "engine/common/env.h"
#include "engine/common/strict_json.h"
#include "engine/common/unique_fd.h"
#include "registry/curl_handle.h"
#include "registry/http_text.h"
#include "registry/interrupt.h"

namespace fti {
namespace fs = std::filesystem;

namespace {

// -------------------------------------------------------------- HTTP answers

struct Response {
  long status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::size_t header_bytes = 0;

  const std::string* find(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  std::string value(std::string_view name) const {
    const std::string* v = find(name);
    return v != nullptr ? *v : std::string();
  }
};

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  text = trim_ows(text);
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

struct ContentRange {
  std::uint64_t first = 0, last = 0, total = 0;
};

// "bytes first-last/total" with a known total.
std::optional<ContentRange> parse_content_range(std::string_view text) {
  text = trim_ows(text);
  if (text.substr(0, 6) != "bytes ") return std::nullopt;
  text.remove_prefix(6);
  const auto dash = text.find('-');
  const auto slash = text.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) {
    return std::nullopt;
  }
  const auto first = parse_u64(text.substr(0, dash));
  const auto last = parse_u64(text.substr(dash + 1, slash - dash - 1));
  const auto total = parse_u64(text.substr(slash + 1));
  if (!first || !last || !total || *first > *last || *last >= *total) return std::nullopt;
  return ContentRange{*first, *last, *total};
}

std::string describe_status(const Response& response) {
  std::string out = "HTTP " + std::to_string(response.status);
  if (!response.reason.empty()) out += " " + quote_untrusted(response.reason, 80);
  // The hub explains refusals in X-Error-Message (gated repo, missing revision...).
  if (const std::string* message = response.find("x-error-message")) {
    out += " (" + quote_untrusted(*message, 160) + ")";
  }
  return out;
}

bool is_retryable_status(long status) {
  return status == 408 || status == 429 ||
         (status >= 500 && status <= 599 && status != 501 && status != 505);
}

bool is_retryable_curl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool is_tls_error(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

// ------------------------------------------------------------ local file I/O

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void remove_quietly(const fs::path& path) noexcept {
  std::error_code ec;
  fs::remove(path, ec);
}

// -------------------------------------------------------------- the fetcher

DigestSource digest_source_from_name(std::string_view name) {
  for (const DigestSource s :
       {DigestSource::kExpected, DigestSource::kServerSha256, DigestSource::kServerGitSha1}) {
    if (name == digest_source_name(s)) return s;
  }
  return DigestSource::kNone;
}

FetchedFile cached_file(const fs::path& blob, const Sha256Digest& digest, DigestSource source,
                        std::string asked_url, std::string final_url, std::string repo_commit) {
  FetchedFile out;
  out.path = blob;
  out.sha256 = digest;
  std::error_code ec;
  out.size = fs::file_size(blob, ec);
  if (ec) throw Error(ErrorCode::kIo, blob.string() + ": cannot stat cache entry: " + ec.message());
  out.url = std::move(asked_url);
  out.final_url = std::move(final_url);
  out.from_cache = true;
  out.verified_by = source;
  out.repo_commit = std::move(repo_commit);
  return out;
}

enum class Mode { kDownload, kProbeHead, kProbeGet };

// Why a write callback stopped a transfer on purpose.
enum class Stop {
  kNone,
  kCachedHit,  // the server named a digest we already hold
  kRestart,    // the partial cannot be continued: start from zero
  kProbeHit,   // a GET probe saw a 2xx
  kError,      // stop_error_ holds the error
};

enum class Outcome { kDone, kCached, kNotFound, kRetry, kRestart, kProbeFallback };

class Fetcher {
 public:
  Fetcher(std::string asked_url, RequestUrl request, const FetchOptions& options, Cache* cache,
          Mode mode)
      : asked_url_(std::move(asked_url)),
        request_(std::move(request)),
        options_(options),
        cache_(cache),
        mode_(mode),
        display_url_(redact_url(request_.url)),
        progress_(mode == Mode::kDownload ? options.progress : ProgressMode::kNever,
                  progress_label(request_.url)) {
    ensure_curl_initialized();
    easy_.reset(curl_easy_init());
    if (!easy_) throw Error(ErrorCode::kInternal, "curl_easy_init failed");
    resolve_authorization();
    configure_handle();
  }

  void set_expected(std::optional<Sha256Digest> expected) { expected_ = expected; }
  void set_record(std::optional<UrlRecord> record) { record_ = std::move(record); }

  // Runs attempts until success, a final error, or retries run out.
  std::optional<FetchedFile> download(bool allow_not_found) {
    partial_path_ = cache_->partial_path(request_.key);
    sidecar_path_ = partial_path_;
    sidecar_path_ += ".json";
    load_partial();
    int retries = 0;
    bool restarted_after_mismatch = false;
    for (;;) {
      const Outcome outcome = attempt();
      switch (outcome) {
        case Outcome::kDone: {
          if (auto file = finalize(restarted_after_mismatch)) return file;
          restarted_after_mismatch = true;  // a resumed file failed its digest: once more, whole
          continue;
        }
        case Outcome::kCached:
          discard_partial();
          return cached_result_;
        case Outcome::kNotFound:
          discard_partial();
          if (allow_not_found) return std::nullopt;
          throw FetchError(display_url_ + ": not found (" + last_error_ + ")", last_status_);
        case Outcome::kRestart:
          truncate_partial();
          [[fallthrough]];
        case Outcome::kRetry:
          retry_or_give_up(retries);
          continue;
        case Outcome::kProbeFallback:
          break;
      }
      throw Error(ErrorCode::kInternal, "unexpected fetch outcome");
    }
  }

  bool probe() {
    int retries = 0;
    for (;;) {
      const Outcome outcome = attempt();
      switch (outcome) {
        case Outcome::kDone:
        case Outcome::kCached:
          return true;
        case Outcome::kNotFound:
          return false;
        case Outcome::kProbeFallback:
          mode_ = Mode::kProbeGet;
          continue;
        case Outcome::kRestart:
        case Outcome::kRetry:
          retry_or_give_up(retries);
          continue;
      }
    }
  }

 private:
  static std::string progress_label(const std::string& url) {
    const std::string name = url_file_name(url);
    return escape_untrusted(name.empty() ? url : name, 60);
  }

  void resolve_authorization() {
    if (options_.authorization) {
      authorization_ = *options_.authorization;
    } else if (const std::string token = env_or_empty(options_.auth_env); !token.empty()) {
      authorization_ = "Bearer " + token;
    }
    if (authorization_ && (authorization_->find('\r') != std::string::npos ||
                           authorization_->find('\n') != std::string::npos)) {
      // A line break would inject headers; the value itself is never printed.
      throw Error(ErrorCode::kUsage,
                  "the authorization token" +
                      (options_.authorization ? std::string() : " in $" + options_.auth_env) +
                      " contains a line break");
    }
  }

  void configure_handle() {
    CURL* h = easy_.get();
    if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK) {
      throw Error(ErrorCode::kInternal,
                  "libcurl refuses to restrict protocols (needs curl >= 7.85)");
    }
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(
        h, CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(std::max<std::int64_t>(1, options_.connect_timeout.count())));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.transfer_timeout.count()));
    if (options_.low_speed_bytes > 0 && options_.low_speed_time.count() > 0) {
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                       static_cast<long>(options_.low_speed_time.count()));
    }
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer_);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Fetcher::header_callback);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Fetcher::write_callback);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
    // Called at least once a second, also while nothing arrives: the place
    // where a SIGINT/SIGTERM stops the transfer.
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &Fetcher::progress_callback);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_bundle.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    }
  }

  static int progress_callback(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return interrupt_requested() ? 1 : 0;  // non-zero aborts the transfer
  }

  // What an interrupted or failed download leaves behind, for its message.
  std::string kept_detail() const {
    if (mode_ != Mode::kDownload || offset_ == 0) return {};
    if (!can_resume()) return "; " + std::to_string(offset_) + " bytes had arrived";
    return "; the " + std::to_string(offset_) +
           " bytes that arrived are kept in the cache and a rerun resumes from there";
  }

  // ---------------------------------------------------------- partial files

  void load_partial() {
    std::error_code ec;
    const auto size = fs::file_size(partial_path_, ec);
    if (ec) {
      remove_quietly(sidecar_path_);
      return;
    }
    if (!read_sidecar() || (known_total_ && size > *known_total_)) {
      discard_partial();
      return;
    }
    open_partial();
    // Re-hash what an earlier process left, so the digest covers the whole file.
    std::vector<char> buf(1 << 20);
    std::uint64_t done = 0;
    while (done < size) {
      // A partial of many GB takes a while to re-hash; it stays as it is.
      throw_if_interrupted(display_url_);
      const ssize_t n =
          ::pread(partial_fd_.get(), buf.data(), buf.size(), static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        discard_partial();
        return;
      }
      hasher_.update(buf.data(), static_cast<std::size_t>(n));
      done += static_cast<std::uint64_t>(n);
    }
    offset_ = size;
  }

  bool read_sidecar() {
    std::error_code ec;
    const auto size = fs::file_size(sidecar_path_, ec);
    if (ec || size > 64 * 1024) return false;
    try {
      std::string text(size, '\0');
      const UniqueFd fd(::open(sidecar_path_.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) return false;
      if (::read(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(size)) return false;
      const nlohmann::json j = parse_strict_json(text, sidecar_path_.string());
      if (j.at("url").get<std::string>() != request_.key) return false;
      validator_etag_ = j.value("etag", "");
      validator_last_modified_ = j.value("last_modified", "");
      sidecar_claims_ = j.value("claims", "");
      if (j.contains("total") && !j.at("total").is_null()) {
        known_total_ = j.at("total").get<std::uint64_t>();
      }
      return true;
    } catch (const std::exception&) {
      return false;  // an unreadable sidecar means: start over
    }
  }

  bool write_sidecar() {
    nlohmann::json j = {{"url", request_.key},
                        {"etag", validator_etag_},
                        {"last_modified", validator_last_modified_},
                        {"claims", sidecar_claims_}};
    j["total"] = known_total_ ? nlohmann::json(*known_total_) : nlohmann::json(nullptr);
    try {
      write_file_atomically(sidecar_path_, j.dump() + "\n");
      return true;
    } catch (const Error& e) {
      stop(Error(ErrorCode::kIo, display_url_ + ": " + e.what()));
      return false;
    }
  }

  bool open_partial() {
    if (partial_fd_.valid()) return true;
    partial_fd_ = UniqueFd(::open(partial_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    return partial_fd_.valid();
  }

  void truncate_partial() {
    if (partial_fd_.valid() && ::ftruncate(partial_fd_.get(), 0) != 0) {
      partial_fd_.reset();
      remove_quietly(partial_path_);
    }
    hasher_.reset();
    offset_ = 0;
    resumed_ = false;
  }

  void discard_partial() noexcept {
    partial_fd_.reset();
    remove_quietly(partial_path_);
    remove_quietly(sidecar_path_);
    hasher_.reset();
    offset_ = 0;
    resumed_ = false;
    known_total_.reset();
    validator_etag_.clear();
    validator_last_modified_.clear();
    sidecar_claims_.clear();
  }

  // Resuming is safe when the server can tell us the content changed
  // (If-Range with a validator) or when the result will be checked against a
  // digest anyway.
  bool can_resume() const {
    return is_strong_etag(validator_etag_) || !validator_last_modified_.empty() ||
           expected_.has_value() || !sidecar_claims_.empty();
  }

  // ---------------------------------------------------------- one attempt

  Outcome attempt() {
    if (mode_ == Mode::kDownload && offset_ > 0 && !can_resume()) truncate_partial();
    std::string current = request_.url;
    bool send_auth = authorization_.has_value();
    std::set<std::string> visited{current};
    claims_ = ServerClaims{};
    for (int hop = 0;; ++hop) {
      const CURLcode code = perform(current, send_auth);
      throw_if_interrupted(display_url_, kept_detail());
      // The hub's commit header comes on its own answer (usually the first hop).
      if (claims_.repo_commit.empty()) {
        claims_.repo_commit = sanitized_commit(response_.value("x-repo-commit"));
      }
      if (!hop_absorbed_) absorb_hop(current, request_.url);

      if (stop_ != Stop::kNone) return handle_stop(current);
      last_status_ = response_.status;
      if (code != CURLE_OK) {
        last_error_ = std::string(curl_easy_strerror(code));
        if (error_buffer_[0] != '\0') last_error_ += ": " + escape_untrusted(error_buffer_, 300);
        if (current != request_.url) last_error_ += " (at " + redact_url(current) + ")";
        if (is_retryable_curl(code)) {
          retry_after_.reset();
          return Outcome::kRetry;
        }
        if (is_tls_error(code)) {
          last_error_ += options_.ca_bundle.empty()
                             ? "; TLS failed: fti verifies the server's certificate against the "
                               "system's CA store (set FTI_CA_BUNDLE to a PEM file to trust a "
                               "private CA)"
                             : "; TLS failed: fti verifies the server's certificate against " +
                                   options_.ca_bundle + " ($FTI_CA_BUNDLE)";
        }
        throw FetchError(display_url_ + ": " + last_error_, response_.status);
      }

      // The hub names the content on its redirect; when we hold it, stop here.
      if (mode_ == Mode::kDownload && response_.status < 400) {
        if (auto hit = cached_claim()) {
          cache_hit(*hit, current);
          return Outcome::kCached;
        }
      }

      const long status = response_.status;
      if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
        const std::string* location = response_.find("location");
        if (location == nullptr || trim_ows(*location).empty()) {
          throw FetchError(display_url_ + ": " + describe_status(response_) +
                               " redirect without a Location header",
                           status);
        }
        if (hop + 1 > options_.max_redirects) {
          throw FetchError(display_url_ + ": too many redirects (more than " +
                               std::to_string(options_.max_redirects) + ")",
                           status);
        }
        const RedirectTarget target = resolve_redirect(current, trim_ows(*location), request_.url);
        if (!visited.insert(target.url).second) {
          throw FetchError(display_url_ + ": redirect loop at " + redact_url(target.url), status);
        }
        if (!target.same_origin) send_auth = false;  // never hand the token to another origin
        current = target.url;
        continue;
      }
      if (status == 304) {
        if (!sent_conditional_ || !record_) {
          throw FetchError(display_url_ + ": unexpected HTTP 304 to an unconditional request", 304);
        }
        const auto blob = cache_->find_blob(record_->sha256);
        if (!blob) {
          throw FetchError(display_url_ + ": HTTP 304 but the cached copy disappeared", 304);
        }
        const std::string commit =
            claims_.repo_commit.empty() ? record_->repo_commit : claims_.repo_commit;
        cached_result_ =
            cached_file(*blob, record_->sha256, source_from_record(), asked_url_, current, commit);
        return Outcome::kCached;
      }
      if (status >= 200 && status <= 299) {
        if (mode_ != Mode::kDownload) return Outcome::kDone;
        if (status != 200 && status != 206) {
          throw FetchError(display_url_ + ": unexpected " + describe_status(response_), status);
        }
        if (!body_started_) {
          begin_body();  // an empty body never reached the write callback
          if (stop_ != Stop::kNone) return handle_stop(current);
        }
        final_url_ = current;
        return Outcome::kDone;
      }
      last_error_ = describe_status(response_);
      if (current != request_.url) last_error_ += " at " + redact_url(current);
      if (status == 404 || status == 410) return Outcome::kNotFound;
      if (status == 416 && sent_range_) {
        // The partial is as long as the file or longer (a crash after the last
        // byte, or the file shrank): download it whole.
        return Outcome::kRestart;
      }
      if ((status == 405 || status == 501) && mode_ == Mode::kProbeHead) {
        return Outcome::kProbeFallback;
      }
      if (is_retryable_status(status)) {
        curl_off_t retry_after = 0;
        retry_after_.reset();
        if (curl_easy_getinfo(easy_.get(), CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
            retry_after > 0) {
          retry_after_ = std::chrono::seconds(retry_after);
        }
        return Outcome::kRetry;
      }
      if (status == 401 || status == 403) {
        const bool have = authorization_.has_value();
        std::string hint;
        if (options_.authorization) {
          hint = "the authorization given was refused";
        } else if (options_.auth_env.empty()) {
          hint = "a token may be needed";
        } else {
          hint = "a token may be needed: fti sends $" + options_.auth_env + " as a bearer token (" +
                 (have ? (send_auth ? "it is set" : "it is set but not sent to another origin")
                       : "it is not set") +
                 ")";
        }
        throw FetchError(display_url_ + ": " + last_error_ + "; " + hint, status);
      }
      throw FetchError(display_url_ + ": " + last_error_, status);
    }
  }

  static std::string sanitized_commit(const std::string& value) {
    const std::string_view v = trim_ows(value);
    if (v.empty() || v.size() > 128 || has_control_chars(v)) return {};
    return std::string(v);
  }

  DigestSource source_from_record() const {
    if (expected_) return DigestSource::kExpected;
    return record_ ? digest_source_from_name(record_->verified_by) : DigestSource::kNone;
  }

  // The digest the server promised, when we already hold that blob and it
  // does not contradict the caller.
  std::optional<Sha256Digest> cached_claim() const {
    const auto agreed = claims_.agreed_sha256();
    if (!agreed) return std::nullopt;
    if (expected_ && *expected_ != *agreed) return std::nullopt;
    if (!cache_->find_blob(*agreed)) return std::nullopt;
    return agreed;
  }

  void cache_hit(const Sha256Digest& digest, const std::string& current) {
    const fs::path blob = *cache_->find_blob(digest);
    cached_result_ =
        cached_file(blob, digest, expected_ ? DigestSource::kExpected : DigestSource::kServerSha256,
                    asked_url_, current, claims_.repo_commit);
    UrlRecord record;
    record.url = request_.key;
    record.sha256 = digest;
    record.size = cached_result_.size;
    record.repo_commit = claims_.repo_commit;
    record.verified_by = std::string(digest_source_name(cached_result_.verified_by));
    try {
      cache_->record_url(record);
    } catch (const Error&) {
      // The record only speeds up the next run.
    }
  }

  Outcome handle_stop(const std::string& current) {
    const Stop why = stop_;
    stop_ = Stop::kNone;
    switch (why) {
      case Stop::kCachedHit:
        cache_hit(*cached_claim(), current);
        return Outcome::kCached;
      case Stop::kRestart:
        last_error_ = "the server's partial answer did not continue the interrupted download";
        return Outcome::kRestart;
      case Stop::kProbeHit:
        return Outcome::kDone;
      case Stop::kError: {
        const StoredError e = *stop_error_;
        stop_error_.reset();
        if (e.http_status) throw FetchError(e.message, *e.http_status);
        throw Error(e.code, e.message);
      }
      case Stop::kNone:
        break;
    }
    throw Error(ErrorCode::kInternal, "fetch stopped without a reason");
  }

  // Collects the digests this hop's headers promise.
  void absorb_hop(const std::string& current, const std::string& origin) {
    hop_absorbed_ = true;
    if (const std::string* linked = response_.find("x-linked-etag")) {
      claims_.absorb_etag("X-Linked-Etag", *linked);
    }
    if (options_.hub_etags && same_origin(current, origin)) {
      if (const std::string* etag = response_.find("etag"))
        claims_.absorb_etag("ETag", *etag);
    }
    if (const std::string* size = response_.find("x-linked-size")) {
      if (auto n = parse_u64(*size)) claims_.linked_size = n;
    }
    // Digest headers describe this answer's representation: only from 2xx.
    if (response_.status >= 200 && response_.status <= 299) {
      if (const std::string* d = response_.find("repr-digest")) {
        if (auto sha = parse_digest_header(*d)) claims_.sha256.emplace_back("Repr-Digest", *sha);
      }
      if (const std::string* d = response_.find("digest")) {
        if (auto sha = parse_digest_header(*d)) claims_.sha256.emplace_back("Digest", *sha);
      }
    }
  }

  CURLcode perform(const std::string& url, bool send_auth) {
    CURL* h = easy_.get();
    hop_url_ = url;
    response_ = Response{};
    body_started_ = false;
    hop_absorbed_ = false;
    discarded_ = 0;
    error_buffer_[0] = '\0';
    sent_range_ = false;
    sent_conditional_ = false;

    HeaderList headers;
    if (send_auth && authorization_) headers.add("Authorization: " + *authorization_);
    if (mode_ == Mode::kDownload) {
      if (offset_ > 0) {
        headers.add("Range: bytes=" + std::to_string(offset_) + "-");
        sent_range_ = true;
        if (is_strong_etag(validator_etag_)) {
          headers.add("If-Range: " + std::string(trim_ows(validator_etag_)));
        } else if (!validator_last_modified_.empty()) {
          headers.add("If-Range: " + validator_last_modified_);
        }
      }
      if (record_) {
        if (!record_->etag.empty()) {
          headers.add("If-None-Match: " + record_->etag);
          sent_conditional_ = true;
        }
        if (!record_->last_modified.empty()) {
          headers.add("If-Modified-Since: " + record_->last_modified);
          sent_conditional_ = true;
        }
      }
    }
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    if (mode_ == Mode::kProbeHead) {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    const CURLcode code = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
    long status = 0;
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status != 0) {
      response_.status = status;
    }
    return code;
  }

  static std::size_t header_callback(char* data, std::size_t size, std::size_t count, void* self) {
    auto* fetcher = static_cast<Fetcher*>(self);
    const std::size_t n = size * count;
    return fetcher->on_header(std::string_view(data, n)) ? n : 0;
  }

  bool on_header(std::string_view line) {
    response_.header_bytes += line.size();
    if (response_.header_bytes > 256 * 1024) {
      stop(FetchError(display_url_ + ": response headers larger than 256 KiB", response_.status));
      return false;
    }
    if (line.substr(0, 5) == "HTTP/") {
      // A new status line (after 1xx answers): headers start afresh.
      response_ = Response{};
      response_.header_bytes = line.size();
      line = trim_ows(line);
      const auto sp1 = line.find(' ');
      if (sp1 != std::string_view::npos) {
        const std::string_view rest = line.substr(sp1 + 1);
        const auto sp2 = rest.find(' ');
        response_.status = static_cast<long>(parse_u64(rest.substr(0, sp2)).value_or(0));
        if (sp2 != std::string_view::npos)
          response_.reason = std::string(trim_ows(rest.substr(sp2 + 1)));
      }
      return true;
    }
    const std::string_view trimmed = trim_ows(line);
    if (trimmed.empty()) return true;
    if ((line.front() == ' ' || line.front() == '\t') && !response_.headers.empty()) {
      response_.headers.back().second += " " + std::string(trimmed);  // obsolete folding
      return true;
    }
    const auto colon = trimmed.find(':');
    if (colon == std::string_view::npos) return true;
    response_.headers.emplace_back(lower_ascii(trim_ows(trimmed.substr(0, colon))),
                                   std::string(trim_ows(trimmed.substr(colon + 1))));
    return true;
  }

  static std::size_t write_callback(char* data, std::size_t size, std::size_t count, void* self) {
    auto* fetcher = static_cast<Fetcher*>(self);
    const std::size_t n = size * count;
    return fetcher->on_body(data, n) ? n : 0;
  }

  void stop(const Error& error) {
    stop_ = Stop::kError;
    stop_error_ = StoredError{error.code(), error.what(), std::nullopt};
  }
  void stop(const FetchError& error) {
    stop_ = Stop::kError;
    stop_error_ = StoredError{error.code(), error.what(), error.http_status()};
  }

  bool wants_body() const {
    return (response_.status == 200 || response_.status == 206) && mode_ != Mode::kProbeHead;
  }

  bool on_body(const char* data, std::size_t n) {
    if (!body_started_) {
      begin_body();
      if (stop_ != Stop::kNone) return false;
    }
    if (!wants_body() || mode_ != Mode::kDownload) {
      // Bodies of redirects and errors are not kept; bound them all the same.
      discarded_ += n;
      if (discarded_ > (1u << 20)) {
        stop(FetchError(
            display_url_ + ": " + describe_status(response_) + " with a body larger than 1 MiB",
            response_.status));
        return false;
      }
      return true;
    }
    if (options_.max_size && offset_ + n > *options_.max_size) {
      stop(Error(ErrorCode::kLimit, display_url_ + ": larger than the limit of " +
                                        std::to_string(*options_.max_size) + " bytes"));
      return false;
    }
    if (known_total_ && offset_ + n > *known_total_) {
      stop(FetchError(display_url_ + ": the server sent more bytes than it announced",
                      response_.status));
      return false;
    }
    if (!write_all(partial_fd_.get(), data, n)) {
      const std::string why = errno_text();
      stop(Error(ErrorCode::kIo, display_url_ + ": cannot write the download to " +
                                     partial_path_.string() + ": " + why + kept_detail()));
      return false;
    }
    hasher_.update(data, n);
    offset_ += n;
    session_bytes_ += n;
    progress_.update(offset_, known_total_.value_or(0), session_bytes_);
    return true;
  }

  // Called once per hop before the first body byte (or at the end for an
  // empty body): decides what to do with the answer's body.
  void begin_body() {
    body_started_ = true;
    if (!hop_absorbed_) absorb_hop(hop_url_, request_.url);
    if (!wants_body()) return;
    if (mode_ == Mode::kProbeGet) {
      stop_ = Stop::kProbeHit;
      return;
    }
    if (mode_ != Mode::kDownload) return;
    if (cached_claim()) {
      stop_ = Stop::kCachedHit;
      return;
    }
    std::optional<std::uint64_t> total;
    if (response_.status == 200) {
      // 200 to a Range request: the server sends everything again. Start over.
      if (offset_ > 0) truncate_partial();
      if (!response_.find("transfer-encoding")) {
        if (const std::string* length = response_.find("content-length"))
          total = parse_u64(*length);
      }
    } else {  // 206
      if (!sent_range_) {
        stop(FetchError(display_url_ + ": HTTP 206 to a request without Range", 206));
        return;
      }
      const std::string* header = response_.find("content-range");
      const auto range = header ? parse_content_range(*header) : std::nullopt;
      if (!range || range->first != offset_ || range->last + 1 != range->total ||
          (known_total_ && *known_total_ != range->total)) {
        stop_ = Stop::kRestart;
        return;
      }
      // The server's promise about the content must be the one we started with.
      if (!sidecar_claims_.empty() && !claims_.summary().empty() &&
          sidecar_claims_ != claims_.summary()) {
        stop_ = Stop::kRestart;
        return;
      }
      total = range->total;
      resumed_ = true;
    }
    if (total && options_.max_size && *total > *options_.max_size) {
      stop(Error(ErrorCode::kLimit, display_url_ + ": " + std::to_string(*total) +
                                        " bytes, larger than the limit of " +
                                        std::to_string(*options_.max_size) + " bytes"));
      return;
    }
    if (total && claims_.linked_size && *total != *claims_.linked_size) {
      stop(Error(ErrorCode::kIntegrity,
                 display_url_ + ": the server announced " + std::to_string(*claims_.linked_size) +
                     " bytes (X-Linked-Size) but sends " + std::to_string(*total)));
      return;
    }
    known_total_ = total;
    validator_etag_ = response_.value("etag");
    validator_last_modified_ = response_.value("last-modified");
    sidecar_claims_ = claims_.summary();
    if (!open_partial()) {
      stop(Error(ErrorCode::kIo, display_url_ + ": cannot create " + partial_path_.string() +
                                     ": " + errno_text()));
      return;
    }
    if (::lseek(partial_fd_.get(), static_cast<off_t>(offset_), SEEK_SET) < 0) {
      stop(Error(ErrorCode::kIo, partial_path_.string() + ": seek failed: " + errno_text()));
      return;
    }
    write_sidecar();
  }

  // Verifies a completed download and moves it into the store. nullopt means
  // "a resumed file failed its check: download it whole once more".
  std::optional<FetchedFile> finalize(bool already_restarted) {
    progress_.finish();
    const std::uint64_t size = offset_;
    if (!partial_fd_.valid() && !open_partial()) {
      throw Error(ErrorCode::kIo, partial_path_.string() + ": cannot create: " + errno_text());
    }
    if (::fsync(partial_fd_.get()) != 0) {
      throw Error(ErrorCode::kIo, partial_path_.string() + ": fsync failed: " + errno_text());
    }
    partial_fd_.reset();
    const Sha256Digest digest = hasher_.finish();

    std::string problem;
    DigestSource source = DigestSource::kNone;
    if (known_total_ && size != *known_total_) {
      problem = "received " + std::to_string(size) + " bytes, the server announced " +
                std::to_string(*known_total_);
    } else if (claims_.linked_size && size != *claims_.linked_size) {
      problem = "received " + std::to_string(size) + " bytes, X-Linked-Size says " +
                std::to_string(*claims_.linked_size);
    } else if (expected_) {
      source = DigestSource::kExpected;
      if (digest != *expected_) {
        problem = "sha256 mismatch: expected " + to_hex(*expected_) + ", got " + to_hex(digest);
      }
    } else {
      for (const auto& [header, claimed] : claims_.sha256) {
        source = DigestSource::kServerSha256;
        if (digest != claimed) {
          problem = "sha256 mismatch: the server's " + header + " says " + to_hex(claimed) +
                    ", got " + to_hex(digest);
          break;
        }
      }
      if (problem.empty() && claims_.git_sha1) {
        if (source == DigestSource::kNone) source = DigestSource::kServerGitSha1;
        const Sha1Digest got = git_blob_sha1_file(partial_path_);
        if (got != claims_.git_sha1->second) {
          problem = "git blob sha1 mismatch: the server's " + claims_.git_sha1->first + " says " +
                    to_hex(claims_.git_sha1->second) + ", got " + to_hex(got);
        }
      }
    }
    if (!problem.empty()) {
      const bool was_resumed = resumed_;
      discard_partial();
      if (was_resumed && !already_restarted) return std::nullopt;
      throw Error(ErrorCode::kIntegrity, display_url_ + ": " + problem);
    }

    fs::path blob;
    try {
      blob = cache_->adopt_blob(partial_path_, digest);
    } catch (const Error& e) {
      // The verified file stays a partial: a rerun finds it complete (416) and
      // downloads it again rather than trusting bytes it cannot re-check.
      throw Error(e.code(), display_url_ + ": " + e.what());
    }
    remove_quietly(sidecar_path_);
    offset_ = 0;
    resumed_ = false;

    UrlRecord record;
    record.url = request_.key;
    record.sha256 = digest;
    record.size = size;
    record.etag = validator_etag_;
    record.last_modified = validator_last_modified_;
    record.repo_commit = claims_.repo_commit;
    record.verified_by = std::string(digest_source_name(source));
    try {
      cache_->record_url(record);
    } catch (const Error&) {
      // Without the record the next run revalidates less cheaply; the blob is safe.
    }

    FetchedFile out;
    out.path = blob;
    out.sha256 = digest;
    out.size = size;
    out.url = asked_url_;
    out.final_url = final_url_;
    out.from_cache = false;
    out.verified_by = source;
    out.repo_commit = claims_.repo_commit;
    return out;
  }

  // After a transient failure: throws when the retries are used up, else
  // waits and counts one more.
  void retry_or_give_up(int& retries) {
    if (retries >= options_.max_retries) {
      throw FetchError(display_url_ + ": " + last_error_ + " (gave up after " +
                           std::to_string(retries + 1) + " attempts)",
                       last_status_);
    }
    wait_before_retry(retries);
    ++retries;
  }

  void wait_before_retry(int retries) {
    const double base = static_cast<double>(options_.initial_backoff.count()) *
                        std::pow(2.0, static_cast<double>(std::min(retries, 30)));
    const double capped = std::min(base, static_cast<double>(options_.max_backoff.count()));
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(capped * jitter(rng)));
    if (retry_after_) {
      const auto asked =
          std::min<std::chrono::milliseconds>(*retry_after_, options_.max_retry_after);
      delay = std::max(delay, asked);
    }
    progress_.finish();
    if (!interruptible_sleep(delay)) {
      throw_interrupted(display_url_, " while waiting to retry (" + last_error_ + ")" +
                                          kept_detail());
    }
  }

  std::string asked_url_;
  RequestUrl request_;
  const FetchOptions& options_;
  Cache* cache_;
  Mode mode_;
  std::string display_url_;
  ProgressLine progress_;
  EasyHandle easy_;
  std::optional<std::string> authorization_;
  char error_buffer_[CURL_ERROR_SIZE] = {};

  std::optional<Sha256Digest> expected_;
  std::optional<UrlRecord> record_;

  // The hop in flight.
  Response response_;
  bool body_started_ = false;
  bool hop_absorbed_ = false;
  bool sent_range_ = false;
  bool sent_conditional_ = false;
  std::uint64_t discarded_ = 0;
  std::string hop_url_;
  Stop stop_ = Stop::kNone;
  // An error raised inside a libcurl callback, rethrown after the transfer.
  struct StoredError {
    ErrorCode code;
    std::string message;
    std::optional<long> http_status;  // set for a FetchError
  };
  std::optional<StoredError> stop_error_;

  // The attempt in flight.
  ServerClaims claims_;
  std::string final_url_;
  long last_status_ = 0;
  std::string last_error_;
  std::optional<std::chrono::milliseconds> retry_after_;
  FetchedFile cached_result_;

  // The partial download.
  fs::path partial_path_, sidecar_path_;
  UniqueFd partial_fd_;
  Sha256 hasher_;
  std::uint64_t offset_ = 0;
  std::uint64_t session_bytes_ = 0;
  bool resumed_ = false;
  std::optional<std::uint64_t> known_total_;
  std::string validator_etag_, validator_last_modified_, sidecar_claims_;
};

std::optional<FetchedFile> fetch_impl(const std::string& url, const FetchOptions& options,
                                      Cache& cache, bool allow_not_found) {
  const InterruptibleScope interruptible;
  RequestUrl request = parse_request_url(url);
  std::optional<Sha256Digest> expected = options.expected_sha256;
  if (request.fragment_sha256) {
    if (expected && *expected != *request.fragment_sha256) {
      throw Error(ErrorCode::kUsage,
                  redact_url(url) + ": the #sha256= fragment contradicts the expected digest " +
                      to_hex(*expected));
    }
    expected = request.fragment_sha256;
  }
  const std::string request_url = request.key;

  // A known digest that the cache holds needs no network at all.
  const auto from_expected = [&]() -> std::optional<FetchedFile> {
    if (!expected) return std::nullopt;
    const auto blob = cache.find_blob(*expected);
    if (!blob) return std::nullopt;
    const auto record = cache.lookup_url(request_url);
    const std::string commit =
        record && record->sha256 == *expected ? record->repo_commit : std::string();
    return cached_file(*blob, *expected, DigestSource::kExpected, url, "", commit);
  };
  if (auto hit = from_expected()) return hit;

  const auto usable_record = [&]() -> std::optional<UrlRecord> {
    std::optional<UrlRecord> record = cache.lookup_url(request_url);
    if (record &&
        (!cache.find_blob(record->sha256) || (expected && record->sha256 != *expected))) {
      record.reset();
    }
    return record;
  };
  const auto offline_answer = [&](const std::optional<UrlRecord>& record) {
    if (!record) {
      throw FetchError(redact_url(request_url) + ": not in the cache and fetching is offline", 0);
    }
    return cached_file(*cache.find_blob(record->sha256), record->sha256,
                       digest_source_from_name(record->verified_by), url, "", record->repo_commit);
  };
  // Reading needs no lock (records and blobs appear by rename), so a
  // read-only cache serves offline runs.
  if (options.offline) {
    if (auto record = usable_record()) return offline_answer(record);
  }

  // One downloader per URL across processes; a waiter then finds the result.
  std::optional<FileLock> lock;
  try {
    lock.emplace(cache.lock_path("url-" + to_hex(sha256(request_url))));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kIo) throw;
    if (options.offline) return offline_answer(std::nullopt);
    throw Error(ErrorCode::kIo, redact_url(request_url) + ": cannot use the cache: " + e.what());
  }
  if (auto hit = from_expected()) return hit;

  std::optional<UrlRecord> record = usable_record();
  if (options.offline) return offline_answer(record);
  Fetcher fetcher(url, std::move(request), options, &cache, Mode::kDownload);
  fetcher.set_expected(expected);
  fetcher.set_record(std::move(record));
  return fetcher.download(allow_not_found);
}

}  // namespace

std::string_view digest_source_name(DigestSource source) noexcept {
  switch (source) {
    case DigestSource::kNone:
      return "none";
    case DigestSource::kExpected:
      return "expected";
    case DigestSource::kServerSha256:
      return "server-sha256";
    case DigestSource::kServerGitSha1:
      return "server-git-sha1";
  }
  return "none";
}

namespace {

// A whole number from the environment, or nullopt when the variable is unset
// or empty. Throws Error(kUsage) naming the variable for anything else.
std::optional<std::uint64_t> env_number(const char* name, std::uint64_t max) {
  const std::string text = env_or_empty(name);
  if (text.empty()) return std::nullopt;
  const auto value = parse_u64(text);
  if (!value || trim_ows(text).size() != text.size() || *value > max) {
    throw Error(ErrorCode::kUsage, std::string(name) + "=" + quote_untrusted(text, 40) +
                                       ": expected a whole number up to " + std::to_string(max));
  }
  return value;
}

}  // namespace

FetchOptions FetchOptions::from_environment() {
  FetchOptions o;
  constexpr std::uint64_t kDay = 24 * 3600;
  if (auto v = env_number("FTI_HTTP_CONNECT_TIMEOUT", kDay)) {
    o.connect_timeout = std::chrono::seconds(std::max<std::uint64_t>(*v, 1));
  }
  if (auto v = env_number("FTI_HTTP_TIMEOUT", 30 * kDay)) {
    o.transfer_timeout = std::chrono::seconds(*v);
  }
  if (auto v = env_number("FTI_HTTP_STALL_TIMEOUT", kDay)) {
    o.low_speed_time = std::chrono::seconds(static_cast<std::int64_t>(*v));
  }
  if (auto v = env_number("FTI_HTTP_LOW_SPEED_LIMIT", std::uint64_t{1} << 40)) {
    o.low_speed_bytes = static_cast<long>(*v);
  }
  if (auto v = env_number("FTI_HTTP_RETRIES", 100)) o.max_retries = static_cast<int>(*v);
  o.ca_bundle = env_or_empty("FTI_CA_BUNDLE");
  return o;
}

FetchedFile fetch_url(const std::string& url, const FetchOptions& options, Cache& cache) {
  return *fetch_impl(url, options, cache, false);
}

std::optional<FetchedFile> fetch_url_if_exists(const std::string& url, const FetchOptions& options,
                                               Cache& cache) {
  return fetch_impl(url, options, cache, true);
}

bool probe_exists(const std::string& url, const FetchOptions& options) {
  const InterruptibleScope interruptible;
  RequestUrl request = parse_request_url(url);
  Fetcher fetcher(url, std::move(request), options, nullptr, Mode::kProbeHead);
  return fetcher.probe();
}

}  // namespace fti

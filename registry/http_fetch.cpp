#include "registry/http_fetch.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "engine/common/atomic_file.h"
#include "engine/common/strict_json.h"

namespace fti {
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- libcurl RAII

void ensure_curl_initialized() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    throw Error(ErrorCode::kInternal,
                std::string("libcurl initialisation failed: ") + curl_easy_strerror(result));
  }
}

struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct UrlDeleter {
  void operator()(CURLU* handle) const noexcept { curl_url_cleanup(handle); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

// A header list for one request.
class HeaderList {
 public:
  void add(const std::string& line) {
    curl_slist* next = curl_slist_append(list_.get(), line.c_str());
    if (next == nullptr) throw Error(ErrorCode::kInternal, "out of memory building HTTP headers");
    (void)list_.release();  // curl_slist_append returned the same head (or a new one)
    list_.reset(next);
  }
  curl_slist* get() const noexcept { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, SlistDeleter> list_;
};

// A parsed URL (curl's URL API, the same parser the transfer uses).
class ParsedUrl {
 public:
  // nullopt when `text` is not a URL curl accepts.
  static std::optional<ParsedUrl> parse(std::string_view text, unsigned int flags = 0) {
    ensure_curl_initialized();
    UrlHandle handle(curl_url());
    if (!handle) return std::nullopt;
    const std::string copy(text);
    if (curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), flags) != CURLUE_OK) {
      return std::nullopt;
    }
    return ParsedUrl(std::move(handle));
  }

  std::optional<std::string> get(CURLUPart part, unsigned int flags = 0) const {
    char* value = nullptr;
    if (curl_url_get(handle_.get(), part, &value, flags) != CURLUE_OK || value == nullptr) {
      return std::nullopt;
    }
    std::string out(value);
    curl_free(value);
    return out;
  }
  bool set(CURLUPart part, const char* value, unsigned int flags = 0) {
    return curl_url_set(handle_.get(), part, value, flags) == CURLUE_OK;
  }
  std::string url() const { return get(CURLUPART_URL).value_or(std::string()); }

 private:
  explicit ParsedUrl(UrlHandle handle) : handle_(std::move(handle)) {}
  UrlHandle handle_;
};

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_http_scheme(const std::string& scheme) { return scheme == "http" || scheme == "https"; }

struct Origin {
  std::string scheme, host, port;
  bool operator==(const Origin&) const = default;
};

std::optional<Origin> origin_of(const ParsedUrl& url) {
  auto scheme = url.get(CURLUPART_SCHEME);
  auto host = url.get(CURLUPART_HOST);
  auto port = url.get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || !port) return std::nullopt;
  return Origin{lower_ascii(*scheme), lower_ascii(*host), *port};
}

// ------------------------------------------------------------------ encoding

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
  const auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      // Padding only at the end, at most two characters.
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFFu));
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : segment) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

// "<64 hex>" or W/"<hex>" -> the hex inside, else empty.
std::string unquote_etag(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && (value.substr(0, 2) == "W/" || value.substr(0, 2) == "w/")) {
    value.remove_prefix(2);
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

bool is_strong_etag(std::string_view value) {
  value = trim(value);
  return !value.empty() && value.substr(0, 2) != "W/" && value.substr(0, 2) != "w/";
}

std::string env_or_empty(const std::string& name) {
  if (name.empty()) return {};
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? std::string(value) : std::string();
}

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
  text = trim(text);
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
  text = trim(text);
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

// ------------------------------------------------------------ local file I/O

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

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

// ------------------------------------------------------------------ progress

class ProgressLine {
 public:
  ProgressLine(ProgressMode mode, std::string label)
      : enabled_(mode == ProgressMode::kAlways ||
                 (mode == ProgressMode::kAuto && ::isatty(STDERR_FILENO) == 1)),
        label_(std::move(label)) {}
  ~ProgressLine() { finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(std::uint64_t done, std::uint64_t total, std::uint64_t session_bytes) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      start_ = now;
    } else if (now - last_ < std::chrono::milliseconds(200) && (total == 0 || done < total)) {
      return;
    }
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0.05 ? static_cast<double>(session_bytes) / seconds : 0.0;
    std::string line = "\r\x1b[K" + label_ + "  ";
    if (total > 0) {
      const double pct = 100.0 * static_cast<double>(done) / static_cast<double>(total);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%5.1f%% ", pct);
      line += buf;
      line += human(static_cast<double>(done)) + " / " + human(static_cast<double>(total));
    } else {
      line += human(static_cast<double>(done));
    }
    line += "  " + human(rate) + "/s";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    printed_ = true;
  }

  void finish() noexcept {
    if (printed_) {
      std::fputs("\n", stderr);
      std::fflush(stderr);
      printed_ = false;
    }
  }

 private:
  static std::string human(double bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (bytes >= 1024.0 && unit + 1 < std::size(kUnits)) {
      bytes /= 1024.0;
      ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
    return buf;
  }

  bool enabled_;
  std::string label_;
  bool started_ = false;
  bool printed_ = false;
  std::chrono::steady_clock::time_point start_{}, last_{};
};

// -------------------------------------------------------------- the fetcher

struct RequestUrl {
  std::string url;  // what is requested: normalised, no fragment
  // The cache's name for it: `url` without user name and password, so that
  // no password is written into the cache's records.
  std::string key;
  std::optional<Sha256Digest> fragment_sha256;
};

RequestUrl parse_request_url(std::string_view text) {
  if (text.size() > 8192 || has_control(text)) {
    throw Error(ErrorCode::kUsage, quote_untrusted(text, 120) + ": not a valid URL");
  }
  auto parsed = ParsedUrl::parse(text);
  if (!parsed) throw Error(ErrorCode::kUsage, quote_untrusted(text, 120) + ": not a valid URL");
  const std::string scheme = lower_ascii(parsed->get(CURLUPART_SCHEME).value_or(""));
  if (!is_http_scheme(scheme)) {
    throw Error(ErrorCode::kUsage,
                redact_url(text) + ": only http:// and https:// URLs can be fetched");
  }
  if (!parsed->get(CURLUPART_HOST)) {
    throw Error(ErrorCode::kUsage, redact_url(text) + ": URL has no host");
  }
  RequestUrl out;
  if (auto fragment = parsed->get(CURLUPART_FRAGMENT)) {
    constexpr std::string_view kPrefix = "sha256=";
    if (std::string_view(*fragment).substr(0, kPrefix.size()) == kPrefix) {
      out.fragment_sha256 =
          parse_hex_digest<32>(std::string_view(*fragment).substr(kPrefix.size()));
      if (!out.fragment_sha256) {
        throw Error(ErrorCode::kUsage,
                    redact_url(text) + ": the #sha256= fragment is not 64 hex digits");
      }
    }
    parsed->set(CURLUPART_FRAGMENT, nullptr);
  }
  out.url = parsed->url();
  parsed->set(CURLUPART_USER, nullptr);
  parsed->set(CURLUPART_PASSWORD, nullptr);
  out.key = parsed->url();
  return out;
}

// Digests and sizes the server promised along the redirect chain.
struct Claims {
  std::vector<std::pair<std::string, Sha256Digest>> sha256;  // (source header, digest)
  std::optional<std::pair<std::string, Sha1Digest>> git_sha1;
  std::optional<std::uint64_t> linked_size;
  std::string repo_commit;

  // The single sha256 all claims agree on, if any.
  std::optional<Sha256Digest> agreed_sha256() const {
    if (sha256.empty()) return std::nullopt;
    for (const auto& claim : sha256) {
      if (claim.second != sha256.front().second) return std::nullopt;
    }
    return sha256.front().second;
  }
  std::string summary() const {
    std::string out;
    for (const auto& claim : sha256) out += "sha256:" + to_hex(claim.second) + ";";
    if (git_sha1) out += "gitsha1:" + to_hex(git_sha1->second) + ";";
    return out;
  }
};

// Reads an etag-like value: 64 hex = sha256, 40 hex = git blob sha1.
void absorb_etag_claim(Claims& claims, const std::string& header, std::string_view value) {
  const std::string hex = unquote_etag(value);
  if (auto sha = parse_hex_digest<32>(hex)) {
    claims.sha256.emplace_back(header, *sha);
  } else if (auto sha1 = parse_hex_digest<20>(hex)) {
    if (!claims.git_sha1) claims.git_sha1.emplace(header, *sha1);
  }
}

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
          if (retries >= options_.max_retries) {
            throw FetchError(display_url_ + ": " + last_error_ + " (gave up after " +
                                 std::to_string(retries + 1) + " attempts)",
                             last_status_);
          }
          wait_before_retry(retries);
          ++retries;
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
          if (retries >= options_.max_retries) {
            throw FetchError(display_url_ + ": " + last_error_ + " (gave up after " +
                                 std::to_string(retries + 1) + " attempts)",
                             last_status_);
          }
          wait_before_retry(retries);
          ++retries;
          continue;
      }
    }
  }

 private:
  static std::string progress_label(const std::string& url) {
    auto parsed = ParsedUrl::parse(url);
    std::string path = parsed ? parsed->get(CURLUPART_PATH).value_or("") : std::string();
    const auto slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.empty()) name = url;
    return escape_untrusted(name, 60);
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
      Fd fd(::open(sidecar_path_.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) return false;
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
      stop(Error(ErrorCode::kIo, e.what()));
      return false;
    }
  }

  bool open_partial() {
    if (partial_fd_) return true;
    partial_fd_.reset(::open(partial_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    return static_cast<bool>(partial_fd_);
  }

  void truncate_partial() {
    if (partial_fd_ && ::ftruncate(partial_fd_.get(), 0) != 0) {
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
    claims_ = Claims{};
    for (int hop = 0;; ++hop) {
      const CURLcode code = perform(current, send_auth);
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
        if (location == nullptr || trim(*location).empty()) {
          throw FetchError(display_url_ + ": " + describe_status(response_) +
                               " redirect without a Location header",
                           status);
        }
        if (hop + 1 > options_.max_redirects) {
          throw FetchError(display_url_ + ": too many redirects (more than " +
                               std::to_string(options_.max_redirects) + ")",
                           status);
        }
        const RedirectTarget target = resolve_redirect(current, trim(*location), request_.url);
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
    const std::string_view v = trim(value);
    if (v.empty() || v.size() > 128 || has_control(v)) return {};
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
      absorb_etag_claim(claims_, "X-Linked-Etag", *linked);
    }
    if (options_.hub_etags && same_origin(current, origin)) {
      if (const std::string* etag = response_.find("etag"))
        absorb_etag_claim(claims_, "ETag", *etag);
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
          headers.add("If-Range: " + std::string(trim(validator_etag_)));
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
      line = trim(line);
      const auto sp1 = line.find(' ');
      if (sp1 != std::string_view::npos) {
        const std::string_view rest = line.substr(sp1 + 1);
        const auto sp2 = rest.find(' ');
        response_.status = static_cast<long>(parse_u64(rest.substr(0, sp2)).value_or(0));
        if (sp2 != std::string_view::npos)
          response_.reason = std::string(trim(rest.substr(sp2 + 1)));
      }
      return true;
    }
    const std::string_view trimmed = trim(line);
    if (trimmed.empty()) return true;
    if ((line.front() == ' ' || line.front() == '\t') && !response_.headers.empty()) {
      response_.headers.back().second += " " + std::string(trimmed);  // obsolete folding
      return true;
    }
    const auto colon = trimmed.find(':');
    if (colon == std::string_view::npos) return true;
    response_.headers.emplace_back(lower_ascii(trim(trimmed.substr(0, colon))),
                                   std::string(trim(trimmed.substr(colon + 1))));
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
      stop(Error(ErrorCode::kIo, partial_path_.string() + ": write failed: " + errno_text()));
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
      stop(Error(ErrorCode::kIo, partial_path_.string() + ": cannot create: " + errno_text()));
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
    if (!partial_fd_ && !open_partial()) {
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
        const Sha1Digest got = git_blob_sha1_of(partial_path_, size);
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

    const fs::path blob = cache_->adopt_blob(partial_path_, digest);
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

  static Sha1Digest git_blob_sha1_of(const fs::path& path, std::uint64_t size) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw Error(ErrorCode::kIo, path.string() + ": cannot open: " + errno_text());
    GitBlobSha1 hasher(size);
    std::vector<char> buf(1 << 20);
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(ErrorCode::kIo, path.string() + ": read failed: " + errno_text());
      if (n == 0) break;
      hasher.update(buf.data(), static_cast<std::size_t>(n));
    }
    return hasher.finish();
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
    std::this_thread::sleep_for(delay);
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
  Claims claims_;
  std::string final_url_;
  long last_status_ = 0;
  std::string last_error_;
  std::optional<std::chrono::milliseconds> retry_after_;
  FetchedFile cached_result_;

  // The partial download.
  fs::path partial_path_, sidecar_path_;
  Fd partial_fd_;
  Sha256 hasher_;
  std::uint64_t offset_ = 0;
  std::uint64_t session_bytes_ = 0;
  bool resumed_ = false;
  std::optional<std::uint64_t> known_total_;
  std::string validator_etag_, validator_last_modified_, sidecar_claims_;
};

std::optional<FetchedFile> fetch_impl(const std::string& url, const FetchOptions& options,
                                      Cache& cache, bool allow_not_found) {
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

  // One downloader per URL across processes; a waiter then finds the result.
  const FileLock lock(cache.lock_path("url-" + to_hex(sha256(request_url))));
  if (auto hit = from_expected()) return hit;

  std::optional<UrlRecord> record = cache.lookup_url(request_url);
  if (record && (!cache.find_blob(record->sha256) || (expected && record->sha256 != *expected))) {
    record.reset();
  }
  if (options.offline) {
    if (!record) {
      throw FetchError(redact_url(request_url) + ": not in the cache and fetching is offline", 0);
    }
    return cached_file(*cache.find_blob(record->sha256), record->sha256,
                       digest_source_from_name(record->verified_by), url, "", record->repo_commit);
  }
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

FetchedFile fetch_url(const std::string& url, const FetchOptions& options, Cache& cache) {
  return *fetch_impl(url, options, cache, false);
}

std::optional<FetchedFile> fetch_url_if_exists(const std::string& url, const FetchOptions& options,
                                               Cache& cache) {
  return fetch_impl(url, options, cache, true);
}

std::string percent_encode_segment(std::string_view segment) { return percent_encode(segment); }

bool probe_exists(const std::string& url, const FetchOptions& options) {
  RequestUrl request = parse_request_url(url);
  Fetcher fetcher(url, std::move(request), options, nullptr, Mode::kProbeHead);
  return fetcher.probe();
}

std::string resolve_relative_url(std::string_view base, std::string_view relative) {
  const auto refuse = [&](const char* why) {
    return Error(ErrorCode::kInput, "file name " + quote_untrusted(relative, 120) +
                                        " relative to " + redact_url(base) + ": " + why);
  };
  if (relative.empty()) throw refuse("empty name");
  if (relative.size() > 4096) throw refuse("name too long");
  if (has_control(relative)) throw refuse("control characters in the name");
  if (relative.front() == '/') throw refuse("absolute paths are not allowed");
  if (relative.find_first_of("\\?#") != std::string_view::npos) {
    throw refuse("'\\', '?' and '#' are not allowed");
  }
  const auto colon = relative.find(':');
  if (colon != std::string_view::npos && relative.find('/') > colon) {
    throw refuse("a scheme or drive prefix is not allowed");
  }
  std::string encoded;
  std::size_t start = 0;
  for (;;) {
    const auto slash = relative.find('/', start);
    const std::string_view segment = relative.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) throw refuse("empty path segment");
    if (segment == "." || segment == "..") throw refuse("'.' and '..' segments are not allowed");
    if (!encoded.empty()) encoded += '/';
    encoded += percent_encode(segment);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto parsed = ParsedUrl::parse(base);
  if (!parsed || !is_http_scheme(lower_ascii(parsed->get(CURLUPART_SCHEME).value_or("")))) {
    throw Error(ErrorCode::kInput, redact_url(base) + ": not an http(s) URL to resolve " +
                                       quote_untrusted(relative, 120) + " against");
  }
  std::string path = parsed->get(CURLUPART_PATH).value_or("/");
  path.erase(path.find_last_of('/') + 1);
  if (path.empty()) path = "/";
  parsed->set(CURLUPART_PATH, path.c_str());
  parsed->set(CURLUPART_QUERY, nullptr);
  parsed->set(CURLUPART_FRAGMENT, nullptr);
  // Appended after curl has rendered the base, so the encoding stays ours.
  return parsed->url() + encoded;
}

RedirectTarget resolve_redirect(std::string_view current_url, std::string_view location,
                                std::string_view origin_url) {
  if (location.size() > 8192 || has_control(location)) {
    throw FetchError(redact_url(current_url) + ": malformed redirect Location", 0);
  }
  auto parsed = ParsedUrl::parse(current_url);
  if (!parsed) throw FetchError(redact_url(current_url) + ": malformed URL", 0);
  const std::string from_scheme = lower_ascii(parsed->get(CURLUPART_SCHEME).value_or(""));
  const std::string target(location);
  // Relative references resolve against the current URL, as a browser would.
  if (!parsed->set(CURLUPART_URL, target.c_str(), CURLU_URLENCODE | CURLU_ALLOW_SPACE)) {
    throw FetchError(redact_url(current_url) + ": redirect to a malformed Location " +
                         quote_untrusted(location, 120),
                     0);
  }
  parsed->set(CURLUPART_FRAGMENT, nullptr);
  const std::string to_scheme = lower_ascii(parsed->get(CURLUPART_SCHEME).value_or(""));
  const std::string url = parsed->url();
  if (!is_http_scheme(to_scheme)) {
    throw FetchError(redact_url(current_url) + ": redirect to a " + quote_untrusted(to_scheme, 20) +
                         " URL refused (only http and https)",
                     0);
  }
  if (from_scheme == "https" && to_scheme == "http") {
    throw FetchError(redact_url(current_url) + ": redirect from https to plain http refused (" +
                         redact_url(url) + ")",
                     0);
  }
  return RedirectTarget{url, same_origin(url, origin_url)};
}

bool same_origin(std::string_view a, std::string_view b) {
  const auto pa = ParsedUrl::parse(a);
  const auto pb = ParsedUrl::parse(b);
  if (!pa || !pb) return false;
  const auto oa = origin_of(*pa);
  const auto ob = origin_of(*pb);
  return oa && ob && *oa == *ob;
}

std::string redact_url(std::string_view url) {
  const auto parsed = ParsedUrl::parse(url);
  if (!parsed) {
    // Not parseable: keep what precedes any query, fragment or user info.
    std::string_view head = url.substr(0, url.find_first_of("?#"));
    const auto scheme_end = head.find("://");
    if (scheme_end != std::string_view::npos) {
      const auto at = head.find('@', scheme_end + 3);
      const auto slash = head.find('/', scheme_end + 3);
      if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
        return escape_untrusted(
            std::string(head.substr(0, scheme_end + 3)) + std::string(head.substr(at + 1)), 300);
      }
    }
    return escape_untrusted(head, 300);
  }
  std::string out =
      parsed->get(CURLUPART_SCHEME).value_or("") + "://" + parsed->get(CURLUPART_HOST).value_or("");
  if (auto port = parsed->get(CURLUPART_PORT)) out += ":" + *port;
  out += parsed->get(CURLUPART_PATH).value_or("/");
  if (parsed->get(CURLUPART_QUERY)) out += "?...";
  return escape_untrusted(out, 300);
}

std::optional<Sha256Digest> parse_digest_header(std::string_view value) {
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    std::string_view item = trim(value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (lower_ascii(trim(item.substr(0, eq))) != "sha-256") continue;
    std::string_view encoded = trim(item.substr(eq + 1));
    // RFC 9530 wraps the bytes in colons and may add parameters after ';'.
    if (!encoded.empty() && encoded.front() == ':') {
      const auto close = encoded.find(':', 1);
      if (close == std::string_view::npos) return std::nullopt;
      encoded = encoded.substr(1, close - 1);
    }
    const auto bytes = decode_base64(encoded);
    if (!bytes || bytes->size() != 32) return std::nullopt;
    Sha256Digest out{};
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
  }
  return std::nullopt;
}

}  // namespace fti

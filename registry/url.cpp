#include "registry/url.h"

#include <curl/curl.h>

#include <memory>
#include <utility>

#include "engine/common/error.h"
#include "registry/curl_handle.h"
#include "registry/fetch_error.h"
#include "registry/http_text.h"

namespace fti {

namespace {

struct UrlDeleter {
  void operator()(CURLU* handle) const noexcept { curl_url_cleanup(handle); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// A parsed URL (curl's URL API, the same parser the transfer uses).
class ParsedUrl {
 public:
  // nullopt when `text` is not a URL curl accepts.
  static std::optional<ParsedUrl> parse(std::string_view text) {
    ensure_curl_initialized();
    UrlHandle handle(curl_url());
    if (!handle) return std::nullopt;
    const std::string copy(text);
    if (curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) {
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

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

RequestUrl parse_request_url(std::string_view text) {
  if (text.size() > 8192 || has_control_chars(text)) {
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

std::string resolve_relative_url(std::string_view base, std::string_view relative) {
  const auto refuse = [&](const char* why) {
    return Error(ErrorCode::kInput, "file name " + quote_untrusted(relative, 120) +
                                        " relative to " + redact_url(base) + ": " + why);
  };
  if (relative.empty()) throw refuse("empty name");
  if (relative.size() > 4096) throw refuse("name too long");
  if (has_control_chars(relative)) throw refuse("control characters in the name");
  if (relative.front() == '/') throw refuse("absolute paths are not allowed");
  if (relative.find_first_of("\\?#") != std::string_view::npos) {
    throw refuse("'\\', '?' and '#' are not allowed");
  }
  const auto colon = relative.find(':');
  if (colon != std::string_view::npos && relative.find('/') > colon) {
    throw refuse("a scheme or drive prefix is not allowed");
  }
  std::size_t start = 0;
  for (;;) {
    const auto slash = relative.find('/', start);
    const std::string_view segment = relative.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) throw refuse("empty path segment");
    if (segment == "." || segment == "..") throw refuse("'.' and '..' segments are not allowed");
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
  return parsed->url() + percent_encode_path(relative);
}

RedirectTarget resolve_redirect(std::string_view current_url, std::string_view location,
                                std::string_view origin_url) {
  if (location.size() > 8192 || has_control_chars(location)) {
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

std::string percent_encode_segment(std::string_view segment) {
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

std::string percent_encode_path(std::string_view path) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    out += percent_encode_segment(path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    out += '/';
    start = slash + 1;
  }
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

std::string url_file_name(std::string_view url) {
  const auto parsed = ParsedUrl::parse(url);
  const std::string path = parsed ? parsed->get(CURLUPART_PATH).value_or("") : std::string();
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace fti

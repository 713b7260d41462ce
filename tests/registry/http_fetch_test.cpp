// fetch_url against a real HTTP server (cpp-httplib on 127.0.0.1).
#include "registry/http_fetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/test_server.h"

namespace fti {
namespace {

namespace fs = std::filesystem;
using test::ServedFile;
using test::TestServer;

constexpr const char* kEtag = "\"v1-etag\"";

class HttpFetchTest : public ::testing::Test {
 protected:
  HttpFetchTest() : cache_(dir_.path() / "cache") {}

  // Short timeouts so that failures fail fast; no token from the environment.
  static FetchOptions options() {
    FetchOptions o;
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.low_speed_bytes = 1000;
    o.low_speed_time = std::chrono::seconds(1);
    o.max_retries = 3;
    o.initial_backoff = std::chrono::milliseconds(10);
    o.max_backoff = std::chrono::milliseconds(40);
    o.max_retry_after = std::chrono::milliseconds(3000);
    o.auth_env = "";
    o.progress = ProgressMode::kNever;
    return o;
  }

  std::size_t blob_count() const { return test::count_files(cache_.root() / "blobs"); }
  std::size_t partial_count() const { return test::count_files(cache_.root() / "partial"); }

  test::TempDir dir_;
  Cache cache_;
  TestServer server_;
};

// Runs `fn` and returns the fti::Error it throws (fails the test otherwise).
template <typename Fn>
Error expect_error(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no fti::Error was thrown";
  return Error(ErrorCode::kInternal, "no error");
}

// ------------------------------------------------------------ plain fetches

TEST_F(HttpFetchTest, DownloadsIntoTheCacheUnderItsSha256) {
  const std::string body = test::test_bytes(300 * 1024, 7);
  auto counts =
      server_.serve_file("/files/model.safetensors", ServedFile{.body = body, .etag = kEtag});
  server_.start();

  const std::string url = server_.url("/files/model.safetensors");
  const FetchedFile f = fetch_url(url, options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(to_hex(f.sha256), test::sha256_hex(body));
  EXPECT_EQ(f.path, cache_.blob_path(f.sha256));
  EXPECT_EQ(f.size, body.size());
  EXPECT_EQ(f.url, url);
  EXPECT_EQ(f.final_url, url);
  EXPECT_FALSE(f.from_cache);
  EXPECT_EQ(f.verified_by, DigestSource::kNone);
  EXPECT_EQ(counts->full.load(), 1);
  EXPECT_EQ(blob_count(), 1u);
  EXPECT_EQ(partial_count(), 0u);  // neither the partial nor its sidecar remains
  const auto record = cache_.lookup_url(url);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->sha256, f.sha256);
  EXPECT_EQ(record->etag, kEtag);
  // The user agent identifies fti.
  EXPECT_EQ(server_.requests().at(0).header("User-Agent").rfind("fti/", 0), 0u);
}

TEST_F(HttpFetchTest, EmptyFile) {
  server_.serve_file("/empty", ServedFile{.body = ""});
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/empty"), options(), cache_);
  EXPECT_EQ(f.size, 0u);
  EXPECT_EQ(to_hex(f.sha256), test::sha256_hex(""));
  EXPECT_EQ(test::read_file(f.path), "");
}

TEST_F(HttpFetchTest, SecondFetchRevalidatesWith304AndDoesNotDownloadAgain) {
  const std::string body = test::test_bytes(50 * 1024, 8);
  auto counts = server_.serve_file("/f.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  const FetchedFile first = fetch_url(server_.url("/f.bin"), options(), cache_);
  const FetchedFile second = fetch_url(server_.url("/f.bin"), options(), cache_);
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.path, first.path);
  EXPECT_EQ(second.sha256, first.sha256);
  EXPECT_EQ(counts->full.load(), 1);  // one full download in total
  EXPECT_EQ(counts->not_modified.load(), 1);
  const auto requests = server_.requests_for("/f.bin");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].has_header("If-None-Match"));
  EXPECT_EQ(requests[1].header("If-None-Match"), kEtag);
}

TEST_F(HttpFetchTest, ChangedContentIsDownloadedAgain) {
  // Without a validator the client cannot revalidate: it downloads again and
  // the record follows the new content.
  const std::string body = test::test_bytes(1000, 9);
  auto counts = server_.serve_file("/nv.bin", ServedFile{.body = body, .etag = ""});
  server_.start();
  fetch_url(server_.url("/nv.bin"), options(), cache_);
  const FetchedFile again = fetch_url(server_.url("/nv.bin"), options(), cache_);
  EXPECT_FALSE(again.from_cache);
  EXPECT_EQ(counts->full.load(), 2);
  EXPECT_EQ(blob_count(), 1u);  // same content, one blob
}

TEST_F(HttpFetchTest, KnownDigestInTheCacheNeedsNoNetwork) {
  const std::string body = test::test_bytes(4096, 10);
  server_.serve_file("/k.bin", ServedFile{.body = body});
  server_.start();
  FetchOptions o = options();
  o.expected_sha256 = sha256(body);
  const FetchedFile first = fetch_url(server_.url("/k.bin"), o, cache_);
  EXPECT_EQ(first.verified_by, DigestSource::kExpected);
  const std::size_t before = server_.total();
  // Another URL, same digest: still no request.
  const FetchedFile second = fetch_url(server_.url("/other-name.bin"), o, cache_);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.path, first.path);
  EXPECT_EQ(server_.total(), before);
}

TEST_F(HttpFetchTest, Sha256FragmentIsAnExpectedDigestAndIsNotSent) {
  const std::string body = test::test_bytes(2048, 11);
  server_.serve_file("/frag.bin", ServedFile{.body = body});
  server_.start();
  const FetchedFile f =
      fetch_url(server_.url("/frag.bin") + "#sha256=" + test::sha256_hex(body), options(), cache_);
  EXPECT_EQ(f.verified_by, DigestSource::kExpected);
  EXPECT_EQ(server_.requests().at(0).path, "/frag.bin");

  const std::string wrong(64, 'a');
  const Error e = expect_error(
      [&] { fetch_url(server_.url("/frag.bin") + "#sha256=" + wrong, options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);

  const Error bad_hex =
      expect_error([&] { fetch_url(server_.url("/frag.bin") + "#sha256=xyz", options(), cache_); });
  EXPECT_EQ(bad_hex.code(), ErrorCode::kUsage);
}

TEST_F(HttpFetchTest, OfflineUsesTheRecordOrFails) {
  const std::string body = test::test_bytes(1234, 12);
  server_.serve_file("/off.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  const FetchedFile online = fetch_url(server_.url("/off.bin"), options(), cache_);
  const std::size_t before = server_.total();
  FetchOptions o = options();
  o.offline = true;
  const FetchedFile offline = fetch_url(server_.url("/off.bin"), o, cache_);
  EXPECT_TRUE(offline.from_cache);
  EXPECT_EQ(offline.sha256, online.sha256);
  EXPECT_EQ(server_.total(), before);

  const Error e = expect_error([&] { fetch_url(server_.url("/never.bin"), o, cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  EXPECT_NE(std::string(e.what()).find("offline"), std::string::npos);
  EXPECT_EQ(server_.total(), before);
}

TEST_F(HttpFetchTest, SizeLimit) {
  server_.serve_file("/big.bin", ServedFile{.body = test::test_bytes(10000, 13)});
  server_.start();
  FetchOptions o = options();
  o.max_size = 5000;
  const Error e = expect_error([&] { fetch_url(server_.url("/big.bin"), o, cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kLimit);
  EXPECT_EQ(blob_count(), 0u);
}

TEST_F(HttpFetchTest, RefusesOtherSchemesAndMalformedUrls) {
  for (const char* url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "not a url", "127.0.0.1/x",
                          "http://exa mple.com/x", "gopher://h/x"}) {
    const Error e = expect_error([&] { fetch_url(url, options(), cache_); });
    EXPECT_EQ(e.code(), ErrorCode::kUsage) << url;
  }
}

// ---------------------------------------------------------------- redirects

TEST_F(HttpFetchTest, FollowsRelativeAbsoluteAndChainedRedirects) {
  const std::string body = test::test_bytes(10000, 14);
  server_.raw().Get("/r/a", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "b");  // relative to /r/
  });
  server_.raw().Get("/r/b", [this](const httplib::Request&, httplib::Response& res) {
    res.status = 301;
    res.set_header("Location", server_.url("/c"));  // absolute
  });
  server_.raw().Get("/c", [](const httplib::Request&, httplib::Response& res) {
    res.status = 307;
    res.set_header("Location", "/final/file.bin");  // absolute path
  });
  server_.serve_file("/final/file.bin", ServedFile{.body = body});
  server_.start();

  const FetchedFile f = fetch_url(server_.url("/r/a"), options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(f.url, server_.url("/r/a"));
  EXPECT_EQ(f.final_url, server_.url("/final/file.bin"));
  EXPECT_EQ(server_.count("/r/a"), 1u);
  EXPECT_EQ(server_.count("/r/b"), 1u);
  EXPECT_EQ(server_.count("/c"), 1u);
  EXPECT_EQ(server_.count("/final/file.bin"), 1u);
}

TEST_F(HttpFetchTest, RedirectLoopIsAnError) {
  server_.raw().Get("/loop1", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/loop2");
  });
  server_.raw().Get("/loop2", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/loop1");
  });
  server_.start();
  const Error e = expect_error([&] { fetch_url(server_.url("/loop1"), options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  EXPECT_NE(std::string(e.what()).find("redirect loop"), std::string::npos) << e.what();
  EXPECT_EQ(server_.total(), 2u);  // detected, not retried
}

TEST_F(HttpFetchTest, TooManyRedirects) {
  server_.raw().Get(R"(/hop/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/hop/" + std::to_string(std::stoi(req.matches[1]) + 1));
  });
  server_.start();
  FetchOptions o = options();
  o.max_redirects = 3;
  const Error e = expect_error([&] { fetch_url(server_.url("/hop/0"), o, cache_); });
  EXPECT_NE(std::string(e.what()).find("too many redirects"), std::string::npos) << e.what();
  EXPECT_EQ(server_.total(), 4u);  // the original request and three redirects
}

TEST(HttpRedirectPolicy, ResolvesAndRefusesDowngrades) {
  const std::string origin = "https://hub.example/org/name/resolve/main/model.safetensors";
  RedirectTarget t = resolve_redirect(origin, "/api/x?y=1", origin);
  EXPECT_EQ(t.url, "https://hub.example/api/x?y=1");
  EXPECT_TRUE(t.same_origin);
  t = resolve_redirect(origin, "../other/file", origin);
  EXPECT_EQ(t.url, "https://hub.example/org/name/resolve/other/file");
  t = resolve_redirect(origin, "https://cdn.example/blob#frag", origin);
  EXPECT_EQ(t.url, "https://cdn.example/blob");
  EXPECT_FALSE(t.same_origin);
  t = resolve_redirect("http://a.example/x", "https://a.example/x", "http://a.example/x");
  EXPECT_FALSE(t.same_origin);  // upgrade allowed, but another origin (scheme)

  for (const char* location : {"http://hub.example/x", "http://cdn.example/x"}) {
    const Error e = expect_error([&] { resolve_redirect(origin, location, origin); });
    EXPECT_EQ(e.code(), ErrorCode::kFetch);
    EXPECT_NE(std::string(e.what()).find("https to plain http"), std::string::npos) << e.what();
  }
  for (const char* location : {"file:///etc/passwd", "ftp://hub.example/x", "gopher://x/"}) {
    const Error e = expect_error([&] { resolve_redirect(origin, location, origin); });
    EXPECT_EQ(e.code(), ErrorCode::kFetch) << location;
  }
}

TEST(HttpRedirectPolicy, SameOrigin) {
  EXPECT_TRUE(same_origin("https://a.example/x", "https://a.example:443/y"));
  EXPECT_TRUE(same_origin("https://A.example/x", "https://a.example/y"));
  EXPECT_TRUE(same_origin("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/y?z"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:8080/x", "http://127.0.0.1:8081/x"));
  EXPECT_FALSE(same_origin("http://a.example/x", "https://a.example/x"));
  EXPECT_FALSE(same_origin("http://127.0.0.1/x", "http://localhost/x"));
  EXPECT_FALSE(same_origin("https://a.example/x", "https://a.example.evil.com/x"));
}

// ------------------------------------------------------------------ errors

TEST_F(HttpFetchTest, NotFoundIsAClearErrorNamingTheUrl) {
  server_.start();
  const std::string url = server_.url("/missing/model.safetensors");
  try {
    fetch_url(url, options(), cache_);
    FAIL() << "404 accepted";
  } catch (const FetchError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFetch);
    EXPECT_EQ(e.http_status(), 404);
    const std::string message = e.what();
    EXPECT_NE(message.find(url), std::string::npos) << message;
    EXPECT_NE(message.find("not found"), std::string::npos) << message;
    EXPECT_NE(message.find("404"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  EXPECT_EQ(server_.total(), 1u);  // not retried
  EXPECT_FALSE(fetch_url_if_exists(url, options(), cache_).has_value());
  EXPECT_EQ(partial_count(), 0u);
}

TEST_F(HttpFetchTest, ServerErrorThenSuccessIsRetried) {
  const std::string body = test::test_bytes(5000, 15);
  std::atomic<int> calls{0};
  server_.raw().Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ < 2) {
      res.status = calls == 1 ? 500 : 502;
      res.set_content("try later", "text/plain");
      return;
    }
    res.set_content(body, "application/octet-stream");
  });
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/flaky"), options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(HttpFetchTest, GivesUpAfterMaxRetries) {
  server_.raw().Get("/down",
                    [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  server_.start();
  FetchOptions o = options();
  o.max_retries = 2;
  try {
    fetch_url(server_.url("/down"), o, cache_);
    FAIL() << "503 accepted";
  } catch (const FetchError& e) {
    EXPECT_EQ(e.http_status(), 503);
    const std::string message = e.what();
    EXPECT_NE(message.find("HTTP 503"), std::string::npos) << message;
    EXPECT_NE(message.find("gave up after 3 attempts"), std::string::npos) << message;
  }
  EXPECT_EQ(server_.total(), 3u);
}

TEST_F(HttpFetchTest, TooManyRequestsHonoursRetryAfter) {
  const std::string body = test::test_bytes(100, 16);
  std::atomic<int> calls{0};
  server_.raw().Get("/rate", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content(body, "application/octet-stream");
  });
  server_.start();
  const auto start = std::chrono::steady_clock::now();
  const FetchedFile f = fetch_url(server_.url("/rate"), options(), cache_);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(calls.load(), 2);
  // The backoff alone is at most 40 ms here; Retry-After asked for a second.
  EXPECT_GE(elapsed, std::chrono::milliseconds(950));
}

TEST_F(HttpFetchTest, RetryAfterIsCapped) {
  std::atomic<int> calls{0};
  server_.raw().Get("/slowdown", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 503;
      res.set_header("Retry-After", "3600");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  server_.start();
  FetchOptions o = options();
  o.max_retry_after = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  fetch_url(server_.url("/slowdown"), o, cache_);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(HttpFetchTest, ForbiddenIsNotRetriedAndMentionsTheTokenVariable) {
  server_.raw().Get("/private",
                    [](const httplib::Request&, httplib::Response& res) { res.status = 403; });
  server_.start();
  const test::ScopedEnv unset("FTI_HTTP_TOKEN", nullptr);
  FetchOptions o = options();
  o.auth_env = "FTI_HTTP_TOKEN";
  const Error e = expect_error([&] { fetch_url(server_.url("/private"), o, cache_); });
  const std::string message = e.what();
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  EXPECT_NE(message.find("HTTP 403"), std::string::npos) << message;
  EXPECT_NE(message.find("FTI_HTTP_TOKEN"), std::string::npos) << message;
  EXPECT_NE(message.find("not set"), std::string::npos) << message;
  EXPECT_EQ(server_.total(), 1u);
}

TEST_F(HttpFetchTest, ConnectionRefusedIsRetriedThenReported) {
  // A port that was just free: bind a server, remember its port, stop it.
  int port = 0;
  {
    TestServer gone;
    gone.start();
    port = gone.port();
  }
  FetchOptions o = options();
  o.max_retries = 1;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  const Error e = expect_error([&] { fetch_url(url, o, cache_); });
  const std::string message = e.what();
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  EXPECT_NE(message.find(url), std::string::npos) << message;
  EXPECT_NE(message.find("gave up after 2 attempts"), std::string::npos) << message;
}

TEST_F(HttpFetchTest, ServerReasonPhraseAndErrorMessageAreQuoted) {
  server_.raw().Get("/teapot", [](const httplib::Request&, httplib::Response& res) {
    res.status = 418;
    res.set_header("X-Error-Message", "line one\x1b[31m evil");
  });
  server_.start();
  const Error e = expect_error([&] { fetch_url(server_.url("/teapot"), options(), cache_); });
  const std::string message = e.what();
  EXPECT_NE(message.find("HTTP 418"), std::string::npos) << message;
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_NE(message.find("\\x1b"), std::string::npos) << message;
}

// ------------------------------------------------------------------- resume

TEST_F(HttpFetchTest, CutConnectionIsResumedWithRange) {
  const std::string body = test::test_bytes(400 * 1024, 17);
  const std::size_t half = body.size() / 2;
  auto counts = server_.serve_file(
      "/cut.bin", ServedFile{.body = body, .etag = kEtag, .cut_after = half, .cut_times = 1});
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/cut.bin"), options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(to_hex(f.sha256), test::sha256_hex(body));
  EXPECT_EQ(counts->cut.load(), 1);
  EXPECT_EQ(counts->full.load(), 1);
  EXPECT_EQ(counts->partial.load(), 1);
  const auto requests = server_.requests_for("/cut.bin");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].has_header("Range"));
  EXPECT_EQ(requests[1].header("Range"), "bytes=" + std::to_string(half) + "-");
  EXPECT_EQ(requests[1].header("If-Range"), kEtag);
  EXPECT_EQ(partial_count(), 0u);
}

TEST_F(HttpFetchTest, PartialDownloadIsResumedByALaterProcess) {
  const std::string body = test::test_bytes(256 * 1024, 18);
  const std::size_t cut = 100000;
  auto counts = server_.serve_file(
      "/later.bin", ServedFile{.body = body, .etag = kEtag, .cut_after = cut, .cut_times = 1});
  server_.start();
  FetchOptions once = options();
  once.max_retries = 0;
  const Error e = expect_error([&] { fetch_url(server_.url("/later.bin"), once, cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  // What arrived is kept for later, but never as a blob.
  const fs::path partial = cache_.partial_path(server_.url("/later.bin"));
  ASSERT_TRUE(fs::exists(partial));
  EXPECT_EQ(fs::file_size(partial), cut);
  EXPECT_EQ(blob_count(), 0u);

  // A new call (as a new process would) continues from the partial file and
  // hashes its prefix from disk.
  Cache other_handle(cache_.root());
  const FetchedFile f = fetch_url(server_.url("/later.bin"), once, other_handle);
  EXPECT_EQ(to_hex(f.sha256), test::sha256_hex(body));
  EXPECT_EQ(test::read_file(f.path), body);
  const auto requests = server_.requests_for("/later.bin");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Range"), "bytes=" + std::to_string(cut) + "-");
  EXPECT_EQ(counts->partial.load(), 1);
  EXPECT_FALSE(fs::exists(partial));
}

TEST_F(HttpFetchTest, ServerAnswering200ToRangeStartsOver) {
  const std::string body = test::test_bytes(200 * 1024, 19);
  auto counts = server_.serve_file(
      "/norange.bin",
      ServedFile{
          .body = body, .etag = kEtag, .honour_range = false, .cut_after = 70000, .cut_times = 1});
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/norange.bin"), options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);  // not the prefix twice
  EXPECT_EQ(f.size, body.size());
  EXPECT_EQ(counts->full.load(), 2);
  EXPECT_EQ(counts->partial.load(), 0);
  const auto requests = server_.requests_for("/norange.bin");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Range"), "bytes=70000-");
}

TEST_F(HttpFetchTest, ChangedValidatorMeansTheServerSendsEverything) {
  // The content changed between the two runs: If-Range with the old ETag
  // fails, the server sends a 200 with the new content, which replaces the
  // partial instead of being appended to it.
  const std::string old_body = test::test_bytes(100000, 20);
  const std::string new_body = test::test_bytes(120000, 21);
  auto resource = server_.serve_file(
      "/v.bin",
      ServedFile{.body = old_body, .etag = "\"old\"", .cut_after = 30000, .cut_times = 1});
  server_.start();
  FetchOptions once = options();
  once.max_retries = 0;
  EXPECT_THROW(fetch_url(server_.url("/v.bin"), once, cache_), Error);
  resource->replace(ServedFile{.body = new_body, .etag = "\"new\""});

  const FetchedFile f = fetch_url(server_.url("/v.bin"), once, cache_);
  EXPECT_EQ(test::read_file(f.path), new_body);
  const auto requests = server_.requests_for("/v.bin");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Range"), "bytes=30000-");
  EXPECT_EQ(requests[1].header("If-Range"), "\"old\"");
  EXPECT_EQ(resource->full.load(), 2);
  EXPECT_EQ(resource->partial.load(), 0);
}

TEST_F(HttpFetchTest, ResumedFileFailingItsDigestIsDownloadedWholeOnce) {
  // No validator, so nothing tells the client that the content changed
  // between the runs; the expected digest catches the spliced file, and the
  // client then downloads the whole file once more.
  const std::string old_body = test::test_bytes(90000, 31);
  const std::string new_body = test::test_bytes(90000, 32);
  auto resource = server_.serve_file(
      "/splice.bin", ServedFile{.body = old_body, .etag = "", .cut_after = 30000, .cut_times = 1});
  server_.start();
  FetchOptions o = options();
  o.max_retries = 0;
  o.expected_sha256 = sha256(new_body);
  EXPECT_THROW(fetch_url(server_.url("/splice.bin"), o, cache_), Error);
  resource->replace(ServedFile{.body = new_body, .etag = ""});

  const FetchedFile f = fetch_url(server_.url("/splice.bin"), o, cache_);
  EXPECT_EQ(test::read_file(f.path), new_body);
  const auto requests = server_.requests_for("/splice.bin");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].header("Range"), "bytes=30000-");
  EXPECT_FALSE(requests[2].has_header("Range"));
  EXPECT_EQ(resource->partial.load(), 1);
  EXPECT_EQ(resource->full.load(), 2);
}

TEST_F(HttpFetchTest, CompletePartialAnswered416StartsOver) {
  // A run that received every byte but died before storing the blob.
  const std::string body = test::test_bytes(40000, 33);
  auto resource = server_.serve_file("/whole.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  const std::string url = server_.url("/whole.bin");
  const fs::path partial = cache_.partial_path(url);
  std::ofstream(partial, std::ios::binary) << body;
  std::ofstream(partial.string() + ".json")
      << R"({"url": ")" << url
      << R"(", "etag": "\"v1-etag\"", "last_modified": "", "claims": "", "total": )" << body.size()
      << "}";

  const FetchedFile f = fetch_url(url, options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  const auto requests = server_.requests_for("/whole.bin");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("Range"), "bytes=40000-");
  EXPECT_FALSE(requests[1].has_header("Range"));
  EXPECT_EQ(resource->full.load(), 1);
}

TEST_F(HttpFetchTest, GarbledSidecarMeansStartOver) {
  const std::string body = test::test_bytes(40000, 34);
  server_.serve_file("/g.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  const std::string url = server_.url("/g.bin");
  const fs::path partial = cache_.partial_path(url);
  std::ofstream(partial, std::ios::binary) << "garbage that must not be kept";
  std::ofstream(partial.string() + ".json") << "{not json";
  const FetchedFile f = fetch_url(url, options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_FALSE(server_.requests_for("/g.bin").at(0).has_header("Range"));
}

TEST_F(HttpFetchTest, ProgressLineOnlyWhenWanted) {
  const std::string body = test::test_bytes(100000, 35);
  server_.serve_file("/p/model.safetensors", ServedFile{.body = body});
  server_.serve_file("/q/model.safetensors", ServedFile{.body = body});
  server_.start();
  FetchOptions o = options();
  o.progress = ProgressMode::kAlways;
  ::testing::internal::CaptureStderr();
  fetch_url(server_.url("/p/model.safetensors"), o, cache_);
  const std::string shown = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(shown.find("model.safetensors"), std::string::npos) << shown;
  EXPECT_NE(shown.find("100.0%"), std::string::npos) << shown;
  EXPECT_EQ(shown.back(), '\n');

  // kAuto with stderr captured (not a terminal): quiet.
  o.progress = ProgressMode::kAuto;
  ::testing::internal::CaptureStderr();
  fetch_url(server_.url("/q/model.safetensors"), o, cache_);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST_F(HttpFetchTest, StalledTransferIsDetectedAndResumed) {
  const std::string body = test::test_bytes(100 * 1024, 22);
  // Only a few bytes before the stall: curl measures speed over a window of
  // several seconds, so a big burst first would delay the detection.
  auto counts = server_.serve_file(
      "/stall.bin",
      ServedFile{.body = body, .etag = kEtag, .cut_after = 300, .cut_times = 1, .stall_ms = 8000});
  server_.start();
  const auto start = std::chrono::steady_clock::now();
  const FetchedFile f = fetch_url(server_.url("/stall.bin"), options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(counts->partial.load(), 1);
  EXPECT_EQ(server_.requests_for("/stall.bin").at(1).header("Range"), "bytes=300-");
  // The low-speed limit (1 s) fired well before the server gave up (8 s).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(6000));
}

// ---------------------------------------------------------------- integrity

TEST_F(HttpFetchTest, WrongExpectedSha256LeavesNoBlobAndNoPartial) {
  const std::string body = test::test_bytes(80000, 23);
  server_.serve_file("/w.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  FetchOptions o = options();
  Sha256Digest wrong = sha256(body);
  wrong[0] ^= 1;
  o.expected_sha256 = wrong;
  const std::string url = server_.url("/w.bin");
  const Error e = expect_error([&] { fetch_url(url, o, cache_); });
  const std::string message = e.what();
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  EXPECT_NE(message.find(url), std::string::npos) << message;
  EXPECT_NE(message.find(to_hex(wrong)), std::string::npos) << message;
  EXPECT_NE(message.find(test::sha256_hex(body)), std::string::npos) << message;
  EXPECT_EQ(blob_count(), 0u);
  EXPECT_EQ(partial_count(), 0u);
  EXPECT_FALSE(cache_.lookup_url(url).has_value());
}

TEST_F(HttpFetchTest, LinkedEtagAsSha256) {
  const std::string body = test::test_bytes(70000, 24);
  server_.serve_file(
      "/good",
      ServedFile{.body = body,
                 .extra_headers = {{"X-Linked-Etag", "\"" + test::sha256_hex(body) + "\""}}});
  server_.serve_file(
      "/bad", ServedFile{.body = body,
                         .extra_headers = {{"X-Linked-Etag", "\"" + std::string(64, 'c') + "\""}}});
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/good"), options(), cache_);
  EXPECT_EQ(f.verified_by, DigestSource::kServerSha256);
  fs::remove(f.path);  // so that the bad one cannot be answered from the cache

  const Error e = expect_error([&] { fetch_url(server_.url("/bad"), options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  EXPECT_NE(std::string(e.what()).find("X-Linked-Etag"), std::string::npos) << e.what();
  EXPECT_EQ(blob_count(), 0u);
  EXPECT_EQ(partial_count(), 0u);
}

TEST_F(HttpFetchTest, LinkedEtagAsGitBlobSha1ForSmallFiles) {
  const std::string body = R"({"metadata": {"total_size": 8}, "weight_map": {}})";
  const std::string sha1 = test::git_blob_sha1_hex(body);
  // A sha1 is not a truncated sha256: the two must never be confused.
  ASSERT_NE(sha1, test::sha256_hex(body).substr(0, 40));
  server_.serve_file(
      "/good.json",
      ServedFile{.body = body, .extra_headers = {{"X-Linked-Etag", "\"" + sha1 + "\""}}});
  std::string wrong = sha1;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  server_.serve_file(
      "/bad.json",
      ServedFile{.body = body, .extra_headers = {{"X-Linked-Etag", "\"" + wrong + "\""}}});
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/good.json"), options(), cache_);
  EXPECT_EQ(f.verified_by, DigestSource::kServerGitSha1);
  EXPECT_EQ(to_hex(f.sha256), test::sha256_hex(body));
  fs::remove(f.path);

  const Error e = expect_error([&] { fetch_url(server_.url("/bad.json"), options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  EXPECT_NE(std::string(e.what()).find("git blob sha1"), std::string::npos) << e.what();
  EXPECT_EQ(blob_count(), 0u);
}

TEST_F(HttpFetchTest, PlainEtagIsADigestOnlyWithHubEtags) {
  const std::string body = test::test_bytes(3000, 25);
  // A 64-hex ETag that is not this content's sha256 (an ordinary server's
  // opaque validator could look like that).
  server_.serve_file("/opaque",
                     ServedFile{.body = body, .etag = "\"" + std::string(64, 'e') + "\""});
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/opaque"), options(), cache_);
  EXPECT_EQ(f.verified_by, DigestSource::kNone);
  fs::remove(f.path);
  fs::remove_all(cache_.root() / "urls");

  FetchOptions hub = options();
  hub.hub_etags = true;
  const Error e = expect_error([&] { fetch_url(server_.url("/opaque"), hub, cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  EXPECT_NE(std::string(e.what()).find("ETag"), std::string::npos) << e.what();
}

TEST_F(HttpFetchTest, DigestAndReprDigestHeaders) {
  const std::string body = test::test_bytes(9000, 26);
  const std::string b64 =
      test::base64(std::string(reinterpret_cast<const char*>(sha256(body).data()), 32));
  const std::string wrong_b64 = test::base64(std::string(32, 'x'));
  server_.serve_file(
      "/d-good",
      ServedFile{.body = body, .extra_headers = {{"Digest", "MD5=abc, SHA-256=" + b64}}});
  server_.serve_file(
      "/d-bad", ServedFile{.body = body, .extra_headers = {{"Digest", "sha-256=" + wrong_b64}}});
  server_.serve_file(
      "/r-good",
      ServedFile{.body = body, .extra_headers = {{"Repr-Digest", "sha-256=:" + b64 + ":"}}});
  server_.start();
  const FetchedFile f = fetch_url(server_.url("/d-good"), options(), cache_);
  EXPECT_EQ(f.verified_by, DigestSource::kServerSha256);
  fs::remove(f.path);
  const FetchedFile r = fetch_url(server_.url("/r-good"), options(), cache_);
  EXPECT_EQ(r.verified_by, DigestSource::kServerSha256);
  fs::remove(r.path);
  const Error e = expect_error([&] { fetch_url(server_.url("/d-bad"), options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  EXPECT_NE(std::string(e.what()).find("Digest"), std::string::npos) << e.what();
}

TEST(HttpDigestHeader, Parses) {
  const Sha256Digest d = sha256(std::string_view("abc"));
  const std::string b64 = test::base64(std::string(reinterpret_cast<const char*>(d.data()), 32));
  EXPECT_EQ(parse_digest_header("sha-256=" + b64), d);
  EXPECT_EQ(parse_digest_header("SHA-256=" + b64), d);
  EXPECT_EQ(parse_digest_header("md5=Q2hlY2sgSW50ZWdyaXR5IQ==, sha-256=" + b64), d);
  EXPECT_EQ(parse_digest_header("sha-256=:" + b64 + ":"), d);
  EXPECT_EQ(parse_digest_header("sha-512=:abc:, sha-256=:" + b64 + ":;p=1"), d);
  EXPECT_FALSE(parse_digest_header("md5=Q2hlY2sgSW50ZWdyaXR5IQ=="));
  EXPECT_FALSE(parse_digest_header("sha-256=not base64!"));
  EXPECT_FALSE(parse_digest_header("sha-256=" + test::base64("short")));
  EXPECT_FALSE(parse_digest_header("sha-256=:" + b64));
  EXPECT_FALSE(parse_digest_header(""));
}

TEST_F(HttpFetchTest, LinkedSizeMismatchIsAnIntegrityError) {
  const std::string body = test::test_bytes(1000, 27);
  server_.serve_file("/sz", ServedFile{.body = body, .extra_headers = {{"X-Linked-Size", "999"}}});
  server_.start();
  const Error e = expect_error([&] { fetch_url(server_.url("/sz"), options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  EXPECT_EQ(blob_count(), 0u);
}

// ------------------------------------------------------------ authorization

TEST_F(HttpFetchTest, AuthorizationGoesToTheSameOriginOnly) {
  TestServer cdn;
  const std::string body = test::test_bytes(20000, 28);
  cdn.serve_file("/blob", ServedFile{.body = body});
  server_.serve_file("/direct", ServedFile{.body = body});
  server_.raw().Get("/same", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/direct");
  });
  server_.raw().Get("/away", [&cdn](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", cdn.url("/blob"));
  });
  cdn.start();
  server_.start();
  ASSERT_NE(cdn.port(), server_.port());

  const test::ScopedEnv token("FTI_HTTP_TOKEN", "s3cret-token");
  FetchOptions o = options();
  o.auth_env = "FTI_HTTP_TOKEN";
  fetch_url(server_.url("/direct"), o, cache_);
  fetch_url(server_.url("/same"), o, cache_);
  fetch_url(server_.url("/away"), o, cache_);

  for (const auto& r : server_.requests()) {
    EXPECT_EQ(r.header("Authorization"), "Bearer s3cret-token") << r.path;
  }
  const auto cdn_requests = cdn.requests_for("/blob");
  ASSERT_EQ(cdn_requests.size(), 1u);
  EXPECT_FALSE(cdn_requests[0].has_header("Authorization"));

  // An explicit header value wins over the environment.
  FetchOptions explicit_auth = options();
  explicit_auth.authorization = "Bearer other";
  explicit_auth.auth_env = "FTI_HTTP_TOKEN";
  fetch_url(server_.url("/direct") + "?v=2", explicit_auth, cache_);
  EXPECT_EQ(server_.requests().back().header("Authorization"), "Bearer other");
}

TEST_F(HttpFetchTest, TokenNeverAppearsInMessages) {
  server_.raw().Get("/denied",
                    [](const httplib::Request&, httplib::Response& res) { res.status = 401; });
  server_.start();
  const test::ScopedEnv token("FTI_HTTP_TOKEN", "s3cret-token");
  FetchOptions o = options();
  o.auth_env = "FTI_HTTP_TOKEN";
  const Error e = expect_error([&] {
    fetch_url(
        "http://user:pa55word@127.0.0.1:" + std::to_string(server_.port()) + "/denied?token=qu3ry",
        o, cache_);
  });
  const std::string message = e.what();
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  EXPECT_EQ(message.find("pa55word"), std::string::npos) << message;
  EXPECT_EQ(message.find("qu3ry"), std::string::npos) << message;
  EXPECT_NE(message.find("it is set"), std::string::npos) << message;
  EXPECT_EQ(server_.requests().at(0).header("Authorization"), "Bearer s3cret-token");

  const test::ScopedEnv injected("FTI_HTTP_TOKEN", "abc\r\nX-Evil: 1");
  const Error inj = expect_error([&] { fetch_url(server_.url("/denied"), o, cache_); });
  EXPECT_EQ(inj.code(), ErrorCode::kUsage);
  EXPECT_EQ(std::string(inj.what()).find("X-Evil"), std::string::npos);
}

TEST_F(HttpFetchTest, CredentialsInTheUrlAreUsedButNotStored) {
  const std::string body = test::test_bytes(3000, 36);
  server_.serve_file("/cred.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  const std::string url =
      "http://user:pa55word@127.0.0.1:" + std::to_string(server_.port()) + "/cred.bin";
  const FetchedFile f = fetch_url(url, options(), cache_);
  EXPECT_EQ(f.url, url);
  EXPECT_EQ(server_.requests().at(0).header("Authorization"),
            "Basic " + test::base64("user:pa55word"));
  // The record is filed under the URL without credentials; no file in the
  // cache mentions the password.
  EXPECT_TRUE(cache_.lookup_url(server_.url("/cred.bin")).has_value());
  for (const auto& entry : fs::recursive_directory_iterator(cache_.root())) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      EXPECT_EQ(test::read_file(entry.path()).find("pa55word"), std::string::npos) << entry.path();
    }
  }
}

// ---------------------------------------------------------- concurrency

TEST_F(HttpFetchTest, TwoFetchersOfTheSameUrlDownloadOnce) {
  const std::string body = test::test_bytes(200 * 1024, 29);
  auto counts =
      server_.serve_file("/shared.bin", ServedFile{.body = body, .etag = kEtag, .delay_ms = 300});
  server_.start();
  const std::string url = server_.url("/shared.bin");
  FetchedFile a, b;
  std::thread t1([&] {
    Cache c(cache_.root());
    a = fetch_url(url, options(), c);
  });
  std::thread t2([&] {
    Cache c(cache_.root());
    b = fetch_url(url, options(), c);
  });
  t1.join();
  t2.join();
  EXPECT_EQ(a.sha256, b.sha256);
  EXPECT_EQ(test::read_file(a.path), body);
  EXPECT_EQ(counts->full.load(), 1);  // the second waited for the lock, then revalidated
  EXPECT_EQ(counts->not_modified.load(), 1);
  EXPECT_NE(a.from_cache, b.from_cache);
}

// ------------------------------------------------------------------ probing

TEST_F(HttpFetchTest, ProbeExists) {
  server_.serve_file("/there", ServedFile{.body = test::test_bytes(100000, 30)});
  server_.raw().Get("/moved", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/there");
  });
  server_.start();
  EXPECT_TRUE(probe_exists(server_.url("/there"), options()));
  EXPECT_TRUE(probe_exists(server_.url("/moved"), options()));
  EXPECT_FALSE(probe_exists(server_.url("/nowhere"), options()));
  for (const auto& r : server_.requests()) EXPECT_EQ(r.method, "HEAD");
}

// ------------------------------------------------------------- URL helpers

TEST(HttpUrl, ResolveRelative) {
  const std::string base = "https://hub.example/org/name/resolve/main/model.safetensors.index.json";
  EXPECT_EQ(resolve_relative_url(base, "model-00001-of-00002.safetensors"),
            "https://hub.example/org/name/resolve/main/model-00001-of-00002.safetensors");
  EXPECT_EQ(resolve_relative_url(base, "sub/dir/x.safetensors"),
            "https://hub.example/org/name/resolve/main/sub/dir/x.safetensors");
  EXPECT_EQ(resolve_relative_url(base, "a b+c%.bin"),
            "https://hub.example/org/name/resolve/main/a%20b%2Bc%25.bin");
  EXPECT_EQ(resolve_relative_url("http://127.0.0.1:8080/d/index.json?sig=abc#sha256=00", "s.bin"),
            "http://127.0.0.1:8080/d/s.bin");
  EXPECT_EQ(resolve_relative_url("http://h.example", "s.bin"), "http://h.example/s.bin");
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "./x", "a//b", "a/",
                          "http://evil/x", "c:x", "a\\b", "a?b", "a#b", "a\nb", "..", "."}) {
    try {
      resolve_relative_url(base, bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInput) << bad;
    }
  }
  EXPECT_THROW(resolve_relative_url("ftp://x/y", "a"), Error);
}

TEST(HttpUrl, RedactsCredentialsAndQueries) {
  EXPECT_EQ(redact_url("https://user:pw@h.example:8443/a/b?token=x#frag"),
            "https://h.example:8443/a/b?...");
  EXPECT_EQ(redact_url("http://h.example/a"), "http://h.example/a");
  const std::string unparsable = redact_url("::bad::user:pw@x?secret");
  EXPECT_EQ(unparsable.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace fti

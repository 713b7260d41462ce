// Faults on the way from a server to the cache, each against a real local
// server: a slow drip, a stall, a reset mid-body, a wrong Content-Length, a
// redirect loop, 429 with Retry-After, TLS failures, a read-only or full
// cache directory, and SIGINT/SIGTERM. After every fault: a clear one-line
// error naming the URL, no blob that is wrong (no blob at all), and a rerun
// against a healthy server succeeds, resuming where that is possible.
//
// Timing: nothing here asserts an upper bound on time; where a wait is the
// point (Retry-After), a generous lower bound or a request count is checked.
#include <gtest/gtest.h>
#include <netdb.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>

#include "registry/http_fetch.h"
#include "registry/interrupt.h"
#include "tests/support/test_server.h"

namespace fti {
namespace {

namespace fs = std::filesystem;
using test::RawTcpServer;
using test::ServedFile;
using test::TestServer;

constexpr const char* kEtag = "\"fault-etag\"";

FetchOptions quick_options() {
  FetchOptions o;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.low_speed_bytes = 1000;
  o.low_speed_time = std::chrono::seconds(1);
  o.max_retries = 0;
  o.initial_backoff = std::chrono::milliseconds(10);
  o.max_backoff = std::chrono::milliseconds(40);
  o.max_retry_after = std::chrono::milliseconds(3000);
  o.auth_env = "";
  o.progress = ProgressMode::kNever;
  return o;
}

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

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The state of the cache a fault must leave: no blob, no URL record.
void expect_no_entry(const Cache& cache, const std::string& url) {
  EXPECT_EQ(test::count_files(cache.root() / "blobs"), 0u);
  EXPECT_FALSE(cache.lookup_url(url).has_value()) << url;
}

std::uint64_t partial_size(const Cache& cache, const std::string& url) {
  std::error_code ec;
  const auto size = fs::file_size(cache.root() / "partial" / to_hex(sha256(url)), ec);
  return ec ? 0 : size;
}

// A one-line message naming the URL.
void expect_clear(const Error& e, const std::string& url) {
  const std::string message = e.what();
  EXPECT_TRUE(contains(message, url)) << message;
  EXPECT_FALSE(contains(message, "\n")) << message;
}

class HttpFaultTest : public ::testing::Test {
 protected:
  HttpFaultTest() : cache_(dir_.path() / "cache") {}
  void TearDown() override { clear_interrupt_for_testing(); }

  test::TempDir dir_;
  Cache cache_;
  TestServer server_;
};

// Answers a request head like a file server: 200 with the body, or 206 from
// N for "Range: bytes=N-" when If-Range is absent or matches `etag`, 416 past
// the end.
void answer_file(int fd, const std::string& head, const std::string& body,
                 const std::string& etag) {
  std::size_t offset = 0;
  const std::string range = RawTcpServer::header_value(head, "Range");
  const std::string if_range = RawTcpServer::header_value(head, "If-Range");
  const bool ranged = range.rfind("bytes=", 0) == 0 && (if_range.empty() || if_range == etag);
  if (ranged) offset = std::stoull(range.substr(6));
  if (ranged && offset >= body.size()) {
    RawTcpServer::send_all(fd, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" +
                                   std::to_string(body.size()) +
                                   "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  std::string headers = ranged ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
  headers += "ETag: " + etag + "\r\nContent-Length: " + std::to_string(body.size() - offset) +
             "\r\nConnection: close\r\n";
  if (ranged) {
    headers += "Content-Range: bytes " + std::to_string(offset) + "-" +
               std::to_string(body.size() - 1) + "/" + std::to_string(body.size()) + "\r\n";
  }
  RawTcpServer::send_all(fd, headers + "\r\n");
  RawTcpServer::send_all(fd, std::string_view(body).substr(offset));
}

// ------------------------------------------------------------ slow servers

TEST_F(HttpFaultTest, SlowDripIsAStallNamingTheUrlAndARerunResumes) {
  const std::string body = test::test_bytes(20 * 1024, 101);
  // 300 bytes at once, then a byte every 300 ms: far below 1000 bytes/s.
  auto resource = server_.serve_file(
      "/drip.bin", ServedFile{.body = body, .etag = kEtag, .cut_after = 300, .cut_times = 1,
                              .drip_ms = 300, .drip_bytes = 1});
  server_.start();
  const std::string url = server_.url("/drip.bin");

  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "too slow")) << e.what();
  EXPECT_TRUE(contains(e.what(), "gave up after 1 attempts")) << e.what();
  expect_no_entry(cache_, url);
  const std::uint64_t kept = partial_size(cache_, url);
  EXPECT_GE(kept, 300u);  // what arrived is kept, never as a blob

  // A later run against a healthy server continues from there.
  resource->replace(ServedFile{.body = body, .etag = kEtag});
  const FetchedFile f = fetch_url(url, quick_options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(server_.requests_for("/drip.bin").back().header("Range"),
            "bytes=" + std::to_string(kept) + "-");
  EXPECT_EQ(resource->partial.load(), 1);
  EXPECT_EQ(partial_size(cache_, url), 0u);
}

TEST_F(HttpFaultTest, StallThenCloseLeavesAResumablePartial) {
  const std::string body = test::test_bytes(64 * 1024, 102);
  // 5000 bytes, a pause shorter than the stall limit, then the connection
  // closes: fewer bytes than Content-Length.
  auto resource = server_.serve_file(
      "/stall-close.bin",
      ServedFile{.body = body, .etag = kEtag, .cut_after = 5000, .cut_times = 1, .stall_ms = 300});
  server_.start();
  const std::string url = server_.url("/stall-close.bin");
  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "partial")) << e.what();  // curl: "Transferred a partial file"
  expect_no_entry(cache_, url);
  EXPECT_EQ(partial_size(cache_, url), 5000u);

  const FetchedFile f = fetch_url(url, quick_options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(server_.requests_for("/stall-close.bin").back().header("Range"), "bytes=5000-");
}

// ----------------------------------------------------- broken connections

TEST_F(HttpFaultTest, ResetMidBodyIsRetryableAndResumes) {
  const std::string body = test::test_bytes(100 * 1024, 103);
  std::atomic<bool> healthy{false};
  RawTcpServer raw([&](int fd, const std::string& head, int) {
    if (healthy) {
      answer_file(fd, head, body, kEtag);
      return;
    }
    RawTcpServer::send_all(fd, "HTTP/1.1 200 OK\r\nETag: " + std::string(kEtag) +
                                   "\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n");
    RawTcpServer::send_all(fd, std::string_view(body).substr(0, 30000));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    RawTcpServer::reset_on_close(fd);  // RST instead of FIN
  });
  const std::string url = raw.url("/reset.bin");

  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "reset") || contains(e.what(), "partial")) << e.what();
  expect_no_entry(cache_, url);
  const std::uint64_t kept = partial_size(cache_, url);
  EXPECT_LE(kept, 30000u);

  // With retries the same fault heals within one call.
  healthy = true;
  const FetchedFile f = fetch_url(url, quick_options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  const auto heads = raw.heads();
  ASSERT_EQ(heads.size(), 2u);
  if (kept > 0) {
    EXPECT_EQ(RawTcpServer::header_value(heads[1], "Range"), "bytes=" + std::to_string(kept) + "-");
    EXPECT_EQ(RawTcpServer::header_value(heads[1], "If-Range"), kEtag);
  }
}

TEST_F(HttpFaultTest, ResetIsRetriedWithinOneFetch) {
  const std::string body = test::test_bytes(60 * 1024, 104);
  RawTcpServer raw([&](int fd, const std::string& head, int connection) {
    if (connection > 0) {
      answer_file(fd, head, body, kEtag);
      return;
    }
    RawTcpServer::send_all(fd, "HTTP/1.1 200 OK\r\nETag: " + std::string(kEtag) +
                                   "\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n");
    RawTcpServer::send_all(fd, std::string_view(body).substr(0, 10000));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    RawTcpServer::reset_on_close(fd);
  });
  FetchOptions o = quick_options();
  o.max_retries = 2;
  const FetchedFile f = fetch_url(raw.url("/reset2.bin"), o, cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(raw.connections(), 2);
}

TEST_F(HttpFaultTest, ContentLengthLargerThanTheBodyIsNeverStored) {
  // The server announces twice the bytes it sends, every time, and ignores
  // Range. Each attempt ends short; no blob appears; the error says so.
  const std::string body = test::test_bytes(8000, 105);
  std::atomic<bool> healthy{false};
  RawTcpServer raw([&](int fd, const std::string& head, int) {
    if (healthy) {
      answer_file(fd, head, body, kEtag);
      return;
    }
    RawTcpServer::send_all(fd, "HTTP/1.1 200 OK\r\nETag: " + std::string(kEtag) +
                                   "\r\nContent-Length: " + std::to_string(2 * body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body);
  });
  const std::string url = raw.url("/liar.bin");
  FetchOptions o = quick_options();
  o.max_retries = 2;
  const Error e = expect_error([&] { fetch_url(url, o, cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "partial file")) << e.what();
  EXPECT_TRUE(contains(e.what(), "gave up after 3 attempts")) << e.what();
  EXPECT_EQ(raw.connections(), 3);
  expect_no_entry(cache_, url);
  // The retries asked for the rest; the 200 answers replaced the partial
  // instead of being appended to it.
  EXPECT_EQ(RawTcpServer::header_value(raw.heads()[1], "Range"),
            "bytes=" + std::to_string(body.size()) + "-");
  EXPECT_EQ(partial_size(cache_, url), body.size());

  // Healthy now (the real length is 8000): the partial already holds all of
  // it, the server answers 416 to the resume, fti starts over and succeeds.
  healthy = true;
  o.max_retries = 3;
  const FetchedFile f = fetch_url(url, o, cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(f.size, body.size());
}

TEST_F(HttpFaultTest, ContentLengthShorterThanTheBodyFailsTheDigest) {
  // Content-Length says half: curl stops there. A digest catches the short
  // file (without one, fti can only trust the announced length).
  const std::string body = test::test_bytes(8000, 106);
  std::atomic<bool> healthy{false};
  RawTcpServer raw([&](int fd, const std::string& head, int) {
    if (healthy) {
      answer_file(fd, head, body, kEtag);
      return;
    }
    RawTcpServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " +
                                   std::to_string(body.size() / 2) +
                                   "\r\nConnection: close\r\n\r\n" + body);
  });
  const std::string url = raw.url("/short.bin");
  const std::string pinned = url + "#sha256=" + test::sha256_hex(body);
  const Error e = expect_error([&] { fetch_url(pinned, quick_options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIntegrity);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "sha256 mismatch")) << e.what();
  expect_no_entry(cache_, url);
  EXPECT_EQ(partial_size(cache_, url), 0u);  // a file that failed its digest is not kept

  healthy = true;
  const FetchedFile f = fetch_url(pinned, quick_options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(f.verified_by, DigestSource::kExpected);
}

// --------------------------------------------------------------- redirects

TEST_F(HttpFaultTest, RedirectLoopLeavesNothingAndAFixedServerWorks) {
  const std::string body = test::test_bytes(3000, 107);
  std::atomic<bool> fixed{false};
  server_.raw().Get("/a", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/b");
  });
  server_.raw().Get("/b", [&](const httplib::Request&, httplib::Response& res) {
    if (fixed) {
      res.set_content(body, "application/octet-stream");
      return;
    }
    res.status = 307;
    res.set_header("Location", "/a");
  });
  server_.start();
  const std::string url = server_.url("/a");
  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "redirect loop")) << e.what();
  expect_no_entry(cache_, url);
  EXPECT_EQ(partial_size(cache_, url), 0u);
  EXPECT_EQ(server_.total(), 2u);

  fixed = true;
  const FetchedFile f = fetch_url(url, quick_options(), cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(f.final_url, server_.url("/b"));
}

// ------------------------------------------------------------- rate limits

TEST_F(HttpFaultTest, PersistentTooManyRequestsWaitsRetryAfterThenGivesUp) {
  std::atomic<bool> open{false};
  const std::string body = test::test_bytes(500, 108);
  server_.raw().Get("/busy.bin", [&](const httplib::Request&, httplib::Response& res) {
    if (open) {
      res.set_content(body, "application/octet-stream");
      return;
    }
    res.status = 429;
    res.set_header("Retry-After", "1");
  });
  server_.start();
  const std::string url = server_.url("/busy.bin");
  FetchOptions o = quick_options();
  o.max_retries = 1;
  const auto start = std::chrono::steady_clock::now();
  try {
    fetch_url(url, o, cache_);
    ADD_FAILURE() << "429 accepted";
  } catch (const FetchError& e) {
    EXPECT_EQ(e.http_status(), 429);
    expect_clear(e, url);
    EXPECT_TRUE(contains(e.what(), "HTTP 429")) << e.what();
    EXPECT_TRUE(contains(e.what(), "gave up after 2 attempts")) << e.what();
  }
  // One wait of Retry-After (1 s) between the two attempts; the backoff alone
  // would be at most 40 ms. A loose lower bound only.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(server_.count("/busy.bin"), 2u);
  expect_no_entry(cache_, url);

  open = true;
  EXPECT_EQ(test::read_file(fetch_url(url, o, cache_).path), body);
}

// --------------------------------------------------------------------- TLS

TEST_F(HttpFaultTest, SelfSignedCertificateIsRefusedUnlessTrustedExplicitly) {
  TestServer tls(TestServer::Transport::kHttpsSelfSigned);
  const std::string body = test::test_bytes(4000, 109);
  tls.serve_file("/tls.bin", ServedFile{.body = body, .etag = kEtag});
  tls.start();
  const std::string url = tls.url("/tls.bin");
  ASSERT_EQ(url.rfind("https://", 0), 0u);

  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "certificate")) << e.what();
  EXPECT_TRUE(contains(e.what(), "FTI_CA_BUNDLE")) << e.what();
  EXPECT_EQ(tls.total(), 0u);  // no request was sent over the untrusted connection
  expect_no_entry(cache_, url);
  EXPECT_EQ(partial_size(cache_, url), 0u);

  // The operator trusts this certificate on purpose: the rerun succeeds.
  const fs::path ca = dir_.path() / "ca.pem";
  std::ofstream(ca) << tls.cert_pem();
  FetchOptions trusted = quick_options();
  trusted.ca_bundle = ca.string();
  const FetchedFile f = fetch_url(url, trusted, cache_);
  EXPECT_EQ(test::read_file(f.path), body);
}

TEST_F(HttpFaultTest, TrustedCertificateForAnotherNameIsRefused) {
  addrinfo* found = nullptr;
  if (::getaddrinfo("localhost", nullptr, nullptr, &found) != 0) {
    GTEST_SKIP() << "localhost does not resolve here";
  }
  ::freeaddrinfo(found);
  TestServer tls(TestServer::Transport::kHttpsSelfSigned);  // certificate for 127.0.0.1
  tls.serve_file("/n.bin", ServedFile{.body = "x"});
  tls.start();
  const fs::path ca = dir_.path() / "ca.pem";
  std::ofstream(ca) << tls.cert_pem();
  FetchOptions trusted = quick_options();
  trusted.ca_bundle = ca.string();
  trusted.max_retries = 0;
  const std::string url = "https://localhost:" + std::to_string(tls.port()) + "/n.bin";
  const Error e = expect_error([&] { fetch_url(url, trusted, cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  expect_no_entry(cache_, url);
}

TEST_F(HttpFaultTest, PlainTextAnswerToTlsIsAClearTlsError) {
  RawTcpServer raw([](int fd, const std::string&, int) {
    RawTcpServer::send_all(
        fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  });
  const std::string url = raw.url("/garbage.safetensors", "https");
  FetchOptions o = quick_options();
  o.max_retries = 3;
  const Error e = expect_error([&] { fetch_url(url, o, cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kFetch);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "TLS failed")) << e.what();
  EXPECT_EQ(raw.connections(), 1);  // not retried: it will not get better by itself
  expect_no_entry(cache_, url);
}

// ------------------------------------------------------------- local disk

// A directory that can be made read-only and back, in a way that holds for
// root too: as root a tmpfs is mounted and remounted read-only (root ignores
// permission bits); otherwise the permission bits are used.
class ReadOnlySwitch {
 public:
  explicit ReadOnlySwitch(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    if (::geteuid() == 0) {
      if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=4m") != 0) {
        skip_reason_ = std::string("running as root and cannot mount a tmpfs: ") +
                       std::strerror(errno);
        return;
      }
      mounted_ = true;
    }
  }
  ~ReadOnlySwitch() {
    if (mounted_) {
      ::umount2(dir_.c_str(), MNT_DETACH);
    } else {
      set_mode(0755);
    }
  }
  const std::string& skip_reason() const { return skip_reason_; }

  void read_only(bool on) {
    if (mounted_) {
      const unsigned long flags = MS_REMOUNT | (on ? MS_RDONLY : 0);
      ASSERT_EQ(::mount("tmpfs", dir_.c_str(), "tmpfs", flags, "size=4m"), 0)
          << std::strerror(errno);
    } else {
      set_mode(on ? 0555 : 0755);
    }
  }

 private:
  void set_mode(mode_t mode) {
    std::error_code ec;
    ::chmod(dir_.c_str(), mode);
    for (auto it = fs::recursive_directory_iterator(dir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec)) ::chmod(it->path().c_str(), mode);
    }
  }
  fs::path dir_;
  bool mounted_ = false;
  std::string skip_reason_;
};

TEST_F(HttpFaultTest, ReadOnlyCacheIsAClearIoErrorButStillServesOffline) {
  ReadOnlySwitch ro(dir_.path() / "ro");
  if (!ro.skip_reason().empty()) GTEST_SKIP() << ro.skip_reason();
  Cache cache(dir_.path() / "ro" / "cache");
  const std::string body = test::test_bytes(30000, 110);
  server_.serve_file("/cached.bin", ServedFile{.body = body, .etag = kEtag});
  server_.serve_file("/new.bin", ServedFile{.body = body + "x", .etag = "\"other\""});
  server_.start();
  const FetchedFile cached = fetch_url(server_.url("/cached.bin"), quick_options(), cache);

  ro.read_only(true);
  const std::string url = server_.url("/new.bin");
  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache); });
  EXPECT_EQ(e.code(), ErrorCode::kIo);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "cannot use the cache")) << e.what();
  EXPECT_TRUE(contains(e.what(), cache.root().string())) << e.what();
  EXPECT_EQ(server_.count("/new.bin"), 0u);  // nothing downloaded that could not be kept

  // What is there can still be read without the network.
  FetchOptions offline = quick_options();
  offline.offline = true;
  const FetchedFile again = fetch_url(server_.url("/cached.bin"), offline, cache);
  EXPECT_EQ(again.sha256, cached.sha256);
  EXPECT_TRUE(again.from_cache);
  const Error missing = expect_error([&] { fetch_url(url, offline, cache); });
  EXPECT_EQ(missing.code(), ErrorCode::kFetch);
  EXPECT_TRUE(contains(missing.what(), "offline")) << missing.what();

  ro.read_only(false);
  EXPECT_EQ(test::read_file(fetch_url(url, quick_options(), cache).path), body + "x");
}

TEST_F(HttpFaultTest, CacheDirectoryThatIsAFileIsAClearIoError) {
  // Works for root too: no permission involved.
  std::ofstream(dir_.path() / "not-a-dir") << "x";
  Cache cache(dir_.path() / "not-a-dir");
  server_.serve_file("/f.bin", ServedFile{.body = "abc"});
  server_.start();
  const std::string url = server_.url("/f.bin");
  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache); });
  EXPECT_EQ(e.code(), ErrorCode::kIo);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "FTI_CACHE_DIR")) << e.what();
  EXPECT_EQ(server_.total(), 0u);
}

TEST_F(HttpFaultTest, FullDiskKeepsTheResumablePartialAndNoBlob) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs (see DevFull test)";
  const fs::path mnt = dir_.path() / "small";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
  }
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  Cache cache(mnt / "cache");
  const std::string body = test::test_bytes(256 * 1024, 111);
  server_.serve_file("/big.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  const std::string url = server_.url("/big.bin");

  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache); });
  EXPECT_EQ(e.code(), ErrorCode::kIo);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), std::strerror(ENOSPC))) << e.what();
  expect_no_entry(cache, url);
  const std::uint64_t kept = partial_size(cache, url);
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, body.size());

  // Space is freed (the filesystem grows): the rerun resumes.
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=2m"), 0)
      << std::strerror(errno);
  const FetchedFile f = fetch_url(url, quick_options(), cache);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(server_.requests_for("/big.bin").back().header("Range"),
            "bytes=" + std::to_string(kept) + "-");
}

TEST_F(HttpFaultTest, DevFullWriteFailureIsAClearIoError) {
  // Without mounting anything: the partial file is a link to /dev/full, so
  // every write fails with ENOSPC.
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string body = test::test_bytes(20000, 112);
  server_.serve_file("/full.bin", ServedFile{.body = body, .etag = kEtag});
  server_.start();
  const std::string url = server_.url("/full.bin");
  const fs::path partial = cache_.partial_path(url);
  fs::create_symlink("/dev/full", partial);

  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache_); });
  EXPECT_EQ(e.code(), ErrorCode::kIo);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), std::strerror(ENOSPC))) << e.what();
  EXPECT_TRUE(contains(e.what(), partial.string())) << e.what();
  expect_no_entry(cache_, url);

  fs::remove(partial);  // space again
  EXPECT_EQ(test::read_file(fetch_url(url, quick_options(), cache_).path), body);
}

// ---------------------------------------------------------- SIGINT/SIGTERM

// Notes a signal the way fti's handler does, once `ready` holds.
template <typename Ready>
std::thread interrupt_when(Ready ready, int signo, std::atomic<bool>& noted) {
  return std::thread([ready, signo, &noted] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    while (!ready() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    noted = note_interrupt(signo);
  });
}

TEST_F(HttpFaultTest, InterruptDuringTheBodyKeepsAResumablePartial) {
  const std::string body = test::test_bytes(64 * 1024, 113);
  auto resource = server_.serve_file(
      "/slow.bin", ServedFile{.body = body, .etag = kEtag, .cut_after = 2000, .cut_times = 1,
                              .drip_ms = 20, .drip_bytes = 64});
  server_.start();
  const std::string url = server_.url("/slow.bin");
  FetchOptions o = quick_options();
  o.low_speed_time = std::chrono::seconds(30);
  std::atomic<bool> noted{false};
  std::thread signaller =
      interrupt_when([&] { return partial_size(cache_, url) >= 2000; }, SIGINT, noted);
  const Error e = expect_error([&] { fetch_url(url, o, cache_); });
  signaller.join();
  EXPECT_TRUE(noted.load());  // a download was in progress: the signal was taken
  EXPECT_EQ(e.code(), ErrorCode::kInterrupted);
  expect_clear(e, url);
  EXPECT_TRUE(contains(e.what(), "interrupted by SIGINT")) << e.what();
  EXPECT_TRUE(contains(e.what(), "a rerun resumes")) << e.what();
  EXPECT_EQ(exit_status_for(e.code()), 130);
  expect_no_entry(cache_, url);
  const std::uint64_t kept = partial_size(cache_, url);
  EXPECT_GE(kept, 2000u);
  EXPECT_FALSE(interrupt_requested());  // turned into that error

  clear_interrupt_for_testing();
  resource->replace(ServedFile{.body = body, .etag = kEtag});
  const FetchedFile f = fetch_url(url, o, cache_);
  EXPECT_EQ(test::read_file(f.path), body);
  EXPECT_EQ(server_.requests_for("/slow.bin").back().header("Range"),
            "bytes=" + std::to_string(kept) + "-");
}

TEST_F(HttpFaultTest, InterruptDuringABackoffStopsWaiting) {
  server_.raw().Get("/unavailable",
                    [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  server_.start();
  FetchOptions o = quick_options();
  o.max_retries = 5;
  o.initial_backoff = std::chrono::milliseconds(60'000);  // would wait a minute
  o.max_backoff = std::chrono::milliseconds(60'000);
  std::atomic<bool> noted{false};
  // Once the 503 has come back and the fetcher sleeps before its retry.
  std::thread signaller =
      interrupt_when([] { return interruptible_sleepers() > 0; }, SIGTERM, noted);
  const Error e = expect_error([&] { fetch_url(server_.url("/unavailable"), o, cache_); });
  signaller.join();
  EXPECT_TRUE(noted.load());
  EXPECT_EQ(e.code(), ErrorCode::kInterrupted);
  EXPECT_TRUE(contains(e.what(), "interrupted by SIGTERM while waiting to retry")) << e.what();
  EXPECT_TRUE(contains(e.what(), "HTTP 503")) << e.what();
  EXPECT_EQ(server_.total(), 1u);
}

TEST_F(HttpFaultTest, InterruptWhileWaitingForAnotherProcessesDownload) {
  server_.serve_file("/locked.bin", ServedFile{.body = "abc"});
  server_.start();
  const std::string url = server_.url("/locked.bin");
  // Another process holds the URL's lock (a separate open file description).
  const FileLock other(cache_.lock_path("url-" + to_hex(sha256(url))));
  std::atomic<bool> noted{false};
  // Once the fetch polls the lock.
  std::thread signaller =
      interrupt_when([] { return interruptible_sleepers() > 0; }, SIGINT, noted);
  const Error e = expect_error([&] { fetch_url(url, quick_options(), cache_); });
  signaller.join();
  EXPECT_TRUE(noted.load());
  EXPECT_EQ(e.code(), ErrorCode::kInterrupted);
  EXPECT_TRUE(contains(e.what(), "waiting for another fti process")) << e.what();
  EXPECT_EQ(server_.total(), 0u);
}

TEST(Interrupt, OutsideAnyScopeTheSignalActsAsUsual) {
  // No fetch in progress: the handler must let the signal end the process.
  EXPECT_FALSE(note_interrupt(SIGINT));
  clear_interrupt_for_testing();
  {
    const InterruptibleScope scope;
    EXPECT_TRUE(note_interrupt(SIGINT));
    EXPECT_FALSE(note_interrupt(SIGINT));  // a second Ctrl-C is not deferred
    EXPECT_TRUE(interrupt_requested());
    EXPECT_EQ(interrupt_signal(), SIGINT);
    try {
      throw_if_interrupted("work");
      ADD_FAILURE() << "not thrown";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInterrupted);
      EXPECT_EQ(std::string(e.what()), "work: interrupted by SIGINT");
    }
    EXPECT_FALSE(interrupt_requested());
  }
  clear_interrupt_for_testing();
}

TEST(Interrupt, UnhandledSignalAtTheEndOfTheScopeGoesToTheHook) {
  static std::atomic<int> delivered{0};
  set_unhandled_interrupt_hook([](int signo) { delivered = signo; });
  {
    const InterruptibleScope scope;
    EXPECT_TRUE(note_interrupt(SIGTERM));
  }
  EXPECT_EQ(delivered.load(), SIGTERM);
  set_unhandled_interrupt_hook(nullptr);
  clear_interrupt_for_testing();
}

// ------------------------------------------------------------ environment

TEST(FetchEnvironment, OverridesAndRefusals) {
  {
    const test::ScopedEnv a("FTI_HTTP_CONNECT_TIMEOUT", "7");
    const test::ScopedEnv b("FTI_HTTP_STALL_TIMEOUT", "3");
    const test::ScopedEnv c("FTI_HTTP_LOW_SPEED_LIMIT", "10");
    const test::ScopedEnv d("FTI_HTTP_RETRIES", "0");
    const test::ScopedEnv e("FTI_HTTP_TIMEOUT", "600");
    const test::ScopedEnv f("FTI_CA_BUNDLE", "/etc/ca.pem");
    const FetchOptions o = FetchOptions::from_environment();
    EXPECT_EQ(o.connect_timeout, std::chrono::seconds(7));
    EXPECT_EQ(o.low_speed_time, std::chrono::seconds(3));
    EXPECT_EQ(o.low_speed_bytes, 10);
    EXPECT_EQ(o.max_retries, 0);
    EXPECT_EQ(o.transfer_timeout, std::chrono::seconds(600));
    EXPECT_EQ(o.ca_bundle, "/etc/ca.pem");
  }
  {
    const test::ScopedEnv a("FTI_HTTP_CONNECT_TIMEOUT", nullptr);
    const FetchOptions o = FetchOptions::from_environment();
    EXPECT_EQ(o.connect_timeout, FetchOptions{}.connect_timeout);
  }
  for (const char* bad : {"-1", "ten", "1.5", " 3", "99999999999999999999"}) {
    const test::ScopedEnv a("FTI_HTTP_RETRIES", bad);
    try {
      FetchOptions::from_environment();
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUsage) << bad;
      EXPECT_TRUE(contains(e.what(), "FTI_HTTP_RETRIES")) << e.what();
    }
  }
}

}  // namespace
}  // namespace fti

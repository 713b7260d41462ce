// The content-addressed cache: blobs, URL records, paths, locks.
#include "registry/cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "engine/common/error.h"
#include "tests/support/test_server.h"

namespace fti {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

TEST(CacheTest, AdoptsAndFindsBlobs) {
  test::TempDir dir;
  Cache cache(dir.path() / "c");
  const std::string content = "hello blobs";
  const Sha256Digest digest = sha256(content);
  EXPECT_FALSE(cache.find_blob(digest).has_value());

  const fs::path staged = cache.temp_dir() / "staged";
  write(staged, content);
  const fs::path blob = cache.adopt_blob(staged, digest);
  EXPECT_EQ(blob, cache.root() / "blobs" / "sha256" / to_hex(digest));
  EXPECT_EQ(cache.find_blob(digest), blob);
  EXPECT_EQ(test::read_file(blob), content);
  EXPECT_FALSE(fs::exists(staged));

  // Adopting the same content again keeps the existing blob, drops the copy.
  const fs::path again = cache.temp_dir() / "again";
  write(again, content);
  EXPECT_EQ(cache.adopt_blob(again, digest), blob);
  EXPECT_FALSE(fs::exists(again));
  EXPECT_EQ(test::count_files(cache.root() / "blobs"), 1u);
}

TEST(CacheTest, UrlRecordsRoundTrip) {
  test::TempDir dir;
  Cache cache(dir.path() / "c");
  UrlRecord r;
  r.url = "https://example.com/model.safetensors";
  r.sha256 = sha256(std::string_view("x"));
  r.size = 12345678901ULL;
  r.etag = "\"abc\"";
  r.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  r.repo_commit = "0123456789abcdef0123456789abcdef01234567";
  r.verified_by = "server-sha256";
  EXPECT_FALSE(cache.lookup_url(r.url).has_value());
  cache.record_url(r);
  const auto back = cache.lookup_url(r.url);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->url, r.url);
  EXPECT_EQ(back->sha256, r.sha256);
  EXPECT_EQ(back->size, r.size);
  EXPECT_EQ(back->etag, r.etag);
  EXPECT_EQ(back->last_modified, r.last_modified);
  EXPECT_EQ(back->repo_commit, r.repo_commit);
  EXPECT_EQ(back->verified_by, r.verified_by);
  EXPECT_FALSE(cache.lookup_url("https://example.com/other").has_value());
}

TEST(CacheTest, DamagedUrlRecordsAreMisses) {
  test::TempDir dir;
  Cache cache(dir.path() / "c");
  UrlRecord r;
  r.url = "https://example.com/a";
  r.sha256 = sha256(std::string_view("a"));
  cache.record_url(r);
  const fs::path file = cache.root() / "urls" / (to_hex(sha256(r.url)) + ".json");
  ASSERT_TRUE(fs::exists(file));

  for (const std::string& bad : std::vector<std::string>{
           std::string("{not json"),
           std::string(R"({"url": "https://example.com/b", "sha256": ")") + std::string(64, '0') +
               R"(", "size": 1})",  // a record for another URL
           std::string(R"({"url": "https://example.com/a", "sha256": "zz", "size": 1})"),
           std::string(
               R"({"url": "https://example.com/a", "url": "https://example.com/a", "sha256": ")") +
               std::string(64, '0') + R"(", "size": 1})",  // duplicate key
       }) {
    write(file, bad);
    EXPECT_FALSE(cache.lookup_url(r.url).has_value()) << bad;
  }
  // Older records without the new fields still read.
  write(file, std::string(R"({"url": "https://example.com/a", "sha256": ")") +
                  std::string(64, '0') + R"(", "size": 1, "etag": "", "last_modified": ""})");
  const auto old = cache.lookup_url(r.url);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->repo_commit, "");
}

TEST(CacheTest, PathsAreUnderTheirDirectories) {
  test::TempDir dir;
  Cache cache(dir.path() / "c");
  const std::string url = "https://example.com/a";
  const fs::path partial = cache.partial_path(url);
  EXPECT_EQ(partial, cache.root() / "partial" / to_hex(sha256(url)));
  EXPECT_TRUE(fs::is_directory(partial.parent_path()));
  EXPECT_NE(cache.partial_path("https://example.com/b"), partial);
  EXPECT_EQ(cache.lock_path("x"), cache.root() / "locks" / "x.lock");
  EXPECT_EQ(cache.temp_dir(), cache.root() / "tmp");
  const Sha256Digest d = sha256(std::string_view("archive"));
  EXPECT_EQ(cache.extraction_path(d), cache.root() / "extracted" / to_hex(d));
  // A partial file is never found as a blob, even when named like one.
  write(partial, "abc");
  EXPECT_FALSE(cache.find_blob(sha256(std::string_view("abc"))).has_value());
}

TEST(CacheTest, FromEnvironment) {
  {
    const test::ScopedEnv a("FTI_CACHE_DIR", "/tmp/fti-explicit");
    const test::ScopedEnv b("XDG_CACHE_HOME", "/tmp/xdg");
    EXPECT_EQ(Cache::from_environment().root(), fs::path("/tmp/fti-explicit"));
  }
  {
    const test::ScopedEnv a("FTI_CACHE_DIR", nullptr);
    const test::ScopedEnv b("XDG_CACHE_HOME", "/tmp/xdg");
    EXPECT_EQ(Cache::from_environment().root(), fs::path("/tmp/xdg/fti"));
  }
  {
    const test::ScopedEnv a("FTI_CACHE_DIR", nullptr);
    const test::ScopedEnv b("XDG_CACHE_HOME", nullptr);
    const test::ScopedEnv c("HOME", "/home/someone");
    EXPECT_EQ(Cache::from_environment().root(), fs::path("/home/someone/.cache/fti"));
  }
  {
    const test::ScopedEnv a("FTI_CACHE_DIR", nullptr);
    const test::ScopedEnv b("XDG_CACHE_HOME", nullptr);
    const test::ScopedEnv c("HOME", nullptr);
    try {
      Cache::from_environment();
      ADD_FAILURE() << "no cache directory accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUsage);
    }
  }
}

TEST(CacheTest, FileLockIsExclusive) {
  test::TempDir dir;
  Cache cache(dir.path() / "c");
  const fs::path lock_file = cache.lock_path("shared");
  std::atomic<bool> second_acquired{false};
  std::thread second;
  {
    const FileLock first(lock_file);
    second = std::thread([&] {
      const FileLock lock(lock_file);  // a separate open file description: it must wait
      second_acquired = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(second_acquired.load());
  }
  second.join();
  EXPECT_TRUE(second_acquired.load());
}

}  // namespace
}  // namespace fti

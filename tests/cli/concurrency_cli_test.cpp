// Several fti processes sharing one cache directory and the same downloads.
// The cache serialises downloads of one URL with a file lock
// (locks/url-<sha256(url)>.lock, flock, released by the kernel however the
// holder dies), publishes blobs by rename, and resumes a partial download
// another process left. Whatever the interleaving: every process succeeds,
// the cache holds one correct blob per content, and no partial is left.
//
// No assertion depends on timing: how many times the body crossed the wire
// is checked as a range, never as an exact count that a slow machine could
// change.
#include <gtest/gtest.h>

#include <csignal>
#include <memory>

#include "engine/common/sha256.h"
#include "registry/safetensors_writer.h"
#include "tests/cli/child_process.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace fti {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::CommandResult;
using testing::TempDir;
using testing::eventually;

std::vector<std::string> cache_env(const TempDir& dir) {
  return {"FTI_CACHE_DIR=" + (dir.path() / "cache").string()};
}

std::string model_bytes(const TempDir& dir, std::size_t floats) {
  const fs::path path = dir / "source-model.safetensors";
  std::vector<TensorData> tensors;
  tensors.push_back({{"w", DType::kF32, {floats}}, std::vector<std::uint8_t>(floats * 4, 7)});
  write_safetensors(path, tensors);
  const std::string bytes = test::read_file(path);
  fs::remove(path);
  return bytes;
}

// Runs `fti inspect` on each URL at the same time, one process per URL.
std::vector<CommandResult> inspect_concurrently(const TempDir& dir,
                                                const std::vector<std::string>& urls) {
  std::vector<std::unique_ptr<ChildProcess>> children;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const fs::path scratch = dir / ("run-" + std::to_string(i));
    fs::create_directories(scratch);
    children.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{FTI_BINARY, "inspect", urls[i]}, scratch, cache_env(dir)));
  }
  std::vector<CommandResult> results;
  for (auto& child : children) results.push_back(child->wait());
  return results;
}

void expect_single_correct_blob(const TempDir& dir, const std::string& body) {
  const fs::path blobs = dir / "cache" / "blobs" / "sha256";
  EXPECT_EQ(test::count_files(blobs), 1u);
  EXPECT_EQ(test::read_file(blobs / test::sha256_hex(body)), body);
  EXPECT_EQ(test::count_files(dir / "cache" / "partial"), 0u);
  EXPECT_EQ(test::count_files(dir / "cache" / "tmp"), 0u);
}

TEST(ConcurrencyCli, TwoProcessesFetchingTheSameUrlShareOneBlob) {
  TempDir dir;
  const std::string body = model_bytes(dir, 64 * 1024);  // 256 KiB
  test::TestServer server;
  // The delay keeps the first download open while the second process starts.
  auto resource = server.serve_file(
      "/m/model.safetensors",
      test::ServedFile{.body = body, .etag = "\"shared\"", .delay_ms = 300});
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  const auto results = inspect_concurrently(dir, {url, url});
  for (const CommandResult& r : results) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("sha256:" + test::sha256_hex(body)), std::string::npos) << r.out;
  }
  EXPECT_EQ(results[0].out, results[1].out);
  expect_single_correct_blob(dir, body);
  // One download; the other process waited for the lock and then revalidated
  // (304), or, had it come later, found the record the same way.
  EXPECT_EQ(resource->full.load(), 1);
  EXPECT_EQ(resource->not_modified.load(), 1);
}

TEST(ConcurrencyCli, WithoutAValidatorBothMayDownloadButTheCacheStaysSingle) {
  TempDir dir;
  const std::string body = model_bytes(dir, 32 * 1024);
  test::TestServer server;
  auto resource = server.serve_file(
      "/m/model.safetensors", test::ServedFile{.body = body, .etag = "", .delay_ms = 200});
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  const auto results = inspect_concurrently(dir, {url, url, url});
  for (const CommandResult& r : results) ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_single_correct_blob(dir, body);
  EXPECT_GE(resource->full.load(), 1);
  EXPECT_LE(resource->full.load(), 3);
}

TEST(ConcurrencyCli, DifferentUrlsWithTheSameContentRaceToOneBlob) {
  TempDir dir;
  const std::string body = model_bytes(dir, 32 * 1024);
  test::TestServer server;
  server.serve_file("/a/model.safetensors", test::ServedFile{.body = body, .delay_ms = 100});
  server.serve_file("/b/model.safetensors", test::ServedFile{.body = body, .delay_ms = 100});
  server.start();
  const auto results = inspect_concurrently(
      dir, {server.url("/a/model.safetensors"), server.url("/b/model.safetensors")});
  for (const CommandResult& r : results) ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_single_correct_blob(dir, body);
}

TEST(ConcurrencyCli, AKilledDownloaderReleasesTheLockAndTheWaiterResumes) {
  TempDir dir;
  const std::string body = model_bytes(dir, 32 * 1024);  // 128 KiB
  test::TestServer server;
  // The first answer drips (2000 bytes, then 64 bytes per 20 ms); later
  // answers are healthy.
  auto resource = server.serve_file(
      "/m/model.safetensors",
      test::ServedFile{.body = body, .etag = "\"v\"", .cut_after = 2000, .cut_times = 1,
                       .drip_ms = 20, .drip_bytes = 64});
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  const fs::path partial = dir / "cache" / "partial" / to_hex(sha256(url));
  const auto partial_size = [&] {
    std::error_code ec;
    const auto n = fs::file_size(partial, ec);
    return ec ? std::uintmax_t{0} : n;
  };

  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  ChildProcess a({FTI_BINARY, "inspect", url}, dir / "a", cache_env(dir));
  ASSERT_TRUE(eventually([&] { return partial_size() >= 2000; })) << "A did not start";
  ChildProcess b({FTI_BINARY, "inspect", url}, dir / "b", cache_env(dir));
  // B waits on A's lock (or has not reached it yet: the outcome is the same).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(server.count("/m/model.safetensors"), 1u);  // B did not download beside A
  a.signal(SIGKILL);  // no cleanup at all: the kernel drops A's lock
  const CommandResult ra = a.wait();
  EXPECT_EQ(ra.exit_code, 128 + SIGKILL);

  const CommandResult rb = b.wait();
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_NE(rb.out.find("sha256:" + test::sha256_hex(body)), std::string::npos) << rb.out;
  expect_single_correct_blob(dir, body);
  // B continued from what A had written.
  const auto requests = server.requests_for("/m/model.safetensors");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Range").rfind("bytes=", 0), 0u);
  EXPECT_EQ(resource->partial.load(), 1);
}

}  // namespace
}  // namespace fti

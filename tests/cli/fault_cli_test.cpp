// Faults seen from the outside, the way a pipeline sees them: the real fti
// binary against a real local server. Each fault gives one clear line on
// stderr, its documented exit status, nothing on stdout, no report, no blob
// in the cache; and the rerun succeeds (resuming where it can).
//
//   SIGINT / SIGTERM during a download   130 / 143, resumable partial kept
//   a stalled (slow-drip) server         3 (fetch), resumable partial kept
//   an untrusted TLS certificate         3; FTI_CA_BUNDLE trusts a private CA
//   an unusable cache directory          3 (io)
//   a malformed FTI_HTTP_* variable      2 (usage)
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>

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

constexpr const char* kEtag = "\"model-v1\"";

std::vector<std::string> cache_env(const TempDir& dir) {
  return {"FTI_CACHE_DIR=" + (dir.path() / "cache").string()};
}

// Runs fti to the end; `env` and the cache directory override the
// inherited environment.
CommandResult fti_cli(const std::vector<std::string>& args, const TempDir& dir,
                      std::vector<std::string> env = {}) {
  static int runs = 0;
  std::vector<std::string> argv = {FTI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  env.push_back(cache_env(dir).front());
  const fs::path scratch = dir / ("cli-" + std::to_string(runs++));
  fs::create_directories(scratch);
  return ChildProcess(argv, scratch, env).wait();
}

// A one-tensor checkpoint of `floats` F32 values, as bytes.
std::string model_bytes(const TempDir& dir, std::size_t floats, std::uint8_t fill = 3) {
  const fs::path path = dir / "source-model.safetensors";
  std::vector<TensorData> tensors;
  tensors.push_back({{"w", DType::kF32, {floats}}, std::vector<std::uint8_t>(floats * 4, fill)});
  write_safetensors(path, tensors);
  const std::string bytes = test::read_file(path);
  fs::remove(path);
  return bytes;
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

fs::path partial_file(const TempDir& dir, const std::string& url) {
  return dir.path() / "cache" / "partial" / to_hex(sha256(url));
}

std::uint64_t file_size_or_zero(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

void expect_one_error_line(const CommandResult& r, const std::string& url) {
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("fti: error: ", 0), 0u) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
}

// A server dripping `body` (2000 bytes at once, then 64 bytes every 20 ms):
// a download that is reliably in progress when the test acts.
std::shared_ptr<test::ServedResource> serve_dripping(test::TestServer& server,
                                                     const std::string& path,
                                                     const std::string& body) {
  return server.serve_file(path, test::ServedFile{.body = body,
                                                  .etag = kEtag,
                                                  .cut_after = 2000,
                                                  .cut_times = 1,
                                                  .drip_ms = 20,
                                                  .drip_bytes = 64});
}

// Runs `fti inspect URL`, sends `signo` once 2000 bytes are on disk, and
// checks the interrupted run; then a rerun against a healthy server resumes.
void interrupt_and_resume(int signo, int expected_exit, const std::string& signal_name) {
  TempDir dir;
  const std::string body = model_bytes(dir, 32 * 1024);  // 128 KiB: ~40 s at the drip rate
  test::TestServer server;
  auto resource = serve_dripping(server, "/m/model.safetensors", body);
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  fs::create_directories(dir / "first");
  CommandResult r;
  {
    ChildProcess fti({FTI_BINARY, "inspect", url}, dir / "first", cache_env(dir));
    ASSERT_TRUE(eventually([&] { return file_size_or_zero(partial_file(dir, url)) >= 2000; }))
        << "the download did not start";
    fti.signal(signo);
    r = fti.wait();
  }
  EXPECT_EQ(r.exit_code, expected_exit) << r.err;
  expect_one_error_line(r, url);
  EXPECT_NE(r.err.find("interrupted by " + signal_name), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a rerun resumes"), std::string::npos) << r.err;
  EXPECT_EQ(test::count_files(dir / "cache" / "blobs"), 0u);
  const std::uint64_t kept = file_size_or_zero(partial_file(dir, url));
  EXPECT_GE(kept, 2000u);
  EXPECT_LT(kept, body.size());

  resource->replace(test::ServedFile{.body = body, .etag = kEtag});
  const CommandResult again = fti_cli({"inspect", url}, dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("sha256:" + test::sha256_hex(body)), std::string::npos) << again.out;
  EXPECT_EQ(server.requests_for("/m/model.safetensors").back().header("Range"),
            "bytes=" + std::to_string(kept) + "-");
  EXPECT_FALSE(fs::exists(partial_file(dir, url)));
}

TEST(FaultCli, SigintDuringADownloadExits130AndTheRerunResumes) {
  interrupt_and_resume(SIGINT, 130, "SIGINT");
}

TEST(FaultCli, SigtermDuringADownloadExits143AndTheRerunResumes) {
  interrupt_and_resume(SIGTERM, 143, "SIGTERM");
}

TEST(FaultCli, InterruptedDiffWritesNoReport) {
  TempDir dir;
  const std::string body = model_bytes(dir, 32 * 1024);
  {
    std::ofstream(dir / "base.safetensors", std::ios::binary) << model_bytes(dir, 32 * 1024, 4);
  }
  test::TestServer server;
  serve_dripping(server, "/c/model.safetensors", body);
  server.start();
  const std::string url = server.url("/c/model.safetensors");
  const fs::path report_dir = dir / "report";
  fs::create_directories(dir / "run");
  CommandResult r;
  {
    ChildProcess fti({FTI_BINARY, "diff", "--base", (dir / "base.safetensors").string(),
                      "--candidate", url, "--report-dir", report_dir.string()},
                     dir / "run", cache_env(dir));
    ASSERT_TRUE(eventually([&] { return file_size_or_zero(partial_file(dir, url)) >= 2000; }));
    fti.signal(SIGINT);
    r = fti.wait();
  }
  EXPECT_EQ(r.exit_code, 130) << r.err;
  expect_one_error_line(r, url);
  EXPECT_EQ(test::count_files(report_dir), 0u);
}

TEST(FaultCli, StalledServerExitsThreeWithTheStallAndTheRerunResumes) {
  TempDir dir;
  const std::string body = model_bytes(dir, 8 * 1024);
  test::TestServer server;
  auto resource = server.serve_file(
      "/m/model.safetensors",
      test::ServedFile{.body = body, .etag = kEtag, .cut_after = 300, .cut_times = 1,
                       .drip_ms = 300, .drip_bytes = 1});
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  // The stall limits come from the environment, so a pipeline can tune them.
  const std::vector<std::string> quick = {"FTI_HTTP_STALL_TIMEOUT=1",
                                          "FTI_HTTP_LOW_SPEED_LIMIT=1000", "FTI_HTTP_RETRIES=0"};
  const CommandResult r = fti_cli({"inspect", url}, dir, quick);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  expect_one_error_line(r, url);
  EXPECT_NE(r.err.find("too slow"), std::string::npos) << r.err;
  EXPECT_EQ(test::count_files(dir / "cache" / "blobs"), 0u);
  const std::uint64_t kept = file_size_or_zero(partial_file(dir, url));
  EXPECT_GE(kept, 300u);

  resource->replace(test::ServedFile{.body = body, .etag = kEtag});
  const CommandResult again = fti_cli({"inspect", url}, dir, quick);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(server.requests_for("/m/model.safetensors").back().header("Range"),
            "bytes=" + std::to_string(kept) + "-");
}

TEST(FaultCli, MalformedHttpSettingIsAUsageError) {
  TempDir dir;
  const CommandResult r =
      fti_cli({"inspect", "http://127.0.0.1:1/m.safetensors"}, dir, {"FTI_HTTP_RETRIES=many"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("FTI_HTTP_RETRIES"), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
}

TEST(FaultCli, UntrustedCertificateExitsThreeAndAPrivateCaCanBeTrusted) {
  TempDir dir;
  const std::string body = model_bytes(dir, 256);
  test::TestServer server(test::TestServer::Transport::kHttpsSelfSigned);
  server.serve_file("/m/model.safetensors", test::ServedFile{.body = body});
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  const CommandResult r = fti_cli({"inspect", url}, dir);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  expect_one_error_line(r, url);
  EXPECT_NE(r.err.find("certificate"), std::string::npos) << r.err;
  EXPECT_EQ(server.total(), 0u);
  EXPECT_EQ(test::count_files(dir / "cache" / "blobs"), 0u);

  std::ofstream(dir / "ca.pem") << server.cert_pem();
  const CommandResult trusted =
      fti_cli({"inspect", url}, dir, {"FTI_CA_BUNDLE=" + (dir / "ca.pem").string()});
  ASSERT_EQ(trusted.exit_code, 0) << trusted.err;
  EXPECT_NE(trusted.out.find("sha256:" + test::sha256_hex(body)), std::string::npos);
}

TEST(FaultCli, UnusableCacheDirectoryExitsThree) {
  TempDir dir;
  const std::string body = model_bytes(dir, 256);
  test::TestServer server;
  server.serve_file("/m/model.safetensors", test::ServedFile{.body = body});
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  std::ofstream(dir / "a-file") << "x";
  const CommandResult r =
      fti_cli({"inspect", "--cache-dir", (dir / "a-file").string(), url}, dir);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  expect_one_error_line(r, url);
  EXPECT_NE(r.err.find("cannot use the cache"), std::string::npos) << r.err;
  EXPECT_EQ(server.total(), 0u);
  ASSERT_EQ(fti_cli({"inspect", url}, dir).exit_code, 0);
}

TEST(FaultCli, ReadOnlyCacheExitsThreeOnlineAndWorksOffline) {
  TempDir dir;
  const fs::path ro = dir / "ro";
  fs::create_directories(ro);
  bool mounted = false;
  if (::geteuid() == 0) {
    // Root ignores permission bits: a tmpfs remounted read-only holds for it too.
    if (::mount("tmpfs", ro.c_str(), "tmpfs", 0, "size=4m") != 0) {
      GTEST_SKIP() << "running as root and cannot mount a tmpfs: " << std::strerror(errno);
    }
    mounted = true;
  }
  struct Restore {
    fs::path path;
    bool mounted;
    ~Restore() {
      if (mounted) {
        ::umount2(path.c_str(), MNT_DETACH);
      } else {
        std::error_code ec;
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        for (auto it = fs::recursive_directory_iterator(path, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
          if (it->is_directory(ec)) {
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
          }
        }
      }
    }
  } restore{ro, mounted};
  const std::string body = model_bytes(dir, 256);
  test::TestServer server;
  server.serve_file("/m/model.safetensors", test::ServedFile{.body = body, .etag = kEtag});
  server.serve_file("/n/model.safetensors", test::ServedFile{.body = body});
  server.start();
  const std::string cached = server.url("/m/model.safetensors");
  const std::string fresh = server.url("/n/model.safetensors");
  const std::string cache_dir = (ro / "cache").string();
  ASSERT_EQ(fti_cli({"inspect", "--cache-dir", cache_dir, cached}, dir).exit_code, 0);

  if (mounted) {
    ASSERT_EQ(::mount("tmpfs", ro.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=4m"), 0)
        << std::strerror(errno);
  } else {
    for (const auto& entry : fs::recursive_directory_iterator(ro)) {
      if (entry.is_directory()) {
        fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::remove);
      }
    }
    fs::permissions(ro, fs::perms::owner_write, fs::perm_options::remove);
  }
  const CommandResult r = fti_cli({"inspect", "--cache-dir", cache_dir, fresh}, dir);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  expect_one_error_line(r, fresh);
  EXPECT_NE(r.err.find("cannot use the cache"), std::string::npos) << r.err;
  EXPECT_EQ(server.count("/n/model.safetensors"), 0u);

  const CommandResult offline =
      fti_cli({"inspect", "--offline", "--cache-dir", cache_dir, cached}, dir);
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_NE(offline.out.find("sha256:" + test::sha256_hex(body)), std::string::npos);
}

}  // namespace
}  // namespace fti

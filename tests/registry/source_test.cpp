// Source resolution end to end: local paths and archives, models served over
// HTTP (single file, sharded, archive) and through a hub, against a real
// local server.
#include "registry/source.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/test_server.h"

namespace fti {
namespace {

namespace fs = std::filesystem;
using test::ServedFile;
using test::TestServer;

void expect_model(const ResolvedSource& resolved, const std::vector<TensorData>& tensors) {
  const Checkpoint cp = Checkpoint::open(resolved.files);
  ASSERT_EQ(cp.tensors().size(), tensors.size());
  for (const TensorData& t : tensors) {
    const CheckpointTensor* found = cp.find(t.spec.name);
    ASSERT_NE(found, nullptr) << t.spec.name;
    const auto data = cp.data(*found);
    EXPECT_EQ(std::vector<std::uint8_t>(data.begin(), data.end()), t.bytes) << t.spec.name;
  }
  for (std::size_t i = 0; i < cp.file_count(); ++i) cp.file_sha256(i);  // cache blobs verify
}

// A tar.zst of every file in `dir`, under a top-level "model/" directory.
void write_tar_zst(const fs::path& dir, const fs::path& out) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_zstd(a);
  archive_write_open_filename(a, out.c_str());
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string data = test::read_file(f.path());
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, ("model/" + f.path().filename().string()).c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

class SourceTest : public ::testing::Test {
 protected:
  SourceTest() : cache_(tmp_.path() / "cache") {
    tensors_ = testing::make_model_tensors(2, 8, 21);
    testing::write_model(tmp_.path() / "sharded", tensors_, 3);
    testing::write_model(tmp_.path() / "single", tensors_, 1);
    options_.fetch.max_retries = 0;
    options_.fetch.progress = ProgressMode::kNever;
  }
  test::TempDir tmp_;
  Cache cache_;
  TestServer server_;
  ResolveOptions options_;
  std::vector<TensorData> tensors_;
};

TEST_F(SourceTest, ClassifiesSources) {
  EXPECT_EQ(parse_source("./model").kind, SourceKind::kLocalPath);
  EXPECT_EQ(parse_source("https://h/x/model.safetensors").kind, SourceKind::kUrl);
  EXPECT_EQ(parse_source("http://h/x/model.safetensors.index.json").kind, SourceKind::kUrl);
  EXPECT_EQ(parse_source("https://h/x/model.tar.gz").kind, SourceKind::kUrl);
  EXPECT_EQ(parse_source("hf://org/name").kind, SourceKind::kHub);
  EXPECT_THROW(parse_source(""), Error);
  EXPECT_THROW(parse_source("ftp://h/model.safetensors"), Error);
  EXPECT_THROW(parse_source("s3://bucket/model.safetensors"), Error);
  try {
    parse_source("https://h/x/model.bin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("cannot tell what this URL holds"), std::string::npos);
  }
}

TEST_F(SourceTest, LocalDirectoryFileIndexAndArchive) {
  expect_model(resolve_source(parse_source((tmp_.path() / "sharded").string()), cache_, options_), tensors_);
  expect_model(resolve_source(parse_source((tmp_.path() / "single" / "model.safetensors").string()),
                              cache_, options_),
               tensors_);
  expect_model(resolve_source(parse_source((tmp_.path() / "sharded" / "model.safetensors.index.json").string()),
                              cache_, options_),
               tensors_);
  write_tar_zst(tmp_.path() / "sharded", tmp_.path() / "model.tar.zst");
  const SourceSpec spec = parse_source((tmp_.path() / "model.tar.zst").string());
  EXPECT_EQ(spec.kind, SourceKind::kLocalArchive);
  const ResolvedSource resolved = resolve_source(spec, cache_, options_);
  expect_model(resolved, tensors_);
  EXPECT_NE(resolved.files.origin.find("model.tar.zst"), std::string::npos);
  EXPECT_THROW(resolve_source(parse_source((tmp_.path() / "missing").string()), cache_, options_), Error);
}

TEST_F(SourceTest, ShardedModelOverHttpAndCachedSecondTime) {
  server_.serve_directory(tmp_.path() / "sharded", "/m/");
  server_.start();
  const std::string url = server_.url("/m/model.safetensors.index.json");
  const ResolvedSource first = resolve_source(parse_source(url), cache_, options_);
  expect_model(first, tensors_);
  ASSERT_TRUE(first.files.index);
  EXPECT_EQ(first.files.shards.size(), 3u);
  EXPECT_EQ(server_.count("/m/model-00001-of-00003.safetensors"), 1u);

  // Second run: revalidations at most, no full downloads.
  const std::size_t before = server_.total();
  expect_model(resolve_source(parse_source(url), cache_, options_), tensors_);
  std::size_t full_downloads = 0;
  const auto all = server_.requests();
  for (std::size_t i = before; i < all.size(); ++i) {
    if (!all[i].has_header("If-None-Match") && !all[i].has_header("If-Modified-Since")) ++full_downloads;
  }
  EXPECT_EQ(full_downloads, 0u);

  // Offline: no requests at all.
  const std::size_t before_offline = server_.total();
  options_.fetch.offline = true;
  expect_model(resolve_source(parse_source(url), cache_, options_), tensors_);
  EXPECT_EQ(server_.total(), before_offline);
}

TEST_F(SourceTest, SingleFileWithPinnedDigestNeedsNoNetworkOnceCached) {
  server_.serve_directory(tmp_.path() / "single", "/s/");
  server_.start();
  const std::string digest = to_hex(sha256_file(tmp_.path() / "single" / "model.safetensors"));
  const std::string url = server_.url("/s/model.safetensors") + "#sha256=" + digest;
  expect_model(resolve_source(parse_source(url), cache_, options_), tensors_);
  const std::size_t before = server_.total();
  expect_model(resolve_source(parse_source(url), cache_, options_), tensors_);
  EXPECT_EQ(server_.total(), before);
  // A wrong pin is an integrity error.
  const std::string wrong = server_.url("/s/model.safetensors") + "#sha256=" + std::string(64, '0');
  try {
    resolve_source(parse_source(wrong), cache_, options_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIntegrity) << e.what();
  }
}

TEST_F(SourceTest, ArchiveOverHttp) {
  write_tar_zst(tmp_.path() / "sharded", tmp_.path() / "model.tar.zst");
  server_.serve_file("/a/model.tar.zst", ServedFile{test::read_file(tmp_.path() / "model.tar.zst")});
  server_.start();
  expect_model(resolve_source(parse_source(server_.url("/a/model.tar.zst")), cache_, options_), tensors_);
}

TEST_F(SourceTest, IndexOverHttpCannotEscapeItsDirectory) {
  nlohmann::json index;
  index["weight_map"]["w"] = "../secret.safetensors";
  server_.serve_file("/m/model.safetensors.index.json", ServedFile{index.dump()});
  server_.start();
  try {
    resolve_source(parse_source(server_.url("/m/model.safetensors.index.json")), cache_, options_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a plain file name"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server_.count("/secret.safetensors"), 0u);
}

TEST_F(SourceTest, HubShardedModelPinnedToCommit) {
  const std::string commit = "89abcdef0123456789abcdef0123456789abcdef";
  for (const auto& f : fs::directory_iterator(tmp_.path() / "sharded")) {
    ServedFile file{test::read_file(f.path())};
    file.extra_headers.push_back({"X-Repo-Commit", commit});
    const std::string name = f.path().filename().string();
    server_.serve_file("/org/model/resolve/main/" + name, file);
    server_.serve_file("/org/model/resolve/" + commit + "/" + name, file);
  }
  server_.start();
  const test::ScopedEnv endpoint("HF_ENDPOINT", server_.base_url().c_str());
  const ResolvedSource resolved = resolve_source(parse_source("hf://org/model"), cache_, options_);
  expect_model(resolved, tensors_);
  EXPECT_EQ(resolved.pinned, "hf://org/model@" + commit + "/model.safetensors.index.json");
  // Shards come from the pinned commit, not from the moving branch.
  EXPECT_EQ(server_.count("/org/model/resolve/" + commit + "/model-00002-of-00003.safetensors"), 1u);
  EXPECT_EQ(server_.count("/org/model/resolve/main/model-00002-of-00003.safetensors"), 0u);
}

TEST_F(SourceTest, HubFallsBackToSingleFile) {
  server_.serve_file("/org/one/resolve/main/model.safetensors",
                     ServedFile{test::read_file(tmp_.path() / "single" / "model.safetensors")});
  server_.start();
  const test::ScopedEnv endpoint("HF_ENDPOINT", server_.base_url().c_str());
  expect_model(resolve_source(parse_source("hf://org/one"), cache_, options_), tensors_);
  EXPECT_THROW(resolve_source(parse_source("hf://org/missing"), cache_, options_), Error);
}

}  // namespace
}  // namespace fti

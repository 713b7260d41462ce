// Archive extraction: every supported container and compression, and every
// way an archive can try to write outside its root or exhaust the disk.
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include "engine/common/error.h"
#include "registry/archive.h"
#include "registry/cache.h"
#include "registry/checkpoint.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

struct Entry {
  std::string path;
  enum Kind { kFile, kDir, kSymlink, kHardlink, kFifo } kind = kFile;
  std::string content;  // file content or link target
};

enum class Container { kTar, kTarGz, kTarZst, kZip };

void write_archive(const fs::path& out, Container container, const std::vector<Entry>& entries) {
  archive* a = archive_write_new();
  switch (container) {
    case Container::kTar:
      archive_write_set_format_pax_restricted(a);
      break;
    case Container::kTarGz:
      archive_write_set_format_pax_restricted(a);
      archive_write_add_filter_gzip(a);
      break;
    case Container::kTarZst:
      archive_write_set_format_pax_restricted(a);
      ASSERT_EQ(archive_write_add_filter_zstd(a), ARCHIVE_OK) << archive_error_string(a);
      break;
    case Container::kZip:
      archive_write_set_format_zip(a);
      break;
  }
  ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK);
  for (const Entry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_perm(entry, 0644);
    switch (e.kind) {
      case Entry::kFile:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
        break;
      case Entry::kDir:
        archive_entry_set_filetype(entry, AE_IFDIR);
        archive_entry_set_perm(entry, 0755);
        break;
      case Entry::kSymlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_symlink(entry, e.content.c_str());
        break;
      case Entry::kHardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, e.content.c_str());
        archive_entry_set_size(entry, 0);
        break;
      case Entry::kFifo:
        archive_entry_set_filetype(entry, AE_IFIFO);
        break;
    }
    ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
    if (e.kind == Entry::kFile && !e.content.empty()) {
      ASSERT_EQ(archive_write_data(a, e.content.data(), e.content.size()),
                static_cast<la_ssize_t>(e.content.size()));
    }
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

std::string file_text(const fs::path& p) {
  const auto bytes = testing::read_bytes(p);
  return {bytes.begin(), bytes.end()};
}

void expect_refused(const std::vector<Entry>& entries, const std::string& fragment,
                    Container container = Container::kTar, const ArchiveLimits& limits = {},
                    ErrorCode code = ErrorCode::kInput) {
  TempDir dir;
  write_archive(dir / "evil.tar", container, entries);
  try {
    extract_archive(dir / "evil.tar", dir / "out", "evil.tar", limits);
    FAIL() << "extracted a hostile archive; expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("evil.tar"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "out")) << "partial extraction left behind";
  EXPECT_FALSE(fs::exists(dir.path().parent_path() / "escaped")) << "wrote outside the root";
}

class ArchiveFormats : public ::testing::TestWithParam<Container> {};

TEST_P(ArchiveFormats, ExtractsAModelThatOpensAsACheckpoint) {
  TempDir dir;
  const auto tensors = testing::make_model_tensors(2, 8, 11);
  testing::write_model(dir / "src", tensors, 2);
  std::vector<Entry> entries = {{"model/", Entry::kDir, ""}};
  for (const auto& f : fs::directory_iterator(dir / "src")) {
    const auto bytes = testing::read_bytes(f.path());
    entries.push_back({"model/" + f.path().filename().string(), Entry::kFile,
                       std::string(bytes.begin(), bytes.end())});
  }
  write_archive(dir / "m.archive", GetParam(), entries);
  const auto listed = list_archive(dir / "m.archive", "m.archive");
  EXPECT_EQ(listed.size(), entries.size());
  const ExtractionSummary summary = extract_archive(dir / "m.archive", dir / "out", "m.archive");
  EXPECT_EQ(summary.files, 3u);
  const Checkpoint cp = Checkpoint::open_local(dir / "out" / "model");
  EXPECT_EQ(cp.tensors().size(), tensors.size());
  for (const TensorData& t : tensors) {
    const auto data = cp.data(*cp.find(t.spec.name));
    EXPECT_EQ(std::vector<std::uint8_t>(data.begin(), data.end()), t.bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(Archive, ArchiveFormats,
                         ::testing::Values(Container::kTar, Container::kTarGz, Container::kTarZst,
                                           Container::kZip));

TEST(Archive, RecognisesArchiveNames) {
  EXPECT_TRUE(looks_like_archive("m.tar"));
  EXPECT_TRUE(looks_like_archive("m.tar.gz"));
  EXPECT_TRUE(looks_like_archive("m.tgz"));
  EXPECT_TRUE(looks_like_archive("m.tar.zst"));
  EXPECT_TRUE(looks_like_archive("m.zip"));
  EXPECT_FALSE(looks_like_archive("model.safetensors"));
  EXPECT_FALSE(looks_like_archive(".zip"));
}

TEST(Archive, RefusesPathTraversal) {
  expect_refused({{"../escaped", Entry::kFile, "x"}}, "'..'");
  expect_refused({{"a/../../escaped", Entry::kFile, "x"}}, "'..'");
  expect_refused({{"/tmp/escaped", Entry::kFile, "x"}}, "absolute path");
  expect_refused({{"a\\..\\escaped", Entry::kFile, "x"}}, "backslash");
  expect_refused({{"a\x01" "b", Entry::kFile, "x"}}, "control characters");
  expect_refused({{"../escaped", Entry::kFile, "x"}}, "'..'", Container::kZip);
}

TEST(Archive, RefusesLinksThatEscape) {
  expect_refused({{"link", Entry::kSymlink, "/etc/passwd"}}, "absolute");
  expect_refused({{"link", Entry::kSymlink, "../../escaped"}}, "outside the extraction directory");
  expect_refused({{"link", Entry::kSymlink, ".."}}, "outside the extraction directory");
  // Lexically inside, physically outside: a -> . makes a/.. the root's parent.
  expect_refused({{"a", Entry::kSymlink, "."}, {"b", Entry::kSymlink, "a/.."}},
                 "outside the extraction directory");
  // Writing through a symlinked directory.
  expect_refused({{"sub/", Entry::kDir, ""}, {"link", Entry::kSymlink, "sub"},
                  {"link/file", Entry::kFile, "x"}},
                 "symlink or a file");
  expect_refused({{"link", Entry::kSymlink, "missing-target"}}, "missing");
  expect_refused({{"hard", Entry::kHardlink, "../escaped"}}, "'..'");
  expect_refused({{"hard", Entry::kHardlink, "nothing-here"}}, "not an extracted regular file");
  expect_refused({{"fifo", Entry::kFifo, ""}}, "device, FIFO or socket");
}

TEST(Archive, KeepsLinksThatStayInside) {
  TempDir dir;
  write_archive(dir / "ok.tar", Container::kTar,
                {{"blobs/abc", Entry::kFile, "payload"},
                 {"snap/model.safetensors", Entry::kSymlink, "../blobs/abc"},
                 {"copy", Entry::kHardlink, "blobs/abc"}});
  extract_archive(dir / "ok.tar", dir / "out", "ok.tar");
  EXPECT_EQ(file_text(dir / "out" / "snap" / "model.safetensors"), "payload");
  EXPECT_EQ(file_text(dir / "out" / "copy"), "payload");
}

TEST(Archive, RefusesDuplicatesAndGarbage) {
  expect_refused({{"a", Entry::kFile, "1"}, {"./a", Entry::kFile, "2"}}, "appears twice");
  TempDir dir;
  testing::write_text(dir / "junk.tar.gz", "this is not an archive at all, just text");
  try {
    extract_archive(dir / "junk.tar.gz", dir / "out", "junk.tar.gz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.tar.gz"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Archive, StopsArchiveBombs) {
  const std::string zeros(4 << 20, '\0');
  ArchiveLimits ratio;
  ratio.max_ratio_floor = 1 << 20;
  ratio.max_ratio = 50;
  expect_refused({{"zeros", Entry::kFile, zeros}}, "archive bomb", Container::kTarGz, ratio,
                 ErrorCode::kLimit);
  ArchiveLimits total;
  total.max_total_bytes = 1 << 20;
  expect_refused({{"zeros", Entry::kFile, zeros}}, "FTI_MAX_EXTRACT_BYTES", Container::kTarGz, total,
                 ErrorCode::kLimit);
  ArchiveLimits entries;
  entries.max_entries = 2;
  expect_refused({{"a", Entry::kFile, "1"}, {"b", Entry::kFile, "2"}, {"c", Entry::kFile, "3"}},
                 "more than 2 entries", Container::kTar, entries, ErrorCode::kLimit);
}

TEST(Archive, ExtractsIntoCacheOnce) {
  TempDir dir;
  write_archive(dir / "m.tar", Container::kTar, {{"f", Entry::kFile, "hello"}});
  Cache cache(dir / "cache");
  const Sha256Digest digest = sha256_file(dir / "m.tar");
  const fs::path first = extract_to_cache(dir / "m.tar", digest, cache, "m.tar");
  EXPECT_EQ(file_text(first / "f"), "hello");
  testing::write_text(first / "marker", "kept");
  const fs::path second = extract_to_cache(dir / "m.tar", digest, cache, "m.tar");
  EXPECT_EQ(first, second);
  EXPECT_TRUE(fs::exists(second / "marker"));  // not extracted again
  EXPECT_TRUE(fs::is_empty(cache.temp_dir()));
}

}  // namespace
}  // namespace fti

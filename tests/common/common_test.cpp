// Errors, hashing, strict JSON and atomic files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "engine/common/atomic_file.h"
#include "engine/common/env.h"
#include "engine/common/error.h"
#include "engine/common/mapped_file.h"
#include "engine/common/sha256.h"
#include "engine/common/strict_json.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

TEST(Sha256, KnownAnswers) {
  // FIPS 180-2 examples.
  EXPECT_EQ(to_hex(sha256(std::string_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256(std::string_view(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 incremental;
  incremental.update(std::string_view("a"));
  incremental.update(std::string_view("bc"));
  EXPECT_EQ(to_hex(incremental.finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, GitBlobIdMatchesGit) {
  // `printf 'hello\n' | git hash-object --stdin`
  GitBlobSha1 blob(6);
  blob.update("hello\n", 6);
  EXPECT_EQ(to_hex(blob.finish()), "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST(Sha256, HexParsing) {
  const auto d = parse_hex_digest<32>("BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_TRUE(d);
  EXPECT_EQ(to_hex(*d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(parse_hex_digest<32>("ba78"));
  EXPECT_FALSE(parse_hex_digest<20>("zz013625030ba8dba906f756967f9e9ca394464a"));
}

TEST(Sha256, FileDigestAndMissingFile) {
  testing::TempDir dir;
  std::ofstream(dir / "f") << "abc";
  EXPECT_EQ(to_hex(sha256_file(dir / "f")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  try {
    sha256_file(dir / "missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

TEST(Sha256, GitBlobIdOfAFile) {
  testing::TempDir dir;
  std::ofstream(dir / "f") << "hello\n";
  EXPECT_EQ(to_hex(git_blob_sha1_file(dir / "f")), "ce013625030ba8dba906f756967f9e9ca394464a");
  try {
    git_blob_sha1_file(dir / "missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

TEST(Env, UnsetAndEmptyReadAsEmpty) {
  ::setenv("FTI_COMMON_TEST_VAR", "value", 1);
  EXPECT_EQ(env_or_empty("FTI_COMMON_TEST_VAR"), "value");
  ::setenv("FTI_COMMON_TEST_VAR", "", 1);
  EXPECT_EQ(env_or_empty("FTI_COMMON_TEST_VAR"), "");
  ::unsetenv("FTI_COMMON_TEST_VAR");
  EXPECT_EQ(env_or_empty("FTI_COMMON_TEST_VAR"), "");
  EXPECT_EQ(env_or_empty(""), "");
}

TEST(StrictJson, RejectsDuplicateKeysAtAnyDepth) {
  EXPECT_NO_THROW(parse_strict_json(R"({"a":1,"b":{"a":2}})", "doc"));
  EXPECT_THROW(parse_strict_json(R"({"a":1,"a":2})", "doc"), Error);
  EXPECT_THROW(parse_strict_json(R"({"x":[{"a":1,"a":1}]})", "doc"), Error);
  try {
    parse_strict_json(R"({"k":{"dup":1,"dup":2}})", "doc.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("doc.json: duplicate JSON key \"dup\""), std::string::npos)
        << e.what();
  }
}

TEST(StrictJson, RejectsNulBytesThatWouldEndParsingEarly) {
  EXPECT_THROW(parse_strict_json(std::string("{\"a\":1}\0{\"b\"", 12), "doc"), Error);
}

// Regression (shard-index fuzzer): nlohmann throws out_of_range, not
// parse_error, for a number no type can hold; it must become an Error.
TEST(StrictJson, NumberOverflowIsAnInputError) {
  try {
    parse_strict_json(R"({"total_size": 88888800000000e408040878888880000040000408739217})", "index.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index.json: invalid JSON: number overflow"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_strict_json("[1e999]", "doc"), Error);
}

TEST(StrictJson, BoundsDepthAndReportsOneLine) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_THROW(parse_strict_json(deep, "doc"), Error);
  EXPECT_NO_THROW(parse_strict_json(std::string(10, '[') + std::string(10, ']'), "doc"));
  try {
    parse_strict_json("{\"a\":\n\x01}", "doc");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\x01'), std::string::npos) << e.what();
  }
}

TEST(Error, UntrustedTextIsEscaped) {
  EXPECT_EQ(quote_untrusted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_untrusted("x\ny"), "\"x\\x0ay\"");
  EXPECT_EQ(quote_untrusted("\xff"), "\"\\xff\"");
  EXPECT_EQ(quote_untrusted("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // valid UTF-8 kept
  EXPECT_EQ(quote_untrusted("\xc0\xaf"), "\"\\xc0\\xaf\"");      // overlong form escaped
  EXPECT_EQ(quote_untrusted(std::string(300, 'a')).size(), 200u + 5u);
  EXPECT_EQ(exit_status_for(ErrorCode::kInput), 3);
  EXPECT_EQ(exit_status_for(ErrorCode::kPolicy), 2);
  EXPECT_EQ(exit_status_for(ErrorCode::kCertificate), 4);
}

TEST(AtomicFile, CommitPublishesAndDestructionDiscards) {
  testing::TempDir dir;
  {
    AtomicFile f(dir / "out.txt");
    f.write(std::string_view("partial"));
    EXPECT_FALSE(std::filesystem::exists(dir / "out.txt"));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  write_file_atomically(dir / "out.txt", "complete");
  std::ifstream in(dir / "out.txt");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "complete");
  EXPECT_THROW(AtomicFile(dir / "no-such-dir" / "x"), Error);
}

TEST(AtomicFile, StaleTemporariesOfDeadWritersAreSweptLiveOnesKept) {
  fti::testing::TempDir tmp;
  const auto dir = tmp.path();
  // A PID that existed and is gone: a child that exited and was reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  const auto touch = [&](const std::string& name) { std::ofstream(dir / name) << "partial"; };
  const std::string dead = ".cert.fticert.tmp-" + std::to_string(child) + "-AbC123";
  const std::string live = ".cert.fticert.tmp-" + std::to_string(::getppid()) + "-XyZ789";
  const std::string mine = ".cert.fticert.tmp-" + std::to_string(::getpid()) + "-QqQ000";
  touch(dead);
  touch(live);
  touch(mine);
  touch(".cert.fticert.tmp-AbC123");          // the old name without a PID: unknown owner, kept
  touch(".other.fticert.tmp-" + std::to_string(child) + "-AbC123");  // another destination, kept
  write_file_atomically(dir / "cert.fticert", "complete");
  EXPECT_FALSE(std::filesystem::exists(dir / dead));
  EXPECT_TRUE(std::filesystem::exists(dir / live));
  EXPECT_TRUE(std::filesystem::exists(dir / mine));
  EXPECT_TRUE(std::filesystem::exists(dir / ".cert.fticert.tmp-AbC123"));
  EXPECT_TRUE(std::filesystem::exists(dir / (".other.fticert.tmp-" + std::to_string(child) + "-AbC123")));
  EXPECT_EQ(sweep_stale_temporaries(dir / "cert.fticert"), 0u);
}

TEST(MappedFile, MapsEmptyAndRegularFilesOnly) {
  testing::TempDir dir;
  std::ofstream(dir / "empty").close();
  const MappedFile empty(dir / "empty");
  EXPECT_EQ(empty.size(), 0u);
  std::ofstream(dir / "x") << "hello";
  const MappedFile x(dir / "x");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(x.bytes().data()), x.size()), "hello");
  x.release(0, 5);
  EXPECT_EQ(x.bytes()[0], 'h');
  EXPECT_THROW(MappedFile(dir.path()), Error);
}

}  // namespace
}  // namespace fti

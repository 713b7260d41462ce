// The commitment file: round trips bit for bit, and the strict parser
// rejects every truncation, trailing bytes, every flipped byte, huge counts
// and well-formed but inconsistent files (valid checksum, wrong contents),
// always with Error(kCertificate) and never by crashing or allocating
// according to the file's claims.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/commitment/commitment_file.h"
#include "engine/commitment/commitment_hash.h"
#include "engine/commitment/fixed_point.h"
#include "engine/common/error.h"
#include "registry/checkpoint.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti::commitment {
namespace {

using testing::TempDir;

class CommitmentFileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TempDir dir;
    testing::write_model(dir.path(), testing::make_model_tensors(1, 8, 3), 2);
    commitment_ = new ModelCommitment(commit_model(Checkpoint::open_local(dir.path())));
  }
  static void TearDownTestSuite() {
    delete commitment_;
    commitment_ = nullptr;
  }
  static const ModelCommitment& commitment() { return *commitment_; }

  // Parses and returns the error message, or "" if it parsed.
  static std::string parse_error(const std::vector<std::uint8_t>& bytes) {
    try {
      (void)parse_commitment(bytes, "c.fticommit");
      return "";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCertificate) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("c.fticommit: invalid commitment file: ", 0), 0u) << e.what();
      return e.what();
    }
  }

  static ModelCommitment* commitment_;
};

ModelCommitment* CommitmentFileTest::commitment_ = nullptr;

// Offset of the tensor count: magic, 4 encoding words, 8 parameter words,
// the files, the groups.
std::size_t tensor_count_offset(const ModelCommitment& c) {
  std::size_t offset = kCommitmentFileMagic.size() + 4 * 4 + 8 * 4 + 4;
  for (const FileRecord& f : c.files) offset += 4 + f.name.size() + 1 + 8 + 32;
  offset += 4;
  for (const auto& g : c.groups) offset += 12 + 32 * g.cap.nodes.size();
  return offset;
}

void put_u32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

TEST_F(CommitmentFileTest, RoundTripsBitForBit) {
  const std::vector<std::uint8_t> bytes = serialize_commitment(commitment());
  const ModelCommitment parsed = parse_commitment(bytes, "c");
  EXPECT_EQ(parsed, commitment());
  EXPECT_EQ(serialize_commitment(parsed), bytes);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 17), "fti.commitment/v1");
  ASSERT_EQ(commitment().files.size(), 3u);
  EXPECT_EQ(parsed.files[2].role, FileRole::kIndex);
}

TEST_F(CommitmentFileTest, WritesAtomicallyAndReadsBack) {
  TempDir dir;
  write_commitment_file(dir / "base.fticommit", commitment());
  EXPECT_EQ(read_commitment_file(dir / "base.fticommit"), commitment());
  EXPECT_THROW((void)read_commitment_file(dir / "missing.fticommit"), Error);
}

TEST_F(CommitmentFileTest, EveryTruncationIsRejected) {
  const std::vector<std::uint8_t> bytes = serialize_commitment(commitment());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::string error = parse_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)));
    ASSERT_FALSE(error.empty()) << "prefix of " << n << " bytes parsed";
    ASSERT_NE(error.find("truncated"), std::string::npos) << n << ": " << error;
  }
}

TEST_F(CommitmentFileTest, TrailingBytesAreRejected) {
  std::vector<std::uint8_t> bytes = serialize_commitment(commitment());
  bytes.push_back(0);
  EXPECT_NE(parse_error(bytes).find("1 trailing bytes after the checksum"), std::string::npos);
}

TEST_F(CommitmentFileTest, EveryFlippedByteIsRejected) {
  const std::vector<std::uint8_t> bytes = serialize_commitment(commitment());
  std::size_t checksum_errors = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (const std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      std::vector<std::uint8_t> flipped = bytes;
      flipped[i] ^= mask;
      const std::string error = parse_error(flipped);
      ASSERT_FALSE(error.empty()) << "flip at byte " << i << " accepted";
      checksum_errors += error.find("checksum mismatch") != std::string::npos ? 1u : 0u;
    }
  }
  // Digests, sizes and most fields are only caught by the checksum.
  EXPECT_GT(checksum_errors, bytes.size());
}

TEST_F(CommitmentFileTest, HugeCountsAreRejectedBeforeAllocating) {
  const std::vector<std::uint8_t> bytes = serialize_commitment(commitment());
  const std::size_t offset = tensor_count_offset(commitment());
  std::vector<std::uint8_t> b = bytes;
  ASSERT_EQ(b[offset], commitment().tensors.size());
  put_u32(b, offset, 0xFFFFFFFFu);
  EXPECT_NE(parse_error(b).find("tensor count 4294967295 exceeds the limit 1000000"), std::string::npos);
  put_u32(b, offset, 999'999);
  EXPECT_NE(parse_error(b).find("truncated or corrupt: tensor count 999999 needs at least 71999928 bytes"), std::string::npos);
  b = bytes;
  put_u32(b, kCommitmentFileMagic.size() + 48, 0x7FFFFFFF);  // file count
  EXPECT_NE(parse_error(b).find("file count 2147483647 exceeds the limit"), std::string::npos);
  b = bytes;
  put_u32(b, kCommitmentFileMagic.size() + 52, 0xFFFFFFF0u);  // first file's name length
  EXPECT_NE(parse_error(b).find("name length"), std::string::npos);
}

TEST_F(CommitmentFileTest, WrongMagicAndEncodingAreRejected) {
  std::vector<std::uint8_t> b = serialize_commitment(commitment());
  b[16] = '2';
  EXPECT_NE(parse_error(b).find("not an fti commitment file"), std::string::npos);
  b = serialize_commitment(commitment());
  put_u32(b, kCommitmentFileMagic.size(), 32);  // value bits
  EXPECT_NE(parse_error(b).find("unsupported encoding (value bits 32"), std::string::npos);
  EXPECT_NE(parse_error({}).find("truncated: magic"), std::string::npos);
}

// Random multi-byte mutations, with the checksum recomputed so that they
// reach the structural and semantic checks behind it: every one is rejected
// with Error(kCertificate), none crashes or throws anything else.
TEST_F(CommitmentFileTest, RandomMutationsBehindAValidChecksumAreRejected) {
  const std::vector<std::uint8_t> bytes = serialize_commitment(commitment());
  std::mt19937_64 rng(42);
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::uint8_t> m = bytes;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % (m.size() - 32);
      switch (rng() % 3) {
        case 0: m[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
        case 1: m[at] = static_cast<std::uint8_t>(rng()); break;
        default: m[at] = 0xFF; break;
      }
    }
    const Sha256Digest checksum = sha256(std::span<const std::uint8_t>(m.data(), m.size() - 32));
    std::copy(checksum.begin(), checksum.end(), m.end() - 32);
    if (m == bytes) continue;
    try {
      (void)parse_commitment(m, "c.fticommit");
      ADD_FAILURE() << "mutation accepted in round " << round;
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::kCertificate) << e.what();
    } catch (const std::exception& e) {
      FAIL() << "round " << round << ": unexpected exception " << e.what();
    }
  }
}

// Well-formed files with a valid checksum whose contents are inconsistent:
// what a hostile writer (not a flipped byte) produces.
TEST_F(CommitmentFileTest, ConsistentChecksumButWrongContentsIsRejected) {
  ModelCommitment c = commitment();
  c.root[0] ^= 1;
  EXPECT_NE(parse_error(serialize_commitment(c)).find("the root does not match the contents"), std::string::npos);

  c = commitment();
  c.tensors[2].scale += 1;  // a record changed, roots not recomputed
  EXPECT_NE(parse_error(serialize_commitment(c)).find("the tensors root does not match"), std::string::npos);
  compute_roots(c);  // recomputed: a consistent file of another commitment
  EXPECT_EQ(parse_error(serialize_commitment(c)), "");

  c = commitment();
  c.files[0].sha256[5] ^= 1;
  EXPECT_NE(parse_error(serialize_commitment(c)).find("the files digest does not match"), std::string::npos);

  c = commitment();
  c.groups[0].cap.nodes[0][0] ^= 1;
  EXPECT_NE(parse_error(serialize_commitment(c)).find("the tensors root does not match"), std::string::npos);

  // Two tensors of one group swap positions: not the canonical grouping.
  c = commitment();
  std::size_t a = c.tensors.size(), b = c.tensors.size();
  for (std::size_t i = 0; i < c.tensors.size() && b == c.tensors.size(); ++i) {
    for (std::size_t j = i + 1; j < c.tensors.size(); ++j) {
      if (c.tensors[i].group == c.tensors[j].group) {
        a = i;
        b = j;
        break;
      }
    }
  }
  ASSERT_LT(b, c.tensors.size());
  std::swap(c.tensors[a].index, c.tensors[b].index);
  compute_roots(c);
  EXPECT_NE(parse_error(serialize_commitment(c)).find("canonical group position"), std::string::npos);

  c = commitment();
  std::swap(c.tensors[0], c.tensors[1]);
  EXPECT_NE(parse_error(serialize_commitment(c)).find("not sorted"), std::string::npos);

  c = commitment();
  c.tensors[0].log_cols += 1;
  EXPECT_NE(parse_error(serialize_commitment(c)).find("layout does not match its shape"), std::string::npos);

  c = commitment();
  c.tensors[0].max_abs = static_cast<std::uint64_t>(kRuleBound) + 1;
  EXPECT_NE(parse_error(serialize_commitment(c)).find("max_abs above"), std::string::npos);

  c = commitment();
  c.tensors[0].group = static_cast<std::uint32_t>(c.groups.size());
  EXPECT_NE(parse_error(serialize_commitment(c)).find("no polynomial"), std::string::npos);

  c = commitment();
  c.groups[0].cap.nodes.push_back(c.groups[0].cap.nodes[0]);
  EXPECT_NE(parse_error(serialize_commitment(c)).find("cap of 2 digests"), std::string::npos);

  c = commitment();
  c.params.num_queries = 0;
  EXPECT_NE(parse_error(serialize_commitment(c)).find("Basefold parameters out of range"), std::string::npos);
  c = commitment();
  c.params.security = crypto::BasefoldSecurity::kConjectured;
  EXPECT_NE(parse_error(serialize_commitment(c)).find("not the proven"), std::string::npos);
}

}  // namespace
}  // namespace fti::commitment

// Basefold completeness: honest openings verify for every size 2^0..2^22
// (default parameters for the large sizes), batches up to 64 polynomials,
// several groups of different sizes under one transcript, and the opened
// values equal an independent mle_evaluate at the group's point. Also the
// byte formats round-trip and the transcript schedule is pinned.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/sha256.h"
#include "tests/crypto/basefold_helpers.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

struct RoundTrip {
  BasefoldOpening opening;
  Status status = Status::kMalformed;
  std::size_t proof_bytes = 0;
};

// Commits, opens at `point`, checks the values against mle_evaluate on the
// original tables, serializes, parses and verifies the parsed proof.
RoundTrip round_trip(const BasefoldParams& params, const std::vector<std::vector<std::vector<Fp>>>& groups,
                     const std::vector<Fp3>& point) {
  std::vector<BasefoldProverData> data;
  data.reserve(groups.size());
  for (const auto& g : groups) data.push_back(basefold_commit(params, g));
  std::vector<const BasefoldProverData*> ptrs;
  for (const auto& d : data) ptrs.push_back(&d);
  RoundTrip out;
  Transcript pt = testing::prefix_transcript();
  out.opening = basefold_open(ptrs, point, pt);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto z = basefold_group_point(point, data[g].num_vars());
    for (std::size_t j = 0; j < groups[g].size(); ++j) {
      EXPECT_EQ(out.opening.values[g][j], mle_evaluate(groups[g][j], z)) << "group " << g << " poly " << j;
    }
  }
  const std::vector<BasefoldGroupClaim> claims = testing::claims_for(ptrs, out.opening);
  const std::vector<std::uint8_t> bytes = out.opening.proof.serialize();
  out.proof_bytes = bytes.size();
  BasefoldProof parsed;
  const std::vector<BasefoldGroupShape> shapes = basefold_shapes(claims);
  EXPECT_EQ(BasefoldProof::parse(bytes, params, shapes, parsed), Status::kOk);
  EXPECT_EQ(parsed.serialize(), bytes);
  Transcript vt = testing::prefix_transcript();
  out.status = basefold_verify(params, claims, point, parsed, vt);
  // Prover and verifier end in the same transcript state.
  EXPECT_EQ(pt.state(), vt.state());
  return out;
}

TEST(Basefold, CompletenessSmallSizesAndBatches) {
  TestRng rng(701);
  for (unsigned n = 0; n <= 12; ++n) {
    for (const std::size_t m : {std::size_t{1}, std::size_t{2}, std::size_t{5}}) {
      const auto point = rng.fp3s(n);
      for (const BasefoldParams& params : {testing::test_params(), basefold_default_params()}) {
        const RoundTrip rt = round_trip(params, {testing::random_tables(rng, n, m)}, point);
        EXPECT_EQ(rt.status, Status::kOk) << "n=" << n << " m=" << m;
      }
    }
  }
}

// Every commitment leaf size the parameters accept, with batches that make
// a0 = L - ceil(log2 M) exceed the largest folding arity (regression: the
// verifier's leaf buffer holds 2^kMaxBasefoldLogArity values).
TEST(Basefold, CompletenessEveryCommitmentLeafSize) {
  TestRng rng(703);
  for (unsigned leaf_log = 1; leaf_log <= kMaxBasefoldLeafLogSize; ++leaf_log) {
    for (const std::size_t m : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
      BasefoldParams params = testing::test_params();
      params.commit_leaf_log_size = leaf_log;
      const unsigned n = 11;
      const RoundTrip rt = round_trip(params, {testing::random_tables(rng, n, m)}, rng.fp3s(n));
      EXPECT_EQ(rt.status, Status::kOk) << "L=" << leaf_log << " m=" << m;
    }
  }
}

TEST(Basefold, CompletenessLargeSizesDefaultParameters) {
  TestRng rng(702);
  for (unsigned n = 13; n <= 22; ++n) {
    const std::size_t m = n <= 16 ? 3 : 1;
    const RoundTrip rt = round_trip(basefold_default_params(), {testing::random_tables(rng, n, m)}, rng.fp3s(n));
    EXPECT_EQ(rt.status, Status::kOk) << "n=" << n;
    EXPECT_LT(rt.proof_bytes, std::size_t{300} << 10) << "n=" << n;
  }
}

TEST(Basefold, CompletenessBatchesUpTo64) {
  TestRng rng(703);
  for (const std::size_t m : {std::size_t{7}, std::size_t{16}, std::size_t{64}}) {
    for (const unsigned n : {4u, 9u, 12u}) {
      const RoundTrip rt = round_trip(basefold_default_params(), {testing::random_tables(rng, n, m)}, rng.fp3s(n));
      EXPECT_EQ(rt.status, Status::kOk) << "n=" << n << " m=" << m;
    }
  }
}

// Groups of one shape batched in one opening cost one group's folded
// layers plus a commitment opening per group: smaller than opening them in
// separate proofs.
TEST(Basefold, SameShapeGroupsShareOneBatch) {
  TestRng rng(705);
  const BasefoldParams params = basefold_default_params();
  std::vector<std::vector<std::vector<Fp>>> groups;
  for (int g = 0; g < 3; ++g) groups.push_back(testing::random_tables(rng, 14, 4));
  const auto point = rng.fp3s(14);
  const RoundTrip together = round_trip(params, groups, point);
  EXPECT_EQ(together.status, Status::kOk);
  EXPECT_EQ(together.opening.proof.groups.size(), 1u);
  std::size_t separate = 0;
  for (const auto& g : groups) {
    const RoundTrip one = round_trip(params, {g}, point);
    EXPECT_EQ(one.status, Status::kOk);
    separate += one.proof_bytes;
  }
  EXPECT_LT(together.proof_bytes * 3, separate * 2) << together.proof_bytes << " vs " << separate;
}

TEST(Basefold, SeveralSizesUnderOneTranscript) {
  TestRng rng(704);
  // Groups in any order, repeated sizes allowed, each opened at the prefix
  // of one shared point (longer than every group).
  const std::vector<unsigned> sizes = {9, 0, 14, 3, 14, 11};
  const std::vector<std::size_t> counts = {2, 1, 1, 4, 3, 64};
  std::vector<std::vector<std::vector<Fp>>> groups;
  for (std::size_t g = 0; g < sizes.size(); ++g) groups.push_back(testing::random_tables(rng, sizes[g], counts[g]));
  const auto point = rng.fp3s(16);
  for (const BasefoldParams& params : {testing::test_params(), basefold_default_params()}) {
    const RoundTrip rt = round_trip(params, groups, point);
    EXPECT_EQ(rt.status, Status::kOk);
  }
}

TEST(Basefold, ProverValuesAreTheMleAtThePoint) {
  // Special points: boolean points return table entries; zero and one.
  TestRng rng(705);
  const unsigned n = 10;
  const auto tables = testing::random_tables(rng, n, 2);
  const BasefoldProverData data = basefold_commit(basefold_default_params(), tables);
  for (const std::size_t x : {std::size_t{0}, std::size_t{1}, std::size_t{0x2A5}, std::size_t{1023}}) {
    std::vector<Fp3> point;
    for (unsigned i = 0; i < n; ++i) point.push_back(Fp3::from_u64((x >> i) & 1));
    Transcript pt = testing::prefix_transcript();
    const BasefoldOpening o = basefold_open(data, point, pt);
    EXPECT_EQ(o.values[0][0], Fp3(tables[0][x]));
    EXPECT_EQ(o.values[0][1], Fp3(tables[1][x]));
    Transcript vt = testing::prefix_transcript();
    EXPECT_EQ(basefold_verify(data.params(), BasefoldGroupClaim{data.commitment(), o.values[0]}, point, o.proof, vt),
              Status::kOk);
  }
}

TEST(Basefold, CommitmentBytesRoundTrip) {
  TestRng rng(706);
  BasefoldParams params = basefold_default_params();
  params.cap_log = 3;
  const BasefoldProverData data = basefold_commit(params, testing::random_tables(rng, 12, 3));
  const BasefoldCommitment c = data.commitment();
  EXPECT_EQ(c.cap.nodes.size(), 8u);
  const std::vector<std::uint8_t> bytes = c.serialize();
  EXPECT_EQ(bytes.size(), 12u + 8 * 32);
  BasefoldCommitment parsed;
  ASSERT_EQ(BasefoldCommitment::parse(bytes, params, parsed), Status::kOk);
  EXPECT_EQ(parsed, c);
  std::vector<std::uint8_t> trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(BasefoldCommitment::parse(trailing, params, parsed), Status::kMalformed);
  EXPECT_EQ(BasefoldCommitment::parse(std::span(bytes).first(bytes.size() - 1), params, parsed), Status::kMalformed);
  std::vector<std::uint8_t> wrong_count = bytes;
  wrong_count[8] = 4;  // LE32(count) = 4, but cap_log 3 gives 8 nodes
  EXPECT_EQ(BasefoldCommitment::parse(wrong_count, params, parsed), Status::kWrongLength);
  std::vector<std::uint8_t> too_big = bytes;
  too_big[0] = 31;  // n = 31
  EXPECT_EQ(BasefoldCommitment::parse(too_big, params, parsed), Status::kBadParameters);
  std::vector<std::uint8_t> no_polys = bytes;
  no_polys[4] = 0;  // M = 0
  EXPECT_EQ(BasefoldCommitment::parse(no_polys, params, parsed), Status::kBadParameters);
}

// Regression pin: a fixed instance must keep producing the same proof bytes
// and challenges (two members: a stacked polynomial in 12 variables); any
// change of the transcript schedule, labels, layouts or
// encodings changes this digest (update it only with docs/PROTOCOL.md).
TEST(Basefold, PinnedProofDigest) {
  std::vector<std::vector<Fp>> tables(2, std::vector<Fp>(std::size_t{1} << 11));
  for (std::size_t i = 0; i < tables[0].size(); ++i) {
    tables[0][i] = Fp::from_u64(i * i + 7);
    tables[1][i] = Fp::from_u64(0xFFFF'FFFF'0000'0000ULL - 3 * i);
  }
  std::vector<Fp3> point;
  for (std::uint64_t i = 0; i < 11; ++i)
    point.push_back(Fp3(Fp::from_u64(i + 1), Fp::from_u64(2 * i), Fp::from_u64(5)));
  const BasefoldProverData data = basefold_commit(basefold_default_params(), tables);
  Transcript pt("fti.test.basefold.pinned");
  const BasefoldOpening o = basefold_open(data, point, pt);
  const Digest d = sha256(o.proof.serialize());
  std::string hex;
  for (const std::uint8_t b : d) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  EXPECT_EQ(hex, "2100bc6d365b8ee03397b9e56b9ffa628e5d95ee0153575eefa8d4ac1668d8b7");
}

// The stacked codeword computed block by block from the members' own
// codewords (basefold_stack_blocks, what basefold_commit and the streaming
// model commitment use) equals the encoding of the stacked table (the
// definition), for every number of members up to a power of two and padded
// ones, in slabs of every size (one block at a time included).
TEST(Basefold, StackedCodewordFromMemberCodewords) {
  TestRng rng(77);
  for (const unsigned n : {0u, 3u, 6u}) {
    for (const std::size_t m : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5}, std::size_t{8},
                                std::size_t{33}}) {
      const auto tables = testing::random_tables(rng, n, m);
      const unsigned l = basefold_stack_vars(m), b = 2;
      const std::vector<Fp> direct = basefold_encode(basefold_stacked_table(tables), b);
      std::vector<std::vector<Fp>> members;
      for (const auto& t : tables) members.push_back(basefold_encode(t, b));
      const std::size_t width = std::size_t{1} << l;
      for (std::size_t count = 1; count <= members[0].size(); count *= 2) {
        std::vector<Fp> slabs(direct.size());
        for (std::size_t pos = 0; pos < members[0].size(); ++pos) {
          for (std::size_t j = 0; j < m; ++j) slabs[pos * width + j] = members[j][pos];
        }
        for (std::size_t first = 0; first < members[0].size(); first += count) {
          basefold_stack_blocks(std::span<Fp>(slabs).subspan(first * width, count * width), l, n + l + b, first);
        }
        EXPECT_EQ(slabs, direct) << n << " " << m << " slab " << count;
      }
    }
  }
}

}  // namespace
}  // namespace fti::crypto

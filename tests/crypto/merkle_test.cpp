// Merkle trees: the byte layout against one-shot OpenSSL SHA-256 computed
// here from the spec, a pinned root, multi-proof completeness and
// compactness, and every way a proof can be tampered with.
#include <gtest/gtest.h>

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/crypto/bytes.h"
#include "engine/crypto/merkle.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

Digest oneshot(const std::vector<std::uint8_t>& bytes) {
  Digest d;
  SHA256(bytes.data(), bytes.size(), d.data());
  return d;
}

// Spec: leaf = SHA-256(0x10 || LE64(w) || LE64(e_0) || ... ).
Digest ref_leaf(const std::vector<Fp>& leaf) {
  std::vector<std::uint8_t> b = {0x10};
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(leaf.size() >> (8 * i)));
  for (const Fp& e : leaf) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(e.value() >> (8 * i)));
  }
  return oneshot(b);
}

// Spec: node = SHA-256(0x11 || left || right).
Digest ref_node(const Digest& l, const Digest& r) {
  std::vector<std::uint8_t> b = {0x11};
  b.insert(b.end(), l.begin(), l.end());
  b.insert(b.end(), r.begin(), r.end());
  return oneshot(b);
}

// All levels of the reference tree, leaves first.
std::vector<std::vector<Digest>> ref_levels(const std::vector<std::vector<Fp>>& leaves) {
  std::vector<std::vector<Digest>> levels(1);
  for (const auto& l : leaves) levels[0].push_back(ref_leaf(l));
  while (levels.back().size() > 1) {
    const auto& below = levels.back();
    std::vector<Digest> above;
    for (std::size_t i = 0; i < below.size(); i += 2) above.push_back(ref_node(below[i], below[i + 1]));
    levels.push_back(std::move(above));
  }
  return levels;
}

std::string hex(const Digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (const auto b : d) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

// Appends v[begin, begin + len) to out.
void append(std::vector<Fp>& out, std::span<const Fp> v, std::size_t begin, std::size_t len) {
  const auto s = v.subspan(begin, len);
  out.insert(out.end(), s.begin(), s.end());
}

std::vector<std::vector<Fp>> split_rows(const std::vector<Fp>& rows, std::size_t width) {
  std::vector<std::vector<Fp>> out;
  for (std::size_t i = 0; i < rows.size(); i += width) {
    out.emplace_back();
    append(out.back(), rows, i, width);
  }
  return out;
}

std::vector<Fp> gather(const std::vector<Fp>& rows, std::size_t width, std::span<const std::size_t> idx) {
  std::vector<Fp> out;
  for (const std::size_t i : idx) append(out, rows, i * width, width);
  return out;
}

TEST(Merkle, LeafAndNodeHashesFollowTheSpec) {
  TestRng rng(21);
  for (const std::size_t w : {1u, 2u, 3u, 8u, 17u}) {
    const std::vector<Fp> leaf = rng.fps(w);
    EXPECT_EQ(merkle_hash_leaf(leaf), ref_leaf(leaf));
  }
  Digest l{}, r{};
  l.fill(0xAB);
  r.fill(0x01);
  EXPECT_EQ(merkle_hash_node(l, r), ref_node(l, r));
  EXPECT_NE(merkle_hash_node(l, r), merkle_hash_node(r, l));
}

TEST(Merkle, PinnedRoot) {
  // Four leaves of width 2, leaf i = (2i, 2i + 1). Root computed independently
  // (Python hashlib) from the layout in docs/PROTOCOL.md.
  std::vector<Fp> rows;
  for (std::uint64_t i = 0; i < 8; ++i) rows.push_back(Fp::from_u64(i));
  const MerkleTree t = MerkleTree::commit_rows(rows, 2, 0);
  ASSERT_EQ(t.cap().nodes.size(), 1u);
  EXPECT_EQ(hex(t.cap().nodes[0]), "bb29effb5b8a9394757e5dd1624ba8cc098d8761321d43e06f384a89c171a1ce");
  EXPECT_EQ(hex(merkle_hash_leaf(std::vector<Fp>{Fp::from_u64(0), Fp::from_u64(1)})),
            "4555ba482327178ab7c17cbf15fd22ed1b23981b3841d52e6185c6980cdb309c");
}

TEST(Merkle, TreeAndCapsMatchReference) {
  TestRng rng(22);
  for (const unsigned log_leaves : {0u, 1u, 3u, 6u}) {
    const std::size_t width = 3;
    const std::vector<Fp> rows = rng.fps(width << log_leaves);
    const auto levels = ref_levels(split_rows(rows, width));
    for (unsigned cap_log = 0; cap_log <= log_leaves; ++cap_log) {
      const MerkleTree t = MerkleTree::commit_rows(rows, width, cap_log);
      EXPECT_EQ(t.shape(), (MerkleShape{log_leaves, width, cap_log}));
      EXPECT_EQ(t.cap().nodes, levels[log_leaves - cap_log]) << log_leaves << "/" << cap_log;
    }
  }
}

TEST(Merkle, ColumnLayoutsAgreeWithRows) {
  TestRng rng(23);
  const std::size_t n = 64;
  const std::vector<Fp> a = rng.fps(n), b = rng.fps(n), c = rng.fps(n);
  // Row across three polynomials: leaf i = (a[i], b[i], c[i]).
  std::vector<Fp> rows;
  for (std::size_t i = 0; i < n; ++i) rows.insert(rows.end(), {a[i], b[i], c[i]});
  const std::span<const Fp> cols[] = {a, b, c};
  const MerkleTree by_cols = MerkleTree::commit(cols, 1, 2);
  EXPECT_EQ(by_cols.cap(), MerkleTree::commit_rows(rows, 3, 2).cap());
  EXPECT_EQ(merkle_leaf_values(cols, 1, 5), (std::vector<Fp>{a[5], b[5], c[5]}));
  // Cosets of 4 from two columns: leaf i = a[4i..4i+4) || b[4i..4i+4).
  const std::span<const Fp> two[] = {a, b};
  std::vector<Fp> coset_rows;
  for (std::size_t i = 0; i < n / 4; ++i) {
    append(coset_rows, a, 4 * i, 4);
    append(coset_rows, b, 4 * i, 4);
  }
  EXPECT_EQ(MerkleTree::commit(two, 4, 0).cap(), MerkleTree::commit_rows(coset_rows, 8, 0).cap());
  // Extension columns contribute (c0, c1, c2) per element.
  const std::vector<Fp3> e = rng.fp3s(n);
  std::vector<Fp> flat;
  for (const Fp3& x : e) flat.insert(flat.end(), x.coeffs().begin(), x.coeffs().end());
  const std::span<const Fp3> ecols[] = {e};
  const MerkleTree et = MerkleTree::commit(ecols, 2, 1);
  EXPECT_EQ(et.shape().leaf_width, 6u);
  EXPECT_EQ(et.cap(), MerkleTree::commit_rows(flat, 6, 1).cap());
  EXPECT_EQ(merkle_leaf_values(ecols, 2, 3), std::vector<Fp>(flat.begin() + 18, flat.begin() + 24));
}

// Number of siblings a minimal multi-proof needs, counted independently.
std::size_t expected_siblings(std::set<std::size_t> known, unsigned levels) {
  std::size_t count = 0;
  for (unsigned l = 0; l < levels; ++l) {
    std::set<std::size_t> up;
    for (const std::size_t i : known) {
      if (!known.count(i ^ 1)) ++count;
      up.insert(i >> 1);
    }
    known = std::move(up);
  }
  return count;
}

TEST(Merkle, MultiProofsVerifyAndShareNodes) {
  TestRng rng(24);
  for (const unsigned log_leaves : {0u, 1u, 4u, 9u}) {
    const std::size_t width = 2, n = std::size_t{1} << log_leaves;
    const std::vector<Fp> rows = rng.fps(width * n);
    for (const unsigned cap_log : {0u, log_leaves / 2, log_leaves}) {
      const MerkleTree t = MerkleTree::commit_rows(rows, width, cap_log);
      for (const std::size_t count : {std::size_t{1}, std::size_t{2}, std::size_t{5}, n}) {
        std::set<std::size_t> chosen;
        while (chosen.size() < std::min(count, n)) chosen.insert(rng.below(n));
        const std::vector<std::size_t> idx(chosen.begin(), chosen.end());
        const MerkleMultiProof proof = t.open(idx);
        EXPECT_EQ(proof.siblings.size(), expected_siblings(chosen, log_leaves - cap_log));
        EXPECT_EQ(merkle_verify(t.shape(), t.cap(), idx, gather(rows, width, idx), proof), Status::kOk);
      }
    }
  }
  // Opening every leaf needs no sibling at all; one leaf needs a full path.
  const std::vector<Fp> rows = rng.fps(16);
  const MerkleTree t = MerkleTree::commit_rows(rows, 1, 0);
  std::vector<std::size_t> all(16);
  for (std::size_t i = 0; i < 16; ++i) all[i] = i;
  EXPECT_TRUE(t.open(all).siblings.empty());
  const std::size_t one[] = {6};
  EXPECT_EQ(t.open(one).siblings.size(), 4u);
}

class MerkleAdversarial : public ::testing::Test {
 protected:
  void SetUp() override {
    TestRng rng(25);
    rows_ = rng.fps(kWidth * 32);
    tree_ = std::make_unique<MerkleTree>(MerkleTree::commit_rows(rows_, kWidth, 1));
    proof_ = tree_->open(idx_);
    leaves_ = gather(rows_, kWidth, idx_);
    ASSERT_EQ(verify(idx_, leaves_, proof_), Status::kOk);
  }
  Status verify(std::span<const std::size_t> idx, std::span<const Fp> leaves, const MerkleMultiProof& proof) const {
    return merkle_verify(tree_->shape(), tree_->cap(), idx, leaves, proof);
  }

  static constexpr std::size_t kWidth = 3;
  std::vector<Fp> rows_;
  std::unique_ptr<MerkleTree> tree_;
  std::vector<std::size_t> idx_ = {1, 2, 3, 17, 30};
  std::vector<Fp> leaves_;
  MerkleMultiProof proof_;
};

TEST_F(MerkleAdversarial, SerializationRoundTrip) {
  const auto bytes = proof_.serialize();
  EXPECT_EQ(bytes.size(), 4 + 32 * proof_.siblings.size());
  MerkleMultiProof parsed;
  ASSERT_EQ(MerkleMultiProof::parse(bytes, parsed), Status::kOk);
  EXPECT_EQ(parsed.siblings, proof_.siblings);
  auto truncated = bytes;
  truncated.pop_back();
  EXPECT_EQ(MerkleMultiProof::parse(truncated, parsed), Status::kMalformed);
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(MerkleMultiProof::parse(trailing, parsed), Status::kMalformed);
  const std::uint8_t huge_count[] = {0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(MerkleMultiProof::parse(huge_count, parsed), Status::kMalformed);
}

TEST_F(MerkleAdversarial, EveryFlippedByteIsRejected) {
  // The opening as it travels: proof bytes, then the leaves' 8-byte encodings.
  std::vector<std::uint8_t> wire = proof_.serialize();
  const std::size_t proof_len = wire.size();
  for (const Fp& e : leaves_) {
    const auto b = e.to_bytes();
    wire.insert(wire.end(), b.begin(), b.end());
  }
  for (std::size_t pos = 0; pos < wire.size(); ++pos) {
    for (const std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      auto bad = wire;
      bad[pos] ^= mask;
      MerkleMultiProof p;
      const Status ps = MerkleMultiProof::parse(std::span(bad).first(proof_len), p);
      if (ps != Status::kOk) continue;  // rejected while parsing
      std::vector<Fp> leaves;
      bool canonical = true;
      for (std::size_t off = proof_len; off < bad.size(); off += 8) {
        const auto e = Fp::from_bytes(std::span(bad).subspan(off, 8));
        if (!e) {
          canonical = false;
          break;
        }
        leaves.push_back(*e);
      }
      if (!canonical) continue;  // rejected as a non-canonical field element
      ASSERT_NE(verify(idx_, leaves, p), Status::kOk) << "byte " << pos << " mask " << int{mask};
    }
  }
}

TEST_F(MerkleAdversarial, WrongLeafLength) {
  std::vector<Fp> shorter(leaves_.begin(), leaves_.end() - 1);
  EXPECT_EQ(verify(idx_, shorter, proof_), Status::kWrongLength);
  std::vector<Fp> longer = leaves_;
  longer.push_back(Fp::one());
  EXPECT_EQ(verify(idx_, longer, proof_), Status::kWrongLength);
  // A verifier told the leaves are narrower, given consistent data of that
  // width: the length is bound into the leaf hash, so it cannot match.
  MerkleShape narrow = tree_->shape();
  narrow.leaf_width = kWidth - 1;
  std::vector<Fp> cut;
  for (std::size_t i = 0; i < idx_.size(); ++i) {
    append(cut, leaves_, i * kWidth, kWidth - 1);
  }
  EXPECT_EQ(merkle_verify(narrow, tree_->cap(), idx_, cut, proof_), Status::kRootMismatch);
}

TEST_F(MerkleAdversarial, BadIndices) {
  const std::vector<std::size_t> out_of_range = {1, 2, 3, 17, 32};
  EXPECT_EQ(verify(out_of_range, leaves_, proof_), Status::kIndexOutOfRange);
  const std::vector<std::size_t> repeated = {1, 2, 2, 17, 30};
  EXPECT_EQ(verify(repeated, leaves_, proof_), Status::kDuplicateIndex);
  const std::vector<std::size_t> unsorted = {2, 1, 3, 17, 30};
  EXPECT_EQ(verify(unsorted, leaves_, proof_), Status::kUnsortedIndices);
  const std::vector<std::size_t> shifted = {1, 2, 3, 17, 31};  // leaf 30's data claimed for 31
  EXPECT_NE(verify(shifted, leaves_, proof_), Status::kOk);
  EXPECT_EQ(verify({}, {}, MerkleMultiProof{}), Status::kBadParameters);
  // The prover refuses the same inputs.
  EXPECT_THROW((void)tree_->open(out_of_range), std::invalid_argument);
  EXPECT_THROW((void)tree_->open(repeated), std::invalid_argument);
  EXPECT_THROW((void)tree_->open(unsorted), std::invalid_argument);
}

TEST_F(MerkleAdversarial, WrongRootAndProofShape) {
  MerkleCap other = tree_->cap();
  other.nodes[1][0] ^= 1;
  EXPECT_EQ(merkle_verify(tree_->shape(), other, idx_, leaves_, proof_), Status::kRootMismatch);
  MerkleCap wrong_size = tree_->cap();
  wrong_size.nodes.pop_back();
  EXPECT_EQ(merkle_verify(tree_->shape(), wrong_size, idx_, leaves_, proof_), Status::kBadParameters);
  MerkleMultiProof extra = proof_;
  extra.siblings.push_back(Digest{});
  EXPECT_EQ(verify(idx_, leaves_, extra), Status::kMalformed);
  MerkleMultiProof missing = proof_;
  missing.siblings.pop_back();
  EXPECT_EQ(verify(idx_, leaves_, missing), Status::kMalformed);
  // Two leaves swapped.
  std::vector<Fp> swapped = leaves_;
  std::swap_ranges(swapped.begin(), swapped.begin() + kWidth, swapped.begin() + kWidth);
  EXPECT_EQ(verify(idx_, swapped, proof_), Status::kRootMismatch);
  // A proof for another tree of the same shape.
  TestRng rng(26);
  const MerkleTree other_tree = MerkleTree::commit_rows(rng.fps(kWidth * 32), kWidth, 1);
  EXPECT_EQ(verify(idx_, leaves_, other_tree.open(idx_)), Status::kRootMismatch);
}

// A tree that leaves out its lowest levels has the same cap and gives the
// same multi-proofs (the siblings below the stored levels recomputed from the
// columns), for every tree height, cap and number of dropped levels.
TEST(Merkle, DroppedLevelsChangeNoCapAndNoProof) {
  TestRng rng(31);
  for (unsigned log_leaves = 0; log_leaves <= 7; ++log_leaves) {
    const std::size_t coset = 4;
    const std::vector<Fp> column = rng.fps(coset << log_leaves);
    const std::span<const Fp> columns[1] = {column};
    const std::span<const std::span<const Fp>> cols(columns);
    for (unsigned cap_log = 0; cap_log <= std::min(log_leaves, 2u); ++cap_log) {
      const MerkleTree full = MerkleTree::commit(cols, coset, cap_log);
      for (unsigned dropped = 0; dropped <= kMaxMerkleDroppedLevels; ++dropped) {
        const MerkleTree sparse = MerkleTree::commit(cols, coset, cap_log, dropped);
        ASSERT_EQ(sparse.cap(), full.cap()) << log_leaves << " " << cap_log << " " << dropped;
        for (int trial = 0; trial < 6; ++trial) {
          std::set<std::size_t> picked;
          const std::size_t count = 1 + rng.below(std::min<std::size_t>(5, std::size_t{1} << log_leaves));
          while (picked.size() < count) picked.insert(rng.below(std::size_t{1} << log_leaves));
          const std::vector<std::size_t> indices(picked.begin(), picked.end());
          ASSERT_EQ(sparse.open(indices, cols, coset).siblings, full.open(indices).siblings)
              << log_leaves << " " << cap_log << " " << dropped;
        }
        if (dropped > 0 && log_leaves > cap_log) {
          EXPECT_THROW((void)sparse.open(std::vector<std::size_t>{0}), std::logic_error);
          EXPECT_THROW((void)sparse.leaf_hash(0), std::logic_error);
        }
      }
    }
  }
  // Columns of another shape than the committed ones.
  const std::vector<Fp> column = rng.fps(64);
  const std::span<const Fp> columns[1] = {column};
  const MerkleTree t = MerkleTree::commit(std::span<const std::span<const Fp>>(columns), 4, 0, 2);
  const std::vector<Fp> shorter(32);
  const std::span<const Fp> other[1] = {shorter};
  EXPECT_THROW((void)t.open(std::vector<std::size_t>{0}, std::span<const std::span<const Fp>>(other), 2),
               std::invalid_argument);
  EXPECT_THROW((void)t.open(std::vector<std::size_t>{0}, std::span<const std::span<const Fp>>(columns), 8),
               std::invalid_argument);
  EXPECT_THROW((void)MerkleTree::commit(std::span<const std::span<const Fp>>(columns), 4, 0, 7),
               std::invalid_argument);
}

TEST(Merkle, InnerNodeCannotPassAsLeaf) {
  // Two leaves under one root. Presenting the two child digests (64 bytes) as
  // the single 8-element leaf of a one-leaf tree must fail: leaves and nodes
  // are hashed under different tags (and the leaf hash also binds its length).
  TestRng rng(27);
  const std::vector<Fp> rows = rng.fps(2);
  const MerkleTree t = MerkleTree::commit_rows(rows, 1, 0);
  std::vector<std::uint8_t> children;
  for (std::size_t i = 0; i < 2; ++i) children.insert(children.end(), t.leaf_hash(i).begin(), t.leaf_hash(i).end());
  std::vector<Fp> fake;
  for (std::size_t off = 0; off < 64; off += 8) {
    const auto e = Fp::from_bytes(std::span(children).subspan(off, 8));
    ASSERT_TRUE(e.has_value());  // true for this seed
    fake.push_back(*e);
  }
  const std::size_t zero[] = {0};
  EXPECT_EQ(merkle_verify(MerkleShape{0, 8, 0}, t.cap(), zero, fake, MerkleMultiProof{}), Status::kRootMismatch);
}

TEST(Merkle, RejectsBadShapesWhenCommitting) {
  const std::vector<Fp> three(3), four(4);
  EXPECT_THROW((void)MerkleTree::commit_rows(three, 1, 0), std::invalid_argument);
  EXPECT_THROW((void)MerkleTree::commit_rows(four, 3, 0), std::invalid_argument);
  EXPECT_THROW((void)MerkleTree::commit_rows(four, 1, 3), std::invalid_argument);
  EXPECT_THROW((void)MerkleTree::commit_rows(four, 0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace fti::crypto

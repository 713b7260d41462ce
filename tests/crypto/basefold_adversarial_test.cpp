// Basefold soundness checks: every lie the design brief lists must be
// rejected. Wrong claimed values; committed words corrupted in a few and in
// many positions (committed by hand, skipping the honest encoder); a bit
// flipped in every byte of a small serialized proof; a different point,
// commitment, transcript prefix or parameter set; final polynomials of the
// wrong length; query answers for other, repeated or out-of-range leaves;
// leaves of the wrong length; non-canonical encodings; round polynomials of
// the wrong degree; final claims that disagree with the committed
// polynomial; bad proof-of-work; truncation, trailing bytes, hostile counts.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_pow.h"
#include "engine/crypto/bytes.h"
#include "tests/crypto/basefold_helpers.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

// An honest opening of `m` random tables in `n` variables, ready to tamper with.
struct Instance {
  BasefoldParams params;
  std::vector<std::vector<Fp>> tables;
  std::optional<BasefoldProverData> data;
  std::vector<Fp3> point;
  BasefoldOpening opening;
  BasefoldGroupClaim claim;

  Status verify(const BasefoldProof& proof) const { return verify_with(proof, claim, point); }
  Status verify_with(const BasefoldProof& proof, const BasefoldGroupClaim& c, const std::vector<Fp3>& z,
                     std::uint64_t prefix = 7) const {
    Transcript t = testing::prefix_transcript(prefix);
    return basefold_verify(params, c, z, proof, t);
  }
  Status verify_bytes(std::span<const std::uint8_t> bytes) const {
    BasefoldProof parsed;
    const BasefoldGroupShape shape[1] = {{claim.commitment.num_vars, claim.commitment.num_polys}};
    const Status s = BasefoldProof::parse(bytes, params, shape, parsed);
    if (s != Status::kOk) return s;
    return verify(parsed);
  }
};

Instance honest(const BasefoldParams& params, unsigned n, std::size_t m, std::uint64_t seed) {
  TestRng rng(seed);
  Instance in;
  in.params = params;
  in.tables = testing::random_tables(rng, n, m);
  in.data.emplace(basefold_commit(params, in.tables));
  in.point = rng.fp3s(n);
  Transcript t = testing::prefix_transcript();
  in.opening = basefold_open(*in.data, in.point, t);
  in.claim = BasefoldGroupClaim{in.data->commitment(), in.opening.values[0]};
  EXPECT_EQ(in.verify(in.opening.proof), Status::kOk);
  return in;
}

// Opens (honestly, as far as the prover can) a commitment to an arbitrary stacked word.
BasefoldOpening open_word(const BasefoldParams& params, std::vector<std::vector<Fp>> tables, std::vector<Fp> word,
                          const std::vector<Fp3>& point, BasefoldCommitment& commitment) {
  const BasefoldProverData data = BasefoldProverData::from_word_unchecked(params, std::move(tables), std::move(word));
  commitment = data.commitment();
  Transcript t = testing::prefix_transcript();
  return basefold_open(data, point, t);
}

Status verify_word(const BasefoldParams& params, const std::vector<std::vector<Fp>>& tables, std::vector<Fp> word,
                   const std::vector<Fp3>& point) {
  BasefoldCommitment c;
  const BasefoldOpening o = open_word(params, tables, std::move(word), point, c);
  Transcript t = testing::prefix_transcript();
  return basefold_verify(params, BasefoldGroupClaim{c, o.values[0]}, point, o.proof, t);
}

// Byte offsets of the sections of a one-group proof, found by walking the
// format of docs/PROTOCOL.md section 7.7 independently of the parser.
struct Offsets {
  std::size_t first_round_value = 0;  // c0 of h_0(0)
  std::size_t round_count_1 = 0;      // LE32(k) of round 1
  std::size_t final_count = 0;        // LE32(2^f)
  std::size_t final_value = 0;        // c0 of the first final coefficient
  std::size_t commitment_count = 0;   // LE32(v_0)
  std::size_t commitment_value = 0;   // first layer-0 leaf value
  std::size_t layer_count = 0;        // LE32(v_1)
  std::size_t layer_value = 0;        // c0 of the first layer-1 leaf value
  std::size_t nonce = 0;
};

Offsets walk(std::span<const std::uint8_t> b) {
  Offsets o;
  std::size_t at = 0;
  auto u32 = [&] {
    const std::uint32_t v = load_le32(b.data() + at);
    at += 4;
    return v;
  };
  EXPECT_EQ(u32(), 1u);  // one group
  const std::uint32_t rounds = u32();
  for (std::uint32_t i = 0; i < rounds; ++i) {
    if (i == 1) o.round_count_1 = at;
    const std::uint32_t k = u32();
    if (i == 0) o.first_round_value = at;
    at += 24 * std::size_t{k};
  }
  const std::uint32_t layers = u32();
  for (std::uint32_t j = 0; j < layers; ++j) at += 32 * std::size_t{u32()};
  o.final_count = at;
  const std::uint32_t f = u32();
  o.final_value = at;
  at += 24 * std::size_t{f};
  o.commitment_count = at;
  const std::uint32_t v0 = u32();
  o.commitment_value = at;
  at += 8 * std::size_t{v0};
  at += 32 * std::size_t{u32()};
  for (std::uint32_t j = 0; j < layers; ++j) {
    if (j == 0) o.layer_count = at;
    const std::uint32_t v = u32();
    if (j == 0) o.layer_value = at;
    at += 24 * std::size_t{v};
    at += 32 * std::size_t{u32()};
  }
  o.nonce = at;
  EXPECT_EQ(at + 8, b.size());  // the walk accounts for every byte
  return o;
}

void put_u32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) { store_le32(v, b.data() + at); }
void put_u64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) { store_le64(v, b.data() + at); }

bool rejected(Status s) { return s != Status::kOk; }

// ------------------------------------------------------------------ claims

TEST(BasefoldAdversarial, WrongClaimedValue) {
  const Instance in = honest(basefold_default_params(), 12, 3, 801);
  for (std::size_t j = 0; j < 3; ++j) {
    for (const Fp3 delta : {Fp3::one(), Fp3(Fp::zero(), Fp::one(), Fp::zero()), -Fp3::one()}) {
      BasefoldGroupClaim lie = in.claim;
      lie.values[j] += delta;
      EXPECT_TRUE(rejected(in.verify_with(in.opening.proof, lie, in.point))) << j;
    }
  }
  // Small sizes: no sumcheck rounds at all (n <= f), the final check decides.
  const Instance small = honest(basefold_default_params(), 3, 2, 802);
  BasefoldGroupClaim lie = small.claim;
  lie.values[1] += Fp3::one();
  EXPECT_EQ(small.verify_with(small.opening.proof, lie, small.point), Status::kFinalClaimMismatch);
}

TEST(BasefoldAdversarial, WrongClaimInOneOfSeveralGroups) {
  TestRng rng(803);
  const BasefoldParams params = basefold_default_params();
  std::vector<BasefoldProverData> data;
  data.push_back(basefold_commit(params, testing::random_tables(rng, 10, 2)));
  data.push_back(basefold_commit(params, testing::random_tables(rng, 13, 1)));
  data.push_back(basefold_commit(params, testing::random_tables(rng, 6, 3)));
  const std::vector<const BasefoldProverData*> ptrs = {&data[0], &data[1], &data[2]};
  const auto point = rng.fp3s(13);
  Transcript pt = testing::prefix_transcript();
  const BasefoldOpening o = basefold_open(ptrs, point, pt);
  const auto claims = testing::claims_for(ptrs, o);
  {
    Transcript vt = testing::prefix_transcript();
    EXPECT_EQ(basefold_verify(params, claims, point, o.proof, vt), Status::kOk);
  }
  for (std::size_t g = 0; g < claims.size(); ++g) {
    auto lie = claims;
    lie[g].values.back() += Fp3::one();
    Transcript vt = testing::prefix_transcript();
    EXPECT_TRUE(rejected(basefold_verify(params, lie, point, o.proof, vt))) << g;
  }
  // Groups presented in another order, or one group missing.
  auto swapped = claims;
  std::swap(swapped[0], swapped[2]);
  BasefoldProof swapped_proof = o.proof;
  std::swap(swapped_proof.groups[0], swapped_proof.groups[2]);
  Transcript vt1 = testing::prefix_transcript();
  EXPECT_TRUE(rejected(basefold_verify(params, swapped, point, swapped_proof, vt1)));
  const std::vector<BasefoldGroupClaim> two(claims.begin(), claims.begin() + 2);
  Transcript vt2 = testing::prefix_transcript();
  EXPECT_EQ(basefold_verify(params, two, point, o.proof, vt2), Status::kMalformed);
}

// Groups of equal (n, M) are one batch: one stacked point, their stacked
// polynomials combined with powers of alpha, shared folded layers, one
// commitment opening per group at the same query indices (PROTOCOL 7.5).
// A lie in either group, a corrupted word in either, a tampered or swapped
// commitment opening, or the groups presented in another order: rejected.
TEST(BasefoldAdversarial, BatchOfGroupsWithTheSameShape) {
  TestRng rng(806);
  const BasefoldParams params = basefold_default_params();
  const auto tables_a = testing::random_tables(rng, 11, 3);
  const auto tables_b = testing::random_tables(rng, 11, 3);
  const auto tables_c = testing::random_tables(rng, 9, 1);
  const std::vector<Fp> word_b = basefold_encode(basefold_stacked_table(tables_b), params.log_blowup);
  const auto point = rng.fp3s(11);
  std::vector<BasefoldProverData> data;
  data.push_back(basefold_commit(params, tables_a));
  data.push_back(basefold_commit(params, tables_c));
  data.push_back(basefold_commit(params, tables_b));
  const std::vector<const BasefoldProverData*> ptrs = {&data[0], &data[1], &data[2]};
  Transcript pt = testing::prefix_transcript();
  const BasefoldOpening o = basefold_open(ptrs, point, pt);
  const auto claims = testing::claims_for(ptrs, o);
  auto verify = [&](const std::vector<BasefoldGroupClaim>& c, const BasefoldProof& proof) {
    Transcript vt = testing::prefix_transcript();
    return basefold_verify(params, c, point, proof, vt);
  };
  // Two batches: groups 0 and 2 (n = 11, M = 3), group 1.
  ASSERT_EQ(o.proof.groups.size(), 2u);
  ASSERT_EQ(o.proof.groups[0].commitment_openings.size(), 2u);
  EXPECT_EQ(verify(claims, o.proof), Status::kOk);
  {
    const std::vector<std::uint8_t> bytes = o.proof.serialize();
    BasefoldProof parsed;
    ASSERT_EQ(BasefoldProof::parse(bytes, params, basefold_shapes(claims), parsed), Status::kOk);
    EXPECT_EQ(parsed.serialize(), bytes);
  }
  for (const std::size_t g : {std::size_t{0}, std::size_t{2}}) {
    for (std::size_t j = 0; j < 3; ++j) {
      auto lie = claims;
      lie[g].values[j] += Fp3::one();
      EXPECT_TRUE(rejected(verify(lie, o.proof))) << g << " " << j;
    }
  }
  // A tampered leaf of the second group's opening, the two openings swapped.
  BasefoldProof bad = o.proof;
  bad.groups[0].commitment_openings[1].leaf_values[5] += Fp::one();
  EXPECT_EQ(verify(claims, bad), Status::kRootMismatch);
  bad = o.proof;
  std::swap(bad.groups[0].commitment_openings[0], bad.groups[0].commitment_openings[1]);
  EXPECT_TRUE(rejected(verify(claims, bad)));
  // The same-shape groups presented in the other order.
  auto swapped = claims;
  std::swap(swapped[0], swapped[2]);
  EXPECT_TRUE(rejected(verify(swapped, o.proof)));
  // One opening missing from the batch.
  bad = o.proof;
  bad.groups[0].commitment_openings.pop_back();
  EXPECT_EQ(verify(claims, bad), Status::kMalformed);
  // The second group's committed word corrupted in many positions, the
  // opening otherwise honest: the combined fold catches it.
  std::vector<Fp> corrupted = word_b;
  for (std::size_t i = 0; i < corrupted.size(); i += 3) corrupted[i] = rng.fp();
  std::vector<BasefoldProverData> cdata;
  cdata.push_back(basefold_commit(params, tables_a));
  cdata.push_back(basefold_commit(params, tables_c));
  cdata.push_back(BasefoldProverData::from_word_unchecked(params, tables_b, corrupted));
  const std::vector<const BasefoldProverData*> cptrs = {&cdata[0], &cdata[1], &cdata[2]};
  Transcript cpt = testing::prefix_transcript();
  const BasefoldOpening co = basefold_open(cptrs, point, cpt);
  EXPECT_EQ(verify(testing::claims_for(cptrs, co), co.proof), Status::kFoldMismatch);
}

// -------------------------------------------------------- corrupted words

TEST(BasefoldAdversarial, CodewordCorruptedInAFewPositions) {
  // Every leaf of the commitment is queried here (64 leaves, 64 queries), so
  // a single corrupted position must be caught deterministically.
  BasefoldParams params = basefold_default_params();
  params.commit_leaf_log_size = 2;
  params.fold_log_arity = 2;
  params.final_log_size = 2;
  params.num_queries = 64;
  TestRng rng(811);
  const unsigned n = 6;
  const auto tables = testing::random_tables(rng, n, 1);
  const auto point = rng.fp3s(n);
  const std::vector<Fp> word = basefold_encode(tables[0], params.log_blowup);
  ASSERT_EQ(verify_word(params, tables, word, point), Status::kOk);
  for (std::size_t pos = 0; pos < word.size(); ++pos) {
    std::vector<Fp> bad = word;
    bad[pos] += Fp::one();
    EXPECT_TRUE(rejected(verify_word(params, tables, bad, point))) << pos;
  }
  for (const std::size_t count : {std::size_t{2}, std::size_t{3}}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<Fp> bad = word;
      for (std::size_t k = 0; k < count; ++k) bad[rng.below(bad.size())] += rng.fp3().coeff(0) + Fp::one();
      if (bad == word) continue;
      EXPECT_TRUE(rejected(verify_word(params, tables, bad, point))) << count;
    }
  }
}

TEST(BasefoldAdversarial, CodewordCorruptedInManyPositions) {
  TestRng rng(812);
  const BasefoldParams params = basefold_default_params();
  for (const unsigned n : {12u, 16u}) {
    const auto tables = testing::random_tables(rng, n, 2);
    const auto point = rng.fp3s(n);
    const std::vector<Fp> word = basefold_encode(basefold_stacked_table(tables), params.log_blowup);
    ASSERT_EQ(verify_word(params, tables, word, point), Status::kOk);
    for (const double fraction : {0.05, 0.3, 0.6, 1.0}) {
      auto bad = word;
      for (Fp& x : bad) {
        if (static_cast<double>(rng.below(1000)) < fraction * 1000) x = rng.fp();
      }
      EXPECT_TRUE(rejected(verify_word(params, tables, bad, point))) << n << " " << fraction;
    }
    // A word that is no codeword at all, with tables the prover made up to
    // match it nowhere: the sumcheck is consistent, the folds are not.
    EXPECT_TRUE(rejected(verify_word(params, testing::random_tables(rng, n, 2), rng.fps(word.size()), point)));
  }
}

TEST(BasefoldAdversarial, FinalClaimDisagreesWithCommittedPolynomial) {
  // The prover commits to T but runs the sumcheck on T' (one entry changed),
  // claiming T'(z): rounds and final claim are consistent for T', only the
  // folds of the committed codeword (of T) contradict the final polynomial.
  TestRng rng(813);
  const BasefoldParams params = basefold_default_params();
  for (const unsigned n : {9u, 12u, 15u}) {
    const auto tables = testing::random_tables(rng, n, 1);
    auto lying = tables;
    lying[0][rng.below(lying[0].size())] += Fp::one();
    const std::vector<Fp> word = basefold_encode(tables[0], params.log_blowup);
    const auto point = rng.fp3s(n);
    EXPECT_EQ(verify_word(params, lying, word, point), Status::kFoldMismatch) << n;
  }
  // And a final polynomial that disagrees with the last sumcheck claim.
  const Instance in = honest(basefold_default_params(), 12, 1, 814);
  BasefoldProof bad = in.opening.proof;
  bad.groups[0].final_polynomial[3] += Fp3::one();
  EXPECT_EQ(in.verify(bad), Status::kFinalClaimMismatch);
}

// --------------------------------------------------------- proof tampering

void flip_every_byte(const Instance& in) {
  const std::vector<std::uint8_t> bytes = in.opening.proof.serialize();
  ASSERT_EQ(in.verify_bytes(bytes), Status::kOk);
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::vector<std::uint8_t> bad = bytes;
    bad[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    if (in.verify_bytes(bad) == Status::kOk) {
      ++accepted;
      ADD_FAILURE() << "flipped byte " << i << " of " << bytes.size() << " accepted";
    }
  }
  EXPECT_EQ(accepted, 0u);
}

TEST(BasefoldAdversarial, FlippedBitInEveryByteOfASmallProof) {
  BasefoldParams params = testing::test_params();
  params.grinding_bits = 0;  // the nonce must be 0: every flip of it is caught by the PoW check
  flip_every_byte(honest(params, 5, 2, 821));
  // With grinding, a flipped nonce may meet the target (1 in 2^8); then the
  // query indices change (fewer queries than leaves) and the openings fail.
  params.grinding_bits = 8;
  params.num_queries = 6;
  flip_every_byte(honest(params, 6, 1, 822));
}

TEST(BasefoldAdversarial, DifferentPointCommitmentPrefixOrParameters) {
  const Instance in = honest(basefold_default_params(), 13, 2, 831);
  for (std::size_t i = 0; i < in.point.size(); ++i) {
    auto z = in.point;
    z[i] += Fp3::one();
    EXPECT_TRUE(rejected(in.verify_with(in.opening.proof, in.claim, z))) << i;
  }
  // A longer point is a different statement too (the whole point is absorbed).
  auto longer = in.point;
  longer.push_back(Fp3::one());
  EXPECT_TRUE(rejected(in.verify_with(in.opening.proof, in.claim, longer)));
  // Another commitment of the same shape.
  const Instance other = honest(basefold_default_params(), 13, 2, 832);
  BasefoldGroupClaim c = in.claim;
  c.commitment = other.claim.commitment;
  EXPECT_TRUE(rejected(in.verify_with(in.opening.proof, c, in.point)));
  // A different transcript prefix (another public input) and another protocol id.
  EXPECT_TRUE(rejected(in.verify_with(in.opening.proof, in.claim, in.point, 8)));
  Transcript t("fti.test.basefold.other");
  t.absorb_u64("test.public_input", 7);
  EXPECT_TRUE(rejected(basefold_verify(in.params, in.claim, in.point, in.opening.proof, t)));
  // Another parameter set with the same layout (different query count or grinding).
  BasefoldParams p = in.params;
  p.num_queries += 1;
  Transcript t2 = testing::prefix_transcript();
  EXPECT_TRUE(rejected(basefold_verify(p, in.claim, in.point, in.opening.proof, t2)));
  p = in.params;
  p.grinding_bits = 0;
  Transcript t3 = testing::prefix_transcript();
  EXPECT_TRUE(rejected(basefold_verify(p, in.claim, in.point, in.opening.proof, t3)));
}

TEST(BasefoldAdversarial, FinalPolynomialOfTheWrongLength) {
  const Instance in = honest(basefold_default_params(), 12, 1, 841);
  BasefoldProof longer = in.opening.proof;
  longer.groups[0].final_polynomial.push_back(Fp3::zero());  // a zero top coefficient: same function, wrong length
  EXPECT_EQ(in.verify(longer), Status::kWrongLength);
  BasefoldProof shorter = in.opening.proof;
  shorter.groups[0].final_polynomial.pop_back();
  EXPECT_EQ(in.verify(shorter), Status::kWrongLength);
  // Serialized: the count field says 2^f + 1 (with the extra element present).
  const std::vector<std::uint8_t> bytes = in.opening.proof.serialize();
  const Offsets o = walk(bytes);
  std::vector<std::uint8_t> bad = bytes;
  put_u32(bad, o.final_count, load_le32(bytes.data() + o.final_count) + 1);
  bad.insert(bad.begin() + static_cast<std::ptrdiff_t>(o.final_value), 24, std::uint8_t{0});
  EXPECT_EQ(in.verify_bytes(bad), Status::kWrongLength);
}

TEST(BasefoldAdversarial, RoundPolynomialOfTheWrongDegree) {
  const Instance in = honest(basefold_default_params(), 14, 1, 851);
  for (const std::size_t round : {std::size_t{0}, std::size_t{3}}) {
    BasefoldProof higher = in.opening.proof;
    higher.groups[0].round_polynomials[round].push_back(Fp3::zero());
    EXPECT_EQ(in.verify(higher), Status::kWrongDegree) << round;
    BasefoldProof lower = in.opening.proof;
    lower.groups[0].round_polynomials[round].pop_back();
    EXPECT_EQ(in.verify(lower), Status::kWrongDegree) << round;
  }
  // Serialized: round 1 announces 4 values (and carries them).
  const std::vector<std::uint8_t> bytes = in.opening.proof.serialize();
  const Offsets o = walk(bytes);
  std::vector<std::uint8_t> bad = bytes;
  put_u32(bad, o.round_count_1, 4);
  bad.insert(bad.begin() + static_cast<std::ptrdiff_t>(o.round_count_1 + 4), 24, std::uint8_t{0});
  EXPECT_EQ(in.verify_bytes(bad), Status::kWrongDegree);
  // A changed value of h(0) breaks h(0) + h(1) = claim.
  BasefoldProof changed = in.opening.proof;
  changed.groups[0].round_polynomials[2][0] += Fp3::one();
  EXPECT_EQ(in.verify(changed), Status::kSumMismatch);
  // A changed h(2) passes the sum check but moves every later claim.
  changed = in.opening.proof;
  changed.groups[0].round_polynomials[2][2] += Fp3::one();
  EXPECT_TRUE(rejected(in.verify(changed)));
  // A missing round.
  changed = in.opening.proof;
  changed.groups[0].round_polynomials.pop_back();
  EXPECT_EQ(in.verify(changed), Status::kMalformed);
}

TEST(BasefoldAdversarial, QueryAnswersForOtherRepeatedOrOutOfRangeLeaves) {
  const Instance in = honest(basefold_default_params(), 12, 2, 861);
  const BasefoldLayout& layout = in.data->layout();
  const std::size_t leaves = std::size_t{1} << layout.layers[0].log_leaves;
  // The verifier's indices: distinct, increasing, in range, exactly num_queries.
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Transcript t = testing::prefix_transcript(seed);
    const std::vector<std::size_t> idx = basefold_query_indices(t, layout);
    ASSERT_EQ(idx.size(), layout.num_queries);
    for (std::size_t i = 0; i < idx.size(); ++i) {
      EXPECT_LT(idx[i], leaves);
      if (i > 0) {
        EXPECT_LT(idx[i - 1], idx[i]);
      }
    }
  }
  // Recover the honest indices by replaying the transcript (the prover's view).
  const BasefoldCommitmentOpening& honest_open = in.opening.proof.groups[0].commitment_openings[0];
  const std::size_t width = std::size_t{1} << layout.layers[0].log_arity;
  const std::size_t q = honest_open.leaf_values.size() / width;
  ASSERT_EQ(q, layout.num_queries);
  auto leaf_values = [&](const std::vector<std::size_t>& idx) {
    std::vector<Fp> v;
    const std::size_t w = std::size_t{1} << layout.layers[0].log_arity;
    for (const std::size_t m : idx) {
      const std::span<const Fp> word = in.data->codeword();
      v.insert(v.end(), word.begin() + static_cast<std::ptrdiff_t>(m * w),
               word.begin() + static_cast<std::ptrdiff_t>((m + 1) * w));
    }
    return v;
  };
  // Answers for a different set of leaves (valid Merkle openings, wrong leaves).
  std::vector<std::size_t> other;
  for (std::size_t m = 0; m < q; ++m) other.push_back(2 * m + 1);
  BasefoldProof bad = in.opening.proof;
  bad.groups[0].commitment_openings[0].leaf_values = leaf_values(other);
  bad.groups[0].commitment_openings[0].paths = in.data->open_paths(other);
  EXPECT_TRUE(rejected(in.verify(bad)));
  // A repeated leaf: q leaves' worth of values, the first leaf twice.
  std::vector<std::size_t> first(other.begin(), other.end() - 1);
  std::vector<Fp> dup = leaf_values(first);
  const std::vector<Fp> again = leaf_values({first.front()});
  dup.insert(dup.begin(), again.begin(), again.end());
  bad = in.opening.proof;
  bad.groups[0].commitment_openings[0].leaf_values = dup;
  bad.groups[0].commitment_openings[0].paths = in.data->open_paths(first);
  EXPECT_TRUE(rejected(in.verify(bad)));
  // The verifier checks openings only against indices it drew itself:
  // merkle_verify refuses out-of-range and repeated indices outright.
  const MerkleShape shape = layout.commitment_shape();
  const MerkleCap cap = in.claim.commitment.cap;
  const std::vector<std::size_t> out_of_range = {leaves};
  EXPECT_EQ(
      merkle_verify(shape, cap, out_of_range, leaf_values({0}), in.data->open_paths(std::vector<std::size_t>{0})),
      Status::kIndexOutOfRange);
  const std::vector<std::size_t> repeated = {3, 3};
  std::vector<Fp> twice = leaf_values({3});
  twice.insert(twice.end(), twice.begin(), twice.end());
  EXPECT_EQ(merkle_verify(shape, cap, repeated, twice, in.data->open_paths(std::vector<std::size_t>{3})),
            Status::kDuplicateIndex);
}

TEST(BasefoldAdversarial, MerkleLeafOfTheWrongLength) {
  const Instance in = honest(basefold_default_params(), 13, 2, 871);
  BasefoldProof bad = in.opening.proof;
  bad.groups[0].commitment_openings[0].leaf_values.pop_back();
  EXPECT_EQ(in.verify(bad), Status::kWrongLength);
  bad = in.opening.proof;
  bad.groups[0].commitment_openings[0].leaf_values.push_back(Fp::zero());
  EXPECT_EQ(in.verify(bad), Status::kWrongLength);
  bad = in.opening.proof;
  bad.groups[0].layer_openings[0].leaf_values.pop_back();
  EXPECT_EQ(in.verify(bad), Status::kWrongLength);
  bad = in.opening.proof;
  bad.groups[0].layer_openings.back().leaf_values.push_back(Fp3::zero());
  EXPECT_EQ(in.verify(bad), Status::kWrongLength);
  // Serialized: a leaf-value count that is not a whole number of leaves.
  const std::vector<std::uint8_t> bytes = in.opening.proof.serialize();
  const Offsets o = walk(bytes);
  std::vector<std::uint8_t> b = bytes;
  put_u32(b, o.commitment_count, load_le32(bytes.data() + o.commitment_count) - 1);
  EXPECT_EQ(in.verify_bytes(b), Status::kWrongLength);
  b = bytes;
  put_u32(b, o.layer_count, load_le32(bytes.data() + o.layer_count) + 1);
  EXPECT_EQ(in.verify_bytes(b), Status::kWrongLength);
  // More leaves than queries, announced by a hostile count: refused before allocating.
  b = bytes;
  put_u32(b, o.commitment_count, 0xFFFF'FFF0u);
  EXPECT_EQ(in.verify_bytes(b), Status::kWrongLength);
}

TEST(BasefoldAdversarial, NonCanonicalFieldEncodings) {
  const Instance in = honest(basefold_default_params(), 13, 1, 881);
  const std::vector<std::uint8_t> bytes = in.opening.proof.serialize();
  const Offsets o = walk(bytes);
  for (const std::size_t at : {o.first_round_value, o.first_round_value + 8, o.final_value + 16, o.commitment_value,
                               o.layer_value, o.layer_value + 8}) {
    for (const std::uint64_t v : {Fp::kModulus, Fp::kModulus + 5, ~std::uint64_t{0}}) {
      std::vector<std::uint8_t> bad = bytes;
      put_u64(bad, at, v);
      EXPECT_EQ(in.verify_bytes(bad), Status::kNonCanonical) << at;
    }
  }
}

TEST(BasefoldAdversarial, ProofOfWork) {
  const Instance in = honest(basefold_default_params(), 12, 1, 891);
  BasefoldProof bad = in.opening.proof;
  // Other nonces: most miss the 16-bit target (kInvalidProofOfWork); one that
  // happens to meet it draws other query indices and fails the openings.
  std::uint64_t invalid = 0;
  for (std::uint64_t w = in.opening.proof.pow_nonce + 1; w <= in.opening.proof.pow_nonce + 32; ++w) {
    bad.pow_nonce = w;
    const Status s = in.verify(bad);
    EXPECT_TRUE(rejected(s));
    if (s == Status::kInvalidProofOfWork) ++invalid;
  }
  EXPECT_GE(invalid, 30u);  // 2^-16 per nonce to meet the target
  // Without grinding only nonce 0 is accepted.
  BasefoldParams p = basefold_default_params();
  p.grinding_bits = 0;
  const Instance zero = honest(p, 10, 1, 892);
  EXPECT_EQ(zero.opening.proof.pow_nonce, 0u);
  bad = zero.opening.proof;
  bad.pow_nonce = 1;
  EXPECT_EQ(zero.verify(bad), Status::kInvalidProofOfWork);
  EXPECT_FALSE(basefold_pow_check(Digest{}, 0, 5));
  EXPECT_TRUE(basefold_pow_check(Digest{}, 0, 0));
  const std::uint64_t w = basefold_pow_solve(Digest{}, 10);
  EXPECT_TRUE(basefold_pow_check(Digest{}, 10, w));
  for (std::uint64_t v = 0; v < w; ++v) EXPECT_FALSE(basefold_pow_check(Digest{}, 10, v));
}

TEST(BasefoldAdversarial, TamperedLayerCapsAndPaths) {
  const Instance in = honest(basefold_default_params(), 16, 1, 901);
  ASSERT_EQ(in.opening.proof.groups[0].layer_openings.size(), 2u);  // a0 = 4, then 3 and 1 rounds
  BasefoldProof bad = in.opening.proof;
  bad.groups[0].layer_caps[0].nodes[0][5] ^= 1;
  EXPECT_TRUE(rejected(in.verify(bad)));
  bad = in.opening.proof;
  bad.groups[0].layer_caps.pop_back();
  EXPECT_EQ(in.verify(bad), Status::kMalformed);
  bad = in.opening.proof;
  bad.groups[0].commitment_openings[0].paths.siblings[7][0] ^= 0x80;
  EXPECT_EQ(in.verify(bad), Status::kRootMismatch);
  bad = in.opening.proof;
  bad.groups[0].layer_openings[1].paths.siblings.pop_back();
  EXPECT_EQ(in.verify(bad), Status::kMalformed);
  // A folded-layer value changed consistently with its Merkle tree is
  // impossible without the tree; a changed value is a root mismatch.
  bad = in.opening.proof;
  bad.groups[0].layer_openings[0].leaf_values[0] += Fp3::one();
  EXPECT_EQ(in.verify(bad), Status::kRootMismatch);
}

TEST(BasefoldAdversarial, TruncationTrailingBytesAndHostileCounts) {
  const Instance in = honest(testing::test_params(), 8, 2, 911);
  const std::vector<std::uint8_t> bytes = in.opening.proof.serialize();
  for (const std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{17}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_EQ(in.verify_bytes(std::span(bytes).first(cut)), Status::kMalformed) << cut;
  }
  std::vector<std::uint8_t> trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(in.verify_bytes(trailing), Status::kMalformed);
  for (const std::size_t at : {std::size_t{0}, std::size_t{4}}) {  // LE32(G), LE32(R)
    std::vector<std::uint8_t> bad = bytes;
    put_u32(bad, at, 0xFFFF'FFFFu);
    EXPECT_EQ(in.verify_bytes(bad), Status::kMalformed) << at;
  }
  // Parameters the parser cannot accept.
  BasefoldProof parsed;
  const BasefoldGroupShape too_big[1] = {{31, 1}};
  EXPECT_EQ(BasefoldProof::parse(bytes, in.params, too_big, parsed), Status::kBadParameters);
  const BasefoldGroupShape no_polys[1] = {{8, 0}};
  EXPECT_EQ(BasefoldProof::parse(bytes, in.params, no_polys, parsed), Status::kBadParameters);
  // The verifier refuses inconsistent claims before reading the proof.
  BasefoldGroupClaim c = in.claim;
  c.values.pop_back();
  EXPECT_EQ(in.verify_with(in.opening.proof, c, in.point), Status::kWrongLength);
  c = in.claim;
  c.commitment.cap.nodes.push_back({});
  EXPECT_EQ(in.verify_with(in.opening.proof, c, in.point), Status::kBadParameters);
  const std::vector<Fp3> short_point(in.point.begin(), in.point.end() - 1);
  EXPECT_EQ(in.verify_with(in.opening.proof, in.claim, short_point), Status::kBadParameters);
}

}  // namespace
}  // namespace fti::crypto

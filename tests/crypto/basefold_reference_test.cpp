// The spec-driven reference prover (basefold_reference_prover.h) against the
// library: byte-identical honest proofs, and cheating strategies the library
// prover cannot play, each of which the verifier must reject: a commitment to
// corrupted words whose folded layers are computed from the honest ones (so
// the sumcheck, the final polynomial and every later layer are consistent and
// only the layer-0 -> layer-1 check can catch it), and folded layers tampered
// with before they are committed.
#include <gtest/gtest.h>

#include <vector>

#include "engine/crypto/basefold.h"
#include "tests/crypto/basefold_helpers.h"
#include "tests/crypto/basefold_reference_prover.h"

namespace fti::crypto {
namespace {

using testing::ReferenceOpening;
using testing::ReferenceProverInput;
using testing::TestRng;

// The stacked codeword by its definition (basefold_commit.h).
std::vector<Fp> encode_stacked(const std::vector<std::vector<Fp>>& tables, unsigned log_blowup) {
  return basefold_encode(basefold_stacked_table(tables), log_blowup);
}

Status verify_reference(const BasefoldParams& params, const ReferenceOpening& r, const std::vector<Fp3>& point) {
  Transcript t = testing::prefix_transcript();
  return basefold_verify(params, BasefoldGroupClaim{r.commitment, r.opening.values[0]}, point, r.opening.proof, t);
}

ReferenceOpening run(const BasefoldParams& params, const ReferenceProverInput& in, const std::vector<Fp3>& point) {
  Transcript t = testing::prefix_transcript();
  return testing::reference_open(params, in, point, t);
}

// Every leaf of the commitment queried: single-position cheats are caught deterministically.
BasefoldParams all_leaves_params() {
  BasefoldParams p = basefold_default_params();
  p.commit_leaf_log_size = 2;
  p.fold_log_arity = 2;
  p.final_log_size = 1;
  p.num_queries = 64;  // n = 6, b = 2: 2^8 positions, leaves of 4
  p.cap_log = 2;
  return p;
}

TEST(BasefoldReference, HonestProofsAreByteIdenticalToTheLibrary) {
  TestRng rng(1001);
  for (const BasefoldParams& params : {basefold_default_params(), testing::test_params(), all_leaves_params()}) {
    for (const unsigned n : {0u, 3u, 6u, 9u, 12u}) {
      for (const std::size_t m : {std::size_t{1}, std::size_t{3}, std::size_t{8}}) {
        const auto tables = testing::random_tables(rng, n, m);
        const auto point = rng.fp3s(n + 1);  // a longer point: the group uses its prefix
        ReferenceProverInput in{tables, encode_stacked(tables, params.log_blowup), {}, {}};
        const ReferenceOpening ref = run(params, in, point);
        const BasefoldProverData data = basefold_commit(params, tables);
        Transcript t = testing::prefix_transcript();
        const BasefoldOpening lib = basefold_open(data, point, t);
        EXPECT_EQ(ref.commitment, data.commitment()) << n << " " << m;
        EXPECT_EQ(ref.opening.values, lib.values);
        EXPECT_EQ(ref.opening.proof.serialize(), lib.proof.serialize()) << n << " " << m;
        EXPECT_EQ(verify_reference(params, ref, point), Status::kOk);
      }
    }
  }
}

TEST(BasefoldReference, CommitOneWordFoldAnother) {
  TestRng rng(1002);
  // Defaults, n = 12: 1024 commitment leaves, 124 queries. The committed
  // words differ from the honest encodings in many positions; everything
  // after layer 0 is honest.
  {
    const BasefoldParams params = basefold_default_params();
    const auto tables = testing::random_tables(rng, 12, 2);
    const auto honest = encode_stacked(tables, params.log_blowup);
    const auto point = rng.fp3s(12);
    for (const double fraction : {0.1, 0.5, 1.0}) {
      auto corrupted = honest;
      for (Fp& x : corrupted) {
        if (static_cast<double>(rng.below(1000)) < fraction * 1000) x = rng.fp();
      }
      const ReferenceOpening r = run(params, {tables, corrupted, honest, {}}, point);
      EXPECT_EQ(verify_reference(params, r, point), Status::kFoldMismatch) << fraction;
    }
  }
  // Every leaf queried: one corrupted position anywhere is enough.
  const BasefoldParams params = all_leaves_params();
  const auto tables = testing::random_tables(rng, 6, 1);
  const auto honest = encode_stacked(tables, params.log_blowup);
  const auto point = rng.fp3s(6);
  for (std::size_t pos = 0; pos < honest.size(); pos += 7) {
    auto corrupted = honest;
    corrupted[pos] += Fp::one();
    const ReferenceOpening r = run(params, {tables, corrupted, honest, {}}, point);
    EXPECT_EQ(verify_reference(params, r, point), Status::kFoldMismatch) << pos;
  }
}

TEST(BasefoldReference, TamperedFoldedLayers) {
  TestRng rng(1003);
  const BasefoldParams params = all_leaves_params();
  // Two members of 2^5 entries: a stacked polynomial in 6 variables, every leaf queried.
  const auto tables = testing::random_tables(rng, 5, 2);
  const auto words = encode_stacked(tables, params.log_blowup);
  const auto point = rng.fp3s(6);
  // Layers 1 and 2 exist (R = 5: arities 2, 2, 1).
  for (const std::size_t target : {std::size_t{1}, std::size_t{2}}) {
    for (std::size_t pos = 0; pos < 8; ++pos) {
      ReferenceProverInput in{tables, words, {}, [&](std::size_t layer, std::vector<Fp3>& w) {
                                if (layer == target) w[(pos * 5) % w.size()] += Fp3::one();
                              }};
      EXPECT_EQ(verify_reference(params, run(params, in, point), point), Status::kFoldMismatch) << target << " " << pos;
    }
  }
  // Defaults, many positions of one layer replaced.
  const BasefoldParams defaults = basefold_default_params();
  const auto big = testing::random_tables(rng, 14, 1);
  const auto big_point = rng.fp3s(14);
  const auto tamper = [&](std::size_t layer, std::vector<Fp3>& w) {
    if (layer == 1) {
      for (std::size_t i = 0; i < w.size(); i += 3) w[i] = rng.fp3();
    }
  };
  ReferenceProverInput in{big, encode_stacked(big, defaults.log_blowup), {}, tamper};
  EXPECT_EQ(verify_reference(defaults, run(defaults, in, big_point), big_point), Status::kFoldMismatch);
}

}  // namespace
}  // namespace fti::crypto

// Basefold folding: one fold of an RS codeword is the RS codeword of
// f_e + r f_o (checked by re-encoding), n folds of the twin of P land on
// P(r), and the verifier's per-leaf fold, the prover's layer fold and the
// prover's batched commitment fold agree everywhere.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_fold.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/reed_solomon.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto {
namespace {

using testing::TestRng;

// The codeword of a polynomial with extension coefficients: the evaluation
// points are in the base field, so each coordinate c0, c1, c2 encodes alone.
std::vector<Fp3> encode_fp3(const std::vector<Fp3>& coeffs, unsigned log_blowup) {
  std::vector<std::vector<Fp>> parts(3, std::vector<Fp>(coeffs.size()));
  for (std::size_t i = 0; i < coeffs.size(); ++i) {
    for (std::size_t c = 0; c < 3; ++c) parts[c][i] = coeffs[i].coeff(c);
  }
  std::vector<std::vector<Fp>> words;
  for (const auto& p : parts) words.push_back(rs_encode(p, log_blowup));
  std::vector<Fp3> out(words[0].size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = Fp3(words[0][i], words[1][i], words[2][i]);
  return out;
}

std::vector<Fp3> lift(const std::vector<Fp>& v) { return std::vector<Fp3>(v.begin(), v.end()); }

TEST(BasefoldFold, OneFoldIsTheEncodingOfEvenPlusROdd) {
  TestRng rng(601);
  for (const unsigned log_n : {1u, 2u, 5u, 9u}) {
    for (const unsigned b : {1u, 2u, 3u}) {
      const std::vector<Fp3> f = rng.fp3s(std::size_t{1} << log_n);
      const std::vector<Fp3> word = encode_fp3(f, b);
      const Fp3 r = rng.fp3();
      std::vector<Fp3> folded_coeffs(f.size() / 2);
      for (std::size_t i = 0; i < folded_coeffs.size(); ++i) folded_coeffs[i] = f[2 * i] + r * f[2 * i + 1];
      std::vector<Fp3> folded(word.size() / 2);
      const Fp3 rs[1] = {r};
      basefold_fold_layer(word, rs, folded);
      EXPECT_EQ(folded, encode_fp3(folded_coeffs, b)) << log_n << " " << b;
    }
  }
}

TEST(BasefoldFold, FoldingTheTwinEvaluatesTheMultilinear) {
  TestRng rng(602);
  for (const unsigned v : {1u, 3u, 6u, 10u}) {
    const std::vector<Fp> table = rng.fps(std::size_t{1} << v);
    const std::vector<Fp> word = basefold_encode(table, 2);
    const std::vector<Fp3> r = rng.fp3s(v);
    // All v folds at once (arity 2^v, one leaf per domain point of the final
    // domain): every position of the result is the constant P(r).
    std::vector<Fp3> out(word.size() >> v);
    const std::span<const Fp> cols[1] = {word};
    const Fp3 one[1] = {Fp3::one()};
    if (v <= 6) {
      basefold_fold_commitment(cols, one, r, out);
    } else {
      std::vector<Fp3> cur = lift(word);
      for (unsigned i = 0; i < v; ++i) {
        std::vector<Fp3> next(cur.size() / 2);
        basefold_fold_layer(cur, std::span<const Fp3>(&r[i], 1), next);
        cur = std::move(next);
      }
      out = cur;
    }
    const Fp3 expected = mle_evaluate(table, r);
    for (const Fp3& x : out) EXPECT_EQ(x, expected) << v;
  }
}

TEST(BasefoldFold, LeafLayerAndCommitmentFoldsAgree) {
  TestRng rng(603);
  for (const unsigned log_domain : {3u, 8u, 13u}) {
    for (unsigned a = 0; a <= 4 && a <= log_domain; ++a) {
      const std::vector<Fp3> r = rng.fp3s(a);
      // Three base codewords (any words: folding is defined on all of them).
      std::vector<std::vector<Fp>> words;
      for (int j = 0; j < 3; ++j) words.push_back(rng.fps(std::size_t{1} << log_domain));
      const std::vector<Fp3> powers = {Fp3::one(), rng.fp3(), rng.fp3()};
      std::vector<Fp3> combined(words[0].size(), Fp3::zero());
      for (std::size_t j = 0; j < 3; ++j) {
        for (std::size_t i = 0; i < combined.size(); ++i) combined[i] += powers[j] * words[j][i];
      }
      const std::size_t out_size = combined.size() >> a;
      std::vector<Fp3> by_layer(out_size), by_commitment(out_size), by_single(out_size);
      basefold_fold_layer(combined, r, by_layer);
      std::vector<std::span<const Fp>> cols(words.begin(), words.end());
      basefold_fold_commitment(cols, powers, r, by_commitment);
      EXPECT_EQ(by_layer, by_commitment) << log_domain << " " << a;
      // The single-polynomial fast path (weight 1, base-field first step).
      const std::span<const Fp> one_col[1] = {words[0]};
      const Fp3 one[1] = {Fp3::one()};
      basefold_fold_commitment(one_col, one, r, by_single);
      std::vector<Fp3> expected(out_size);
      basefold_fold_layer(lift(words[0]), r, expected);
      EXPECT_EQ(by_single, expected);
      for (std::size_t m = 0; m < out_size; ++m) {
        std::vector<Fp3> leaf(combined.begin() + static_cast<std::ptrdiff_t>(m << a),
                              combined.begin() + static_cast<std::ptrdiff_t>((m + 1) << a));
        ASSERT_EQ(basefold_fold_leaf(leaf, log_domain, m, r), by_layer[m]) << log_domain << " " << a << " " << m;
      }
    }
  }
}

TEST(BasefoldFold, RejectsInconsistentSizes) {
  std::vector<Fp3> leaf(4);
  const std::vector<Fp3> r(2);
  EXPECT_THROW((void)basefold_fold_leaf(leaf, 1, 0, r), std::invalid_argument);  // a > log_domain
  EXPECT_THROW((void)basefold_fold_leaf(leaf, 4, 4, r), std::invalid_argument);  // leaf index out of range
  std::vector<Fp3> three(3);
  EXPECT_THROW((void)basefold_fold_leaf(three, 4, 0, r), std::invalid_argument);
  std::vector<Fp3> in(16), out(8);
  EXPECT_THROW(basefold_fold_layer(in, r, out), std::invalid_argument);  // 16 / 4 != 8
}

}  // namespace
}  // namespace fti::crypto

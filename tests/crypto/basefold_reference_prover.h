// A second Basefold prover, written from docs/PROTOCOL.md section 7 with the
// plainest possible arithmetic (no TBB, no shared folding code: the folds use
// the formula of 7.4 position by position, the final polynomial the subset-sum
// definition of the Moebius transform). For honest inputs it must produce the
// library's proof byte for byte; its options let a test play a cheating
// prover that commits one thing and folds another, or tampers with a folded
// layer before committing it, which the library prover cannot do.
#pragma once

#include <bit>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/basefold_pow.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/sumcheck.h"

namespace fti::crypto::testing {

struct ReferenceProverInput {
  std::vector<std::vector<Fp>> tables;  // drive the claims and the sumcheck
  std::vector<Fp> commit_word;          // the stacked word committed in layer 0 and opened there
  std::vector<Fp> fold_word;            // folded into layer 1 (empty: commit_word)
  // Called on every folded layer j >= 1 before it is committed.
  std::function<void(std::size_t layer, std::vector<Fp3>& word)> tamper_layer;
};

struct ReferenceOpening {
  BasefoldOpening opening;
  BasefoldCommitment commitment;
};

namespace reference_detail {

// fold(u, r)[t] = (u[2t] + u[2t+1]) / 2 + r (u[2t] - u[2t+1]) / (2x), x = domain_point(K, 2t).
inline std::vector<Fp3> fold_once(const std::vector<Fp3>& u, const Fp3& r) {
  const auto log_domain = static_cast<unsigned>(std::countr_zero(u.size()));
  const Fp half = Fp::from_u64(2).inverse();
  std::vector<Fp3> out(u.size() / 2);
  for (std::size_t t = 0; t < out.size(); ++t) {
    const Fp x = domain_point(log_domain, 2 * t);
    out[t] = (u[2 * t] + u[2 * t + 1]) * half + r * ((u[2 * t] - u[2 * t + 1]) * (x + x).inverse());
  }
  return out;
}

// a[i] = sum over l subset of i of (-1)^(|i|-|l|) T[l].
inline std::vector<Fp3> monomial_coefficients(const std::vector<Fp3>& table) {
  std::vector<Fp3> a(table.size(), Fp3::zero());
  for (std::size_t i = 0; i < table.size(); ++i) {
    for (std::size_t l = 0; l < table.size(); ++l) {
      if ((l & ~i) != 0) continue;
      a[i] = std::popcount(i ^ l) % 2 == 0 ? a[i] + table[l] : a[i] - table[l];
    }
  }
  return a;
}

inline MerkleTree commit_ext(const std::vector<Fp3>& word, unsigned log_arity, unsigned cap_log) {
  const std::span<const Fp3> col[1] = {word};
  return MerkleTree::commit(std::span<const std::span<const Fp3>>(col), std::size_t{1} << log_arity, cap_log);
}

}  // namespace reference_detail

// One group, opened at `point` on `transcript` (7.5, G = 1): the members'
// tables stacked into one table S[x 2^l + y] = P_y[x] and opened as one
// polynomial at (rho, z), every round computed on the whole stacked table.
inline ReferenceOpening reference_open(const BasefoldParams& params, const ReferenceProverInput& in,
                                       std::span<const Fp3> point, Transcript& transcript) {
  using namespace reference_detail;
  const std::size_t m = in.tables.size();
  const auto n = static_cast<unsigned>(std::countr_zero(in.tables[0].size()));
  const BasefoldLayout layout = BasefoldLayout::make(params, n, m);
  const unsigned l = layout.stack_vars;
  const std::span<const Fp3> z = point.first(n);
  const auto& fold_word = in.fold_word.empty() ? in.commit_word : in.fold_word;

  const std::span<const Fp> cols[1] = {in.commit_word};
  const BasefoldLayer& l0 = layout.layers[0];
  const MerkleTree tree0 =
      MerkleTree::commit(std::span<const std::span<const Fp>>(cols), std::size_t{1} << l0.log_arity, l0.cap_log);
  ReferenceOpening out;
  out.commitment = BasefoldCommitment{n, m, tree0.cap()};
  BasefoldGroupProof& g = out.opening.proof.groups.emplace_back();
  std::vector<Fp3>& values = out.opening.values.emplace_back();
  for (const auto& t : in.tables) values.push_back(mle_evaluate(t, z));

  // Steps 1-2.
  const auto words = params.words();
  transcript.absorb_u64s(kBasefoldLabelParams, words);
  transcript.absorb_u64(kBasefoldLabelNumGroups, 1);
  transcript.absorb_fp3s(kBasefoldLabelPoint, point);
  transcript.absorb_u64(kBasefoldLabelNumVars, n);
  transcript.absorb_u64(kBasefoldLabelNumPolys, m);
  transcript.absorb_digests(kBasefoldLabelCommitment, out.commitment.cap.nodes);
  transcript.absorb_fp3s(kBasefoldLabelClaimedValues, values);

  // Step 3: the layer point; the stacked point p = (rho, z).
  std::vector<Fp3> p;
  for (unsigned i = 0; i < l; ++i) p.push_back(transcript.challenge_fp3(kBasefoldLabelStackPoint));
  p.insert(p.end(), z.begin(), z.end());
  std::vector<Fp3> f(in.tables[0].size() << l, Fp3::zero());  // the stacked table S
  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t x = 0; x < in.tables[j].size(); ++x) f[(x << l) + j] = Fp3(in.tables[j][x]);
  }
  std::vector<Fp3> layer(fold_word.begin(), fold_word.end());
  std::vector<std::vector<Fp3>> layer_words;
  std::vector<MerkleTree> trees;
  std::vector<Fp3> r;
  Fp3 eq_prefix = Fp3::one();
  for (unsigned i = 0; i < layout.num_rounds; ++i) {
    // h(t) = eq(r, p_<i) * sum_b S_i(t, b) eq((t, b), p_>=i), t = 0, 1, 2.
    const std::vector<Fp3> eq_rest = eq_table(std::span<const Fp3>(p).subspan(i + 1));
    std::vector<Fp3> h(3, Fp3::zero());
    for (std::size_t t = 0; t < 3; ++t) {
      const Fp3 tt = Fp3::from_u64(t);
      const Fp3 eq_t = (Fp3::one() - tt) * (Fp3::one() - p[i]) + tt * p[i];
      for (std::size_t b = 0; b < eq_rest.size(); ++b) {
        h[t] += (f[2 * b] + tt * (f[2 * b + 1] - f[2 * b])) * eq_rest[b] * eq_t * eq_prefix;
      }
    }
    transcript.absorb_fp3s(kBasefoldLabelRoundPolynomial, h);
    const Fp3 ri = transcript.challenge_fp3(kBasefoldLabelRoundChallenge);
    g.round_polynomials.push_back(h);
    r.push_back(ri);
    eq_prefix *= (Fp3::one() - ri) * (Fp3::one() - p[i]) + ri * p[i];
    std::vector<Fp3> folded(f.size() / 2);
    for (std::size_t b = 0; b < folded.size(); ++b) folded[b] = f[2 * b] + ri * (f[2 * b + 1] - f[2 * b]);
    f = std::move(folded);
    layer = fold_once(layer, ri);
    for (std::size_t j = 1; j < layout.layers.size(); ++j) {
      if (layout.layers[j].first_round != i + 1) continue;
      if (in.tamper_layer) in.tamper_layer(j, layer);
      trees.push_back(commit_ext(layer, layout.layers[j].log_arity, layout.layers[j].cap_log));
      g.layer_caps.push_back(trees.back().cap());
      transcript.absorb_digests(kBasefoldLabelLayerCommitment, g.layer_caps.back().nodes);
      layer_words.push_back(layer);
    }
  }
  g.final_polynomial = monomial_coefficients(f);
  transcript.absorb_fp3s(kBasefoldLabelFinalPolynomial, g.final_polynomial);

  // Steps 4-5.
  out.opening.proof.pow_nonce = basefold_pow_solve(transcript.state(), params.grinding_bits);
  transcript.absorb_u64(kBasefoldLabelPowNonce, out.opening.proof.pow_nonce);
  const std::vector<std::uint64_t> drawn = transcript.challenge_distinct_indices(
      kBasefoldLabelQueryIndices, std::uint64_t{1} << l0.log_leaves, layout.num_queries);
  std::vector<std::size_t> leaves(drawn.begin(), drawn.end());
  const std::size_t w0 = std::size_t{1} << l0.log_arity;
  BasefoldCommitmentOpening& opening0 = g.commitment_openings.emplace_back();
  for (const std::size_t leaf : leaves) {
    for (std::size_t k = 0; k < w0; ++k) opening0.leaf_values.push_back(in.commit_word[leaf * w0 + k]);
  }
  opening0.paths = tree0.open(leaves);
  for (std::size_t j = 1; j < layout.layers.size(); ++j) {
    const unsigned a = layout.layers[j].log_arity;
    std::vector<std::size_t> next;
    for (const std::size_t pos : leaves) {
      if (next.empty() || next.back() != (pos >> a)) next.push_back(pos >> a);
    }
    BasefoldLayerOpening& o = g.layer_openings.emplace_back();
    for (const std::size_t leaf : next) {
      for (std::size_t k = 0; k < (std::size_t{1} << a); ++k)
        o.leaf_values.push_back(layer_words[j - 1][(leaf << a) + k]);
    }
    o.paths = trees[j - 1].open(next);
    leaves = std::move(next);
  }
  return out;
}

}  // namespace fti::crypto::testing

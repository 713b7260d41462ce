// The Basefold prover (docs/PROTOCOL.md, sections 7.5 and 7.7).
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_fold.h"
#include "engine/crypto/basefold_pow.h"
#include "engine/crypto/basefold_schedule.h"
#include "engine/crypto/large_buffer.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/multilinear.h"

namespace fti::crypto {
namespace {

constexpr std::size_t kGrain = std::size_t{1} << 12;

struct Sums {
  Fp3 even, odd;
  Sums operator+(const Sums& o) const { return {even + o.even, odd + o.odd}; }
};

// eq(x, point) for every x in {0,1}^v (x_0 least significant), into a
// huge-page buffer; the last doublings run in parallel.
std::vector<Fp3> eq_table_large(std::span<const Fp3> point) {
  std::vector<Fp3> t = large_vector<Fp3>(std::size_t{1} << point.size());
  t[0] = Fp3::one();
  for (std::size_t i = 0; i < point.size(); ++i) {
    const std::size_t half = std::size_t{1} << i;
    const Fp3 z = point[i];
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, half, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t x = r.begin(); x < r.end(); ++x) {
        const Fp3 hi = t[x] * z;
        t[x + half] = hi;
        t[x] = t[x] - hi;
      }
    });
  }
  return t;
}

// h(X) = eqp * eq1(X, z_i) * (g0 + X (g1 - g0)) at X = 0, 1, 2 (section 7.5, step 3).
std::vector<Fp3> round_message(const Fp3& eqp, const Fp3& z, const Fp3& g0, const Fp3& g1) {
  const Fp3 one = Fp3::one();
  return {eqp * (one - z) * g0, eqp * z * g1, eqp * (z + z + z - one) * (g1 + g1 - g0)};
}

class GroupProver {
 public:
  GroupProver(const BasefoldProverData& data, std::span<const Fp3> point)
      : data_(data), layout_(data.layout()), z_(basefold_group_point(point, data.num_vars())) {}

  // P_j(z) for every polynomial; with R >= 1 also the half-sums the first
  // round message needs (A_j over even, B_j over odd entries against eq(., z_{1..})).
  std::vector<Fp3> values() {
    const std::size_t m = data_.num_polys();
    std::vector<Fp3> out(m);
    if (layout_.num_rounds == 0) {
      for (std::size_t j = 0; j < m; ++j) out[j] = mle_evaluate(data_.tables()[j], z_);
      return out;
    }
    eq_a_ = eq_table_large(z_.subspan(1));
    half_sums_.resize(m);
    const std::size_t pairs = eq_a_.size();
    for (std::size_t j = 0; j < m; ++j) {
      const Fp* t = data_.tables()[j].data();
      half_sums_[j] = tbb::parallel_reduce(
          tbb::blocked_range<std::size_t>(0, pairs, kGrain), Sums{},
          [&](const tbb::blocked_range<std::size_t>& r, Sums acc) {
            for (std::size_t b = r.begin(); b < r.end(); ++b) {
              acc.even += eq_a_[b] * t[2 * b];
              acc.odd += eq_a_[b] * t[2 * b + 1];
            }
            return acc;
          },
          std::plus<Sums>());
      out[j] = (Fp3::one() - z_[0]) * half_sums_[j].even + z_[0] * half_sums_[j].odd;
    }
    return out;
  }

  void commit_phase(Transcript& t, BasefoldGroupProof& out) {
    powers_ = basefold_batch_powers(t.challenge_fp3(kBasefoldLabelBatchChallenge), data_.num_polys());
    const unsigned rounds = layout_.num_rounds;
    std::vector<Fp3> final_table;
    if (rounds == 0) {
      final_table = combined_table();
    } else {
      Sums g{};
      for (std::size_t j = 0; j < powers_.size(); ++j) {
        g.even += powers_[j] * half_sums_[j].even;
        g.odd += powers_[j] * half_sums_[j].odd;
      }
      Fp3 eqp = Fp3::one();
      for (unsigned i = 0; i < rounds; ++i) {
        if (i > 0) g = fold_and_sum(i);
        std::vector<Fp3> message = round_message(eqp, z_[i], g.even, g.odd);
        t.absorb_fp3s(kBasefoldLabelRoundPolynomial, message);
        const Fp3 r = t.challenge_fp3(kBasefoldLabelRoundChallenge);
        out.round_polynomials.push_back(std::move(message));
        r_.push_back(r);
        eqp *= eq1(r, z_[i]);
        if (const std::size_t next = basefold_layer_completed_by(layout_, i); next != 0) {
          commit_layer(next, t, out);
        }
      }
      final_table = final_fold();
    }
    moebius_transform(std::span<Fp3>(final_table));
    out.final_polynomial = std::move(final_table);
    // The sumcheck tables are dead; the layers stay for the query phase.
    for (auto* v : {&eq_a_, &eq_b_, &f_a_, &f_b_}) std::vector<Fp3>().swap(*v);
    t.absorb_fp3s(kBasefoldLabelFinalPolynomial, out.final_polynomial);
  }

  void query_phase(Transcript& t, BasefoldGroupProof& out) const {
    const BasefoldLayer& l0 = layout_.layers.front();
    std::vector<std::size_t> leaves = basefold_query_indices(t, layout_);
    const std::size_t width = std::size_t{1} << l0.log_arity;
    for (const std::size_t m : leaves) {
      for (const auto& word : data_.codewords()) {
        out.commitment_opening.leaf_values.insert(out.commitment_opening.leaf_values.end(),
                                                  word.begin() + static_cast<std::ptrdiff_t>(m * width),
                                                  word.begin() + static_cast<std::ptrdiff_t>((m + 1) * width));
      }
    }
    out.commitment_opening.paths = data_.tree().open(leaves);
    for (std::size_t j = 1; j < layout_.layers.size(); ++j) {
      const unsigned a = layout_.layers[j].log_arity;
      std::vector<std::size_t> next;
      for (const std::size_t p : leaves) {
        if (next.empty() || next.back() != (p >> a)) next.push_back(p >> a);
      }
      BasefoldLayerOpening opening;
      const std::vector<Fp3>& word = layer_words_[j - 1];
      for (const std::size_t m : next) {
        opening.leaf_values.insert(opening.leaf_values.end(), word.begin() + static_cast<std::ptrdiff_t>(m << a),
                                   word.begin() + static_cast<std::ptrdiff_t>((m + 1) << a));
      }
      opening.paths = layer_trees_[j - 1].open(next);
      out.layer_openings.push_back(std::move(opening));
      leaves = std::move(next);
    }
  }

 private:
  // F_0 = sum_j beta^j T_j (only used when no round is run: 2^n <= 2^f entries).
  std::vector<Fp3> combined_table() const {
    std::vector<Fp3> f(std::size_t{1} << layout_.num_vars, Fp3::zero());
    for (std::size_t j = 0; j < powers_.size(); ++j) {
      const auto& t = data_.tables()[j];
      for (std::size_t x = 0; x < f.size(); ++x) f[x] += powers_[j] * t[x];
    }
    return f;
  }

  // F_1[b] = sum_j beta^j (T_j[2b] + r_0 (T_j[2b+1] - T_j[2b])).
  Fp3 first_fold_at(std::size_t b) const {
    const Fp3& r0 = r_[0];
    if (powers_.size() == 1) {
      const Fp* t = data_.tables()[0].data();
      return Fp3(t[2 * b]) + r0 * (t[2 * b + 1] - t[2 * b]);
    }
    Fp3 lo = Fp3::zero(), diff = Fp3::zero();
    for (std::size_t j = 0; j < powers_.size(); ++j) {
      const Fp* t = data_.tables()[j].data();
      lo += powers_[j] * t[2 * b];
      diff += powers_[j] * (t[2 * b + 1] - t[2 * b]);
    }
    return lo + r0 * diff;
  }

  // Round i >= 1: F_i = fold(F_{i-1}, r_{i-1}) written to the next buffer,
  // E^(i+1) = pair sums of E^(i), and the sums g0 = sum_b F_i[2b] E^(i+1)[b],
  // g1 = sum_b F_i[2b+1] E^(i+1)[b], in one parallel pass.
  Sums fold_and_sum(unsigned i) {
    const std::size_t half = std::size_t{1} << (layout_.num_vars - i);  // |F_i|
    const std::size_t pairs = half / 2;
    // E^(i+1) from E^(i): eq_a_ holds E^(i) on odd i, eq_b_ on even i.
    std::vector<Fp3>& e_src = (i % 2 == 1) ? eq_a_ : eq_b_;
    std::vector<Fp3>& e_dst = (i % 2 == 1) ? eq_b_ : eq_a_;
    if (e_dst.size() < pairs) e_dst = large_vector<Fp3>(pairs);  // old contents are dead
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pairs, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t b = r.begin(); b < r.end(); ++b) e_dst[b] = e_src[2 * b] + e_src[2 * b + 1];
    });
    // F_i goes to f_a_ on odd i, f_b_ on even i; F_{i-1} is the other one
    // (or the base tables for i = 1).
    std::vector<Fp3>& f_dst = (i % 2 == 1) ? f_a_ : f_b_;
    const std::vector<Fp3>& f_src = (i % 2 == 1) ? f_b_ : f_a_;
    if (f_dst.size() < half) f_dst = large_vector<Fp3>(half);  // holds F_{i-2}: dead
    const Fp3 r = r_[i - 1];
    auto folded = [&](std::size_t b) {
      if (i == 1) return first_fold_at(b);
      const Fp3 lo = f_src[2 * b];
      return lo + r * (f_src[2 * b + 1] - lo);
    };
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, pairs, kGrain), Sums{},
        [&](const tbb::blocked_range<std::size_t>& range, Sums acc) {
          for (std::size_t b = range.begin(); b < range.end(); ++b) {
            const Fp3 lo = folded(2 * b), hi = folded(2 * b + 1);
            f_dst[2 * b] = lo;
            f_dst[2 * b + 1] = hi;
            acc.even += lo * e_dst[b];
            acc.odd += hi * e_dst[b];
          }
          return acc;
        },
        std::plus<Sums>());
  }

  // F_R = fold(F_{R-1}, r_{R-1}): the final polynomial's evaluation table.
  std::vector<Fp3> final_fold() const {
    const unsigned rounds = layout_.num_rounds;
    std::vector<Fp3> out(layout_.final_size());
    const std::vector<Fp3>& src = (rounds - 1) % 2 == 1 ? f_a_ : f_b_;  // F_{R-1}
    const Fp3 r = r_[rounds - 1];
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.size(), kGrain),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t b = range.begin(); b < range.end(); ++b) {
                          if (rounds == 1) {
                            out[b] = first_fold_at(b);
                          } else {
                            const Fp3 lo = src[2 * b];
                            out[b] = lo + r * (src[2 * b + 1] - lo);
                          }
                        }
                      });
    return out;
  }

  // Folds layer next-1 by its rounds and commits the result as layer `next`.
  void commit_layer(std::size_t next, Transcript& t, BasefoldGroupProof& out) {
    const BasefoldLayer& prev = layout_.layers[next - 1];
    const BasefoldLayer& layer = layout_.layers[next];
    const std::span<const Fp3> challenges(r_.data() + prev.first_round, prev.log_arity);
    std::vector<Fp3> word = large_vector<Fp3>(std::size_t{1} << layer.log_domain);
    if (next == 1) {
      std::vector<std::span<const Fp>> columns(data_.codewords().begin(), data_.codewords().end());
      basefold_fold_commitment(columns, powers_, challenges, word);
    } else {
      basefold_fold_layer(layer_words_.back(), challenges, word);
    }
    const std::span<const Fp3> column[1] = {word};
    MerkleTree tree = MerkleTree::commit(std::span<const std::span<const Fp3>>(column),
                                         std::size_t{1} << layer.log_arity, layer.cap_log);
    MerkleCap cap = tree.cap();
    t.absorb_digests(kBasefoldLabelLayerCommitment, cap.nodes);
    out.layer_caps.push_back(std::move(cap));
    layer_words_.push_back(std::move(word));
    layer_trees_.push_back(std::move(tree));
  }

  const BasefoldProverData& data_;
  const BasefoldLayout& layout_;
  std::span<const Fp3> z_;
  std::vector<Sums> half_sums_;
  std::vector<Fp3> powers_;
  std::vector<Fp3> r_;
  std::vector<Fp3> eq_a_, eq_b_;  // E^(i) tables, alternating
  std::vector<Fp3> f_a_, f_b_;    // F_i tables, alternating
  std::vector<std::vector<Fp3>> layer_words_;
  std::vector<MerkleTree> layer_trees_;
};

}  // namespace

BasefoldOpening basefold_open(std::span<const BasefoldProverData* const> groups, std::span<const Fp3> point,
                              Transcript& transcript) {
  if (groups.empty() || groups.size() > kMaxBasefoldGroups) {
    throw std::invalid_argument("basefold_open: between 1 and 4096 groups");
  }
  const BasefoldParams& params = groups.front()->params();
  for (const BasefoldProverData* g : groups) {
    if (g == nullptr || !(g->params() == params)) throw std::invalid_argument("basefold_open: mixed parameters");
    if (g->num_vars() > point.size()) throw std::invalid_argument("basefold_open: point too short");
  }
  std::vector<GroupProver> provers;
  provers.reserve(groups.size());
  for (const BasefoldProverData* g : groups) provers.emplace_back(*g, point);

  BasefoldOpening out;
  out.proof.groups.resize(groups.size());
  basefold_absorb_header(transcript, params, groups.size(), point);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out.values.push_back(provers[g].values());
    basefold_absorb_group(transcript, groups[g]->num_vars(), groups[g]->num_polys(), groups[g]->tree().cap(),
                          out.values[g]);
  }
  for (std::size_t g = 0; g < groups.size(); ++g) provers[g].commit_phase(transcript, out.proof.groups[g]);
  out.proof.pow_nonce = basefold_pow_solve(transcript.state(), params.grinding_bits);
  transcript.absorb_u64(kBasefoldLabelPowNonce, out.proof.pow_nonce);
  for (std::size_t g = 0; g < groups.size(); ++g) provers[g].query_phase(transcript, out.proof.groups[g]);
  return out;
}

BasefoldOpening basefold_open(const BasefoldProverData& group, std::span<const Fp3> point, Transcript& transcript) {
  const BasefoldProverData* one[1] = {&group};
  return basefold_open(std::span<const BasefoldProverData* const>(one), point, transcript);
}

}  // namespace fti::crypto

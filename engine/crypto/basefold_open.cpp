// The Basefold prover (docs/PROTOCOL.md, sections 7.5 and 7.7).
#include <algorithm>
#include <bit>
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
#include "engine/crypto/basefold_windows.h"
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

// h(X) = eqp * eq1(X, p_i) * (g0 + X (g1 - g0)) at X = 0, 1, 2 (section 7.5, step 3).
std::vector<Fp3> round_message(const Fp3& eqp, const Fp3& z, const Fp3& g0, const Fp3& g1) {
  const Fp3 one = Fp3::one();
  return {eqp * (one - z) * g0, eqp * z * g1, eqp * (z + z + z - one) * (g1 + g1 - g0)};
}

std::size_t log2_size(std::size_t size) { return static_cast<std::size_t>(std::countr_zero(size)); }

// P_j(z) for every member polynomial of one group, against the eq table of z
// (shared by the groups of a batch: they have the same n).
std::vector<Fp3> member_values(const BasefoldProverData& data, std::span<const Fp3> eq) {
  std::vector<Fp3> out(data.num_polys());
  for (std::size_t j = 0; j < out.size(); ++j) {
    const Fp* t = data.tables()[j].data();
    out[j] = tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, eq.size(), kGrain), Fp3::zero(),
        [&](const tbb::blocked_range<std::size_t>& r, Fp3 acc) {
          for (std::size_t x = r.begin(); x < r.end(); ++x) acc += eq[x] * t[x];
          return acc;
        },
        std::plus<Fp3>());
  }
  return out;
}

// One batch's prover: groups with equal (n, M), opened at one stacked point.
// The sumcheck over F = sum_g alpha^g S_g runs in two phases without ever
// materializing a 2^(n+l)-entry table: the l layer rounds work on the table
// of combined claimed values V(y) = sum_g alpha^g P_{g,y}(z) (since
// sum_x S_g(y, x) eq(x, z) = P_{g,y}(z)), then the table
// F(x) = sum_g alpha^g sum_j eq(r_y, j) P_{g,j}(x) (2^n entries) carries the
// rounds over x. The combined codeword is folded and committed layer by layer.
class BatchProver {
 public:
  BatchProver(std::vector<const BasefoldProverData*> groups, std::vector<std::vector<Fp3>> values,
              std::span<const Fp3> z)
      : groups_(std::move(groups)), values_(std::move(values)), layout_(groups_.front()->layout()), z_(z) {}

  void commit_phase(Transcript& t, BasefoldGroupProof& out) {
    const unsigned layers = layout_.stack_vars;
    const std::vector<Fp3> rho = basefold_draw_stack_point(t, layers);
    powers_ = basefold_draw_batch_powers(t, groups_.size());
    point_ = basefold_stacked_point(rho, z_);
    const unsigned rounds = layout_.num_rounds;
    std::vector<Fp3> f(std::size_t{1} << layers, Fp3::zero());  // V, then F
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      for (std::size_t j = 0; j < values_[g].size(); ++j) f[j] += powers_[g] * values_[g][j];
    }
    Fp3 eqp = Fp3::one();
    unsigned i = 0;
    for (; i < std::min(rounds, layers); ++i) run_round(f, i, eqp, t, out);
    std::vector<Fp3> final_table;
    if (rounds <= layers) {
      final_table = partial_stack(rounds);
    } else {
      f = combine_members();
      for (; i < rounds; ++i) run_round(f, i, eqp, t, out);
      final_table = std::move(f);
    }
    moebius_transform(std::span<Fp3>(final_table));
    out.final_polynomial = std::move(final_table);
    t.absorb_fp3s(kBasefoldLabelFinalPolynomial, out.final_polynomial);
  }

  void query_phase(Transcript& t, BasefoldGroupProof& out) const {
    std::vector<std::size_t> leaves = basefold_query_indices(t, layout_);
    for (const BasefoldProverData* data : groups_) {
      BasefoldCommitmentOpening& opening = out.commitment_openings.emplace_back();
      BasefoldProverData::LeafOpening leaf = data->open_leaves(leaves);
      opening.leaf_values = std::move(leaf.values);
      opening.paths = std::move(leaf.paths);
    }
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
  // Round i on the table f over the stacked variables i.. (its point is
  // point_[i, i + log |f|)): the message, the challenge, f folded in place,
  // and the layer committed when round i completes one.
  void run_round(std::vector<Fp3>& f, unsigned i, Fp3& eqp, Transcript& t, BasefoldGroupProof& out) {
    const std::size_t pairs = f.size() / 2;
    const std::vector<Fp3> e = eq_table_large(std::span<const Fp3>(point_).subspan(i + 1, log2_size(f.size()) - 1));
    const Sums g = tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, pairs, kGrain), Sums{},
        [&](const tbb::blocked_range<std::size_t>& r, Sums acc) {
          for (std::size_t b = r.begin(); b < r.end(); ++b) {
            acc.even += f[2 * b] * e[b];
            acc.odd += f[2 * b + 1] * e[b];
          }
          return acc;
        },
        std::plus<Sums>());
    std::vector<Fp3> message = round_message(eqp, point_[i], g.even, g.odd);
    t.absorb_fp3s(kBasefoldLabelRoundPolynomial, message);
    const Fp3 r = t.challenge_fp3(kBasefoldLabelRoundChallenge);
    out.round_polynomials.push_back(std::move(message));
    r_.push_back(r);
    eqp *= eq1(r, point_[i]);
    std::vector<Fp3> folded = large_vector<Fp3>(pairs);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pairs, kGrain),
                      [&](const tbb::blocked_range<std::size_t>& rg) {
                        for (std::size_t b = rg.begin(); b < rg.end(); ++b) {
                          folded[b] = f[2 * b] + r * (f[2 * b + 1] - f[2 * b]);
                        }
                      });
    f = std::move(folded);
    if (const std::size_t next = basefold_layer_completed_by(layout_, i); next != 0) commit_layer(next, t, out);
  }

  // F(x) = sum_g alpha^g sum_j eq(r_y, j) P_{g,j}(x) after the l layer rounds.
  std::vector<Fp3> combine_members() const {
    const std::vector<Fp3> weights = eq_table(r_);
    const std::size_t size = std::size_t{1} << layout_.num_vars;
    std::vector<Fp3> f = large_vector<Fp3>(size);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, size, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t x = r.begin(); x < r.end(); ++x) f[x] = Fp3::zero();
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        for (std::size_t j = 0; j < groups_[g]->num_polys(); ++j) {
          const Fp3 w = powers_[g] * weights[j];
          const Fp* t = groups_[g]->tables()[j].data();
          for (std::size_t x = r.begin(); x < r.end(); ++x) f[x] += w * t[x];
        }
      }
    });
    return f;
  }

  // When every round is a layer round (R <= l): F folded by r_0..r_{R-1},
  // a table over (y_R, .., y_{l-1}, x) of 2^f entries in stacked order.
  std::vector<Fp3> partial_stack(unsigned rounds) const {
    const std::vector<Fp3> weights = eq_table(std::span<const Fp3>(r_).first(rounds));
    const unsigned rest = layout_.stack_vars - rounds;
    std::vector<Fp3> out(std::size_t{1} << (layout_.num_vars + rest), Fp3::zero());
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      for (std::size_t j = 0; j < groups_[g]->num_polys(); ++j) {
        const std::size_t low = j & ((std::size_t{1} << rounds) - 1), high = j >> rounds;
        const Fp3 w = powers_[g] * weights[low];
        const auto& t = groups_[g]->tables()[j];
        for (std::size_t x = 0; x < t.size(); ++x) out[(x << rest) + high] += w * t[x];
      }
    }
    return out;
  }

  // Folds layer next-1 by its rounds and commits the result as layer `next`.
  void commit_layer(std::size_t next, Transcript& t, BasefoldGroupProof& out) {
    const BasefoldLayer& prev = layout_.layers[next - 1];
    const BasefoldLayer& layer = layout_.layers[next];
    const std::span<const Fp3> challenges(r_.data() + prev.first_round, prev.log_arity);
    std::vector<Fp3> word = large_vector<Fp3>(std::size_t{1} << layer.log_domain);
    if (next == 1 && std::all_of(groups_.begin(), groups_.end(),
                                 [](const BasefoldProverData* g) { return g->holds_codeword(); })) {
      std::vector<std::span<const Fp>> columns;
      for (const BasefoldProverData* g : groups_) columns.push_back(g->codeword());
      basefold_fold_commitment(columns, powers_, challenges, word);
    } else if (next == 1) {
      // A group without its codeword: the same layer from the tables
      // (basefold_windows.h), for every group of the batch (a test's
      // from_word_unchecked codeword batched with such a group is then not
      // what layer 1 folds).
      std::vector<std::span<const std::vector<Fp>>> tables;
      for (const BasefoldProverData* g : groups_) tables.push_back(g->tables());
      basefold_fold_tables(tables, layout_.stack_vars, layout_.log_blowup, powers_, challenges, word);
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

  std::vector<const BasefoldProverData*> groups_;
  std::vector<std::vector<Fp3>> values_;
  const BasefoldLayout& layout_;
  std::span<const Fp3> z_;
  std::vector<Fp3> powers_;
  std::vector<Fp3> point_;  // (rho, z)
  std::vector<Fp3> r_;
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
  std::vector<BasefoldGroupShape> shapes;
  for (const BasefoldProverData* g : groups) shapes.push_back({g->num_vars(), g->num_polys()});
  const std::vector<std::vector<std::size_t>> batches = basefold_batches(shapes);
  BasefoldOpening out;
  out.values.resize(groups.size());
  for (const std::vector<std::size_t>& batch : batches) {
    const std::vector<Fp3> eq = eq_table_large(basefold_group_point(point, groups[batch.front()]->num_vars()));
    for (const std::size_t g : batch) out.values[g] = member_values(*groups[g], eq);
  }
  basefold_absorb_header(transcript, params, groups.size(), point);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    basefold_absorb_group(transcript, groups[g]->num_vars(), groups[g]->num_polys(), groups[g]->tree().cap(),
                          out.values[g]);
  }
  std::vector<BatchProver> provers;
  for (const std::vector<std::size_t>& batch : batches) {
    std::vector<const BasefoldProverData*> members;
    std::vector<std::vector<Fp3>> values;
    for (const std::size_t g : batch) {
      members.push_back(groups[g]);
      values.push_back(out.values[g]);
    }
    provers.emplace_back(std::move(members), std::move(values),
                         basefold_group_point(point, groups[batch.front()]->num_vars()));
  }
  out.proof.groups.resize(provers.size());
  for (std::size_t b = 0; b < provers.size(); ++b) provers[b].commit_phase(transcript, out.proof.groups[b]);
  out.proof.pow_nonce = basefold_pow_solve(transcript.state(), params.grinding_bits);
  transcript.absorb_u64(kBasefoldLabelPowNonce, out.proof.pow_nonce);
  for (std::size_t b = 0; b < provers.size(); ++b) provers[b].query_phase(transcript, out.proof.groups[b]);
  return out;
}

BasefoldOpening basefold_open(const BasefoldProverData& group, std::span<const Fp3> point, Transcript& transcript) {
  const BasefoldProverData* one[1] = {&group};
  return basefold_open(std::span<const BasefoldProverData* const>(one), point, transcript);
}

}  // namespace fti::crypto

// LogUp-GKR prover (docs/PROTOCOL.md, section 8.4).
//
// Layers 0 .. n-2 of every instance are computed bottom-up once; the input
// is read in place and layer n-1 is recomputed from two input entries
// whenever it is needed (cheap in the base field, and it is the largest). Then,
// top-down, layer j's sumcheck runs over the active instances' child tables
// (p0, p1, q0, q1) = (p, q) of layer j + 1 split at its top variable. The eq
// factor is handled as in Gruen's "split eq": round k's polynomial of one
// instance is prefix * eq1(rho_k, X) * g(X) with g of degree 2, g(1)
// recovered from the instance's running claim, so a pair costs two
// evaluations of the product instead of four.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "engine/crypto/large_buffer.h"
#include "engine/crypto/logup_gkr.h"
#include "engine/crypto/multilinear.h"

namespace fti::crypto {
namespace {

constexpr std::size_t kGrain = std::size_t{1} << 11;

struct Frac {
  Fp3 p;
  Fp3 q;
};

// The four child tables of one instance at one index.
struct Quad {
  Fp3 p0, p1, q0, q1;
};

// p0 q1 + p1 q0 + mu q0 q1.
[[gnu::always_inline]] inline Fp3 term(const Quad& c, const Fp3& mu) {
  return c.p0 * c.q1 + c.p1 * c.q0 + mu * (c.q0 * c.q1);
}

// Child tables read from an instance's stored layer k + 1 (2 * half entries).
struct StoredLoad {
  const Frac* c;
  std::size_t half;
  Quad operator()(std::size_t i) const noexcept {
    const Frac& lo = c[i];
    const Frac& hi = c[i + half];
    return {lo.p, hi.p, lo.q, hi.q};
  }
};

// The input layer: p = numerator (or 1), q = aq - a, aq = alpha - shift.
struct Input {
  const Fp* num;  // null: every numerator is 1
  const Fp* val;
  Fp3 aq;
  Fp3 aq2;  // aq^2
  Frac at(std::size_t i) const noexcept { return {num != nullptr ? Fp3(num[i]) : Fp3::one(), aq - Fp3(val[i])}; }
  // The sum of entries i and j, from base-field values: (aq - a)(aq - b) =
  // aq^2 - aq (a + b) + a b costs one extension-by-base product.
  Frac pair(std::size_t i, std::size_t j) const noexcept {
    const Fp a = val[i], b = val[j];
    const Fp3 q = aq2 - aq * (a + b) + Fp3(a * b);
    if (num == nullptr) return {aq + aq - Fp3(a + b), q};
    const Fp na = num[i], nb = num[j];
    return {aq * (na + nb) - Fp3(na * b + nb * a), q};
  }
};

// Child tables read from the input layer (layer n, 2 * half entries).
struct InputLoad {
  Input in;
  std::size_t half;
  Quad operator()(std::size_t i) const noexcept {
    const Frac lo = in.at(i);
    const Frac hi = in.at(i + half);
    return {lo.p, hi.p, lo.q, hi.q};
  }
};

// Child tables read from layer n - 1, which is never stored: each entry is
// recomputed from two input entries (2^(n-1) apart).
struct PairLoad {
  Input in;
  std::size_t half;   // 2^(n-2): the child split
  std::size_t layer;  // 2^(n-1): the input split
  Frac at(std::size_t i) const noexcept { return in.pair(i, i + layer); }
  Quad operator()(std::size_t i) const noexcept {
    const Frac lo = at(i);
    const Frac hi = at(i + half);
    return {lo.p, hi.p, lo.q, hi.q};
  }
};

// Child tables already folded by at least one round.
struct WorkLoad {
  const Quad* w;
  Quad operator()(std::size_t i) const noexcept { return w[i]; }
};

template <typename At>
[[gnu::flatten]] void sum_chunk(const At& at, Frac* out, std::size_t half, std::size_t begin, std::size_t end) {
  for (std::size_t y = begin; y < end; ++y) {
    const Frac a = at(y);
    const Frac b = at(y + half);
    out[y] = {a.p * b.q + b.p * a.q, a.q * b.q};
  }
}

// One layer of fraction sums: out[y] = in(y) + in(y + half).
template <typename At>
void sum_layer(const At& at, std::span<Frac> out) {
  const std::size_t half = out.size();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, half, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
    sum_chunk(at, out.data(), half, r.begin(), r.end());
  });
}

struct GSums {
  Fp3 g0, g1, g2;
  GSums& operator+=(const GSums& o) {
    g0 += o.g0;
    g1 += o.g1;
    g2 += o.g2;
    return *this;
  }
};

// kUnitP: both numerators are 1 (a lookup instance's input layer, and its
// folds, since folding keeps a constant): the term is q0 + q1 + mu q0 q1.
template <bool kUnitP>
[[gnu::always_inline]] inline Fp3 term_of(const Quad& c, const Fp3& mu) {
  if constexpr (kUnitP) {
    return c.q0 + c.q1 + mu * (c.q0 * c.q1);
  } else {
    return term(c, mu);
  }
}

// The chunk kernels below are flattened (every field operation inlined):
// left to its heuristics GCC keeps Fp3's reduction and addition as calls in
// these loops, which costs about a fifth of the prover's time.
template <bool kUnitP, typename Load>
[[gnu::flatten]] GSums sums_chunk(const Load& load, const Fp3* eq, const Fp3& mu, bool want_g1, std::size_t begin,
                                  std::size_t end) {
  GSums acc;
  for (std::size_t b = begin; b < end; ++b) {
    const Quad lo = load(2 * b);
    const Quad hi = load(2 * b + 1);
    const Quad two{hi.p0 + hi.p0 - lo.p0, hi.p1 + hi.p1 - lo.p1, hi.q0 + hi.q0 - lo.q0, hi.q1 + hi.q1 - lo.q1};
    const Fp3& e = eq[b];
    acc.g0 += e * term_of<kUnitP>(lo, mu);
    acc.g2 += e * term_of<kUnitP>(two, mu);
    if (want_g1) acc.g1 += e * term_of<kUnitP>(hi, mu);
  }
  return acc;
}

template <bool kUnitP, typename Load>
[[gnu::flatten]] void fold_chunk(const Load& load, const Fp3& s, Quad* out, std::size_t begin, std::size_t end) {
  for (std::size_t b = begin; b < end; ++b) {
    const Quad lo = load(2 * b);
    const Quad hi = load(2 * b + 1);
    if constexpr (kUnitP) {
      out[b] = {Fp3::one(), Fp3::one(), lo.q0 + s * (hi.q0 - lo.q0), lo.q1 + s * (hi.q1 - lo.q1)};
    } else {
      out[b] = {lo.p0 + s * (hi.p0 - lo.p0), lo.p1 + s * (hi.p1 - lo.p1), lo.q0 + s * (hi.q0 - lo.q0),
                lo.q1 + s * (hi.q1 - lo.q1)};
    }
  }
}

// g(0), g(2) and (if wanted) g(1) over the pairs (2b, 2b+1), weighted by eq[b].
template <bool kUnitP, typename Load>
GSums round_sums(const Load& load, std::span<const Fp3> eq, const Fp3& mu, bool want_g1) {
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, eq.size(), kGrain), GSums{},
      [&](const tbb::blocked_range<std::size_t>& r, GSums acc) {
        return acc += sums_chunk<kUnitP>(load, eq.data(), mu, want_g1, r.begin(), r.end());
      },
      [](GSums x, const GSums& y) { return x += y; });
}

template <bool kUnitP, typename Load>
void fold(const Load& load, const Fp3& s, std::span<Quad> out) {
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, out.size(), kGrain),
      [&](const tbb::blocked_range<std::size_t>& r) { fold_chunk<kUnitP>(load, s, out.data(), r.begin(), r.end()); });
}

// round_sums for a lookup instance's input layer (unit numerators, q = aq - a
// with a in the base field). With s = a0 + a1 and t = a0 a1 at the point X,
// the term is C1 - C2 s + mu t, C1 = 2 aq + mu aq^2, C2 = 1 + mu aq, so the
// weighted sums need only extension-by-base products.
struct InputSums {
  Fp3 e, s0, t0, s1, t1, s2, t2;
  InputSums& operator+=(const InputSums& o) {
    e += o.e;
    s0 += o.s0;
    t0 += o.t0;
    s1 += o.s1;
    t1 += o.t1;
    s2 += o.s2;
    t2 += o.t2;
    return *this;
  }
};

[[gnu::flatten]] InputSums input_sums_chunk(const Fp* v, std::size_t half, const Fp3* eq, bool want_g1,
                                            std::size_t begin, std::size_t end) {
  InputSums a;
  for (std::size_t b = begin; b < end; ++b) {
    const Fp x0 = v[2 * b], x1 = v[2 * b + 1];                // q0 at X = 0, 1
    const Fp y0 = v[2 * b + half], y1 = v[2 * b + 1 + half];  // q1 at X = 0, 1
    const Fp x2 = x1 + x1 - x0, y2 = y1 + y1 - y0;
    const Fp3& e = eq[b];
    a.e += e;
    a.s0 += e * (x0 + y0);
    a.t0 += e * (x0 * y0);
    a.s2 += e * (x2 + y2);
    a.t2 += e * (x2 * y2);
    if (want_g1) {
      a.s1 += e * (x1 + y1);
      a.t1 += e * (x1 * y1);
    }
  }
  return a;
}

GSums round_sums_input_unit(const Input& in, std::size_t half, std::span<const Fp3> eq, const Fp3& mu, bool want_g1) {
  const InputSums acc = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, eq.size(), kGrain), InputSums{},
      [&](const tbb::blocked_range<std::size_t>& r, InputSums a) {
        return a += input_sums_chunk(in.val, half, eq.data(), want_g1, r.begin(), r.end());
      },
      [](InputSums a, const InputSums& b) { return a += b; });
  const Fp3 c1 = in.aq + in.aq + mu * in.aq2;
  const Fp3 c2 = Fp3::one() + mu * in.aq;
  const Fp3 base = c1 * acc.e;
  return {base - c2 * acc.s0 + mu * acc.t0, base - c2 * acc.s1 + mu * acc.t1, base - c2 * acc.s2 + mu * acc.t2};
}

[[gnu::flatten]] void input_fold_chunk(const Input& in, std::size_t half, const Fp3& s, Quad* out, std::size_t begin,
                                       std::size_t end) {
  const Fp* v = in.val;
  for (std::size_t b = begin; b < end; ++b) {
    const Fp x0 = v[2 * b], x1 = v[2 * b + 1];
    const Fp y0 = v[2 * b + half], y1 = v[2 * b + 1 + half];
    out[b] = {Fp3::one(), Fp3::one(), in.aq - (Fp3(x0) + s * (x1 - x0)), in.aq - (Fp3(y0) + s * (y1 - y0))};
  }
}

// fold for a lookup instance's input layer: q = aq - (a_lo + s (a_hi - a_lo)).
void fold_input_unit(const Input& in, std::size_t half, const Fp3& s, std::span<Quad> out) {
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, out.size(), kGrain),
      [&](const tbb::blocked_range<std::size_t>& r) { input_fold_chunk(in, half, s, out.data(), r.begin(), r.end()); });
}

// The quadratic through (0, g0), (1, g1), (2, g2) at x.
Fp3 quadratic_at(const GSums& g, const Fp3& x) {
  static const Fp kInv2 = Fp::from_u64(2).inverse();
  const Fp3 x1 = x - Fp3::one();
  const Fp3 x2 = x - Fp3::from_u64(2);
  return (g.g0 * (x1 * x2) + g.g2 * (x * x1)) * kInv2 - g.g1 * (x * x2);
}

// Everything the prover keeps for one instance.
struct Instance {
  Input input;
  unsigned n = 0;
  std::vector<std::vector<Frac>> layers;  // layers[k], k < n - 1: 2^k fractions (layer n - 1 is recomputed)
  std::vector<Quad> buf_a, buf_b;         // folded child tables, ping-pong
};

// One instance's state during one layer's sumcheck.
struct Active {
  std::size_t index = 0;
  unsigned e = 0;                  // variables at this layer
  Fp3 weight;                      // mu^(2t)
  Fp3 claim;                       // sum_y eq(rho_{>=k}, y) G(s_<k, y): the claim without the eq prefix
  Fp3 prefix;                      // eq(rho_<k, s_<k)
  std::vector<Fp3>* eq = nullptr;  // eq(rho_{>k}, .), shared by the instances of equal e, halved every round
  const Quad* work = nullptr;      // folded tables after round 0, null before
  bool unit = false;               // the children are the input layer and every numerator is 1
  bool next_in_a = true;
  Quad child;       // the child values once bound
  Fp3 bound_value;  // prefix * G(child) once bound
};

}  // namespace

LogupGkrProverOutput logup_gkr_prove(const Fp3& alpha, std::span<const LogupInput> inputs, Transcript& transcript) {
  std::vector<unsigned> vars;
  for (const LogupInput& in : inputs) {
    const std::size_t size = in.values.size();
    if (size == 0 || !std::has_single_bit(size)) throw std::invalid_argument("logup: table size is not a power of two");
    if (!in.numerators.empty() && in.numerators.size() != size) {
      throw std::invalid_argument("logup: numerators and values differ in size");
    }
    vars.push_back(static_cast<unsigned>(std::countr_zero(size)));
  }
  if (logup_gkr_check_shape(vars) != Status::kOk) throw std::invalid_argument("logup: bad instance shape");
  const LogupGkrSchedule schedule(vars);
  const unsigned n_max = schedule.num_vars();

  // Bottom-up: every layer of every instance but the input and layer n - 1.
  std::vector<Instance> inst(inputs.size());
  std::vector<Fp3> roots;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Instance& s = inst[i];
    const Fp3 aq = alpha - Fp3(inputs[i].shift);
    s.input = Input{inputs[i].numerators.empty() ? nullptr : inputs[i].numerators.data(), inputs[i].values.data(), aq,
                    aq * aq};
    s.n = vars[i];
    s.layers.resize(s.n == 0 ? 0 : s.n - 1);
    for (std::size_t k = s.layers.size(); k-- > 0;) {
      s.layers[k] = large_vector<Frac>(std::size_t{1} << k);
      if (k + 2 == s.n) {
        const PairLoad pl{s.input, 0, std::size_t{1} << (s.n - 1)};
        sum_layer([&pl](std::size_t x) { return pl.at(x); }, s.layers[k]);
      } else {
        const Frac* up = s.layers[k + 1].data();
        sum_layer([up](std::size_t x) { return up[x]; }, s.layers[k]);
      }
    }
    Frac root;
    if (s.n == 0) {
      root = s.input.at(0);
    } else if (s.n == 1) {
      root = s.input.pair(0, 1);
    } else {
      root = s.layers[0][0];
    }
    roots.push_back(root.p);
    roots.push_back(root.q);
    if (s.n >= 2) {
      s.buf_a = large_vector<Quad>(std::size_t{1} << (s.n - 2));
      s.buf_b = large_vector<Quad>(std::max<std::size_t>(1, (std::size_t{1} << (s.n - 2)) / 2));
    }
  }

  LogupGkrProverOutput out;
  out.proof.roots = roots;
  logup_gkr_absorb_header(transcript, vars, roots);

  std::vector<LogupFraction> claims(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) claims[i] = {roots[2 * i], roots[2 * i + 1]};
  std::vector<Fp3> rho;  // the common point, j coordinates at layer j
  std::vector<Fp3> inv_two_pow{Fp3::one()};
  const Fp3 inv2 = Fp3(Fp::from_u64(2).inverse());
  for (unsigned k = 0; k < n_max; ++k) inv_two_pow.push_back(inv_two_pow.back() * inv2);

  for (unsigned j = 0; j < n_max; ++j) {
    LogupGkrLayerProof layer;
    const std::vector<std::size_t> order = schedule.layer_order(j);
    const Fp3 mu = transcript.challenge_fp3(kLogupLabelBatchChallenge);
    std::vector<Active> act(order.size());
    // eq(rho_{>k}, .) depends only on e (every point is a prefix of rho): one table per distinct e.
    std::vector<std::vector<Fp3>> eq_by_e(j + 1);
    Fp3 w = Fp3::one();
    const Fp3 mu2 = mu * mu;
    for (std::size_t t = 0; t < order.size(); ++t) {
      Active& a = act[t];
      a.index = order[t];
      a.e = schedule.bound_at(a.index, j);
      a.weight = w;
      w *= mu2;
      a.claim = claims[a.index].numerator + mu * claims[a.index].denominator;
      a.prefix = Fp3::one();
      a.unit = a.e + 1 == inst[a.index].n && inst[a.index].input.num == nullptr;
      std::vector<Fp3>& eq = eq_by_e[a.e];
      if (a.e >= 1 && eq.empty()) eq = eq_table(std::span<const Fp3>(rho).subspan(1, a.e - 1));
      a.eq = &eq;
    }
    // The child tables of instance a before any fold, as a loader call.
    auto with_unfolded = [&](const Active& a, auto&& f) {
      const Instance& s = inst[a.index];
      const std::size_t half = std::size_t{1} << a.e;
      if (a.e + 1 == s.n) {
        f(InputLoad{s.input, half});
      } else if (a.e + 2 == s.n) {
        f(PairLoad{s.input, half, std::size_t{1} << (s.n - 1)});
      } else {
        f(StoredLoad{s.layers[a.e + 1].data(), half});
      }
    };
    // Round sums and folds of instance a, by where its tables are and
    // whether its numerators are all 1.
    auto sums = [&](const Active& a, bool want_g1) {
      const Instance& s = inst[a.index];
      if (a.work != nullptr) {
        return a.unit ? round_sums<true>(WorkLoad{a.work}, *a.eq, mu, want_g1)
                      : round_sums<false>(WorkLoad{a.work}, *a.eq, mu, want_g1);
      }
      if (a.unit) return round_sums_input_unit(s.input, std::size_t{1} << a.e, *a.eq, mu, want_g1);
      GSums g;
      with_unfolded(a, [&](const auto& load) { g = round_sums<false>(load, *a.eq, mu, want_g1); });
      return g;
    };
    auto fold_tables = [&](const Active& a, const Fp3& s_k, std::span<Quad> dest) {
      const Instance& s = inst[a.index];
      if (a.work != nullptr) {
        if (a.unit) {
          fold<true>(WorkLoad{a.work}, s_k, dest);
        } else {
          fold<false>(WorkLoad{a.work}, s_k, dest);
        }
      } else if (a.unit) {
        fold_input_unit(s.input, std::size_t{1} << a.e, s_k, dest);
      } else {
        with_unfolded(a, [&](const auto& load) { fold<false>(load, s_k, dest); });
      }
    };
    auto with_tables = [&](const Active& a, auto&& f) {
      if (a.work != nullptr) {
        f(WorkLoad{a.work});
      } else {
        with_unfolded(a, f);
      }
    };

    std::vector<Fp3> s_pts;
    for (unsigned k = 0; k <= j; ++k) {
      // Child values of the instances fully bound after k rounds.
      std::vector<Fp3> message;
      for (Active& a : act) {
        if (a.e != k) continue;
        with_tables(a, [&](const auto& load) { a.child = load(0); });
        a.bound_value = a.prefix * term(a.child, mu);
        message.insert(message.end(), {a.child.p0, a.child.p1, a.child.q0, a.child.q1});
      }
      if (!message.empty()) {
        transcript.absorb_fp3s(kLogupLabelChildValues, message);
        layer.child_values.insert(layer.child_values.end(), message.begin(), message.end());
      }
      if (k == j) break;

      // Round k.
      std::vector<Fp3> h(kLogupRoundValues, Fp3::zero());
      std::vector<GSums> gs(act.size());
      const Fp3& r = rho[k];
      const Fp3 one_minus_r = Fp3::one() - r;
      const Fp3 r_inv = r.inverse();
      for (std::size_t t = 0; t < act.size(); ++t) {
        Active& a = act[t];
        if (a.e <= k) {
          // Bound: a constant, bound_value * 2^(e - k - 1) summed over the free variables.
          const Fp3 c = a.weight * a.bound_value * inv_two_pow[k + 1 - a.e];
          for (Fp3& v : h) v += c;
          continue;
        }
        const bool derive_g1 = !r.is_zero();
        GSums g = sums(a, !derive_g1);
        if (derive_g1) g.g1 = (a.claim - one_minus_r * g.g0) * r_inv;
        gs[t] = g;
        const Fp3 g3 = g.g0 - Fp3::from_u64(3) * (g.g1 - g.g2);
        const Fp3 g_at[4] = {g.g0, g.g1, g.g2, g3};
        const Fp3 scale = a.weight * a.prefix;
        for (std::size_t x = 0; x < kLogupRoundValues; ++x) {
          h[x] += scale * eq1(Fp3::from_u64(x), r) * g_at[x];
        }
      }
      transcript.absorb_fp3s(kLogupLabelRoundPolynomial, h);
      const Fp3 s = transcript.challenge_fp3(kLogupLabelRoundChallenge);
      layer.round_polynomials.push_back(std::move(h));
      s_pts.push_back(s);
      for (std::size_t t = 0; t < act.size(); ++t) {
        Active& a = act[t];
        if (a.e <= k) continue;
        Instance& in = inst[a.index];
        a.claim = quadratic_at(gs[t], s);
        a.prefix *= eq1(r, s);
        const std::size_t size = std::size_t{1} << (a.e - k - 1);
        std::vector<Quad>& dest = a.next_in_a ? in.buf_a : in.buf_b;
        const std::span<Quad> out_tables(dest.data(), size);
        fold_tables(a, s, out_tables);
        a.work = dest.data();
        a.next_in_a = !a.next_in_a;
      }
      // eq(rho_{>k+1}, .) from eq(rho_{>k}, .): sum out the lowest variable.
      for (std::size_t e = k + 1; e <= j; ++e) {
        std::vector<Fp3>& eq = eq_by_e[e];
        const std::size_t half = eq.size() / 2;
        for (std::size_t b = 0; b < half; ++b) eq[b] = eq[2 * b] + eq[2 * b + 1];
        eq.resize(std::max<std::size_t>(half, 1));
      }
    }
    const Fp3 lambda = transcript.challenge_fp3(kLogupLabelLineChallenge);
    for (const Active& a : act) {
      const Fp3 l = a.e < j ? s_pts[a.e] : lambda;
      claims[a.index] = {a.child.p0 + l * (a.child.p1 - a.child.p0), a.child.q0 + l * (a.child.q1 - a.child.q0)};
    }
    rho = std::move(s_pts);
    rho.push_back(lambda);
    out.proof.layers.push_back(std::move(layer));
  }
  out.point = std::move(rho);
  return out;
}

}  // namespace fti::crypto

#include "engine/drift/norm_sumcheck.h"

#include <array>
#include <cstdint>
#include <algorithm>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "engine/crypto/large_buffer.h"
#include "engine/crypto/multilinear.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;
using crypto::SumcheckTerm;

SumcheckTerm term(Fp3 coefficient, std::vector<std::uint32_t> factors) { return {coefficient, std::move(factors)}; }

std::uint32_t u32(std::size_t x) { return static_cast<std::uint32_t>(x); }

constexpr std::size_t kPoints = 4;  // the statement's degree is 3
constexpr std::size_t kGrain = std::size_t{1} << 11;

// The values at z = 0..3 of the line through (at 0, at 1).
template <typename F>
std::array<F, kPoints> line(const F& at0, const F& at1) {
  const F d = at1 - at0;
  const F at2 = at1 + d;
  return {at0, at1, at2, at2 + d};
}

// A table that depends on the block variables only, at pair class j: its
// line (a constant once every block variable is bound).
std::array<Fp3, kPoints> periodic_line(const std::vector<Fp3>& t, std::size_t j) {
  return t.size() >= 2 ? line(t[2 * j], t[2 * j + 1]) : line(t[0], t[0]);
}

// For the pairs b = q * classes + j of one tensor's tables and z = 0..3:
// sums[8 j + z] = sum (C - B)_z^2 and sums[8 j + 4 + z] = sum B_z^2, in the
// tables' field (the base field at round 0: no extension arithmetic there).
template <typename F>
std::vector<F> square_sums(std::size_t pairs, std::size_t classes, const F* base, const F* candidate) {
  using Acc = std::vector<F>;
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, pairs / classes, std::max<std::size_t>(1, kGrain / classes)),
      Acc(classes * 2 * kPoints, F::zero()),
      [&](const tbb::blocked_range<std::size_t>& r, Acc acc) -> Acc {
        for (std::size_t q = r.begin(); q < r.end(); ++q) {
          for (std::size_t j = 0; j < classes; ++j) {
            const std::size_t b = q * classes + j;
            const F b0 = base[2 * b], b1 = base[2 * b + 1];
            const std::array<F, kPoints> d = line(F(candidate[2 * b] - b0), F(candidate[2 * b + 1] - b1));
            const std::array<F, kPoints> v = line(b0, b1);
            F* a = &acc[j * 2 * kPoints];
            for (std::size_t z = 0; z < kPoints; ++z) {
              a[z] += d[z] * d[z];
              a[kPoints + z] += v[z] * v[z];
            }
          }
        }
        return acc;
      },
      [](Acc a, const Acc& b) {
        for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
        return a;
      });
}

// out[b] = T[2b] + r (T[2b+1] - T[2b]) for b < out.size().
template <typename Load>
std::vector<Fp3> fold(const Load& load, std::size_t size, const Fp3& r) {
  std::vector<Fp3> out = crypto::large_vector<Fp3>(size / 2);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.size(), 4 * kGrain),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t b = range.begin(); b < range.end(); ++b) {
                        const Fp3 lo = load(2 * b);
                        out[b] = lo + r * (load(2 * b + 1) - lo);
                      }
                    });
  return out;
}

// A table that depends on the block variables only, bound to r (a
// constant stays as it is).
void fold_periodic(std::vector<Fp3>& t, const Fp3& r) {
  if (t.size() < 2) return;
  std::vector<Fp3> out(t.size() / 2);
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = t[2 * j] + r * (t[2 * j + 1] - t[2 * j]);
  t = std::move(out);
}

std::vector<Fp3> to_fp3(const std::vector<Fp>& t) { return {t.begin(), t.end()}; }

}  // namespace

crypto::SumcheckStatement norm_class_statement(const NormLayout& layout, std::size_t c,
                                               const NormDisclosure& disclosure) {
  const NormClassLayout& cl = layout.classes[c];
  crypto::SumcheckStatement st;
  st.num_vars = cl.num_vars;
  st.num_polys = u32(1 + 2 * cl.tensors.size() + cl.num_block_polys());
  const Fp copies = Fp::from_u64(std::uint64_t{1} << (cl.num_vars - cl.block_vars));  // 2^(n-m)
  const Fp c_inv = copies.inverse();
  const Fp shift = Fp::from_u64(std::uint64_t{1} << kNormLimbShift);
  const std::uint32_t e = u32(kNormEqPoly);
  for (const std::size_t i : cl.items) {
    const NormItemLayout& item = layout.items[i];
    const std::size_t pos = layout.tensors[item.tensor].position;
    const std::uint32_t b = u32(norm_base_poly(pos));
    const std::uint32_t cand = u32(norm_candidate_poly(pos));
    const std::uint32_t hi = u32(norm_block_poly(cl, item.block_poly));
    const std::uint32_t lo = hi + 1;
    crypto::SumcheckClaim a;
    if (item.claim == NormClaim::kDeltaSquares) {
      a.terms.push_back(term(Fp3::one(), {e, cand, cand}));
      a.terms.push_back(term(-Fp3(Fp::from_u64(2)), {e, cand, b}));
    }
    a.terms.push_back(term(Fp3::one(), {e, b, b}));
    a.terms.push_back(term(-Fp3(c_inv * shift), {e, hi}));
    a.terms.push_back(term(-Fp3(c_inv), {e, lo}));
    a.sum = Fp3::zero();
    st.claims.push_back(std::move(a));
    const NormStatistic& s = disclosure.items[i];
    st.claims.push_back({{term(Fp3::one(), {hi})}, Fp3(copies * Fp::from_u64(s.high))});
    st.claims.push_back({{term(Fp3::one(), {lo})}, Fp3(copies * Fp::from_u64(s.low))});
  }
  return st;
}

NormClassSumcheck::NormClassSumcheck(const NormLayout& layout, std::size_t c, std::span<const Fp3> block_point,
                                     std::span<const std::span<const Fp>> base_tables,
                                     std::span<const std::span<const Fp>> candidate_tables,
                                     std::span<const std::vector<Fp>> hi, std::span<const std::vector<Fp>> lo) {
  const NormClassLayout& cl = layout.classes[c];
  num_vars_ = cl.num_vars;
  const Fp c_inv = Fp::from_u64(std::uint64_t{1} << (cl.num_vars - cl.block_vars)).inverse();
  limb_weight_hi_ = c_inv * Fp::from_u64(std::uint64_t{1} << kNormLimbShift);
  limb_weight_lo_ = c_inv;
  eq_ = crypto::eq_table(block_point.first(cl.block_vars));
  const std::size_t size = std::size_t{1} << cl.num_vars;
  for (const std::size_t t : cl.tensors) {
    if (base_tables[t].size() != size || candidate_tables[t].size() != size) {
      throw std::invalid_argument("NormClassSumcheck: a table is not 2^n entries");
    }
    base_in_.push_back(base_tables[t]);
    candidate_in_.push_back(candidate_tables[t]);
  }
  for (const std::size_t i : cl.items) {
    const NormItemLayout& item = layout.items[i];
    if (hi[i].size() != eq_.size() || lo[i].size() != eq_.size()) {
      throw std::invalid_argument("NormClassSumcheck: a limb table is not 2^m entries");
    }
    items_.push_back({layout.tensors[item.tensor].position, item.claim == NormClaim::kDeltaSquares, to_fp3(hi[i]),
                      to_fp3(lo[i])});
  }
}

std::vector<Fp3> NormClassSumcheck::round_values(unsigned round, std::span<const Fp3> claim_weights) {
  if (round != bound_ || round >= num_vars_ || claim_weights.size() != 3 * items_.size()) {
    throw std::invalid_argument("NormClassSumcheck: round or claims out of order");
  }
  const std::size_t pairs = std::size_t{1} << (num_vars_ - round - 1);
  const std::size_t classes = std::max<std::size_t>(1, eq_.size() / 2);
  const std::size_t tensors = base_in_.empty() ? base_.size() : base_in_.size();
  // Each tensor's square sums, weighted by its items' claim weights, per class.
  std::vector<std::array<Fp3, kPoints>> weighted(classes, std::array<Fp3, kPoints>{});
  for (std::size_t p = 0; p < tensors; ++p) {
    Fp3 delta_weight, base_weight;
    for (std::size_t k = 0; k < items_.size(); ++k) {
      if (items_[k].position != p) continue;
      (items_[k].delta ? delta_weight : base_weight) += claim_weights[3 * k];
    }
    const auto add = [&](const auto& sums) {
      for (std::size_t j = 0; j < classes; ++j) {
        for (std::size_t z = 0; z < kPoints; ++z) {
          weighted[j][z] += delta_weight * sums[j * 2 * kPoints + z] + base_weight * sums[j * 2 * kPoints + kPoints + z];
        }
      }
    };
    if (round == 0) {
      add(square_sums<Fp>(pairs, classes, base_in_[p].data(), candidate_in_[p].data()));
    } else {
      add(square_sums<Fp3>(pairs, classes, base_[p].data(), candidate_[p].data()));
    }
  }
  // sum_j E_z(j) (weighted squares) + the limb terms, each class standing
  // for pairs / classes pairs.
  const Fp multiplicity = Fp::from_u64(pairs / classes);
  std::vector<Fp3> out(kPoints, Fp3::zero());
  for (std::size_t j = 0; j < classes; ++j) {
    const std::array<Fp3, kPoints> e = periodic_line(eq_, j);
    std::array<Fp3, kPoints> limbs{};
    for (std::size_t k = 0; k < items_.size(); ++k) {
      const std::array<Fp3, kPoints> h = periodic_line(items_[k].hi, j);
      const std::array<Fp3, kPoints> l = periodic_line(items_[k].lo, j);
      for (std::size_t z = 0; z < kPoints; ++z) {
        limbs[z] += claim_weights[3 * k + 1] * h[z] + claim_weights[3 * k + 2] * l[z] -
                    claim_weights[3 * k] * e[z] * (h[z] * limb_weight_hi_ + l[z] * limb_weight_lo_);
      }
    }
    for (std::size_t z = 0; z < kPoints; ++z) out[z] += e[z] * weighted[j][z] + limbs[z] * multiplicity;
  }
  return out;
}

void NormClassSumcheck::bind(const Fp3& r) {
  if (bound_ >= num_vars_) throw std::invalid_argument("NormClassSumcheck: every variable is bound");
  const std::size_t size = std::size_t{1} << (num_vars_ - bound_);
  if (bound_ == 0) {
    for (std::size_t p = 0; p < base_in_.size(); ++p) {
      const std::span<const Fp> b = base_in_[p], cd = candidate_in_[p];
      base_.push_back(fold([&](std::size_t i) { return Fp3(b[i]); }, size, r));
      candidate_.push_back(fold([&](std::size_t i) { return Fp3(cd[i]); }, size, r));
    }
    base_in_.clear();
    candidate_in_.clear();
  } else {
    for (std::size_t p = 0; p < base_.size(); ++p) {
      const std::vector<Fp3>& b = base_[p];
      const std::vector<Fp3>& cd = candidate_[p];
      base_[p] = fold([&](std::size_t i) { return b[i]; }, size, r);
      candidate_[p] = fold([&](std::size_t i) { return cd[i]; }, size, r);
    }
  }
  fold_periodic(eq_, r);
  for (Item& item : items_) {
    fold_periodic(item.hi, r);
    fold_periodic(item.lo, r);
  }
  ++bound_;
}

std::vector<Fp3> NormClassSumcheck::final_evaluations() const {
  if (bound_ != num_vars_) throw std::invalid_argument("NormClassSumcheck: variables left unbound");
  std::vector<Fp3> out{eq_[0]};
  for (std::size_t p = 0; p < std::max(base_.size(), base_in_.size()); ++p) {
    out.push_back(base_in_.empty() ? base_[p][0] : Fp3(base_in_[p][0]));
    out.push_back(candidate_in_.empty() ? candidate_[p][0] : Fp3(candidate_in_[p][0]));
  }
  for (const Item& item : items_) {
    out.push_back(item.hi[0]);
    out.push_back(item.lo[0]);
  }
  return out;
}

}  // namespace fti::drift

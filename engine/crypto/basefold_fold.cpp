#include "engine/crypto/basefold_fold.h"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "engine/crypto/basefold_params.h"
#include "engine/crypto/goldilocks_avx512.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/simd.h"

namespace fti::crypto {
namespace {

// Leaves per task in the prover's layer folds; one field inversion each.
constexpr unsigned kChunkLog = 10;
constexpr std::size_t kMaxLeaf = std::size_t{1} << kMaxBasefoldLogArity;

// 2^-a for a <= kMaxBasefoldLogArity.
const std::array<Fp, kMaxBasefoldLogArity + 1> kInvPow2 = [] {
  std::array<Fp, kMaxBasefoldLogArity + 1> t{};
  const Fp inv2 = Fp::from_u64(2).inverse();
  t[0] = Fp::one();
  for (std::size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * inv2;
  return t;
}();

// w_6^-j for j < 64: every w_a^-e (a <= 6) is kRootsInv[e << (6 - a)].
const std::array<Fp, std::size_t{1} << kMaxBasefoldLogArity> kRootsInv = [] {
  std::array<Fp, std::size_t{1} << kMaxBasefoldLogArity> t{};
  const Fp w_inv = Fp::root_of_unity(kMaxBasefoldLogArity).inverse();
  Fp x = Fp::one();
  for (auto& v : t) {
    v = x;
    x *= w_inv;
  }
  return t;
}();

// w_k^-j for j < 2^k (w_k = Fp::root_of_unity(k)).
std::vector<Fp> inverse_powers(unsigned log_order) {
  const std::size_t n = std::size_t{1} << log_order;
  std::vector<Fp> out(n);
  const Fp w_inv = Fp::root_of_unity(log_order).inverse();
  Fp x = Fp::one();
  for (auto& v : out) {
    v = x;
    x *= w_inv;
  }
  return out;
}

// Folds v[0, 2^a) in place, a = r.size(); x_inv is the inverse of the leaf's
// coset generator x_m = domain_point(K, m 2^a). At step s the pair t sits at
// x = x_m^(2^s) w_(a-s)^bitrev_(a-s-1)(t) (section 7.4), and
// w_(a-s)^-e = w_6^(-e 2^(s+6-a)) = kRootsInv[e << (s + 6 - a)]. Each step computes twice
// the fold, (u0 + u1) + r (u0 - u1) / x, and the factor 2^a is removed once
// at the end (one multiplication per leaf instead of one per pair).
template <typename T>
Fp3 fold_in_place(const T* v, Fp x_inv, std::span<const Fp3> r) {
  const auto a = static_cast<unsigned>(r.size());
  const unsigned shift = kMaxBasefoldLogArity - a;
  std::size_t size = std::size_t{1} << a;
  Fp3 buf[kMaxLeaf / 2];
  for (unsigned s = 0; s < a; ++s) {
    const std::size_t half = size / 2;
    for (std::size_t t = 0; t < half; ++t) {
      const Fp c = x_inv * kRootsInv[bit_reverse(t, a - s - 1) << (s + shift)];
      if (s == 0) {
        // T = Fp (a base codeword): the differences stay in the base field
        // and the challenge multiplies a base element (3 multiplications).
        const T u0 = v[2 * t], u1 = v[2 * t + 1];
        const T d = (u0 - u1) * c;
        buf[t] = Fp3(u0 + u1) + r[s] * d;
      } else {
        const Fp3 u0 = buf[2 * t], u1 = buf[2 * t + 1];
        buf[t] = (u0 + u1) + r[s] * ((u0 - u1) * c);
      }
    }
    x_inv = x_inv.square();
    size = half;
  }
  return buf[0] * kInvPow2[a];
}

#if defined(FTI_HAVE_AVX512_KERNELS)
// fold_in_place for 8 consecutive leaves m0 .. m0 + 7 of base-field
// codewords at once, leaf m0 + k in lane k (the same bits): the leaves'
// values are gathered by position, combined with `powers` unless a single
// codeword has weight 1, and folded step by step in the lanes. x_inv of leaf
// m0 + k is base * lo_inv[k].
namespace vec = avx512;

FTI_AVX512 inline vec::Vec3 splat3(const Fp3& x) {
  return {{vec::splat(x.coeff(0).value()), vec::splat(x.coeff(1).value()), vec::splat(x.coeff(2).value())}};
}

FTI_AVX512 void fold_leaves8(std::span<const std::span<const Fp>> codewords, std::span<const Fp3> powers,
                             bool single, std::size_t m0, Fp base, const Fp* lo_inv, std::span<const Fp3> r,
                             Fp3* out) {
  const auto a = static_cast<unsigned>(r.size());
  const unsigned shift = kMaxBasefoldLogArity - a;
  const std::size_t width = std::size_t{1} << a;
  const vec::Vec stride = _mm512_set_epi64(static_cast<long long>(7 * width), static_cast<long long>(6 * width),
                                           static_cast<long long>(5 * width), static_cast<long long>(4 * width),
                                           static_cast<long long>(3 * width), static_cast<long long>(2 * width),
                                           static_cast<long long>(width), 0);
  vec::Vec x_inv = vec::mul(vec::splat(base.value()), vec::load(lo_inv));
  vec::Vec3 buf[kMaxLeaf];
  // Step 0 from the base-field values.
  const std::size_t first = m0 << a;
  const vec::Vec3 r0 = splat3(r[0]);
  vec::Vec3 combined[kMaxLeaf];
  if (!single) {
    for (std::size_t k = 0; k < width; ++k) combined[k] = {{vec::splat(0), vec::splat(0), vec::splat(0)}};
    for (std::size_t j = 0; j < codewords.size(); ++j) {
      const vec::Vec3 pj = splat3(powers[j]);
      const Fp* src = codewords[j].data() + first;
      for (std::size_t k = 0; k < width; ++k) {
        combined[k] = vec::add3(combined[k], vec::mul3(pj, vec::gather(stride, src + k)));
      }
    }
  }
  for (std::size_t t = 0; t < width / 2; ++t) {
    const vec::Vec c = vec::mul(x_inv, vec::splat(kRootsInv[bit_reverse(t, a - 1) << shift].value()));
    if (single) {
      const Fp* src = codewords[0].data() + first;
      const vec::Vec u0 = vec::gather(stride, src + 2 * t), u1 = vec::gather(stride, src + 2 * t + 1);
      const vec::Vec d = vec::mul(vec::sub(u0, u1), c);
      buf[t] = {{vec::add(vec::add(u0, u1), vec::mul(r0.c[0], d)), vec::mul(r0.c[1], d), vec::mul(r0.c[2], d)}};
    } else {
      const vec::Vec3 u0 = combined[2 * t], u1 = combined[2 * t + 1];
      buf[t] = vec::add3(vec::add3(u0, u1), vec::mul3(r0, vec::mul3(vec::sub3(u0, u1), c)));
    }
  }
  x_inv = vec::mul(x_inv, x_inv);
  std::size_t size = width / 2;
  for (unsigned s = 1; s < a; ++s) {
    const vec::Vec3 rs = splat3(r[s]);
    const std::size_t half = size / 2;
    for (std::size_t t = 0; t < half; ++t) {
      const vec::Vec c = vec::mul(x_inv, vec::splat(kRootsInv[bit_reverse(t, a - s - 1) << (s + shift)].value()));
      const vec::Vec3 u0 = buf[2 * t], u1 = buf[2 * t + 1];
      buf[t] = vec::add3(vec::add3(u0, u1), vec::mul3(rs, vec::mul3(vec::sub3(u0, u1), c)));
    }
    x_inv = vec::mul(x_inv, x_inv);
    size = half;
  }
  const vec::Vec3 result = vec::mul3(buf[0], vec::splat(kInvPow2[a].value()));
  alignas(64) Fp lanes[3][8];
  for (std::size_t k = 0; k < 3; ++k) vec::store(lanes[k], result.c[k]);
  for (std::size_t k = 0; k < 8; ++k) out[m0 + k] = Fp3(lanes[0][k], lanes[1][k], lanes[2][k]);
}
#endif

void check_fold_sizes(std::size_t in_size, std::size_t out_size, std::size_t arity, const char* who) {
  if (in_size == 0 || (in_size & (in_size - 1)) != 0 || arity > kMaxBasefoldLogArity ||
      (in_size >> arity) != out_size || (out_size << arity) != in_size) {
    throw std::invalid_argument(std::string(who) + ": inconsistent sizes");
  }
}

// The leaves of a layer of 2^log_domain positions folded by 2^a, in chunks
// of 2^c leaves (c = min(kChunkLog, leaves)): with leaf m = hi 2^c + lo,
// x_m^-1 = w_K^-bitrev_(K-a)(m) = base(hi) * lo_table[lo], lo_table[lo] =
// w_(a+c)^-bitrev_c(lo) and base(hi) = domain_point(K, hi 2^(a+c))^-1.
struct LeafChunks {
  unsigned log_domain = 0, a = 0, c = 0;
  std::vector<Fp> lo_table;

  LeafChunks(unsigned log_domain_, unsigned a_)
      : log_domain(log_domain_), a(a_), c(std::min(kChunkLog, log_domain_ - a_)), lo_table(std::size_t{1} << c) {
    const std::vector<Fp> lo_powers = inverse_powers(a + c);
    for (std::size_t lo = 0; lo < lo_table.size(); ++lo) lo_table[lo] = lo_powers[bit_reverse(lo, c)];
  }
  std::size_t count() const noexcept { return std::size_t{1} << (log_domain - a - c); }
  Fp base(std::size_t hi) const { return domain_point(log_domain, hi << (a + c)).inverse(); }
};

// Runs body(leaf, x_inv) for every leaf, in parallel over the chunks.
template <typename Body>
void for_each_leaf(unsigned log_domain, unsigned a, const Body& body) {
  const LeafChunks chunks(log_domain, a);
  tbb::parallel_for(std::size_t{0}, chunks.count(), [&](std::size_t hi) {
    const Fp base = chunks.base(hi);
    for (std::size_t lo = 0; lo < chunks.lo_table.size(); ++lo) body((hi << chunks.c) | lo, base * chunks.lo_table[lo]);
  });
}

}  // namespace

Fp3 basefold_fold_leaf(std::span<const Fp3> values, unsigned log_domain, std::size_t leaf_index,
                       std::span<const Fp3> challenges) {
  const auto a = static_cast<unsigned>(challenges.size());
  if (a > kMaxBasefoldLogArity || a > log_domain || log_domain > kMaxLogNttSize ||
      values.size() != (std::size_t{1} << a) || (leaf_index >> (log_domain - a)) != 0) {
    throw std::invalid_argument("basefold_fold_leaf: inconsistent sizes");
  }
  if (a == 0) return values[0];
  const Fp x_inv = domain_point(log_domain, leaf_index << a).inverse();
  return fold_in_place(values.data(), x_inv, challenges);
}

void basefold_fold_layer(std::span<const Fp3> in, std::span<const Fp3> challenges, std::span<Fp3> out) {
  const std::size_t a = challenges.size();
  check_fold_sizes(in.size(), out.size(), a, "basefold_fold_layer");
  if (a == 0) {
    std::copy(in.begin(), in.end(), out.begin());
    return;
  }
  const auto log_domain = static_cast<unsigned>(std::countr_zero(in.size()));
  for_each_leaf(log_domain, static_cast<unsigned>(a),
                [&](std::size_t m, Fp x_inv) { out[m] = fold_in_place(in.data() + (m << a), x_inv, challenges); });
}

void basefold_fold_commitment(std::span<const std::span<const Fp>> codewords, std::span<const Fp3> powers,
                              std::span<const Fp3> challenges, std::span<Fp3> out) {
  if (codewords.empty() || powers.size() != codewords.size()) {
    throw std::invalid_argument("basefold_fold_commitment: one power per codeword");
  }
  const std::size_t n = codewords.front().size();
  for (const auto& c : codewords) {
    if (c.size() != n) throw std::invalid_argument("basefold_fold_commitment: codewords of different sizes");
  }
  const std::size_t a = challenges.size();
  check_fold_sizes(n, out.size(), a, "basefold_fold_commitment");
  const auto log_domain = static_cast<unsigned>(std::countr_zero(n));
  const auto ua = static_cast<unsigned>(a);
  const std::size_t width = std::size_t{1} << a;
  // One polynomial with weight 1 (every single-polynomial opening): the
  // first fold step runs on base-field values.
  const bool single = codewords.size() == 1 && powers[0] == Fp3::one();
  if (a == 0) {
    tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
      Fp3 acc = Fp3::zero();
      for (std::size_t j = 0; j < codewords.size(); ++j) acc += powers[j] * codewords[j][i];
      out[i] = acc;
    });
    return;
  }
#if defined(FTI_HAVE_AVX512_KERNELS)
  if (simd_enabled() && log_domain - ua >= 3) {
    // 8 leaves at a time (fold_leaves8), over for_each_leaf's chunks.
    const LeafChunks chunks(log_domain, ua);
    tbb::parallel_for(std::size_t{0}, chunks.count(), [&](std::size_t hi) {
      const Fp base = chunks.base(hi);
      for (std::size_t lo = 0; lo < chunks.lo_table.size(); lo += 8) {
        fold_leaves8(codewords, powers, single, (hi << chunks.c) | lo, base, chunks.lo_table.data() + lo, challenges,
                     out.data());
      }
    });
    return;
  }
#endif
  for_each_leaf(log_domain, ua, [&](std::size_t m, Fp x_inv) {
    const std::size_t base = m << a;
    if (single) {
      out[m] = fold_in_place(codewords[0].data() + base, x_inv, challenges);
      return;
    }
    Fp3 combined[kMaxLeaf];
    for (std::size_t k = 0; k < width; ++k) combined[k] = Fp3::zero();
    for (std::size_t j = 0; j < codewords.size(); ++j) {
      const Fp* src = codewords[j].data() + base;
      for (std::size_t k = 0; k < width; ++k) combined[k] += powers[j] * src[k];
    }
    out[m] = fold_in_place(combined, x_inv, challenges);
  });
}

}  // namespace fti::crypto

#include "engine/crypto/basefold_fold.h"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "engine/crypto/basefold_params.h"
#include "engine/crypto/ntt.h"

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

void check_fold_sizes(std::size_t in_size, std::size_t out_size, std::size_t arity, const char* who) {
  if (in_size == 0 || (in_size & (in_size - 1)) != 0 || arity > kMaxBasefoldLogArity ||
      (in_size >> arity) != out_size || (out_size << arity) != in_size) {
    throw std::invalid_argument(std::string(who) + ": inconsistent sizes");
  }
}

// Runs body(leaf, x_inv) for every leaf of a layer of 2^log_domain positions
// folded by 2^a, in parallel chunks of 2^kChunkLog leaves. With leaf m =
// hi 2^c + lo: x_m^-1 = w_K^-bitrev_(K-a)(m) = base(hi) * w_(a+c)^-bitrev_c(lo),
// base(hi) = domain_point(K, hi 2^(a+c))^-1.
template <typename Body>
void for_each_leaf(unsigned log_domain, unsigned a, const Body& body) {
  const unsigned log_leaves = log_domain - a;
  const unsigned c = std::min(kChunkLog, log_leaves);
  const std::vector<Fp> lo_powers = inverse_powers(a + c);
  std::vector<Fp> lo_table(std::size_t{1} << c);
  for (std::size_t lo = 0; lo < lo_table.size(); ++lo) lo_table[lo] = lo_powers[bit_reverse(lo, c)];
  const std::size_t chunks = std::size_t{1} << (log_leaves - c);
  tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t hi) {
    const Fp base = domain_point(log_domain, hi << (a + c)).inverse();
    for (std::size_t lo = 0; lo < lo_table.size(); ++lo) body((hi << c) | lo, base * lo_table[lo]);
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

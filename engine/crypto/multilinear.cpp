#include "engine/crypto/multilinear.h"

#include <stdexcept>

namespace fti::crypto {
namespace {

void check_size(std::size_t table_size, std::size_t num_vars) {
  if (num_vars >= 64 || table_size != (std::size_t{1} << num_vars)) {
    throw std::invalid_argument("mle_evaluate: table size is not 2^(number of variables)");
  }
}

// Binds x_0, x_1, ... in turn: T'[b] = T[2b] + r (T[2b+1] - T[2b]).
Fp3 fold_all(std::vector<Fp3> t, std::span<const Fp3> point) {
  std::size_t n = t.size();
  for (const Fp3& r : point) {
    n /= 2;
    for (std::size_t b = 0; b < n; ++b) t[b] = t[2 * b] + r * (t[2 * b + 1] - t[2 * b]);
  }
  return t[0];
}

}  // namespace

Fp3 mle_evaluate(std::span<const Fp> table, std::span<const Fp3> point) {
  check_size(table.size(), point.size());
  if (point.empty()) return Fp3(table[0]);
  // First fold straight from the base table (base times extension is 3 muls).
  const std::size_t half = table.size() / 2;
  std::vector<Fp3> t(half);
  for (std::size_t b = 0; b < half; ++b) t[b] = Fp3(table[2 * b]) + point[0] * (table[2 * b + 1] - table[2 * b]);
  return fold_all(std::move(t), point.subspan(1));
}

Fp3 mle_evaluate(std::span<const Fp3> table, std::span<const Fp3> point) {
  check_size(table.size(), point.size());
  return fold_all(std::vector<Fp3>(table.begin(), table.end()), point);
}

std::vector<Fp3> eq_table(std::span<const Fp3> point) {
  if (point.size() >= 64) throw std::invalid_argument("eq_table: too many variables");
  std::vector<Fp3> t(std::size_t{1} << point.size());
  t[0] = Fp3::one();
  // After processing r_0..r_{i-1}, t[0, 2^i) holds eq over the first i bits;
  // bit i doubles it: t[x + 2^i] = t[x] r_i, t[x] = t[x] (1 - r_i).
  for (std::size_t i = 0; i < point.size(); ++i) {
    const std::size_t half = std::size_t{1} << i;
    for (std::size_t x = 0; x < half; ++x) {
      const Fp3 hi = t[x] * point[i];
      t[x + half] = hi;
      t[x] = t[x] - hi;
    }
  }
  return t;
}

Fp3 eq1(const Fp3& x, const Fp3& z) {
  const Fp3 xz = x * z;
  return Fp3::one() - x - z + xz + xz;
}

Fp3 eq_eval(std::span<const Fp3> a, std::span<const Fp3> b) {
  Fp3 out = Fp3::one();
  for (std::size_t i = 0; i < a.size(); ++i) out *= eq1(a[i], b[i]);
  return out;
}

}  // namespace fti::crypto

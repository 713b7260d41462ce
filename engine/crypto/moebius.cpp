#include "engine/crypto/moebius.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace fti::crypto {
namespace {

// Bits below this are transformed inside blocks of 2^kBlockLog entries (128
// KiB of Fp, 384 KiB of Fp3: L2-resident); higher bits take passes over
// memory, kPassBits at a time (2^kPassBits concurrent streams per pass).
constexpr unsigned kBlockLog = 14;
constexpr unsigned kPassBits = 3;
constexpr std::size_t kGrain = std::size_t{1} << 12;

template <typename T, bool kInverse>
inline void butterfly(T& hi, const T& lo) {
  if constexpr (kInverse) {
    hi += lo;
  } else {
    hi -= lo;
  }
}

// Bits [0, bits) of the block x[0, 2^bits).
template <typename T, bool kInverse>
void transform_block(T* x, unsigned bits) {
  for (unsigned k = 0; k < bits; ++k) {
    const std::size_t h = std::size_t{1} << k;
    const std::size_t n = std::size_t{1} << bits;
    for (std::size_t base = 0; base < n; base += 2 * h) {
      T* lo = x + base;
      T* hi = lo + h;
      for (std::size_t j = 0; j < h; ++j) butterfly<T, kInverse>(hi[j], lo[j]);
    }
  }
}

// One pass over memory for bits [k, k + C): each "column" is the 2^C
// entries at stride 2^k, gathered into registers, transformed, written back.
template <typename T, bool kInverse, unsigned C>
void transform_pass(T* x, std::size_t n, unsigned k) {
  const std::size_t stride = std::size_t{1} << k;
  constexpr std::size_t kWidth = std::size_t{1} << C;
  const std::size_t columns = n >> C;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, columns, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
    T v[kWidth];
    for (std::size_t col = r.begin(); col < r.end(); ++col) {
      const std::size_t base = (col >> k) * (stride << C) + (col & (stride - 1));
      for (std::size_t t = 0; t < kWidth; ++t) v[t] = x[base + t * stride];
      for (unsigned b = 0; b < C; ++b) {
        const std::size_t bit = std::size_t{1} << b;
        for (std::size_t t = 0; t < kWidth; ++t) {
          if ((t & bit) != 0) butterfly<T, kInverse>(v[t], v[t ^ bit]);
        }
      }
      for (std::size_t t = 0; t < kWidth; ++t) x[base + t * stride] = v[t];
    }
  });
}

template <typename T, bool kInverse>
void transform(std::span<T> values) {
  const std::size_t n = values.size();
  if (n == 0 || (n & (n - 1)) != 0) throw std::invalid_argument("moebius: size must be a power of two");
  const auto log_n = static_cast<unsigned>(std::countr_zero(n));
  const unsigned low = std::min(log_n, kBlockLog);
  const std::size_t block = std::size_t{1} << low;
  T* x = values.data();
  if (n == block) {
    transform_block<T, kInverse>(x, low);
    return;
  }
  tbb::parallel_for(std::size_t{0}, n / block,
                    [&](std::size_t b) { transform_block<T, kInverse>(x + b * block, low); });
  unsigned k = low;
  while (k < log_n) {
    const unsigned c = std::min(kPassBits, log_n - k);
    if (c == 3) {
      transform_pass<T, kInverse, 3>(x, n, k);
    } else if (c == 2) {
      transform_pass<T, kInverse, 2>(x, n, k);
    } else {
      transform_pass<T, kInverse, 1>(x, n, k);
    }
    k += c;
  }
}

}  // namespace

void moebius_transform(std::span<Fp> values) { transform<Fp, false>(values); }
void moebius_transform(std::span<Fp3> values) { transform<Fp3, false>(values); }
void moebius_inverse(std::span<Fp> values) { transform<Fp, true>(values); }
void moebius_inverse(std::span<Fp3> values) { transform<Fp3, true>(values); }

Fp3 monomial_evaluate(std::span<const Fp3> coefficients, std::span<const Fp3> point) {
  if (point.size() >= 64 || coefficients.size() != (std::size_t{1} << point.size())) {
    throw std::invalid_argument("monomial_evaluate: size is not 2^(number of variables)");
  }
  std::vector<Fp3> a(coefficients.begin(), coefficients.end());
  std::size_t n = a.size();
  for (const Fp3& x : point) {
    n /= 2;
    for (std::size_t k = 0; k < n; ++k) a[k] = a[2 * k] + x * a[2 * k + 1];
  }
  return a[0];
}

}  // namespace fti::crypto

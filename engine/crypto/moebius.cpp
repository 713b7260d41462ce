#include "engine/crypto/moebius.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/crypto/goldilocks_avx512.h"
#include "engine/crypto/simd.h"

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

#if defined(FTI_HAVE_AVX512_KERNELS)
// transform_block<Fp> on 8 lanes (the same bits): bits 0..2 inside each
// register (the partner lanes lined up by a permute, the result blended into
// the upper lanes of each pair), the higher bits a register at a time.
template <bool kInverse>
FTI_AVX512 inline avx512::Vec butterfly_avx512(avx512::Vec hi, avx512::Vec lo) {
  return kInverse ? avx512::add(hi, lo) : avx512::sub(hi, lo);
}

template <bool kInverse>
FTI_AVX512 void transform_block_avx512(Fp* x, unsigned bits) {
  namespace vec = avx512;
  const std::size_t n = std::size_t{1} << bits;
  constexpr auto step = butterfly_avx512<kInverse>;
  const vec::Vec from1 = _mm512_set_epi64(6, 6, 4, 4, 2, 2, 0, 0);
  const vec::Vec from2 = _mm512_set_epi64(5, 4, 5, 4, 1, 0, 1, 0);
  const vec::Vec from4 = _mm512_set_epi64(3, 2, 1, 0, 3, 2, 1, 0);
  for (std::size_t base = 0; base < n; base += 8) {
    vec::Vec v = vec::load(x + base);
    v = _mm512_mask_blend_epi64(0xAA, v, step(v, vec::permute(from1, v)));
    v = _mm512_mask_blend_epi64(0xCC, v, step(v, vec::permute(from2, v)));
    v = _mm512_mask_blend_epi64(0xF0, v, step(v, vec::permute(from4, v)));
    vec::store(x + base, v);
  }
  for (unsigned k = 3; k < bits; ++k) {
    const std::size_t h = std::size_t{1} << k;
    for (std::size_t base = 0; base < n; base += 2 * h) {
      for (std::size_t j = 0; j < h; j += 8) {
        vec::store(x + base + h + j, step(vec::load(x + base + h + j), vec::load(x + base + j)));
      }
    }
  }
}
#endif

// transform_block, on the vector kernels where they run and the block holds
// at least one register.
template <typename T, bool kInverse>
void transform_block_any(T* x, unsigned bits) {
#if defined(FTI_HAVE_AVX512_KERNELS)
  if constexpr (std::is_same_v<T, Fp>) {
    if (bits >= 3 && simd_enabled()) {
      transform_block_avx512<kInverse>(x, bits);
      return;
    }
  }
#endif
  transform_block<T, kInverse>(x, bits);
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
    transform_block_any<T, kInverse>(x, low);
    return;
  }
  tbb::parallel_for(std::size_t{0}, n / block,
                    [&](std::size_t b) { transform_block_any<T, kInverse>(x + b * block, low); });
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

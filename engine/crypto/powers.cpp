#include "engine/crypto/powers.h"

#include <cstddef>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/crypto/goldilocks_avx512.h"
#include "engine/crypto/simd.h"

namespace fti::crypto {
namespace {

constexpr std::size_t kParallelGrain = std::size_t{1} << 15;

// From index `begin` on, with f = first * base^begin.
void multiply_scalar(const Fp* in, Fp* out, std::size_t begin, std::size_t end, Fp f, Fp base) {
  for (std::size_t i = begin; i < end; ++i) {
    out[i] = in[i] * f;
    f *= base;
  }
}

#if defined(FTI_HAVE_AVX512_KERNELS)
// Lanes hold first * base^(i..i+7); each step multiplies them by base^8.
// Returns where the scalar tail starts and the power it starts from.
FTI_AVX512 std::size_t multiply_avx512(const Fp* in, Fp* out, std::size_t n, Fp first, Fp base, Fp& next) {
  alignas(64) Fp lanes[8];
  lanes[0] = first;
  for (std::size_t k = 1; k < 8; ++k) lanes[k] = lanes[k - 1] * base;
  const Fp step = base.square().square().square();  // base^8
  avx512::Vec powers = avx512::load(lanes);
  const avx512::Vec step_vec = avx512::splat(step.value());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    avx512::store(out + i, avx512::mul(avx512::load(in + i), powers));
    powers = avx512::mul(powers, step_vec);
  }
  avx512::store(lanes, powers);
  next = lanes[0];
  return i;
}

FTI_AVX512 std::size_t multiply_accumulate_avx512(Fp* acc, Fp c, const Fp* x, std::size_t n) {
  const avx512::Vec cv = avx512::splat(c.value());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    avx512::store(acc + i, avx512::add(avx512::mul(avx512::load(acc + i), cv), avx512::load(x + i)));
  }
  return i;
}

FTI_AVX512 std::size_t scale_accumulate_avx512(Fp* acc, Fp c, const Fp* x, std::size_t n) {
  const avx512::Vec cv = avx512::splat(c.value());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    avx512::store(acc + i, avx512::add(avx512::load(acc + i), avx512::mul(avx512::load(x + i), cv)));
  }
  return i;
}
#endif

}  // namespace

void multiply_by_powers(std::span<const Fp> in, Fp first, Fp base, std::span<Fp> out) {
  if (in.size() != out.size()) throw std::invalid_argument("multiply_by_powers: sizes differ");
#if defined(FTI_HAVE_AVX512_KERNELS)
  if (in.size() >= 8 && simd_enabled()) {
    Fp next;
    const std::size_t done = multiply_avx512(in.data(), out.data(), in.size(), first, base, next);
    multiply_scalar(in.data(), out.data(), done, in.size(), next, base);
    return;
  }
#endif
  multiply_scalar(in.data(), out.data(), 0, in.size(), first, base);
}

void multiply_by_powers_parallel(std::span<const Fp> in, Fp first, Fp base, std::span<Fp> out) {
  if (in.size() != out.size()) throw std::invalid_argument("multiply_by_powers: sizes differ");
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, in.size(), kParallelGrain),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      multiply_by_powers(in.subspan(r.begin(), r.size()), first * base.pow(r.begin()), base,
                                         out.subspan(r.begin(), r.size()));
                    });
}

void multiply_accumulate(std::span<Fp> acc, Fp c, std::span<const Fp> x) {
  if (acc.size() != x.size()) throw std::invalid_argument("multiply_accumulate: sizes differ");
  std::size_t i = 0;
#if defined(FTI_HAVE_AVX512_KERNELS)
  if (simd_enabled()) i = multiply_accumulate_avx512(acc.data(), c, x.data(), acc.size());
#endif
  for (; i < acc.size(); ++i) acc[i] = acc[i] * c + x[i];
}

void scale_accumulate(std::span<Fp> acc, Fp c, std::span<const Fp> x) {
  if (acc.size() != x.size()) throw std::invalid_argument("scale_accumulate: sizes differ");
  std::size_t i = 0;
#if defined(FTI_HAVE_AVX512_KERNELS)
  if (simd_enabled()) i = scale_accumulate_avx512(acc.data(), c, x.data(), acc.size());
#endif
  for (; i < acc.size(); ++i) acc[i] += c * x[i];
}

}  // namespace fti::crypto

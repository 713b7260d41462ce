#include "engine/crypto/ntt.h"

#include <algorithm>
#include <bit>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include "engine/crypto/goldilocks_avx512.h"
#include "engine/crypto/simd.h"

namespace fti::crypto {

// Twiddles laid out per layer: table[h + j] = w_{2h}^j for j < h, for every
// power of two h < 2^max_log. A layer's twiddles are contiguous (streamed, not
// strided) and the table for a large size contains the one for every smaller
// size, so one table serves all transforms.
struct TwiddleTables {
  unsigned max_log = 0;
  std::vector<Fp> forward;
  std::vector<Fp> inverse;
};

namespace {

// Below this size a transform runs on one thread (the work would not pay for
// the task overhead); 2^14 elements = 128 KiB also fits in L2, where the
// remaining layers run without touching memory.
constexpr std::size_t kSerialSize = std::size_t{1} << 14;
constexpr std::size_t kGrain = std::size_t{1} << 12;

std::vector<Fp> build_table(unsigned max_log, bool invert) {
  const std::size_t n = std::size_t{1} << max_log;
  std::vector<Fp> table(std::max<std::size_t>(n, 2));
  if (max_log == 0) return table;
  // Top layer h = n/2: powers of w_n, built in parallel chunks.
  const std::size_t half = n / 2;
  Fp w = Fp::root_of_unity(max_log);
  if (invert) w = w.inverse();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, half, kGrain),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      Fp x = w.pow(r.begin());
                      for (std::size_t j = r.begin(); j < r.end(); ++j) {
                        table[half + j] = x;
                        x *= w;
                      }
                    });
  // Lower layers by decimation: w_{2h}^j = w_{4h}^{2j}.
  for (std::size_t h = half / 2; h >= 1; h /= 2) {
    for (std::size_t j = 0; j < h; ++j) table[h + j] = table[2 * h + 2 * j];
  }
  return table;
}

class TwiddleCache {
 public:
  std::shared_ptr<const TwiddleTables> get(unsigned log_n) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (tables_ && tables_->max_log >= log_n) return tables_;
    }
    // Built outside the lock: the build is itself TBB-parallel, and a worker
    // waiting in it may pick up another task that needs the tables; holding
    // a mutex here could then deadlock. Concurrent first callers may build
    // the same table twice; the larger one wins.
    auto t = std::make_shared<TwiddleTables>();
    t->max_log = log_n;
    t->forward = build_table(log_n, false);
    t->inverse = build_table(log_n, true);
    std::lock_guard<std::mutex> lock(mu_);
    if (!tables_ || tables_->max_log < log_n) tables_ = std::move(t);
    return tables_;
  }

 private:
  std::mutex mu_;
  std::shared_ptr<const TwiddleTables> tables_;
};

TwiddleCache& twiddle_cache() {
  static TwiddleCache cache;
  return cache;
}

unsigned checked_log2(std::size_t n, const char* who) {
  if (n == 0 || (n & (n - 1)) != 0) {
    throw std::invalid_argument(std::string(who) + ": size must be a power of two");
  }
  const auto log_n = static_cast<unsigned>(std::countr_zero(n));
  if (log_n > kMaxLogNttSize) throw std::invalid_argument(std::string(who) + ": size above 2^32");
  return log_n;
}

// Two DIF layers at once (radix-4) on the block x[0, 4q), for j in
// [begin, end): the four quarters pass through registers once instead of
// memory twice.
inline void dif_radix4_range(Fp* x, std::size_t q, const Fp* tw, std::size_t begin, std::size_t end) {
  const Fp* tw_outer = tw + 2 * q;  // w_{4q}^j, j < 2q
  const Fp* tw_inner = tw + q;      // w_{2q}^j, j < q
  Fp* x0 = x;
  Fp* x1 = x + q;
  Fp* x2 = x + 2 * q;
  Fp* x3 = x + 3 * q;
  for (std::size_t j = begin; j < end; ++j) {
    const Fp a0 = x0[j], a1 = x1[j], a2 = x2[j], a3 = x3[j];
    // Outer layer, h = 2q: pairs (a0, a2) with w^j and (a1, a3) with w^(j+q).
    const Fp b0 = a0 + a2, b2 = (a0 - a2) * tw_outer[j];
    const Fp b1 = a1 + a3, b3 = (a1 - a3) * tw_outer[j + q];
    // Inner layer, h = q: pairs (b0, b1) and (b2, b3), both with w_{2q}^j.
    x0[j] = b0 + b1;
    x1[j] = (b0 - b1) * tw_inner[j];
    x2[j] = b2 + b3;
    x3[j] = (b2 - b3) * tw_inner[j];
  }
}

inline void dif_radix4(Fp* x, std::size_t q, const Fp* tw) { dif_radix4_range(x, q, tw, 0, q); }

inline void dit_radix4(Fp* x, std::size_t q, const Fp* tw) {
  const Fp* tw_outer = tw + 2 * q;
  const Fp* tw_inner = tw + q;
  Fp* x0 = x;
  Fp* x1 = x + q;
  Fp* x2 = x + 2 * q;
  Fp* x3 = x + 3 * q;
  for (std::size_t j = 0; j < q; ++j) {
    const Fp a0 = x0[j], a1 = x1[j] * tw_inner[j], a2 = x2[j], a3 = x3[j] * tw_inner[j];
    const Fp b0 = a0 + a1, b1 = a0 - a1, b2 = a2 + a3, b3 = a2 - a3;
    const Fp c2 = b2 * tw_outer[j], c3 = b3 * tw_outer[j + q];
    x0[j] = b0 + c2;
    x1[j] = b1 + c3;
    x2[j] = b0 - c2;
    x3[j] = b1 - c3;
  }
}

// Serial DIF on x[0, n): radix-4 passes from the top, a final radix-2 pass
// when log n is odd.
void dif_serial(Fp* x, std::size_t n, const Fp* tw) {
  std::size_t h = n / 2;
  for (; h >= 2; h /= 4) {
    const std::size_t q = h / 2;
    for (std::size_t s = 0; s < n; s += 4 * q) dif_radix4(x + s, q, tw);
  }
  if (h == 1) {
    for (std::size_t s = 0; s < n; s += 2) {
      const Fp a = x[s], b = x[s + 1];
      x[s] = a + b;
      x[s + 1] = a - b;
    }
  }
}

void dit_serial(Fp* x, std::size_t n, const Fp* tw) {
  std::size_t h = 1;
  // Mirror of dif_serial: the lone radix-2 layer (if any) comes first.
  if (std::countr_zero(n) % 2 == 1) {
    for (std::size_t s = 0; s < n; s += 2) {
      const Fp a = x[s], b = x[s + 1];
      x[s] = a + b;
      x[s + 1] = a - b;
    }
    h = 2;
  }
  for (; h < n; h *= 4) {
    const std::size_t q = h;
    for (std::size_t s = 0; s < n; s += 4 * q) dit_radix4(x + s, q, tw);
  }
}

#if defined(FTI_HAVE_AVX512_KERNELS)
// The same passes on 8 lanes (goldilocks_avx512.h): the same bits.
namespace vec = avx512;

FTI_AVX512 static inline vec::Vec lanes(long long a0, long long a1, long long a2, long long a3, long long a4,
                                        long long a5, long long a6, long long a7) {
  return _mm512_set_epi64(a7, a6, a5, a4, a3, a2, a1, a0);
}

// dif_radix4_range, 8 values of j at a time; the scalar loop takes the rest.
FTI_AVX512 void dif_radix4_range_avx512(Fp* x, std::size_t q, const Fp* tw, std::size_t begin, std::size_t end) {
  const Fp* two = tw + 2 * q;
  const Fp* one = tw + q;
  std::size_t j = begin;
  for (; j + 8 <= end; j += 8) {
    const vec::Vec a0 = vec::load(x + j), a1 = vec::load(x + j + q);
    const vec::Vec a2 = vec::load(x + j + 2 * q), a3 = vec::load(x + j + 3 * q);
    const vec::Vec b0 = vec::add(a0, a2), b2 = vec::mul(vec::sub(a0, a2), vec::load(two + j));
    const vec::Vec b1 = vec::add(a1, a3), b3 = vec::mul(vec::sub(a1, a3), vec::load(two + j + q));
    const vec::Vec w = vec::load(one + j);
    vec::store(x + j, vec::add(b0, b1));
    vec::store(x + j + q, vec::mul(vec::sub(b0, b1), w));
    vec::store(x + j + 2 * q, vec::add(b2, b3));
    vec::store(x + j + 3 * q, vec::mul(vec::sub(b2, b3), w));
  }
  dif_radix4_range(x, q, tw, j, end);
}

// The last three layers (h = 4, 2, 1) of every aligned 8-value chunk: a
// size-8 DIF inside one register, the pairs lined up by permutes.
FTI_AVX512 void dif_last_three_avx512(Fp* x, std::size_t n, const Fp* tw) {
  const vec::Vec lo4 = lanes(0, 1, 2, 3, 0, 1, 2, 3), hi4 = lanes(4, 5, 6, 7, 4, 5, 6, 7);
  const vec::Vec lo2 = lanes(0, 1, 0, 1, 4, 5, 4, 5), hi2 = lanes(2, 3, 2, 3, 6, 7, 6, 7);
  const vec::Vec lo1 = lanes(0, 0, 2, 2, 4, 4, 6, 6), hi1 = lanes(1, 1, 3, 3, 5, 5, 7, 7);
  const auto v = [tw](std::size_t i) { return static_cast<long long>(tw[i].value()); };
  const vec::Vec w4 = lanes(v(4), v(5), v(6), v(7), v(4), v(5), v(6), v(7));  // w_8^j in lanes 4..7
  const vec::Vec w2 = lanes(v(2), v(3), v(2), v(3), v(2), v(3), v(2), v(3));  // w_4^j in lanes 2, 3, 6, 7
  for (std::size_t s = 0; s < n; s += 8) {
    vec::Vec a = vec::load(x + s);
    vec::Vec u = vec::permute(lo4, a), w = vec::permute(hi4, a);
    a = _mm512_mask_blend_epi64(0xF0, vec::add(u, w), vec::mul(vec::sub(u, w), w4));
    u = vec::permute(lo2, a);
    w = vec::permute(hi2, a);
    a = _mm512_mask_blend_epi64(0xCC, vec::add(u, w), vec::mul(vec::sub(u, w), w2));
    u = vec::permute(lo1, a);
    w = vec::permute(hi1, a);
    vec::store(x + s, _mm512_mask_blend_epi64(0xAA, vec::add(u, w), vec::sub(u, w)));
  }
}

// dif_serial on 8 lanes: radix-4 passes while both layers have h >= 8, one
// radix-2 pass for h = 8 when it is left over, then the last three layers.
FTI_AVX512 void dif_serial_avx512(Fp* x, std::size_t n, const Fp* tw) {
  if (n < 16) {
    dif_serial(x, n, tw);
    return;
  }
  std::size_t h = n / 2;
  for (; h >= 16; h /= 4) {
    const std::size_t q = h / 2;
    for (std::size_t s = 0; s < n; s += 4 * q) dif_radix4_range_avx512(x + s, q, tw, 0, q);
  }
  if (h == 8) {
    const vec::Vec w = vec::load(tw + 8);
    for (std::size_t s = 0; s < n; s += 16) {
      const vec::Vec a = vec::load(x + s), b = vec::load(x + s + 8);
      vec::store(x + s, vec::add(a, b));
      vec::store(x + s + 8, vec::mul(vec::sub(a, b), w));
    }
  }
  dif_last_three_avx512(x, n, tw);
}
#endif

// Large transforms: one radix-4 pass over the whole block (parallel over j),
// then the four quarters are independent transforms of size n/4 (the DIF
// structure), recursed into in parallel until they fit in cache.
void dif_recursive(Fp* x, std::size_t n, const Fp* tw, bool simd) {
  if (n <= kSerialSize) {
#if defined(FTI_HAVE_AVX512_KERNELS)
    if (simd) {
      dif_serial_avx512(x, n, tw);
      return;
    }
#endif
    dif_serial(x, n, tw);
    return;
  }
  const std::size_t q = n / 4;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, q, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
#if defined(FTI_HAVE_AVX512_KERNELS)
    if (simd) {
      dif_radix4_range_avx512(x, q, tw, r.begin(), r.end());
      return;
    }
#endif
    dif_radix4_range(x, q, tw, r.begin(), r.end());
  });
  tbb::parallel_for(std::size_t{0}, std::size_t{4}, [&](std::size_t k) { dif_recursive(x + k * q, q, tw, simd); });
}

void dit_recursive(Fp* x, std::size_t n, const Fp* tw) {
  if (n <= kSerialSize) {
    dit_serial(x, n, tw);
    return;
  }
  const std::size_t q = n / 4;
  tbb::parallel_for(std::size_t{0}, std::size_t{4}, [&](std::size_t k) { dit_recursive(x + k * q, q, tw); });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, q, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
    const Fp* two = tw + 2 * q;
    const Fp* one = tw + q;
    for (std::size_t j = r.begin(); j < r.end(); ++j) {
      const Fp a0 = x[j], a1 = x[j + q] * one[j], a2 = x[j + 2 * q], a3 = x[j + 3 * q] * one[j];
      const Fp b0 = a0 + a1, b1 = a0 - a1, b2 = a2 + a3, b3 = a2 - a3;
      const Fp c2 = b2 * two[j], c3 = b3 * two[j + q];
      x[j] = b0 + c2;
      x[j + q] = b1 + c3;
      x[j + 2 * q] = b0 - c2;
      x[j + 3 * q] = b1 - c3;
    }
  });
}

// x[i] *= scale * base^i, in parallel chunks (each chunk starts from a pow).
void scale_by_powers(std::span<Fp> x, Fp scale, Fp base) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, x.size(), kGrain * 4),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      Fp f = scale * base.pow(r.begin());
                      for (std::size_t i = r.begin(); i < r.end(); ++i) {
                        x[i] *= f;
                        f *= base;
                      }
                    });
}

void forward_impl(std::span<Fp> values) {
  const unsigned log_n = checked_log2(values.size(), "ntt_forward");
  if (log_n == 0) return;
  const auto tables = twiddle_cache().get(log_n);
  dif_recursive(values.data(), values.size(), tables->forward.data(), simd_enabled());
}

void inverse_impl(std::span<Fp> values) {
  const unsigned log_n = checked_log2(values.size(), "ntt_inverse");
  if (log_n == 0) return;
  const auto tables = twiddle_cache().get(log_n);
  dit_recursive(values.data(), values.size(), tables->inverse.data());
}

}  // namespace

void ntt_precompute(unsigned log_n) {
  if (log_n > kMaxLogNttSize) throw std::invalid_argument("ntt_precompute: size above 2^32");
  (void)twiddle_cache().get(log_n);
}

void bit_reverse_permute(std::span<Fp> values) {
  const unsigned log_n = checked_log2(values.size(), "bit_reverse_permute");
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::size_t j = bit_reverse(i, log_n);
    if (i < j) std::swap(values[i], values[j]);
  }
}

void ntt_forward(std::span<Fp> values) { forward_impl(values); }

void ntt_inverse(std::span<Fp> values) {
  inverse_impl(values);
  const auto n = static_cast<std::uint64_t>(values.size());
  const Fp n_inv = Fp::from_u64(n).inverse();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), kGrain * 4),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i < r.end(); ++i) values[i] *= n_inv;
                    });
}

void coset_ntt_forward(std::span<Fp> values, Fp shift) {
  (void)checked_log2(values.size(), "coset_ntt_forward");
  if (shift.is_zero()) throw std::invalid_argument("coset_ntt_forward: zero shift");
  // f(shift * x) has coefficients a_i shift^i.
  if (shift != Fp::one()) scale_by_powers(values, Fp::one(), shift);
  forward_impl(values);
}

void coset_ntt_inverse(std::span<Fp> values, Fp shift) {
  (void)checked_log2(values.size(), "coset_ntt_inverse");
  if (shift.is_zero()) throw std::invalid_argument("coset_ntt_inverse: zero shift");
  inverse_impl(values);
  // Undo the coset scaling and the factor n in one pass.
  const Fp n_inv = Fp::from_u64(static_cast<std::uint64_t>(values.size())).inverse();
  scale_by_powers(values, n_inv, shift.inverse());
}

namespace {

// x[i] *= shift^i, serially.
void scale_serial(std::span<Fp> x, Fp shift) {
  Fp f = Fp::one();
  for (Fp& v : x) {
    v *= f;
    f *= shift;
  }
}

#if defined(FTI_HAVE_AVX512_KERNELS)
// The same, 8 powers at a time (size a multiple of 8).
FTI_AVX512 void scale_serial_avx512(std::span<Fp> x, Fp shift) {
  alignas(64) Fp first[8];
  first[0] = Fp::one();
  for (std::size_t i = 1; i < 8; ++i) first[i] = first[i - 1] * shift;
  vec::Vec powers = vec::load(first);
  const vec::Vec step = vec::splat((first[7] * shift).value());
  for (std::size_t i = 0; i < x.size(); i += 8) {
    vec::store(x.data() + i, vec::mul(vec::load(x.data() + i), powers));
    powers = vec::mul(powers, step);
  }
}
#endif

}  // namespace

SerialCosetNtt::SerialCosetNtt(unsigned log_n)
    : log_n_(log_n), simd_(simd_enabled()), tables_(log_n <= kMaxLogNttSize ? twiddle_cache().get(log_n) : nullptr) {
  if (log_n > kMaxLogNttSize) throw std::invalid_argument("SerialCosetNtt: size above 2^32");
}

void SerialCosetNtt::operator()(std::span<Fp> values, Fp shift) const {
  if (values.size() != (std::size_t{1} << log_n_)) throw std::invalid_argument("SerialCosetNtt: wrong size");
  if (log_n_ == 0) return;
#if defined(FTI_HAVE_AVX512_KERNELS)
  if (simd_ && log_n_ >= 3) {
    scale_serial_avx512(values, shift);
    dif_serial_avx512(values.data(), values.size(), tables_->forward.data());
    return;
  }
#endif
  scale_serial(values, shift);
  dif_serial(values.data(), values.size(), tables_->forward.data());
}

Fp domain_point(unsigned log_n, std::size_t position, Fp shift) {
  if (log_n > kMaxLogNttSize || (position >> log_n) != 0) {
    throw std::invalid_argument("domain_point: position outside the domain");
  }
  return shift * Fp::root_of_unity(log_n).pow(bit_reverse(position, log_n));
}

}  // namespace fti::crypto

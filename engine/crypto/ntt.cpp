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
#include "engine/crypto/powers.h"
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
// Twiddle tables stop at 2^22 entries (32 MiB per direction); the top passes
// of larger transforms compute theirs (radix4_pass).
constexpr unsigned kMaxTableLog = 22;

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
    log_n = std::min(log_n, kMaxTableLog);
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
// memory twice. The twiddles of j are outer_lo[j - begin] = w_{4q}^j,
// outer_hi[j - begin] = w_{4q}^(j+q) and inner[j - begin] = w_{2q}^j.
inline void dif_radix4_with(Fp* x, std::size_t q, std::size_t begin, std::size_t end, const Fp* outer_lo,
                            const Fp* outer_hi, const Fp* inner) {
  Fp* x0 = x;
  Fp* x1 = x + q;
  Fp* x2 = x + 2 * q;
  Fp* x3 = x + 3 * q;
  for (std::size_t j = begin; j < end; ++j) {
    const std::size_t k = j - begin;
    const Fp a0 = x0[j], a1 = x1[j], a2 = x2[j], a3 = x3[j];
    // Outer layer, h = 2q: pairs (a0, a2) with w^j and (a1, a3) with w^(j+q).
    const Fp b0 = a0 + a2, b2 = (a0 - a2) * outer_lo[k];
    const Fp b1 = a1 + a3, b3 = (a1 - a3) * outer_hi[k];
    // Inner layer, h = q: pairs (b0, b1) and (b2, b3), both with w_{2q}^j.
    x0[j] = b0 + b1;
    x1[j] = (b0 - b1) * inner[k];
    x2[j] = b2 + b3;
    x3[j] = (b2 - b3) * inner[k];
  }
}

// The whole block, with the twiddles from the table (tw[h + j] = w_{2h}^j).
inline void dif_radix4(Fp* x, std::size_t q, const Fp* tw) {
  dif_radix4_with(x, q, 0, q, tw + 2 * q, tw + 3 * q, tw + q);
}

// The DIT twin of dif_radix4_with (the inverse transform), same twiddles.
inline void dit_radix4_with(Fp* x, std::size_t q, std::size_t begin, std::size_t end, const Fp* outer_lo,
                            const Fp* outer_hi, const Fp* inner) {
  Fp* x0 = x;
  Fp* x1 = x + q;
  Fp* x2 = x + 2 * q;
  Fp* x3 = x + 3 * q;
  for (std::size_t j = begin; j < end; ++j) {
    const std::size_t k = j - begin;
    const Fp a0 = x0[j], a1 = x1[j] * inner[k], a2 = x2[j], a3 = x3[j] * inner[k];
    const Fp b0 = a0 + a1, b1 = a0 - a1, b2 = a2 + a3, b3 = a2 - a3;
    const Fp c2 = b2 * outer_lo[k], c3 = b3 * outer_hi[k];
    x0[j] = b0 + c2;
    x1[j] = b1 + c3;
    x2[j] = b0 - c2;
    x3[j] = b1 - c3;
  }
}

inline void dit_radix4(Fp* x, std::size_t q, const Fp* tw) {
  dit_radix4_with(x, q, 0, q, tw + 2 * q, tw + 3 * q, tw + q);
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

// dif_radix4_with, 8 values of j at a time; the scalar loop takes the rest.
FTI_AVX512 void dif_radix4_with_avx512(Fp* x, std::size_t q, std::size_t begin, std::size_t end,
                                       const Fp* outer_lo, const Fp* outer_hi, const Fp* inner) {
  std::size_t j = begin;
  for (; j + 8 <= end; j += 8) {
    const std::size_t k = j - begin;
    const vec::Vec a0 = vec::load(x + j), a1 = vec::load(x + j + q);
    const vec::Vec a2 = vec::load(x + j + 2 * q), a3 = vec::load(x + j + 3 * q);
    const vec::Vec b0 = vec::add(a0, a2), b2 = vec::mul(vec::sub(a0, a2), vec::load(outer_lo + k));
    const vec::Vec b1 = vec::add(a1, a3), b3 = vec::mul(vec::sub(a1, a3), vec::load(outer_hi + k));
    const vec::Vec w = vec::load(inner + k);
    vec::store(x + j, vec::add(b0, b1));
    vec::store(x + j + q, vec::mul(vec::sub(b0, b1), w));
    vec::store(x + j + 2 * q, vec::add(b2, b3));
    vec::store(x + j + 3 * q, vec::mul(vec::sub(b2, b3), w));
  }
  const std::size_t k = j - begin;
  dif_radix4_with(x, q, j, end, outer_lo + k, outer_hi + k, inner + k);
}

FTI_AVX512 void dif_radix4_avx512(Fp* x, std::size_t q, const Fp* tw) {
  dif_radix4_with_avx512(x, q, 0, q, tw + 2 * q, tw + 3 * q, tw + q);
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
    for (std::size_t s = 0; s < n; s += 4 * q) dif_radix4_avx512(x + s, q, tw);
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

#if defined(FTI_HAVE_AVX512_KERNELS)
// fill_radix4_twiddles on 8 lanes (count a multiple of 8).
FTI_AVX512 void fill_radix4_twiddles_avx512(Fp start, Fp w, Fp quarter, std::size_t count, Fp* lo, Fp* hi,
                                            Fp* inner) {
  alignas(64) Fp first[8];
  first[0] = start;
  for (std::size_t k = 1; k < 8; ++k) first[k] = first[k - 1] * w;
  vec::Vec t = vec::load(first);
  const vec::Vec step = vec::splat(w.square().square().square().value());
  const vec::Vec quarter_vec = vec::splat(quarter.value());
  for (std::size_t k = 0; k < count; k += 8) {
    vec::store(lo + k, t);
    vec::store(hi + k, vec::mul(t, quarter_vec));
    vec::store(inner + k, vec::mul(t, t));
    t = vec::mul(t, step);
  }
}
#endif

// The twiddles of a radix-4 pass over a block of 4q values that the table
// does not reach (4q above its size): for j in [begin, begin + count),
// lo = w^j, hi = w^(j+q) = w^j w^q and inner = w^(2j), w of order 4q (its
// inverse for the inverse transform). 8 lanes at a time where the vector
// kernels run.
void fill_radix4_twiddles(Fp w, std::size_t q, std::size_t begin, std::size_t count, Fp* lo, Fp* hi, Fp* inner,
                          bool simd) {
  const Fp start = w.pow(begin);
  const Fp quarter = w.pow(q);
#if defined(FTI_HAVE_AVX512_KERNELS)
  if (simd && count % 8 == 0) {
    fill_radix4_twiddles_avx512(start, w, quarter, count, lo, hi, inner);
    return;
  }
#else
  (void)simd;
#endif
  Fp t = start;
  for (std::size_t k = 0; k < count; ++k) {
    lo[k] = t;
    hi[k] = t * quarter;
    inner[k] = t.square();
    t *= w;
  }
}

// One radix-4 pass over x[0, 4q) for j in [begin, end), DIF or DIT, with the
// twiddles from the table when it reaches 4q, else computed a block at a
// time (the table stops at 2^kMaxTableLog entries: a table for every size
// would take 16 bytes per value of the largest transform, 4 GiB at 2^28).
constexpr std::size_t kTwiddleBlock = 1024;

void radix4_pass(Fp* x, std::size_t q, std::size_t begin, std::size_t end, const TwiddleTables& tables, bool inverse,
                 bool simd) {
  const auto run = [&](std::size_t b, std::size_t e, const Fp* lo, const Fp* hi, const Fp* inner) {
    if (inverse) {
      dit_radix4_with(x, q, b, e, lo, hi, inner);
      return;
    }
#if defined(FTI_HAVE_AVX512_KERNELS)
    if (simd) {
      dif_radix4_with_avx512(x, q, b, e, lo, hi, inner);
      return;
    }
#endif
    dif_radix4_with(x, q, b, e, lo, hi, inner);
  };
  if ((4 * q) >> tables.max_log <= 1) {
    const Fp* tw = (inverse ? tables.inverse : tables.forward).data();
    run(begin, end, tw + 2 * q + begin, tw + 3 * q + begin, tw + q + begin);
    return;
  }
  const unsigned log_size = static_cast<unsigned>(std::countr_zero(4 * q));
  const Fp root = Fp::root_of_unity(log_size);
  const Fp w = inverse ? root.inverse() : root;
  Fp lo[kTwiddleBlock], hi[kTwiddleBlock], inner[kTwiddleBlock];
  for (std::size_t b = begin; b < end; b += kTwiddleBlock) {
    const std::size_t e = std::min(end, b + kTwiddleBlock);
    fill_radix4_twiddles(w, q, b, e - b, lo, hi, inner, simd);
    run(b, e, lo, hi, inner);
  }
}

// Large transforms: one radix-4 pass over the whole block (parallel over j),
// then the four quarters are independent transforms of size n/4 (the DIF
// structure), recursed into in parallel until they fit in cache.
void dif_recursive(Fp* x, std::size_t n, const TwiddleTables& tables, bool simd) {
  if (n <= kSerialSize) {
#if defined(FTI_HAVE_AVX512_KERNELS)
    if (simd) {
      dif_serial_avx512(x, n, tables.forward.data());
      return;
    }
#endif
    dif_serial(x, n, tables.forward.data());
    return;
  }
  const std::size_t q = n / 4;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, q, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
    radix4_pass(x, q, r.begin(), r.end(), tables, false, simd);
  });
  tbb::parallel_for(std::size_t{0}, std::size_t{4}, [&](std::size_t k) { dif_recursive(x + k * q, q, tables, simd); });
}

void dit_recursive(Fp* x, std::size_t n, const TwiddleTables& tables) {
  if (n <= kSerialSize) {
    dit_serial(x, n, tables.inverse.data());
    return;
  }
  const std::size_t q = n / 4;
  tbb::parallel_for(std::size_t{0}, std::size_t{4}, [&](std::size_t k) { dit_recursive(x + k * q, q, tables); });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, q, kGrain), [&](const tbb::blocked_range<std::size_t>& r) {
    radix4_pass(x, q, r.begin(), r.end(), tables, true, false);
  });
}

void forward_impl(std::span<Fp> values) {
  const unsigned log_n = checked_log2(values.size(), "ntt_forward");
  if (log_n == 0) return;
  const auto tables = twiddle_cache().get(log_n);
  dif_recursive(values.data(), values.size(), *tables, simd_enabled());
}

void inverse_impl(std::span<Fp> values) {
  const unsigned log_n = checked_log2(values.size(), "ntt_inverse");
  if (log_n == 0) return;
  const auto tables = twiddle_cache().get(log_n);
  dit_recursive(values.data(), values.size(), *tables);
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
  if (shift != Fp::one()) multiply_by_powers_parallel(values, Fp::one(), shift, values);
  forward_impl(values);
}

void coset_ntt_inverse(std::span<Fp> values, Fp shift) {
  (void)checked_log2(values.size(), "coset_ntt_inverse");
  if (shift.is_zero()) throw std::invalid_argument("coset_ntt_inverse: zero shift");
  inverse_impl(values);
  // Undo the coset scaling and the factor n in one pass.
  const Fp n_inv = Fp::from_u64(static_cast<std::uint64_t>(values.size())).inverse();
  multiply_by_powers_parallel(values, n_inv, shift.inverse(), values);
}

SerialCosetNtt::SerialCosetNtt(unsigned log_n)
    : log_n_(log_n), simd_(simd_enabled()), tables_(log_n <= kMaxTableLog ? twiddle_cache().get(log_n) : nullptr) {
  if (log_n > kMaxTableLog) throw std::invalid_argument("SerialCosetNtt: size above 2^22");
}

void SerialCosetNtt::operator()(std::span<Fp> values, Fp shift) const {
  if (values.size() != (std::size_t{1} << log_n_)) throw std::invalid_argument("SerialCosetNtt: wrong size");
  if (log_n_ == 0) return;
  multiply_by_powers(values, Fp::one(), shift, values);
#if defined(FTI_HAVE_AVX512_KERNELS)
  if (simd_) {
    dif_serial_avx512(values.data(), values.size(), tables_->forward.data());
    return;
  }
#endif
  dif_serial(values.data(), values.size(), tables_->forward.data());
}

Fp domain_point(unsigned log_n, std::size_t position, Fp shift) {
  if (log_n > kMaxLogNttSize || (position >> log_n) != 0) {
    throw std::invalid_argument("domain_point: position outside the domain");
  }
  return shift * Fp::root_of_unity(log_n).pow(bit_reverse(position, log_n));
}

}  // namespace fti::crypto

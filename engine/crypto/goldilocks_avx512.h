// Goldilocks arithmetic on 8 lanes of an AVX-512 register (x86-64 only).
//
// The same canonical results as Fp's operators (every lane stays in [0, p)),
// with the same reduction (goldilocks.h): a 128-bit product from four
// 32 x 32 -> 64-bit multiplies (vpmuludq), then 2^64 = 2^32 - 1 and
// 2^96 = -1 (mod p). AVX-512F only. Every function carries the target
// attribute instead of the file being built with -mavx512f: the callers pick
// these kernels at run time (simd.h), and no inline function shared with the
// rest of the program is ever compiled for AVX-512 (the linker could keep
// that copy and run it on a machine without it). Functions are `static` for
// the same reason: each translation unit that includes this has its own.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FTI_HAVE_AVX512_KERNELS 1
#include <immintrin.h>

#include <cstdint>

#define FTI_AVX512 __attribute__((target("avx512f")))

namespace fti::crypto::avx512 {

using Vec = __m512i;

inline constexpr std::uint64_t kP = 0xFFFF'FFFF'0000'0001ULL;
inline constexpr std::uint64_t kEps = 0xFFFF'FFFFULL;  // 2^64 mod p

FTI_AVX512 static inline Vec load(const void* p) { return _mm512_loadu_si512(p); }
FTI_AVX512 static inline void store(void* p, Vec v) { _mm512_storeu_si512(p, v); }
FTI_AVX512 static inline Vec splat(std::uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }

// Shifts by 32, the 32 x 32 -> 64-bit multiply and the lane permute, written as their
// zero-masked forms with every lane selected (the same instructions): GCC 12's
// plain forms take an "undefined" source that -Wmaybe-uninitialized reports.
inline constexpr __mmask8 kAllLanes = 0xFF;
FTI_AVX512 static inline Vec shr32(Vec a) { return _mm512_maskz_srli_epi64(kAllLanes, a, 32); }
FTI_AVX512 static inline Vec shl32(Vec a) { return _mm512_maskz_slli_epi64(kAllLanes, a, 32); }
FTI_AVX512 static inline Vec mul32(Vec a, Vec b) { return _mm512_maskz_mul_epu32(kAllLanes, a, b); }
// Lane i of the result is lane index[i] of v.
FTI_AVX512 static inline Vec permute(Vec index, Vec v) { return _mm512_maskz_permutexvar_epi64(kAllLanes, index, v); }

// Lane i = base[index[i]] (64-bit values; index in elements).
FTI_AVX512 static inline Vec gather(Vec index, const void* base) {
  return _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), kAllLanes, index, base, 8);
}

// a + b mod p: computed as a - (p - b); on a borrow a + b < p and p goes back.
FTI_AVX512 static inline Vec add(Vec a, Vec b) {
  const Vec nb = _mm512_sub_epi64(splat(kP), b);
  const Vec t = _mm512_sub_epi64(a, nb);
  const __mmask8 borrow = _mm512_cmplt_epu64_mask(a, nb);
  return _mm512_mask_add_epi64(t, borrow, t, splat(kP));
}

// a - b mod p: on a borrow the wrapped difference is a - b + 2^64, and
// a - b + p = that - (2^32 - 1).
FTI_AVX512 static inline Vec sub(Vec a, Vec b) {
  const Vec d = _mm512_sub_epi64(a, b);
  const __mmask8 borrow = _mm512_cmplt_epu64_mask(a, b);
  return _mm512_mask_sub_epi64(d, borrow, d, splat(kEps));
}

// a * b mod p.
FTI_AVX512 static inline Vec mul(Vec a, Vec b) {
  const Vec lo32 = splat(kEps);
  const Vec a_hi = shr32(a);
  const Vec b_hi = shr32(b);
  const Vec ll = mul32(a, b);
  const Vec lh = mul32(a, b_hi);
  const Vec hl = mul32(a_hi, b);
  const Vec hh = mul32(a_hi, b_hi);
  // 128-bit product hi:lo; neither sum below can carry out of 64 bits
  // ((2^32-1)^2 + 2 (2^32-1) < 2^64).
  const Vec t = _mm512_add_epi64(hl, shr32(ll));
  const Vec u = _mm512_add_epi64(lh, _mm512_and_si512(t, lo32));
  const Vec lo = _mm512_or_si512(shl32(u), _mm512_and_si512(ll, lo32));
  const Vec hi = _mm512_add_epi64(_mm512_add_epi64(hh, shr32(t)), shr32(u));
  // Reduction of lo + 2^64 (hi_lo + 2^32 hi_hi) = lo - hi_hi + hi_lo (2^32 - 1),
  // step for step as Fp::reduce128.
  const Vec hi_hi = shr32(hi);
  const Vec hi_lo = _mm512_and_si512(hi, lo32);
  Vec t0 = _mm512_sub_epi64(lo, hi_hi);
  t0 = _mm512_mask_sub_epi64(t0, _mm512_cmplt_epu64_mask(lo, hi_hi), t0, lo32);
  const Vec t1 = _mm512_sub_epi64(shl32(hi_lo), hi_lo);
  Vec t2 = _mm512_add_epi64(t0, t1);
  t2 = _mm512_mask_add_epi64(t2, _mm512_cmplt_epu64_mask(t2, t1), t2, lo32);
  return _mm512_mask_sub_epi64(t2, _mm512_cmpge_epu64_mask(t2, splat(kP)), t2, splat(kP));
}

// An element of Fp3 = Fp[X]/(X^3 - 2) in each lane: coefficient k of the
// 8 elements in c[k] (structure of arrays).
struct Vec3 {
  Vec c[3];
};

FTI_AVX512 static inline Vec3 add3(const Vec3& a, const Vec3& b) {
  return {{add(a.c[0], b.c[0]), add(a.c[1], b.c[1]), add(a.c[2], b.c[2])}};
}
FTI_AVX512 static inline Vec3 sub3(const Vec3& a, const Vec3& b) {
  return {{sub(a.c[0], b.c[0]), sub(a.c[1], b.c[1]), sub(a.c[2], b.c[2])}};
}
// Extension times base field.
FTI_AVX512 static inline Vec3 mul3(const Vec3& a, Vec b) { return {{mul(a.c[0], b), mul(a.c[1], b), mul(a.c[2], b)}}; }
// Schoolbook with X^3 = 2, as Fp3's operator* (each product reduced here).
FTI_AVX512 static inline Vec3 mul3(const Vec3& a, const Vec3& b) {
  const Vec t0 = add(mul(a.c[1], b.c[2]), mul(a.c[2], b.c[1]));
  const Vec c0 = add(mul(a.c[0], b.c[0]), add(t0, t0));
  const Vec t1 = mul(a.c[2], b.c[2]);
  const Vec c1 = add(add(mul(a.c[0], b.c[1]), mul(a.c[1], b.c[0])), add(t1, t1));
  const Vec c2 = add(add(mul(a.c[0], b.c[2]), mul(a.c[1], b.c[1])), mul(a.c[2], b.c[0]));
  return {{c0, c1, c2}};
}

}  // namespace fti::crypto::avx512

#endif

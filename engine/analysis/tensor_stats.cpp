#include "engine/common/int128.h"
#include "engine/analysis/tensor_stats.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "engine/analysis/dyadic.h"
#include "engine/analysis/exponent_buckets.h"

namespace fti::analysis {
namespace {

// A finite element as m * 2^e (small m), or a non-finite one.
struct Element {
  std::int64_t m;
  int e;
  bool finite;
};

template <typename T>
T load(const std::uint8_t* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Decoders of IEEE-like formats: `kExpBits` exponent bits, `kManBits`
// mantissa bits; `kFiniteTest` distinguishes E4M3FN (only S.1111.111 is NaN).
template <int kExpBits, int kManBits, bool kHasInfinity>
Element decode_ieee(std::uint32_t bits) noexcept {
  constexpr std::uint32_t kExpMask = (1u << kExpBits) - 1;
  constexpr std::uint32_t kManMask = (1u << kManBits) - 1;
  constexpr int kBias = (1 << (kExpBits - 1)) - 1;
  const std::uint32_t exp = (bits >> kManBits) & kExpMask;
  const std::uint32_t man = bits & kManMask;
  const bool negative = ((bits >> (kExpBits + kManBits)) & 1u) != 0;
  const bool finite = kHasInfinity ? exp != kExpMask : !(exp == kExpMask && man == kManMask);
  std::int64_t m = exp == 0 ? man : (man | (1u << kManBits));
  const int e = (exp == 0 ? 1 : static_cast<int>(exp)) - kBias - kManBits;
  if (negative) m = -m;
  return {m, e, finite};
}

// Per dtype: how to decode, the exponent range of products, the bucket type.
template <DType D>
struct Traits;

template <>
struct Traits<DType::kBF16> {
  using Bucket = std::int64_t;  // |m| < 2^8: products < 2^16
  static constexpr int kMinE = -133, kMaxE = 120;
  static Element decode(const std::uint8_t* p) noexcept { return decode_ieee<8, 7, true>(load<std::uint16_t>(p)); }
  static double value(const std::uint8_t* p) noexcept { return bf16_to_double(load<std::uint16_t>(p)); }
};
template <>
struct Traits<DType::kF16> {
  using Bucket = std::int64_t;  // |m| < 2^11
  static constexpr int kMinE = -24, kMaxE = 5;
  static Element decode(const std::uint8_t* p) noexcept { return decode_ieee<5, 10, true>(load<std::uint16_t>(p)); }
  static double value(const std::uint8_t* p) noexcept { return f16_to_double(load<std::uint16_t>(p)); }
};
template <>
struct Traits<DType::kF32> {
  using Bucket = int128;  // |m| < 2^24: products < 2^48
  static constexpr int kMinE = -149, kMaxE = 104;
  static Element decode(const std::uint8_t* p) noexcept { return decode_ieee<8, 23, true>(load<std::uint32_t>(p)); }
  static double value(const std::uint8_t* p) noexcept { return static_cast<double>(load<float>(p)); }
};
template <>
struct Traits<DType::kF8E4M3> {
  using Bucket = std::int64_t;
  static constexpr int kMinE = -9, kMaxE = 5;
  static Element decode(const std::uint8_t* p) noexcept { return decode_ieee<4, 3, false>(*p); }
  static double value(const std::uint8_t* p) noexcept { return f8e4m3_to_double(*p); }
};
template <>
struct Traits<DType::kF8E5M2> {
  using Bucket = std::int64_t;
  static constexpr int kMinE = -16, kMaxE = 13;
  static Element decode(const std::uint8_t* p) noexcept { return decode_ieee<5, 2, true>(*p); }
  static double value(const std::uint8_t* p) noexcept { return f8e5m2_to_double(*p); }
};

// Max |c - b| bookkeeping with the exact rounding direction (TwoSum).
void update_max_abs(TensorStats& stats, double b, double c, std::uint64_t index) noexcept {
  const double d = c - b;
  if (std::isinf(d)) {  // both finite but the difference overflows: above every bound
    if (!std::isinf(stats.max_abs_delta)) {
      stats.max_abs_delta = INFINITY;
      stats.max_abs_rounded_down = false;
      stats.max_abs_index = index;
    }
    return;
  }
  const double bb = d - c;
  const double error = (c - (d - bb)) + (-b - bb);  // c - b = d + error exactly
  const double magnitude = std::fabs(d);
  // |exact| > |d| when the error points away from zero.
  const bool above = d > 0 ? error > 0 : (d < 0 ? error < 0 : false);
  if (magnitude > stats.max_abs_delta) {
    stats.max_abs_delta = magnitude;
    stats.max_abs_rounded_down = above;
    stats.max_abs_index = index;
  } else if (magnitude == stats.max_abs_delta && above) {
    stats.max_abs_rounded_down = true;
  }
}

template <DType D>
TensorStats compare_typed(std::span<const std::uint8_t> base, std::span<const std::uint8_t> cand) {
  using T = Traits<D>;
  constexpr std::size_t kSize = sizeof(std::conditional_t<D == DType::kF32, std::uint32_t,
                                       std::conditional_t<D == DType::kF8E4M3 || D == DType::kF8E5M2,
                                                          std::uint8_t, std::uint16_t>>);
  const std::size_t n = base.size() / kSize;
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, n, std::size_t{1} << 16), TensorStats{},
      [&](const tbb::blocked_range<std::size_t>& range, TensorStats stats) {
        // Products have exponents in [2 kMinE, 2 kMaxE + 1] (the +1 is the
        // factor 2 of the cross term).
        ExponentBuckets<typename T::Bucket> delta(2 * T::kMinE, 2 * T::kMaxE + 1);
        ExponentBuckets<typename T::Bucket> squares(2 * T::kMinE, 2 * T::kMaxE);
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const std::uint8_t* pb = base.data() + i * kSize;
          const std::uint8_t* pc = cand.data() + i * kSize;
          const Element b = T::decode(pb);
          const Element c = T::decode(pc);
          const bool same = std::memcmp(pb, pc, kSize) == 0;
          stats.changed += same ? 0 : 1;
          if (!b.finite || !c.finite) {
            stats.nonfinite_base += b.finite ? 0 : 1;
            stats.nonfinite_candidate += c.finite ? 0 : 1;
            stats.nonfinite_changed += same ? 0 : 1;
            continue;
          }
          squares.add(static_cast<typename T::Bucket>(b.m * b.m), 2 * b.e);
          if (same) continue;  // identical bytes: no delta
          // (c - b)^2 = c^2 - 2bc + b^2, each product exact in its bucket.
          delta.add(static_cast<typename T::Bucket>(c.m * c.m), 2 * c.e);
          delta.add(-static_cast<typename T::Bucket>(b.m * c.m), b.e + c.e + 1);
          delta.add(static_cast<typename T::Bucket>(b.m * b.m), 2 * b.e);
          update_max_abs(stats, T::value(pb), T::value(pc), i);
        }
        stats.elements += range.size();
        delta.flush_into(stats.delta_squares);
        squares.flush_into(stats.base_squares);
        return stats;
      },
      [](TensorStats a, const TensorStats& b) {
        a.merge(b);
        return a;
      });
}

// Any other dtype through exact doubles (F64, F8_E8M0, integers up to 32
// bits; 64-bit integers as two exact halves).
TensorStats compare_generic(DType dtype, std::span<const std::uint8_t> base,
                            std::span<const std::uint8_t> cand) {
  const std::size_t size = dtype_size(dtype);
  const std::size_t n = base.size() / size;
  const bool wide_int = dtype == DType::kI64 || dtype == DType::kU64;
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, n, std::size_t{1} << 14), TensorStats{},
      [&](const tbb::blocked_range<std::size_t>& range, TensorStats stats) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const std::uint8_t* pb = base.data() + i * size;
          const std::uint8_t* pc = cand.data() + i * size;
          const bool same = std::memcmp(pb, pc, size) == 0;
          stats.changed += same ? 0 : 1;
          if (wide_int) {
            // v = hi * 2^32 + lo with both halves exact doubles.
            const auto split = [&](const std::uint8_t* p, double& hi, double& lo) {
              if (dtype == DType::kI64) {
                const std::int64_t v = load<std::int64_t>(p);
                hi = static_cast<double>(v >> 32);
                lo = static_cast<double>(v & 0xFFFFFFFF);
              } else {
                const std::uint64_t v = load<std::uint64_t>(p);
                hi = static_cast<double>(v >> 32);
                lo = static_cast<double>(v & 0xFFFFFFFF);
              }
            };
            double bh, bl, ch, cl;
            split(pb, bh, bl);
            split(pc, ch, cl);
            const double b_parts[2] = {bh * 4294967296.0, bl};
            const double c_parts[2] = {ch * 4294967296.0, cl};
            for (const double x : b_parts) {
              for (const double y : b_parts) stats.base_squares.add_product(x, y);
            }
            if (same) continue;
            const double d_parts[4] = {c_parts[0], c_parts[1], -b_parts[0], -b_parts[1]};
            for (const double x : d_parts) {
              for (const double y : d_parts) stats.delta_squares.add_product(x, y);
            }
            // max |c - b|: the exact integer difference, rounded, with the
            // direction of the rounding.
            const int128 diff =
                dtype == DType::kI64
                    ? static_cast<int128>(load<std::int64_t>(pc)) - load<std::int64_t>(pb)
                    : static_cast<int128>(load<std::uint64_t>(pc)) -
                          static_cast<int128>(load<std::uint64_t>(pb));
            const uint128 exact = diff < 0 ? static_cast<uint128>(-diff)
                                                     : static_cast<uint128>(diff);
            const auto magnitude = static_cast<double>(exact);
            const bool above = exact > static_cast<uint128>(magnitude);
            if (magnitude > stats.max_abs_delta) {
              stats.max_abs_delta = magnitude;
              stats.max_abs_index = i;
              stats.max_abs_rounded_down = above;
            } else if (magnitude == stats.max_abs_delta && above) {
              stats.max_abs_rounded_down = true;
            }
            continue;
          }
          const double b = element_to_double(dtype, pb);
          const double c = element_to_double(dtype, pc);
          const bool b_finite = std::isfinite(b), c_finite = std::isfinite(c);
          if (!b_finite || !c_finite) {
            stats.nonfinite_base += b_finite ? 0 : 1;
            stats.nonfinite_candidate += c_finite ? 0 : 1;
            stats.nonfinite_changed += same ? 0 : 1;
            continue;
          }
          stats.base_squares.add_product(b, b);
          if (same) continue;
          stats.delta_squares.add_product(c, c);
          // -2bc as two products: 2b overflows for |b| > DBL_MAX / 2.
          stats.delta_squares.add_product(-b, c);
          stats.delta_squares.add_product(-b, c);
          stats.delta_squares.add_product(b, b);
          update_max_abs(stats, b, c, i);
        }
        stats.elements += range.size();
        return stats;
      },
      [](TensorStats a, const TensorStats& b) {
        a.merge(b);
        return a;
      });
}

}  // namespace

void TensorStats::merge(const TensorStats& other) {
  changed += other.changed;
  nonfinite_base += other.nonfinite_base;
  nonfinite_candidate += other.nonfinite_candidate;
  nonfinite_changed += other.nonfinite_changed;
  elements += other.elements;
  delta_squares.add(other.delta_squares);
  base_squares.add(other.base_squares);
  if (other.max_abs_delta > max_abs_delta ||
      (other.max_abs_delta == max_abs_delta && other.max_abs_index < max_abs_index && other.elements > 0)) {
    const bool tie = other.max_abs_delta == max_abs_delta;
    const bool rounded_down = tie ? (max_abs_rounded_down || other.max_abs_rounded_down)
                                  : other.max_abs_rounded_down;
    max_abs_delta = other.max_abs_delta;
    max_abs_index = other.max_abs_index;
    max_abs_rounded_down = rounded_down;
  } else if (other.max_abs_delta == max_abs_delta) {
    max_abs_rounded_down = max_abs_rounded_down || other.max_abs_rounded_down;
  }
}

double TensorStats::delta_norm() const { return std::sqrt(delta_squares.to_double()); }
double TensorStats::base_norm() const { return std::sqrt(base_squares.to_double()); }

bool TensorStats::delta_norm_at_most(double bound) const {
  // ||D|| <= bound  <=>  sum D^2 <= bound^2 (bound >= 0), decided exactly.
  ExactSum bound_squared;
  bound_squared.add_product(bound, bound);
  return delta_squares.compare(bound_squared) <= 0;
}

bool TensorStats::delta_norm_at_most_relative(double fraction) const {
  // ||D|| <= f ||B||  <=>  sum D^2 <= f * f * sum B^2 (f >= 0), decided exactly.
  return delta_squares.compare_scaled(base_squares, {fraction, fraction}) <= 0;
}

bool TensorStats::max_abs_at_most(double bound) const {
  if (max_abs_delta < bound) return true;
  if (max_abs_delta > bound) return false;
  return !max_abs_rounded_down;
}

TensorStats compare_tensors(DType dtype, std::span<const std::uint8_t> base,
                            std::span<const std::uint8_t> candidate) {
  if (base.size() != candidate.size() || base.size() % dtype_size(dtype) != 0) {
    throw std::invalid_argument("compare_tensors: buffers of different or partial sizes");
  }
  switch (dtype) {
    case DType::kBF16: return compare_typed<DType::kBF16>(base, candidate);
    case DType::kF16: return compare_typed<DType::kF16>(base, candidate);
    case DType::kF32: return compare_typed<DType::kF32>(base, candidate);
    case DType::kF8E4M3: return compare_typed<DType::kF8E4M3>(base, candidate);
    case DType::kF8E5M2: return compare_typed<DType::kF8E5M2>(base, candidate);
    default: return compare_generic(dtype, base, candidate);
  }
}

}  // namespace fti::analysis

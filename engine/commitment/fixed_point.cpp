#include "engine/commitment/fixed_point.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/common/int128.h"

namespace fti::commitment {
namespace {

static_assert(std::endian::native == std::endian::little, "tensors are read as little-endian host values");

constexpr std::size_t kGrain = std::size_t{1} << 14;
// 16-bit dtypes use a 65536-entry table above this many elements.
constexpr std::uint64_t kLut16Threshold = std::uint64_t{1} << 15;

template <typename T>
T load(const std::uint8_t* p) noexcept {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

bool is_integer_dtype(DType dtype) noexcept { return !dtype_is_float(dtype); }

// The exact integer value of an integer-dtype element.
int128 integer_value(DType dtype, const std::uint8_t* p) noexcept {
  switch (dtype) {
    case DType::kBool: return *p != 0 ? 1 : 0;
    case DType::kU8: return *p;
    case DType::kI8: return static_cast<std::int8_t>(*p);
    case DType::kI16: return load<std::int16_t>(p);
    case DType::kU16: return load<std::uint16_t>(p);
    case DType::kI32: return load<std::int32_t>(p);
    case DType::kU32: return load<std::uint32_t>(p);
    case DType::kI64: return load<std::int64_t>(p);
    case DType::kU64: return load<std::uint64_t>(p);
    default: return 0;
  }
}

std::string element_text(DType dtype, const std::uint8_t* p) {
  if (is_integer_dtype(dtype)) {
    const int128 v = integer_value(dtype, p);
    if (v >= 0) return std::to_string(static_cast<std::uint64_t>(v));
    return "-" + std::to_string(static_cast<std::uint64_t>(-v));
  }
  const double x = element_to_double(dtype, p);
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "+inf" : "-inf";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

[[noreturn]] void throw_not_finite(DType dtype, const std::uint8_t* p, std::uint64_t index, std::string_view name) {
  throw Error(ErrorCode::kInput, "tensor " + quote_untrusted(name) + " (" + std::string(dtype_name(dtype)) +
                                     "): element " + std::to_string(index) + " is " + element_text(dtype, p) +
                                     "; NaN and infinite values cannot be committed");
}

[[noreturn]] void throw_out_of_range(DType dtype, const std::uint8_t* p, std::uint64_t index, int scale,
                                     std::string_view name) {
  throw Error(ErrorCode::kInput, "tensor " + quote_untrusted(name) + " (" + std::string(dtype_name(dtype)) +
                                     "): element " + std::to_string(index) + " = " + element_text(dtype, p) +
                                     " does not fit in " + std::to_string(kValueBits) + " bits at scale 2^" +
                                     std::to_string(scale));
}

// --- scanning -------------------------------------------------------------

// IEEE-style formats: |x| orders like (bits & magnitude_mask) as an unsigned
// integer, and a magnitude >= non_finite is NaN or infinite.
template <typename U>
ValueScan scan_ieee_bits(DType dtype, std::span<const std::uint8_t> bytes, U magnitude_mask, U non_finite,
                         std::string_view name) {
  const std::size_t n = bytes.size() / sizeof(U);
  const U largest = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, n, kGrain), U{0},
      [&](const tbb::blocked_range<std::size_t>& r, U acc) {
        for (std::size_t i = r.begin(); i < r.end(); ++i) {
          acc = std::max<U>(acc, static_cast<U>(load<U>(bytes.data() + i * sizeof(U)) & magnitude_mask));
        }
        return acc;
      },
      [](U a, U b) { return std::max(a, b); });
  if (largest >= non_finite) {
    for (std::size_t i = 0; i < n; ++i) {
      if (static_cast<U>(load<U>(bytes.data() + i * sizeof(U)) & magnitude_mask) >= non_finite) {
        throw_not_finite(dtype, bytes.data() + i * sizeof(U), i, name);
      }
    }
  }
  ValueScan scan;
  if (largest == 0) return scan;
  U bits = largest;
  std::uint8_t element[sizeof(U)];
  std::memcpy(element, &bits, sizeof(U));
  scan.any_nonzero = true;
  scan.max_exponent = std::ilogb(element_to_double(dtype, element));
  return scan;
}

// Any floating dtype element by element (the 8-bit formats).
ValueScan scan_generic_float(DType dtype, std::span<const std::uint8_t> bytes, std::string_view name) {
  const std::size_t size = dtype_size(dtype);
  const std::size_t n = bytes.size() / size;
  double largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = element_to_double(dtype, bytes.data() + i * size);
    if (!std::isfinite(x)) throw_not_finite(dtype, bytes.data() + i * size, i, name);
    largest = std::max(largest, std::fabs(x));
  }
  ValueScan scan;
  if (largest == 0) return scan;
  scan.any_nonzero = true;
  scan.max_exponent = std::ilogb(largest);
  return scan;
}

ValueScan scan_integers(DType dtype, std::span<const std::uint8_t> bytes) {
  const std::size_t size = dtype_size(dtype);
  const std::size_t n = bytes.size() / size;
  const uint128 largest = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, n, kGrain), uint128{0},
      [&](const tbb::blocked_range<std::size_t>& r, uint128 acc) {
        for (std::size_t i = r.begin(); i < r.end(); ++i) {
          const int128 v = integer_value(dtype, bytes.data() + i * size);
          const auto magnitude = static_cast<uint128>(v < 0 ? -v : v);
          acc = std::max(acc, magnitude);
        }
        return acc;
      },
      [](uint128 a, uint128 b) { return std::max(a, b); });
  ValueScan scan;
  if (largest == 0) return scan;
  scan.any_nonzero = true;
  const auto hi = static_cast<std::uint64_t>(largest >> 64);
  const auto lo = static_cast<std::uint64_t>(largest);
  scan.max_exponent = hi != 0 ? 64 + static_cast<int>(std::bit_width(hi)) - 1 : static_cast<int>(std::bit_width(lo)) - 1;
  return scan;
}

// --- encoding -------------------------------------------------------------

// One element: the encoded value, or a failure the caller reports.
struct Encoded {
  std::int32_t value = 0;  // |value| < 2^23
  std::uint8_t exact = 1;
  std::uint8_t status = 0;  // 0 ok, 1 not finite, 2 out of range
};

// A floating value (already widened to double, which is exact for every
// floating dtype).
Encoded encode_double(double x, int scale) noexcept {
  Encoded e;
  if (!std::isfinite(x)) {
    e.status = 1;
    return e;
  }
  std::int64_t v = 0;
  bool exact = true;
  if (!encode_float(x, scale, v, exact)) {
    e.status = 2;
    return e;
  }
  e.value = static_cast<std::int32_t>(v);
  e.exact = exact ? 1 : 0;
  return e;
}

Encoded encode_element(DType dtype, const std::uint8_t* p, int scale) noexcept {
  if (!is_integer_dtype(dtype)) return encode_double(element_to_double(dtype, p), scale);
  Encoded e;
  std::int64_t v = 0;
  bool exact = true;
  if (!encode_integer(integer_value(dtype, p), scale, v, exact)) {
    e.status = 2;
    return e;
  }
  e.value = static_cast<std::int32_t>(v);
  e.exact = exact ? 1 : 0;
  return e;
}

// Encoders: operator()(element pointer) -> Encoded.
struct DirectEncoder {
  DType dtype;
  int scale;
  Encoded operator()(const std::uint8_t* p) const noexcept { return encode_element(dtype, p, scale); }
};

struct F32Encoder {
  int scale;
  Encoded operator()(const std::uint8_t* p) const noexcept {
    return encode_double(static_cast<double>(load<float>(p)), scale);
  }
};

// 8- and 16-bit dtypes: every bit pattern encoded once.
template <typename U>
struct LutEncoder {
  std::shared_ptr<const std::vector<Encoded>> lut;
  Encoded operator()(const std::uint8_t* p) const noexcept { return (*lut)[load<U>(p)]; }
};

template <typename U>
LutEncoder<U> make_lut(DType dtype, int scale) {
  auto lut = std::make_shared<std::vector<Encoded>>(std::size_t{1} << (8 * sizeof(U)));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, lut->size(), 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t b = r.begin(); b < r.end(); ++b) {
      const auto bits = static_cast<U>(b);
      std::uint8_t element[sizeof(U)];
      std::memcpy(element, &bits, sizeof(U));
      (*lut)[b] = encode_element(dtype, element, scale);
    }
  });
  return LutEncoder<U>{std::move(lut)};
}

struct PartialStats {
  std::uint64_t max_abs = 0;
  std::uint64_t inexact = 0;
  std::uint64_t first_bad = UINT64_MAX;  // element index of the first failure in this range
};

template <typename Encoder>
EncodeStats encode_with(const Encoder& encoder, DType dtype, std::span<const std::uint8_t> bytes, int scale,
                        const MatrixLayout& layout, std::span<crypto::Fp> table, std::string_view name) {
  const std::size_t size = dtype_size(dtype);
  const std::uint64_t rows = layout.elements() == 0 ? 0 : layout.rows;
  const std::uint64_t cols = layout.cols;
  const unsigned log_cols = layout.log_cols;
  const std::uint64_t stride = layout.row_stride();
  const PartialStats total = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, table.size(), kGrain), PartialStats{},
      [&](const tbb::blocked_range<std::size_t>& r, PartialStats acc) {
        std::size_t idx = r.begin();
        while (idx < r.end()) {
          const std::uint64_t row = idx >> log_cols;
          const std::uint64_t col = idx & (stride - 1);
          const std::size_t segment_end = std::min<std::size_t>(r.end(), idx + (stride - col));
          if (row >= rows) {
            std::fill(table.begin() + static_cast<std::ptrdiff_t>(idx),
                      table.begin() + static_cast<std::ptrdiff_t>(segment_end), crypto::Fp::zero());
            idx = segment_end;
            continue;
          }
          const std::size_t data_end = std::min<std::size_t>(segment_end, idx + (cols > col ? cols - col : 0));
          std::uint64_t element = row * cols + col;
          for (; idx < data_end; ++idx, ++element) {
            const Encoded e = encoder(bytes.data() + element * size);
            if (e.status != 0) {
              acc.first_bad = std::min(acc.first_bad, element);
              table[idx] = crypto::Fp::zero();
              continue;
            }
            const std::int64_t v = e.value;
            acc.max_abs = std::max<std::uint64_t>(acc.max_abs, static_cast<std::uint64_t>(v < 0 ? -v : v));
            acc.inexact += e.exact != 0 ? 0 : 1;
            table[idx] = to_field(v);
          }
          std::fill(table.begin() + static_cast<std::ptrdiff_t>(idx),
                    table.begin() + static_cast<std::ptrdiff_t>(segment_end), crypto::Fp::zero());
          idx = segment_end;
        }
        return acc;
      },
      [](PartialStats a, const PartialStats& b) {
        a.max_abs = std::max(a.max_abs, b.max_abs);
        a.inexact += b.inexact;
        a.first_bad = std::min(a.first_bad, b.first_bad);
        return a;
      });
  if (total.first_bad != UINT64_MAX) {
    const std::uint8_t* p = bytes.data() + total.first_bad * size;
    const Encoded e = encode_element(dtype, p, scale);
    if (e.status == 1) throw_not_finite(dtype, p, total.first_bad, name);
    throw_out_of_range(dtype, p, total.first_bad, scale, name);
  }
  return EncodeStats{total.max_abs, total.inexact};
}

}  // namespace

ValueScan scan_values(DType dtype, std::span<const std::uint8_t> bytes, std::string_view tensor_name) {
  switch (dtype) {
    case DType::kBF16:
      return scan_ieee_bits<std::uint16_t>(dtype, bytes, 0x7FFF, 0x7F80, tensor_name);
    case DType::kF16:
      return scan_ieee_bits<std::uint16_t>(dtype, bytes, 0x7FFF, 0x7C00, tensor_name);
    case DType::kF32:
      return scan_ieee_bits<std::uint32_t>(dtype, bytes, 0x7FFF'FFFFu, 0x7F80'0000u, tensor_name);
    case DType::kF64:
      return scan_ieee_bits<std::uint64_t>(dtype, bytes, 0x7FFF'FFFF'FFFF'FFFFull, 0x7FF0'0000'0000'0000ull,
                                           tensor_name);
    case DType::kF8E4M3:
    case DType::kF8E5M2:
    case DType::kF8E8M0:
      return scan_generic_float(dtype, bytes, tensor_name);
    default:
      return scan_integers(dtype, bytes);
  }
}

int scale_rule(DType dtype, const ValueScan& scan) noexcept {
  if (!scan.any_nonzero) return 0;
  const int s = kRuleExponent - scan.max_exponent;
  return is_integer_dtype(dtype) ? std::min(0, s) : s;
}

bool encode_float(double x, int scale, std::int64_t& v, bool& exact) noexcept {
  // x * 2^scale is exact unless it underflows below 2^-1022 (then |y| < 1/2
  // and the result is 0 either way) or overflows (then it is out of range).
  const double y = std::ldexp(x, scale);
  if (!(std::fabs(y) < 0x1p24)) return false;
  const double f = std::floor(y);
  const double d = y - f;  // exact: |y| < 2^24
  std::int64_t r = static_cast<std::int64_t>(f);
  if (d > 0.5 || (d == 0.5 && (r & 1) != 0)) ++r;
  if (r >= kValueBound || r <= -kValueBound) return false;
  v = r;
  exact = d == 0 && (y != 0 || x == 0);
  return true;
}

bool encode_integer(int128 x, int scale, std::int64_t& v, bool& exact) noexcept {
  int128 r = x;
  exact = true;
  if (scale > 0) {
    // Scaling an integer up (the rule never does; a given scale may).
    if (scale >= 24) {
      if (x != 0) return false;
    } else {
      r = x * (int128{1} << scale);
    }
  } else if (scale < 0) {
    const int k = -scale;
    if (k >= 100) {
      // |x| < 2^64 <= 2^(k-1): rounds to 0.
      r = 0;
      exact = x == 0;
    } else {
      const int128 q = x >> k;  // floor division (arithmetic shift)
      const int128 rem = x - q * (int128{1} << k);
      const int128 half = int128{1} << (k - 1);
      r = q;
      if (rem > half || (rem == half && (q & 1) != 0)) ++r;
      exact = rem == 0;
    }
  }
  if (r >= kValueBound || r <= -kValueBound) return false;
  v = static_cast<std::int64_t>(r);
  return true;
}

EncodeStats encode_tensor(DType dtype, std::span<const std::uint8_t> bytes, int scale, const MatrixLayout& layout,
                          std::span<crypto::Fp> table, std::string_view tensor_name) {
  if (table.size() != layout.table_size() || bytes.size() != layout.elements() * dtype_size(dtype)) {
    throw Error(ErrorCode::kInternal, "encode_tensor: buffer sizes do not match the layout of " +
                                          quote_untrusted(tensor_name));
  }
  const std::size_t size = dtype_size(dtype);
  if (size == 1) return encode_with(make_lut<std::uint8_t>(dtype, scale), dtype, bytes, scale, layout, table, tensor_name);
  if (size == 2 && layout.elements() >= kLut16Threshold) {
    return encode_with(make_lut<std::uint16_t>(dtype, scale), dtype, bytes, scale, layout, table, tensor_name);
  }
  if (dtype == DType::kF32) return encode_with(F32Encoder{scale}, dtype, bytes, scale, layout, table, tensor_name);
  return encode_with(DirectEncoder{dtype, scale}, dtype, bytes, scale, layout, table, tensor_name);
}

}  // namespace fti::commitment

#include "engine/tensor/dtype.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/common/error.h"

namespace fti {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  std::size_t size;
  bool is_float;
};

constexpr std::array<DTypeInfo, kDTypeCount> kDTypes = {{
    {DType::kBool, "BOOL", 1, false},
    {DType::kU8, "U8", 1, false},
    {DType::kI8, "I8", 1, false},
    {DType::kF8E5M2, "F8_E5M2", 1, true},
    {DType::kF8E4M3, "F8_E4M3", 1, true},
    {DType::kF8E8M0, "F8_E8M0", 1, true},
    {DType::kI16, "I16", 2, false},
    {DType::kU16, "U16", 2, false},
    {DType::kF16, "F16", 2, true},
    {DType::kBF16, "BF16", 2, true},
    {DType::kI32, "I32", 4, false},
    {DType::kU32, "U32", 4, false},
    {DType::kF32, "F32", 4, true},
    {DType::kF64, "F64", 8, true},
    {DType::kI64, "I64", 8, false},
    {DType::kU64, "U64", 8, false},
}};

const DTypeInfo& info(DType dtype) noexcept { return kDTypes[static_cast<std::size_t>(dtype)]; }

template <typename T>
T load_le(const std::uint8_t* p) noexcept {
  T value;
  std::memcpy(&value, p, sizeof(T));  // no alignment assumption; host is little-endian
  return value;
}

static_assert(std::endian::native == std::endian::little, "fti reads little-endian tensors natively");

}  // namespace

std::optional<DType> parse_dtype(std::string_view name) noexcept {
  for (const DTypeInfo& d : kDTypes) {
    if (d.name == name) return d.dtype;
  }
  return std::nullopt;
}

std::string_view dtype_name(DType dtype) noexcept { return info(dtype).name; }
std::size_t dtype_size(DType dtype) noexcept { return info(dtype).size; }
bool dtype_is_float(DType dtype) noexcept { return info(dtype).is_float; }

double bf16_to_double(std::uint16_t bits) noexcept {
  const std::uint32_t widened = static_cast<std::uint32_t>(bits) << 16;
  return static_cast<double>(std::bit_cast<float>(widened));
}

// Generic decoder for small IEEE-like formats with `exp_bits` exponent and
// `man_bits` mantissa bits. `has_inf`: all-ones exponent encodes inf/NaN
// (IEEE); otherwise only the all-ones pattern is NaN (E4M3FN).
static double decode_small_float(std::uint32_t bits, int exp_bits, int man_bits,
                                 bool has_inf) noexcept {
  const std::uint32_t sign = (bits >> (exp_bits + man_bits)) & 1u;
  const std::uint32_t exp = (bits >> man_bits) & ((1u << exp_bits) - 1u);
  const std::uint32_t man = bits & ((1u << man_bits) - 1u);
  const int bias = (1 << (exp_bits - 1)) - 1;
  const std::uint32_t exp_max = (1u << exp_bits) - 1u;
  double magnitude;
  if (has_inf && exp == exp_max) {
    magnitude = man == 0 ? std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::quiet_NaN();
  } else if (!has_inf && exp == exp_max && man == (1u << man_bits) - 1u) {
    magnitude = std::numeric_limits<double>::quiet_NaN();
  } else if (exp == 0) {
    magnitude = std::ldexp(static_cast<double>(man), 1 - bias - man_bits);
  } else {
    magnitude = std::ldexp(static_cast<double>(man | (1u << man_bits)),
                           static_cast<int>(exp) - bias - man_bits);
  }
  return sign != 0 ? -magnitude : magnitude;
}

double f16_to_double(std::uint16_t bits) noexcept { return decode_small_float(bits, 5, 10, true); }
double f8e4m3_to_double(std::uint8_t bits) noexcept { return decode_small_float(bits, 4, 3, false); }
double f8e5m2_to_double(std::uint8_t bits) noexcept { return decode_small_float(bits, 5, 2, true); }

double f8e8m0_to_double(std::uint8_t bits) noexcept {
  if (bits == 0xFF) return std::numeric_limits<double>::quiet_NaN();
  return std::ldexp(1.0, static_cast<int>(bits) - 127);
}

std::uint16_t double_to_bf16(double value) noexcept {
  if (std::isnan(value)) return 0x7FC0;
  const std::uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  const double magnitude = std::fabs(value);
  constexpr double kTwoTo128 = 0x1p128;
  if (magnitude >= kTwoTo128) return static_cast<std::uint16_t>(sign | 0x7F80);
  // Fast path: a value that is exactly a float rounds with the usual bias trick.
  const float as_float = static_cast<float>(magnitude);
  if (static_cast<double>(as_float) == magnitude) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(as_float);
    const std::uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
    return static_cast<std::uint16_t>(sign | (rounded >> 16));
  }
  // General path: round the double's significand straight to bf16's
  // precision (no double rounding through float).
  int exponent = 0;
  const double mantissa = std::frexp(magnitude, &exponent);  // in [0.5, 1)
  // 8 significant bits in the normal range; bf16 subnormals have a fixed
  // quantum of 2^-133, like float's exponent range with a 7-bit mantissa.
  const int shift = exponent - 1 >= -126 ? 8 : exponent + 133;
  if (shift < 0) return sign;  // below half the smallest subnormal
  const double units = std::nearbyint(std::ldexp(mantissa, shift));  // ties to even
  const double rounded = std::ldexp(units, exponent - shift);
  if (rounded >= kTwoTo128) return static_cast<std::uint16_t>(sign | 0x7F80);
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(static_cast<float>(rounded));
  return static_cast<std::uint16_t>(sign | (bits >> 16));
}

std::uint16_t double_to_f16(double value) noexcept {
  if (std::isnan(value)) return 0x7E00;
  const std::uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  const double magnitude = std::fabs(value);
  if (magnitude >= 65520.0) return static_cast<std::uint16_t>(sign | 0x7C00);  // rounds to inf
  if (magnitude == 0.0) return sign;
  int exponent = 0;
  (void)std::frexp(magnitude, &exponent);  // magnitude = m * 2^exponent, m in [0.5, 1)
  // Unbiased exponent of the leading bit is exponent-1; f16 normal range is [-14, 15].
  const int lead = exponent - 1;
  const int quantum_exp = lead < -14 ? -24 : lead - 10;  // value of the last mantissa bit
  const double units = std::nearbyint(std::ldexp(magnitude, -quantum_exp));
  // units * 2^quantum_exp, re-normalised (rounding may carry into the next binade).
  std::uint32_t u = static_cast<std::uint32_t>(units);
  if (quantum_exp == -24) {
    // Subnormal (or rounded up to the smallest normal, which the same bits express).
    return static_cast<std::uint16_t>(sign | u);
  }
  int biased = lead + 15;
  if (u == (1u << 11)) {  // carried into the next binade
    u >>= 1;
    ++biased;
  }
  if (biased >= 31) return static_cast<std::uint16_t>(sign | 0x7C00);
  return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(biased) << 10) |
                                    (u & 0x3FFu));
}

double element_to_double(DType dtype, const std::uint8_t* p) noexcept {
  switch (dtype) {
    case DType::kBool: return *p != 0 ? 1.0 : 0.0;
    case DType::kU8: return static_cast<double>(*p);
    case DType::kI8: return static_cast<double>(static_cast<std::int8_t>(*p));
    case DType::kF8E5M2: return f8e5m2_to_double(*p);
    case DType::kF8E4M3: return f8e4m3_to_double(*p);
    case DType::kF8E8M0: return f8e8m0_to_double(*p);
    case DType::kI16: return static_cast<double>(load_le<std::int16_t>(p));
    case DType::kU16: return static_cast<double>(load_le<std::uint16_t>(p));
    case DType::kF16: return f16_to_double(load_le<std::uint16_t>(p));
    case DType::kBF16: return bf16_to_double(load_le<std::uint16_t>(p));
    case DType::kI32: return static_cast<double>(load_le<std::int32_t>(p));
    case DType::kU32: return static_cast<double>(load_le<std::uint32_t>(p));
    case DType::kF32: return static_cast<double>(load_le<float>(p));
    case DType::kF64: return load_le<double>(p);
    case DType::kI64: return static_cast<double>(load_le<std::int64_t>(p));
    case DType::kU64: return static_cast<double>(load_le<std::uint64_t>(p));
  }
  return std::numeric_limits<double>::quiet_NaN();
}

void convert_to_double(DType dtype, std::span<const std::uint8_t> bytes, std::span<double> out) {
  const std::size_t size = dtype_size(dtype);
  if (bytes.size() != out.size() * size) {
    throw Error(ErrorCode::kInternal, "convert_to_double: buffer of " +
                                          std::to_string(bytes.size()) + " bytes is not " +
                                          std::to_string(out.size()) + " elements of " +
                                          std::string(dtype_name(dtype)));
  }
  // Tight pointer loops for the common dtypes (the compiler vectorises them);
  // the generic switch for the rest.
  const std::uint8_t* in = bytes.data();
  double* dst = out.data();
  const std::size_t n = out.size();
  switch (dtype) {
    case DType::kBF16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t half;
        std::memcpy(&half, in + 2 * i, 2);
        dst[i] = static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(half) << 16));
      }
      return;
    case DType::kF32:
      for (std::size_t i = 0; i < n; ++i) {
        float value;
        std::memcpy(&value, in + 4 * i, 4);
        dst[i] = static_cast<double>(value);
      }
      return;
    case DType::kF64:
      std::memcpy(dst, in, n * 8);
      return;
    default:
      for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = element_to_double(dtype, bytes.data() + size * i);
      }
  }
}

}  // namespace fti

// Element types of checkpoint tensors, their safetensors names and sizes, and
// exact conversions to double.
//
// Every floating dtype fti reads (F8 variants, F16, BF16, F32, F64) converts to
// an IEEE double exactly; integer dtypes convert exactly up to 2^53 in
// magnitude (read I64/U64 as integers when that matters). The conversions are
// bit manipulations, not library casts, so they do not depend on the host's
// half-precision support.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace fti {

enum class DType : std::uint8_t {
  kBool,
  kU8,
  kI8,
  kF8E5M2,
  kF8E4M3,  // the "FN" variant: no infinities, S.1111.111 is NaN
  kF8E8M0,  // exponent only (MX block scales): 2^(e-127), 0xFF is NaN
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kF64,
  kI64,
  kU64,
};

inline constexpr std::size_t kDTypeCount = 16;

// Parses a safetensors dtype name ("BF16", "F8_E4M3", ...). Sub-byte and
// complex types (F4, F6_*, C64) are not supported and parse as nullopt.
std::optional<DType> parse_dtype(std::string_view name) noexcept;
std::string_view dtype_name(DType dtype) noexcept;
std::size_t dtype_size(DType dtype) noexcept;
bool dtype_is_float(DType dtype) noexcept;

// Scalar conversions (exact).
double bf16_to_double(std::uint16_t bits) noexcept;
double f16_to_double(std::uint16_t bits) noexcept;
double f8e4m3_to_double(std::uint8_t bits) noexcept;
double f8e5m2_to_double(std::uint8_t bits) noexcept;
double f8e8m0_to_double(std::uint8_t bits) noexcept;

// Round-to-nearest-even narrowing, as PyTorch and NumPy do it; NaN stays NaN.
std::uint16_t double_to_bf16(double value) noexcept;
std::uint16_t double_to_f16(double value) noexcept;

// Reads element i of a little-endian buffer of `dtype` as a double.
double element_to_double(DType dtype, const std::uint8_t* element) noexcept;

// Converts a whole little-endian buffer; out.size() must equal the element count.
void convert_to_double(DType dtype, std::span<const std::uint8_t> bytes, std::span<double> out);

}  // namespace fti

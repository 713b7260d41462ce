#include "engine/analysis/exact_sum.h"

#include <algorithm>
#include <bit>
#include <span>
#include <cmath>
#include <vector>

#include "engine/analysis/dyadic.h"

namespace fti::analysis {
namespace {

using u128 = fti::uint128;

// Sign-magnitude big dyadic for exact comparisons: value = +-mag * 2^exp2,
// mag little-endian in 32-bit digits.
struct BigDyadic {
  bool negative = false;
  std::vector<std::uint32_t> mag;
  int exp2 = 0;
};

void trim(std::vector<std::uint32_t>& mag) {
  while (!mag.empty() && mag.back() == 0) mag.pop_back();
}

// mag << bits
std::vector<std::uint32_t> shift_left(const std::vector<std::uint32_t>& mag, int bits) {
  const auto words = static_cast<std::size_t>(bits / 32);
  const int rem = bits % 32;
  std::vector<std::uint32_t> out(mag.size() + words + 1, 0);
  for (std::size_t i = 0; i < mag.size(); ++i) {
    const std::uint64_t v = static_cast<std::uint64_t>(mag[i]) << rem;
    out[i + words] |= static_cast<std::uint32_t>(v);
    out[i + words + 1] |= static_cast<std::uint32_t>(v >> 32);
  }
  trim(out);
  return out;
}

int compare_magnitudes(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

int compare_big(const BigDyadic& a, const BigDyadic& b) {
  const bool a_zero = a.mag.empty(), b_zero = b.mag.empty();
  const int sa = a_zero ? 0 : (a.negative ? -1 : 1);
  const int sb = b_zero ? 0 : (b.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  // Same sign: align exponents by shifting the one with the larger exponent.
  int magnitude_order;
  if (a.exp2 >= b.exp2) {
    magnitude_order = compare_magnitudes(shift_left(a.mag, a.exp2 - b.exp2), b.mag);
  } else {
    magnitude_order = compare_magnitudes(a.mag, shift_left(b.mag, b.exp2 - a.exp2));
  }
  return sa > 0 ? magnitude_order : -magnitude_order;
}

// mag * m for a 64-bit m.
std::vector<std::uint32_t> multiply(const std::vector<std::uint32_t>& mag, std::uint64_t m) {
  std::vector<std::uint32_t> out(mag.size() + 3, 0);
  const std::uint32_t m_lo = static_cast<std::uint32_t>(m), m_hi = static_cast<std::uint32_t>(m >> 32);
  for (int part = 0; part < 2; ++part) {
    const std::uint64_t factor = part == 0 ? m_lo : m_hi;
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < mag.size(); ++i) {
      const std::size_t k = i + static_cast<std::size_t>(part);
      const std::uint64_t v = static_cast<std::uint64_t>(mag[i]) * factor + out[k] + carry;
      out[k] = static_cast<std::uint32_t>(v);
      carry = v >> 32;
    }
    for (std::size_t k = mag.size() + static_cast<std::size_t>(part); carry != 0; ++k) {
      const std::uint64_t v = static_cast<std::uint64_t>(out[k]) + carry;
      out[k] = static_cast<std::uint32_t>(v);
      carry = v >> 32;
    }
  }
  trim(out);
  return out;
}

}  // namespace

void ExactSum::add_scaled(u128 magnitude, int exponent, bool negative) noexcept {
  const int position = exponent + kBias;  // >= 0 for every product of finite doubles
  const auto digit = static_cast<std::size_t>(position / 32);
  const int shift = position % 32;
  // magnitude < 2^106: (magnitude << shift) needs up to 137 bits: the low
  // 128 in `low`, the rest in `high`.
  const u128 low = magnitude << shift;
  const auto high = static_cast<std::uint64_t>(shift == 0 ? 0 : magnitude >> (128 - shift));
  const std::int64_t sign = negative ? -1 : 1;
  slots_[digit + 0] += sign * static_cast<std::int64_t>(static_cast<std::uint32_t>(low));
  slots_[digit + 1] += sign * static_cast<std::int64_t>(static_cast<std::uint32_t>(low >> 32));
  slots_[digit + 2] += sign * static_cast<std::int64_t>(static_cast<std::uint32_t>(low >> 64));
  slots_[digit + 3] += sign * static_cast<std::int64_t>(static_cast<std::uint32_t>(low >> 96));
  slots_[digit + 4] += sign * static_cast<std::int64_t>(high);
  if (++adds_since_normalize_ >= kNormalizeEvery) normalize();
}

void ExactSum::add_product(double a, double b) noexcept {
  const Dyadic x = to_dyadic(a), y = to_dyadic(b);
  if (x.mantissa == 0 || y.mantissa == 0) return;
  const u128 magnitude = static_cast<u128>(static_cast<std::uint64_t>(std::abs(x.mantissa))) *
                         static_cast<std::uint64_t>(std::abs(y.mantissa));
  add_scaled(magnitude, x.exponent + y.exponent, (x.mantissa < 0) != (y.mantissa < 0));
}

void ExactSum::subtract_product(double a, double b) noexcept { add_product(-a, b); }

void ExactSum::normalize() const noexcept {
  for (int i = 0; i + 1 < kDigits; ++i) {
    const std::int64_t carry = slots_[static_cast<std::size_t>(i)] >> 32;  // floor division
    slots_[static_cast<std::size_t>(i)] -= carry * (std::int64_t{1} << 32);
    slots_[static_cast<std::size_t>(i + 1)] += carry;
  }
  adds_since_normalize_ = 0;
}

void ExactSum::add(const ExactSum& other) noexcept {
  normalize();
  other.normalize();
  for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i] += other.slots_[i];
  normalize();
}

void ExactSum::subtract(const ExactSum& other) noexcept {
  normalize();
  other.normalize();
  for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i] -= other.slots_[i];
  normalize();
}

int ExactSum::sign() const noexcept {
  normalize();
  if (slots_.back() < 0) return -1;
  return std::any_of(slots_.begin(), slots_.end(), [](std::int64_t s) { return s != 0; }) ? 1 : 0;
}

namespace {
// Sign and magnitude digits of a normalised slot array.
BigDyadic to_big(std::span<const std::int64_t> slots, int bias) {
  BigDyadic big;
  big.exp2 = -bias;
  std::vector<std::int64_t> s(slots.begin(), slots.end());
  if (s.back() < 0) {
    big.negative = true;
    for (auto& v : s) v = -v;
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {  // renormalise the negation
      const std::int64_t carry = s[i] >> 32;
      s[i] -= carry * (std::int64_t{1} << 32);
      s[i + 1] += carry;
    }
  }
  big.mag.resize(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) big.mag[i] = static_cast<std::uint32_t>(s[i]);
  trim(big.mag);
  return big;
}
}  // namespace

double ExactSum::to_double() const noexcept {
  normalize();
  const BigDyadic big = to_big(slots_, kBias);
  if (big.mag.empty()) return 0.0;
  // The top three digits carry 65+ significant bits: the double is within
  // one unit in the last place of the exact value.
  double value = 0.0;
  const std::size_t top = big.mag.size();
  for (std::size_t i = top >= 3 ? top - 3 : 0; i < top; ++i) {
    value += std::ldexp(static_cast<double>(big.mag[i]), static_cast<int>(32 * i) + big.exp2);
  }
  return big.negative ? -value : value;
}

int ExactSum::compare(const ExactSum& other) const noexcept {
  ExactSum difference = *this;
  difference.subtract(other);
  return difference.sign();
}

int ExactSum::compare_scaled(const ExactSum& other, std::initializer_list<double> factors) const {
  normalize();
  other.normalize();
  const BigDyadic lhs = to_big(slots_, kBias);
  BigDyadic rhs = to_big(other.slots_, kBias);
  for (const double factor : factors) {
    const Dyadic f = to_dyadic(factor);
    if (f.mantissa == 0) {
      rhs.mag.clear();
      break;
    }
    rhs.mag = multiply(rhs.mag, static_cast<std::uint64_t>(std::abs(f.mantissa)));
    rhs.exp2 += f.exponent;
    if (f.mantissa < 0) rhs.negative = !rhs.negative;
  }
  return compare_big(lhs, rhs);
}

std::string ExactSum::to_exact_string() const {
  normalize();
  BigDyadic big = to_big(slots_, kBias);
  if (big.mag.empty()) return "0";
  // Canonical: an odd mantissa (shift trailing zero bits into the exponent).
  std::size_t zero_words = 0;
  while (big.mag[zero_words] == 0) ++zero_words;
  const int zero_bits = std::countr_zero(big.mag[zero_words]);
  std::vector<std::uint32_t> odd(big.mag.size() - zero_words, 0);
  for (std::size_t i = zero_words; i < big.mag.size(); ++i) {
    const std::uint64_t pair = (i + 1 < big.mag.size() ? static_cast<std::uint64_t>(big.mag[i + 1]) << 32 : 0) |
                               big.mag[i];
    odd[i - zero_words] = static_cast<std::uint32_t>(pair >> zero_bits);
  }
  trim(odd);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = odd.size(); i-- > 0;) {
    for (int nibble = 7; nibble >= 0; --nibble) hex.push_back(kHex[(odd[i] >> (4 * nibble)) & 0xF]);
  }
  hex.erase(0, std::min(hex.find_first_not_of('0'), hex.size() - 1));
  const int exponent = big.exp2 + static_cast<int>(32 * zero_words) + zero_bits;
  return std::string(big.negative ? "-" : "") + "0x" + hex + "p" + std::to_string(exponent);
}

}  // namespace fti::analysis

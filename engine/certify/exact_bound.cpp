#include "engine/certify/exact_bound.h"

#include <algorithm>
#include <cmath>
#include <compare>
#include <limits>
#include <vector>

#include "engine/common/error.h"
#include "policy/policy_number.h"

namespace fti::certify {
namespace {

// Minimal unsigned big integer (little-endian 32-bit limbs), enough for
// products of powers of 2 and 10 and comparisons.
struct Big {
  std::vector<std::uint32_t> limbs;  // no leading zero limbs

  static Big of(uint128 v) {
    Big b;
    while (v != 0) {
      b.limbs.push_back(static_cast<std::uint32_t>(v));
      v >>= 32;
    }
    return b;
  }
  void trim() {
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  }
  void mul_small(std::uint32_t k) {
    std::uint64_t carry = 0;
    for (std::uint32_t& l : limbs) {
      const std::uint64_t t = std::uint64_t{l} * k + carry;
      l = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) limbs.push_back(static_cast<std::uint32_t>(carry));
    trim();
  }
  void shl(unsigned bits) {
    if (limbs.empty()) return;
    const unsigned whole = bits / 32, part = bits % 32;
    if (part != 0) {
      std::uint32_t carry = 0;
      for (std::uint32_t& l : limbs) {
        const std::uint32_t next = l >> (32 - part);
        l = (l << part) | carry;
        carry = next;
      }
      if (carry != 0) limbs.push_back(carry);
    }
    limbs.insert(limbs.begin(), whole, 0u);
  }
  void mul_pow10(unsigned e) {
    for (unsigned i = 0; i < e; ++i) mul_small(10);
  }
  Big& operator+=(const Big& b) {
    if (limbs.size() < b.limbs.size()) limbs.resize(b.limbs.size(), 0);
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < limbs.size(); ++i) {
      const std::uint64_t t = std::uint64_t{limbs[i]} + (i < b.limbs.size() ? b.limbs[i] : 0u) + carry;
      limbs[i] = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) limbs.push_back(static_cast<std::uint32_t>(carry));
    return *this;
  }
  friend Big operator*(const Big& a, const Big& b) {
    Big r;
    if (a.limbs.empty() || b.limbs.empty()) return r;
    r.limbs.assign(a.limbs.size() + b.limbs.size(), 0);
    for (std::size_t i = 0; i < a.limbs.size(); ++i) {
      std::uint64_t carry = 0;
      for (std::size_t j = 0; j < b.limbs.size(); ++j) {
        const std::uint64_t t = std::uint64_t{a.limbs[i]} * b.limbs[j] + r.limbs[i + j] + carry;
        r.limbs[i + j] = static_cast<std::uint32_t>(t);
        carry = t >> 32;
      }
      r.limbs[i + b.limbs.size()] = static_cast<std::uint32_t>(carry);
    }
    r.trim();
    return r;
  }
  friend std::strong_ordering operator<=>(const Big& a, const Big& b) {
    if (a.limbs.size() != b.limbs.size()) return a.limbs.size() <=> b.limbs.size();
    for (std::size_t i = a.limbs.size(); i-- > 0;) {
      if (a.limbs[i] != b.limbs[i]) return a.limbs[i] <=> b.limbs[i];
    }
    return std::strong_ordering::equal;
  }
};

// floor(num / den) capped at `cap` (den > 0), by bisection on r * den <= num.
uint128 floor_ratio(const Big& num, const Big& den, uint128 cap) {
  if (Big::of(cap) * den <= num) return cap;
  uint128 lo = 0, hi = cap;  // lo * den <= num < hi * den
  while (hi - lo > 1) {
    const uint128 mid = lo + (hi - lo) / 2;
    if (Big::of(mid) * den <= num) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// num / den = (m 10^e)^power * factor * 2^shift as two big integers (power 1 or 2).
void decimal_scaled(const Decimal& d, unsigned power, std::uint64_t factor, std::int64_t shift, Big& num, Big& den) {
  num = Big::of(power == 2 ? uint128{d.mantissa} * d.mantissa : uint128{d.mantissa}) * Big::of(factor);
  den = Big::of(1);
  const std::int64_t e10 = static_cast<std::int64_t>(power) * d.exponent;
  if (e10 >= 0) {
    num.mul_pow10(static_cast<unsigned>(e10));
  } else {
    den.mul_pow10(static_cast<unsigned>(-e10));
  }
  if (shift >= 0) {
    num.shl(static_cast<unsigned>(shift));
  } else {
    den.shl(static_cast<unsigned>(-shift));
  }
}

void square_scaled(const Decimal& d, std::int64_t shift, Big& num, Big& den) { decimal_scaled(d, 2, 1, shift, num, den); }

}  // namespace

std::optional<Decimal> parse_exact_decimal(std::string_view text) {
  Decimal d;
  std::size_t i = 0;
  unsigned digits = 0;
  bool any = false, point = false;
  std::int64_t exponent = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (point) return std::nullopt;
      point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any = true;
    if (d.mantissa == 0 && c == '0') {
      if (point) --exponent;
      continue;
    }
    if (++digits > 19) return std::nullopt;
    d.mantissa = d.mantissa * 10 + static_cast<std::uint64_t>(c - '0');
    if (point) --exponent;
  }
  if (!any) return std::nullopt;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    if (i == text.size() || text.size() - i > 4) return std::nullopt;
    std::int64_t e = 0;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      e = e * 10 + (text[i] - '0');
    }
    exponent += negative ? -e : e;
  }
  if (d.mantissa == 0) exponent = 0;
  if (exponent < -400 || exponent > 400) return std::nullopt;
  d.exponent = static_cast<std::int32_t>(exponent);
  return d;
}

Decimal policy_decimal(double value) {
  if (!std::isfinite(value) || value < 0) throw Error(ErrorCode::kPolicy, "a policy bound must be finite and >= 0");
  const std::optional<Decimal> d = parse_exact_decimal(policy::format_decimal(value));
  if (!d) throw Error(ErrorCode::kPolicy, "cannot read the policy bound " + policy::format_decimal(value) + " exactly");
  return *d;
}

uint128 absolute_bound_squares(const Decimal& beta, std::int32_t scale) {
  Big num, den;
  square_scaled(beta, 2 * static_cast<std::int64_t>(scale), num, den);
  return floor_ratio(num, den, kMaxAbsoluteBound);
}

std::uint64_t absolute_bound_units(const Decimal& beta, std::int32_t scale) {
  Big num, den;
  decimal_scaled(beta, 1, 1, scale, num, den);
  return static_cast<std::uint64_t>(floor_ratio(num, den, kMaxAbsoluteUnits));
}

std::uint64_t fraction_count(const Decimal& fraction, std::uint64_t total) {
  Big num, den;
  decimal_scaled(fraction, 1, total, 0, num, den);
  return static_cast<std::uint64_t>(floor_ratio(num, den, total));
}

Ratio relative_bound_squares(const Decimal& rho) {
  const uint128 m2 = uint128{rho.mantissa} * rho.mantissa;
  const uint128 limit = uint128{1} << 64;
  if (rho.exponent <= 0 && m2 < limit) {
    uint128 den = 1;
    bool fits = true;
    for (std::int32_t i = 0; i < -2 * rho.exponent && fits; ++i) {
      den *= 10;
      fits = den < limit;
    }
    if (fits) return {static_cast<std::uint64_t>(m2), static_cast<std::uint64_t>(den)};
  }
  Big num, den;
  for (int k = 62; k >= 0; --k) {
    square_scaled(rho, k, num, den);
    const uint128 n = floor_ratio(num, den, limit);
    if (n < limit) return {static_cast<std::uint64_t>(n), std::uint64_t{1} << k};
  }
  return {~std::uint64_t{0}, 1};  // rho^2 >= 2^64: the largest ratio below it
}

namespace {

// sum_t value_t 2^(2 (top - scale_t)), top the largest scale: the sum of
// value_t 2^(-2 scale_t) times 2^(2 top), an integer.
Big scaled_sum(std::span<const ScaledSquares> terms, std::int32_t top) {
  Big sum;
  for (const ScaledSquares& t : terms) {
    Big v = Big::of(t.value);
    v.shl(static_cast<unsigned>(2 * (static_cast<std::int64_t>(top) - t.scale)));
    sum += v;
  }
  return sum;
}

std::int32_t top_scale(std::span<const ScaledSquares> a, std::span<const ScaledSquares> b) {
  std::int32_t top = std::numeric_limits<std::int32_t>::min();
  for (const ScaledSquares& t : a) top = std::max(top, t.scale);
  for (const ScaledSquares& t : b) top = std::max(top, t.scale);
  return top;
}

}  // namespace

std::uint64_t floor_sqrt(uint128 x) {
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(x)));
  while (r > 0 && uint128{r} * r > x) --r;
  while (uint128{r + 1} * (r + 1) <= x) ++r;
  return r;
}

std::uint64_t ceil_sqrt(uint128 x) {
  const std::uint64_t r = floor_sqrt(x);
  return uint128{r} * r == x ? r : r + 1;
}

uint128 delta_squares_upper(uint128 delta_squares, std::uint64_t rounded) {
  return residual_squares_upper(delta_squares, rounded, 0);
}

uint128 residual_squares_upper(uint128 residual_squares, std::uint64_t rounded, unsigned shift) {
  if (rounded == 0) return residual_squares;
  // R < 2^94 (10.5.1), k < 2^64, t <= 24: the root stays below 2^57, its square below 2^114.
  const uint128 root = uint128{ceil_sqrt(residual_squares)} + (uint128{ceil_sqrt(rounded)} << shift);
  return root * root;
}

uint128 base_squares_lower(uint128 base_squares, std::uint64_t rounded_base) {
  if (rounded_base == 0) return base_squares;
  const std::uint64_t a = floor_sqrt(base_squares), b = ceil_sqrt(rounded_base);
  return a > b ? uint128{a - b} * (a - b) : 0;
}

bool scaled_sum_le_square(std::span<const ScaledSquares> terms, const Decimal& beta) {
  if (terms.empty()) return true;
  const std::int32_t top = top_scale(terms, {});
  Big num, den;  // beta^2 2^(2 top) = num / den
  square_scaled(beta, 2 * static_cast<std::int64_t>(top), num, den);
  return scaled_sum(terms, top) * den <= num;
}

bool scaled_sums_ratio_le(std::span<const ScaledSquares> a, std::span<const ScaledSquares> b, std::uint64_t num,
                          std::uint64_t den) {
  if (a.empty()) return true;
  const std::int32_t top = top_scale(a, b);
  return scaled_sum(a, top) * Big::of(den) <= scaled_sum(b, top) * Big::of(num);
}

bool scaled_product_le(uint128 a, std::uint64_t b, uint128 c, std::uint64_t d, unsigned shift) {
  Big right = Big::of(c) * Big::of(d);
  right.shl(shift);
  return Big::of(a) * Big::of(b) <= right;
}

}  // namespace fti::certify

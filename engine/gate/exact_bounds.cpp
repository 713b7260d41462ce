#include "engine/gate/exact_bounds.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace fti::gate {
namespace {

using analysis::ExactSum;

// Just enough arbitrary precision for count * 10^k against digits * total.
class Natural {
 public:
  explicit Natural(std::uint64_t value) {
    while (value) {
      limbs_.push_back(static_cast<std::uint32_t>(value));
      value >>= 32;
    }
  }
  void multiply(std::uint64_t factor) {  // factor < 2^32
    std::uint64_t carry = 0;
    for (std::uint32_t& limb : limbs_) {
      const std::uint64_t product = std::uint64_t{limb} * factor + carry;
      limb = static_cast<std::uint32_t>(product);
      carry = product >> 32;
    }
    if (carry) limbs_.push_back(static_cast<std::uint32_t>(carry));
  }
  void multiply_wide(std::uint64_t factor) {  // any 64-bit factor, in two halves
    Natural high = *this;
    high.multiply(factor >> 32);
    high.limbs_.insert(high.limbs_.begin(), 0);  // * 2^32
    multiply(factor & 0xFFFFFFFFu);
    add(high);
  }
  void multiply_power_of_ten(unsigned k) {
    for (; k >= 9; k -= 9) multiply(1000000000u);
    for (; k > 0; --k) multiply(10);
  }
  int compare(const Natural& other) const {
    const std::size_t n = std::max(limbs_.size(), other.limbs_.size());
    for (std::size_t i = n; i-- > 0;) {
      const std::uint32_t a = i < limbs_.size() ? limbs_[i] : 0;
      const std::uint32_t b = i < other.limbs_.size() ? other.limbs_[i] : 0;
      if (a != b) return a < b ? -1 : 1;
    }
    return 0;
  }

 private:
  void add(const Natural& other) {
    if (limbs_.size() < other.limbs_.size()) limbs_.resize(other.limbs_.size(), 0);
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < limbs_.size(); ++i) {
      const std::uint64_t sum = std::uint64_t{limbs_[i]} + (i < other.limbs_.size() ? other.limbs_[i] : 0) + carry;
      limbs_[i] = static_cast<std::uint32_t>(sum);
      carry = sum >> 32;
    }
    if (carry) limbs_.push_back(static_cast<std::uint32_t>(carry));
  }
  std::vector<std::uint32_t> limbs_;  // little-endian base 2^32
};

// value = digits * 10^exponent, from the shortest decimal that reads back as value.
void shortest_decimal(double value, std::uint64_t& digits, int& exponent) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));  // "d.ddde[+-]xx"
  const std::size_t e = text.find('e');
  digits = 0;
  int fraction_digits = 0;
  bool after_point = false;
  for (const char c : text.substr(0, e)) {
    if (c == '.') {
      after_point = true;
      continue;
    }
    digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
    fraction_digits += after_point ? 1 : 0;
  }
  exponent = std::atoi(std::string(text.substr(e + 1)).c_str()) - fraction_digits;
}

}  // namespace

bool count_at_most_fraction(std::uint64_t count, std::uint64_t total, double fraction) {
  if (count == 0) return true;
  if (!(fraction > 0)) return false;
  std::uint64_t digits = 0;
  int exponent = 0;
  shortest_decimal(fraction, digits, exponent);
  // count <= digits * 10^exponent * total, with the power of ten moved to
  // whichever side keeps it a whole number.
  Natural lhs(count), rhs(digits);
  rhs.multiply_wide(total);
  if (exponent < 0) {
    lhs.multiply_power_of_ten(static_cast<unsigned>(-exponent));
  } else {
    rhs.multiply_power_of_ten(static_cast<unsigned>(exponent));
  }
  return lhs.compare(rhs) <= 0;
}

bool root_at_most(const ExactSum& squares, double bound) {
  ExactSum limit;
  limit.add_product(bound, bound);
  return squares.compare(limit) <= 0;
}

bool root_at_most_relative(const ExactSum& delta, const ExactSum& base, double fraction) {
  return delta.compare_scaled(base, {fraction, fraction}) <= 0;
}

}  // namespace fti::gate

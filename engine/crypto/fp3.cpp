#include "engine/crypto/fp3.h"

#include "engine/crypto/bytes.h"

namespace fti::crypto {

Fp3 Fp3::inverse() const noexcept {
  const Fp a0 = c_[0], a1 = c_[1], a2 = c_[2];
  const Fp w = Fp::from_u64(kNonResidue);
  const Fp b0 = a0.square() - w * a1 * a2;
  const Fp b1 = w * a2.square() - a0 * a1;
  const Fp b2 = a1.square() - a0 * a2;
  // Only the constant coefficient of a * b survives (the others cancel).
  const Fp norm = a0 * b0 + w * (a1 * b2 + a2 * b1);
  const Fp inv = norm.inverse();  // zero for a = 0, since N(a) = 0 iff a = 0
  return Fp3(b0 * inv, b1 * inv, b2 * inv);
}

std::array<std::uint8_t, Fp3::kEncodedSize> Fp3::to_bytes() const noexcept {
  std::array<std::uint8_t, kEncodedSize> out{};
  write(out.data());
  return out;
}

void Fp3::write(std::uint8_t* out) const noexcept {
  for (std::size_t i = 0; i < 3; ++i) c_[i].write(out + 8 * i);
}

std::optional<Fp3> Fp3::from_bytes(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() != kEncodedSize) return std::nullopt;
  const auto c0 = Fp::from_bytes(bytes.subspan(0, 8));
  const auto c1 = Fp::from_bytes(bytes.subspan(8, 8));
  const auto c2 = Fp::from_bytes(bytes.subspan(16, 8));
  if (!c0 || !c1 || !c2) return std::nullopt;
  return Fp3(*c0, *c1, *c2);
}

void batch_inverse(std::span<Fp3> values) {
  if (values.empty()) return;
  std::vector<Fp3> prefix(values.size());
  Fp3 acc = Fp3::one();
  for (std::size_t i = 0; i < values.size(); ++i) {
    prefix[i] = acc;
    if (!values[i].is_zero()) acc *= values[i];
  }
  Fp3 inv = acc.inverse();
  for (std::size_t i = values.size(); i-- > 0;) {
    if (values[i].is_zero()) continue;
    const Fp3 v = values[i];
    values[i] = inv * prefix[i];
    inv *= v;
  }
}

void write_fp3_span(std::span<const Fp3> values, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < values.size(); ++i) values[i].write(out + 24 * i);
}

}  // namespace fti::crypto

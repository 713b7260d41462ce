#include "engine/crypto/goldilocks.h"

#include <stdexcept>

#include "engine/crypto/bytes.h"

namespace fti::crypto {

Fp Fp::root_of_unity(unsigned log_order) {
  if (log_order > kTwoAdicity) throw std::invalid_argument("Fp::root_of_unity: order above 2^32");
  // Squaring the primitive 2^32-th root (32 - k) times gives a primitive 2^k-th root.
  Fp w = from_raw(kTwoAdicRoot);
  for (unsigned i = log_order; i < kTwoAdicity; ++i) w = w.square();
  return w;
}

std::array<std::uint8_t, Fp::kEncodedSize> Fp::to_bytes() const noexcept {
  std::array<std::uint8_t, kEncodedSize> out{};
  store_le64(v_, out.data());
  return out;
}

void Fp::write(std::uint8_t* out) const noexcept { store_le64(v_, out); }

std::optional<Fp> Fp::from_bytes(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() != kEncodedSize) return std::nullopt;
  return from_canonical(load_le64(bytes.data()));
}

void batch_inverse(std::span<Fp> values) {
  if (values.empty()) return;
  // prefix[i] = product of the non-zero values[0..i); zeros are skipped so a
  // single zero does not poison the whole batch.
  std::vector<Fp> prefix(values.size());
  Fp acc = Fp::one();
  for (std::size_t i = 0; i < values.size(); ++i) {
    prefix[i] = acc;
    if (!values[i].is_zero()) acc *= values[i];
  }
  Fp inv = acc.inverse();
  for (std::size_t i = values.size(); i-- > 0;) {
    if (values[i].is_zero()) continue;
    const Fp v = values[i];
    values[i] = inv * prefix[i];
    inv *= v;
  }
}

std::vector<Fp> batch_inverse_copy(std::span<const Fp> values) {
  std::vector<Fp> out(values.begin(), values.end());
  batch_inverse(out);
  return out;
}

void write_fp_span(std::span<const Fp> values, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < values.size(); ++i) values[i].write(out + 8 * i);
}

}  // namespace fti::crypto

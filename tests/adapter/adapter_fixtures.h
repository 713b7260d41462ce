// Generated PEFT adapters and an independent reference merge for the adapter
// and command-line tests. The reference is written from the formula in
// docs/ADAPTERS.md with plain loops and its own rounding (frexp/ldexp, not
// fti's double_to_bf16), so a bug in fti's merge or rounding shows up.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/tensor/dtype.h"
#include "registry/safetensors_writer.h"
#include "tests/support/model_fixtures.h"

namespace fti::testing {

// Round-to-nearest-even to BF16 (8 significant bits) or F32, by hand.
inline double reference_round(DType dtype, double v) {
  if (dtype == DType::kF32) return static_cast<double>(static_cast<float>(v));
  if (dtype == DType::kF64) return v;
  if (dtype != DType::kBF16) throw std::runtime_error("reference_round: BF16, F32 or F64 only");
  if (v == 0 || !std::isfinite(v)) return v;
  int e = 0;
  (void)std::frexp(std::fabs(v), &e);  // |v| = m 2^e, m in [0.5, 1)
  const int exponent = std::max(e, -125);  // below 2^-126: subnormal quantum 2^-133
  const double scaled = std::ldexp(std::fabs(v), 8 - exponent);
  double n = std::floor(scaled);
  const double frac = scaled - n;
  if (frac > 0.5 || (frac == 0.5 && std::fmod(n, 2.0) != 0)) n += 1;
  return std::copysign(std::ldexp(n, exponent - 8), v);
}

// Little-endian bytes of values exactly representable in `dtype`.
inline std::vector<std::uint8_t> encode_exact(DType dtype, const std::vector<double>& values) {
  std::vector<std::uint8_t> bytes;
  for (const double v : values) {
    if (reference_round(dtype, v) != v && !std::isnan(v)) throw std::runtime_error("encode_exact: not representable");
    if (dtype == DType::kF64) {
      const auto bits = std::bit_cast<std::uint64_t>(v);
      for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
      continue;
    }
    const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(v));
    if (dtype == DType::kF32) {
      for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
    } else {
      bytes.push_back(static_cast<std::uint8_t>(bits >> 16));
      bytes.push_back(static_cast<std::uint8_t>(bits >> 24));
    }
  }
  return bytes;
}

inline std::vector<double> random_values(DType dtype, std::uint64_t count, std::uint64_t seed, double stddev) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, stddev);
  std::vector<double> out(count);
  for (double& v : out) v = reference_round(dtype, normal(rng));
  return out;
}

struct TestTensor {
  std::string name;
  DType dtype = DType::kBF16;
  std::vector<std::uint64_t> shape;
  std::vector<double> values;
  TensorData data() const { return {{name, dtype, shape}, encode_exact(dtype, values)}; }
};

inline TestTensor random_tensor(const std::string& name, DType dtype, std::vector<std::uint64_t> shape,
                                std::uint64_t seed, double stddev = 0.05) {
  std::uint64_t n = 1;
  for (const std::uint64_t d : shape) n *= d;
  return {name, dtype, shape, random_values(dtype, n, seed, stddev)};
}

// A LoRA pair for `module`: A (rank x in), B (out x rank).
struct TestLora {
  std::string module;
  std::uint64_t rank = 0, in = 0, out = 0;
  TestTensor a, b;
};

inline TestLora make_lora(const std::string& module, std::uint64_t rank, std::uint64_t in, std::uint64_t out,
                          DType dtype, std::uint64_t seed) {
  const std::string prefix = "base_model.model." + module;
  return {module, rank, in, out, random_tensor(prefix + ".lora_A.weight", dtype, {rank, in}, seed, 0.5),
          random_tensor(prefix + ".lora_B.weight", dtype, {out, rank}, seed + 1, 0.05)};
}

// W + scale * B A with plain loops in double, then rounded: the base is
// (out, in), or (in, out) with fan_in_fan_out.
inline std::vector<double> reference_merge(const TestTensor& base, const TestLora& lora, double scale, bool fifo) {
  std::vector<double> merged = base.values;
  for (std::uint64_t o = 0; o < lora.out; ++o) {
    for (std::uint64_t i = 0; i < lora.in; ++i) {
      double sum = 0;
      for (std::uint64_t k = 0; k < lora.rank; ++k) sum += lora.b.values[o * lora.rank + k] * lora.a.values[k * lora.in + i];
      const std::uint64_t at = fifo ? i * lora.out + o : o * lora.in + i;
      merged[at] = reference_round(base.dtype, base.values[at] + scale * sum);
    }
  }
  return merged;
}

inline void write_adapter(const std::filesystem::path& dir, const std::string& config_json,
                          const std::vector<TestLora>& loras, const std::vector<TestTensor>& extra = {}) {
  std::filesystem::create_directories(dir);
  write_text(dir / "adapter_config.json", config_json);
  std::vector<TensorData> tensors;
  for (const TestLora& l : loras) {
    tensors.push_back(l.a.data());
    tensors.push_back(l.b.data());
  }
  for (const TestTensor& t : extra) tensors.push_back(t.data());
  write_safetensors(dir / "adapter_model.safetensors", tensors);
}

inline void write_tensors(const std::filesystem::path& file, const std::vector<TestTensor>& tensors) {
  std::vector<TensorData> data;
  for (const TestTensor& t : tensors) data.push_back(t.data());
  std::filesystem::create_directories(file.parent_path());
  write_safetensors(file, data);
}

}  // namespace fti::testing

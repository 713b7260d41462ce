// Small generated checkpoints for the registry and command-line tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "registry/safetensors_writer.h"

namespace fti::testing {

// A BF16 tensor whose values are drawn from `values` with `rng`, in order.
TensorData random_bf16_tensor(const std::string& name, std::vector<std::uint64_t> shape, std::mt19937_64& rng,
                              std::normal_distribution<double>& values);

// A transformer-shaped set of BF16 tensors with pseudo-random values.
std::vector<TensorData> make_model_tensors(int layers, int hidden, std::uint64_t seed);

// Writes `tensors` as `shards` files model-0000i-of-0000n.safetensors plus
// model.safetensors.index.json (shards == 1 writes model.safetensors only).
void write_model(const std::filesystem::path& directory, const std::vector<TensorData>& tensors,
                 int shards);

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace fti::testing

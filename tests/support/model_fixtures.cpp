#include "tests/support/model_fixtures.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "engine/tensor/dtype.h"

namespace fti::testing {

TensorData random_bf16_tensor(const std::string& name, std::vector<std::uint64_t> shape, std::mt19937_64& rng,
                              std::normal_distribution<double>& values) {
  TensorSpec spec{name, DType::kBF16, std::move(shape)};
  std::vector<std::uint8_t> bytes(spec.byte_size());
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    const std::uint16_t v = double_to_bf16(values(rng));
    bytes[i] = static_cast<std::uint8_t>(v);
    bytes[i + 1] = static_cast<std::uint8_t>(v >> 8);
  }
  return TensorData{spec, bytes};
}

std::vector<TensorData> make_model_tensors(int layers, int hidden, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 0.02);
  const auto h = static_cast<std::uint64_t>(hidden);
  const auto make = [&](const std::string& name, std::vector<std::uint64_t> shape) {
    return random_bf16_tensor(name, std::move(shape), rng, normal);
  };
  std::vector<TensorData> tensors;
  tensors.push_back(make("model.embed_tokens.weight", {64, h}));
  for (int l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      tensors.push_back(make(p + "self_attn." + proj + ".weight", {h, h}));
    }
    tensors.push_back(make(p + "mlp.up_proj.weight", {2 * h, h}));
    tensors.push_back(make(p + "mlp.down_proj.weight", {h, 2 * h}));
    tensors.push_back(make(p + "input_layernorm.weight", {h}));
  }
  tensors.push_back(make("lm_head.weight", {64, h}));
  return tensors;
}

void write_model(const std::filesystem::path& directory, const std::vector<TensorData>& tensors,
                 int shards) {
  std::filesystem::create_directories(directory);
  if (shards <= 1) {
    write_safetensors(directory / "model.safetensors", tensors);
    return;
  }
  nlohmann::json index;
  std::uint64_t total = 0;
  const auto n = static_cast<std::size_t>(shards);
  for (std::size_t s = 0; s < n; ++s) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, n);
    std::vector<TensorData> part;
    for (std::size_t i = s; i < tensors.size(); i += n) {
      part.push_back(tensors[i]);
      index["weight_map"][tensors[i].spec.name] = name;
      total += tensors[i].bytes.size();
    }
    write_safetensors(directory / name, part);
  }
  index["metadata"]["total_size"] = total;
  write_text(directory / "model.safetensors.index.json", index.dump(2));
}

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace fti::testing

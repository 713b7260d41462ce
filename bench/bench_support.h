// Shared by the benchmark binaries: generated checkpoints, peak memory, and
// dropping files from the page cache for cold-read figures.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "registry/safetensors_writer.h"

namespace fti::bench {

namespace fs = std::filesystem;

// Peak resident set (VmHWM) in KiB; reset_peak_rss() starts a new window.
inline std::uint64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

inline void drop_page_cache(const std::vector<fs::path>& files) {
  for (const fs::path& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fdatasync(fd);
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      ::close(fd);
    }
  }
}

// A transformer's shapes: `layers` blocks of q/k/v/o (hidden x hidden) and
// gate/up/down (intermediate x hidden), plus, when vocab > 0, an embedding
// and an lm_head (vocab x hidden) and two layer norms (hidden) per block.
struct ModelShape {
  std::uint64_t hidden = 4096;
  std::uint64_t intermediate = 11008;
  std::uint64_t layers = 1;
  std::uint64_t vocab = 0;

  std::uint64_t parameters() const {
    const std::uint64_t block = 4 * hidden * hidden + 3 * hidden * intermediate + (vocab > 0 ? 2 * hidden : 0);
    return layers * block + 2 * vocab * hidden;
  }
};

// Writes BF16 tensors of `shape`, sharded into ~1 GiB files with an index.
// `edit`, when given, may change each tensor's bytes before they are written
// (to make a candidate from the same pseudo-random base).
inline std::vector<fs::path> generate_model(
    const fs::path& dir, const ModelShape& shape,
    const std::function<void(const fti::TensorSpec&, std::vector<std::uint8_t>&)>& edit = {}) {
  fs::create_directories(dir);
  const std::uint64_t hidden = shape.hidden, inter = shape.intermediate;
  const std::uint64_t layer_bytes = 2 * (4 * hidden * hidden + 3 * hidden * inter);
  const std::uint64_t layers_per_shard = std::max<std::uint64_t>(1, (1ull << 30) / layer_bytes);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::vector<std::uint8_t> buffer;
  nlohmann::json index;
  std::vector<fs::path> files;
  for (std::uint64_t first = 0; first < shape.layers; first += layers_per_shard) {
    const std::uint64_t last = std::min(shape.layers, first + layers_per_shard);
    const std::string name = "model-" + std::to_string(files.size() + 1) + ".safetensors";
    std::vector<fti::TensorSpec> specs;
    if (first == 0 && shape.vocab > 0) {
      specs.push_back({"model.embed_tokens.weight", fti::DType::kBF16, {shape.vocab, hidden}});
      specs.push_back({"lm_head.weight", fti::DType::kBF16, {shape.vocab, hidden}});
    }
    for (std::uint64_t l = first; l < last; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
        specs.push_back({p + "self_attn." + proj + ".weight", fti::DType::kBF16, {hidden, hidden}});
      }
      specs.push_back({p + "mlp.gate_proj.weight", fti::DType::kBF16, {inter, hidden}});
      specs.push_back({p + "mlp.up_proj.weight", fti::DType::kBF16, {inter, hidden}});
      specs.push_back({p + "mlp.down_proj.weight", fti::DType::kBF16, {hidden, inter}});
      if (shape.vocab > 0) {
        specs.push_back({p + "input_layernorm.weight", fti::DType::kBF16, {hidden}});
        specs.push_back({p + "post_attention_layernorm.weight", fti::DType::kBF16, {hidden}});
      }
    }
    fti::SafetensorsWriter writer(dir / name, specs);
    for (const fti::TensorSpec& spec : writer.layout()) {
      buffer.resize(spec.byte_size());
      for (std::size_t i = 0; i + 1 < buffer.size(); i += 2) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        // Small normal-ish weights: exponent around 2^-6, random mantissa and sign.
        const auto bits = static_cast<std::uint16_t>(0x3C00u | (state & 0x807Fu) | ((state >> 8) & 0x0180u));
        std::memcpy(buffer.data() + i, &bits, 2);
      }
      if (edit) edit(spec, buffer);
      writer.write_next(buffer);
      index["weight_map"][spec.name] = name;
    }
    writer.commit();
    files.push_back(dir / name);
  }
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  return files;
}

// `gib` GiB of 4096-wide layers (no embedding), as drift_analysis_bench uses.
inline std::vector<fs::path> generate_model(
    const fs::path& dir, double gib,
    const std::function<void(const fti::TensorSpec&, std::vector<std::uint8_t>&)>& edit = {}) {
  ModelShape shape;
  const std::uint64_t layer_bytes = 2 * (4 * shape.hidden * shape.hidden + 3 * shape.hidden * shape.intermediate);
  shape.layers = static_cast<std::uint64_t>(gib * double(1ull << 30) / double(layer_bytes)) + 1;
  return generate_model(dir, shape, edit);
}

}  // namespace fti::bench

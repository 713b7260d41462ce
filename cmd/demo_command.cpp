// fti demo --out DIR: writes the demo checkpoints `make demo` gates.
//
//   base/                 a small llama-shaped model in BF16
//   candidate-lora/       base + a rank-8 update on q_proj and v_proj of every
//                         layer, merged and rounded to BF16 as PEFT would
//   candidate-tampered/   the same, plus a small dense change to the token
//                         embeddings and to one MLP layer
// Generation is deterministic (fixed seeds), so every run writes the same bytes.
#include <fmt/core.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "cmd/cli_support.h"
#include "engine/common/atomic_file.h"
#include "engine/tensor/dtype.h"
#include "registry/safetensors_writer.h"

namespace fti::cli {
namespace {

namespace fs = std::filesystem;

struct DemoShape {
  std::uint64_t vocab = 1024, hidden = 256, intermediate = 688, layers = 4, rank = 8;
};

struct Matrix {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::vector<double> values;  // exact BF16 values of the base
};

std::vector<std::uint8_t> to_bf16_bytes(const std::vector<double>& values) {
  std::vector<std::uint8_t> bytes(values.size() * 2);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::uint16_t b = double_to_bf16(values[i]);
    bytes[2 * i] = static_cast<std::uint8_t>(b);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(b >> 8);
  }
  return bytes;
}

std::vector<Matrix> make_base(const DemoShape& s, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 0.02);
  std::vector<Matrix> tensors;
  const auto add = [&](std::string name, std::vector<std::uint64_t> shape, double fill = NAN) {
    std::uint64_t count = 1;
    for (const auto d : shape) count *= d;
    std::vector<double> values(count);
    for (double& v : values) v = bf16_to_double(double_to_bf16(std::isnan(fill) ? normal(rng) : fill));
    tensors.push_back({std::move(name), std::move(shape), std::move(values)});
  };
  add("model.embed_tokens.weight", {s.vocab, s.hidden});
  for (std::uint64_t l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      add(p + "self_attn." + proj + ".weight", {s.hidden, s.hidden});
    }
    add(p + "mlp.gate_proj.weight", {s.intermediate, s.hidden});
    add(p + "mlp.up_proj.weight", {s.intermediate, s.hidden});
    add(p + "mlp.down_proj.weight", {s.hidden, s.intermediate});
    add(p + "input_layernorm.weight", {s.hidden}, 1.0);
    add(p + "post_attention_layernorm.weight", {s.hidden}, 1.0);
  }
  add("model.norm.weight", {s.hidden}, 1.0);
  add("lm_head.weight", {s.vocab, s.hidden});
  return tensors;
}

// W + (alpha/r) B A for every q_proj and v_proj, rounded to BF16.
void apply_lora(std::vector<Matrix>& tensors, const DemoShape& s, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  const double scale = 16.0 / static_cast<double>(s.rank);  // lora_alpha = 16
  for (Matrix& m : tensors) {
    if (m.name.find("q_proj") == std::string::npos && m.name.find("v_proj") == std::string::npos) continue;
    const std::uint64_t rows = m.shape[0], cols = m.shape[1];
    std::vector<double> a(s.rank * cols), b(rows * s.rank);
    for (double& v : a) v = normal(rng) * 0.01;
    for (double& v : b) v = normal(rng) * 0.01;
    for (std::uint64_t i = 0; i < rows; ++i) {
      for (std::uint64_t j = 0; j < cols; ++j) {
        double delta = 0;
        for (std::uint64_t k = 0; k < s.rank; ++k) delta += b[i * s.rank + k] * a[k * cols + j];
        double& w = m.values[i * cols + j];
        w = bf16_to_double(double_to_bf16(w + scale * delta));
      }
    }
  }
}

// A small dense change: every entry of the tensor moves by ~1e-3.
void tamper(std::vector<Matrix>& tensors, const std::string& name, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1e-3);
  for (Matrix& m : tensors) {
    if (m.name != name) continue;
    for (double& w : m.values) w = bf16_to_double(double_to_bf16(w + normal(rng)));
  }
}

// What a team that approved LoRA fine-tunes of the attention projections
// would write: q/v may take a rank-8 update (up to bf16 rounding), nothing
// else may change.
constexpr std::string_view kDemoPolicy = R"(# fti demo policy: LoRA on the attention projections, everything else frozen.
version: 1
preset: llama
default: violation
rules:
  - name: lora-attention
    match: "model.layers.*.self_attn.{q,v}_proj.weight"
    rank:
      max: 8
      residual: {relative: 1%}   # merged in bf16: low-rank up to rounding
    norm:
      frobenius: {relative: 5%}
  - name: frozen
    match: "**"
    frozen: true
budgets:
  - name: attention-total
    over: {group: attention}
    norm:
      frobenius: {relative: 3%}
)";

void write_model(const fs::path& dir, const std::vector<Matrix>& tensors) {
  fs::create_directories(dir);
  std::vector<TensorData> data;
  for (const Matrix& m : tensors) data.push_back({{m.name, DType::kBF16, m.shape}, to_bf16_bytes(m.values)});
  write_safetensors(dir / "model.safetensors", std::move(data), {{"format", "pt"}});
}

int run_demo(const std::string& out) {
  const DemoShape shape;
  std::mt19937_64 rng(20261122);
  std::vector<Matrix> base = make_base(shape, rng);
  write_model(fs::path(out) / "base", base);
  std::vector<Matrix> lora = base;
  apply_lora(lora, shape, rng);
  write_model(fs::path(out) / "candidate-lora", lora);
  std::vector<Matrix> tampered = lora;
  tamper(tampered, "model.embed_tokens.weight", rng);
  tamper(tampered, "model.layers.2.mlp.down_proj.weight", rng);
  write_model(fs::path(out) / "candidate-tampered", tampered);
  write_file_atomically(fs::path(out) / "policy.yaml", kDemoPolicy);
  fmt::print("wrote {}/base, {}/candidate-lora (rank-{} update on q_proj/v_proj, BF16), "
             "{}/candidate-tampered (plus dense edits to the embeddings and layer 2's MLP), {}/policy.yaml\n",
             out, out, shape.rank, out, out);
  return 0;
}

}  // namespace

void register_demo(CLI::App& app, Action& action) {
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("demo", "Write the demo base and candidate checkpoints");
  cmd->footer(
      "A small llama-shaped base, a compliant rank-r LoRA fine-tune and a tampered one, and a policy\n"
      "that tells them apart: a model to try every verb on without downloading one.\n\n"
      "Examples:\n"
      "  fti demo --out demo\n"
      "  fti gate --policy demo/policy.yaml --base demo/base --candidate demo/candidate-lora\n"
      "  fti gate --policy demo/policy.yaml --base demo/base --candidate demo/candidate-tampered   (exit 1)\n");
  cmd->add_option("--out", *out, "Directory to write base/, candidate-lora/, candidate-tampered/")
      ->required();
  cmd->callback([&action, out] { action = [out] { return run_demo(*out); }; });
}

}  // namespace fti::cli

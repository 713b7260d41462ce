// The gate on transformer-shaped BF16 checkpoints (tests/support): a rank-1
// edit, a sparse edit and an embedding-only change hidden among compliant
// layers; and the same decisions on F16 and BF16 values near a bound.
#include <gtest/gtest.h>

#include <charconv>
#include <cstring>

#include "engine/gate/gate.h"
#include "policy/policy_parser.h"
#include "registry/safetensors_writer.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti::gate {
namespace {

TensorData& find(std::vector<TensorData>& tensors, const std::string& name) {
  for (TensorData& t : tensors) {
    if (t.spec.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

double get_bf16(const TensorData& t, std::size_t i) {
  std::uint16_t bits;
  std::memcpy(&bits, t.bytes.data() + 2 * i, 2);
  return bf16_to_double(bits);
}

void set_bf16(TensorData& t, std::size_t i, double value) {
  const std::uint16_t bits = double_to_bf16(value);
  std::memcpy(t.bytes.data() + 2 * i, &bits, 2);
}

constexpr const char* kPolicy = R"(version: 1
preset: llama
rules:
  - name: q-rank-1
    match: "model.layers.*.self_attn.q_proj.weight"
    rank: {max: 1, residual: {relative: 1%}}
  - name: mlp-sparse
    match: "model.layers.*.mlp.*.weight"
    sparsity: {max_changed: 8}
    norm: {max_abs: 0.5}
  - name: frozen
    match: "**"
    frozen: true
)";

reports::Report gate(const std::vector<TensorData>& base, const std::vector<TensorData>& candidate) {
  testing::TempDir dir;
  testing::write_model(dir / "base", base, 2);
  testing::write_model(dir / "cand", candidate, 1);
  const Checkpoint b = Checkpoint::open_local(dir / "base");
  const Checkpoint c = Checkpoint::open_local(dir / "cand");
  return run_gate(policy::parse_policy(kPolicy, "policy.yaml"), b, c);
}

std::vector<std::string> violations(const reports::Report& r) {
  std::vector<std::string> out;
  for (const auto& t : r.tensors) {
    if (t.verdict == reports::Verdict::kViolation) out.push_back(t.name);
  }
  return out;
}

TEST(GateEndToEnd, EmbeddingChangeHiddenAmongCompliantEditsIsTheOnlyViolation) {
  const int hidden = 32;
  const std::vector<TensorData> base = testing::make_model_tensors(3, hidden, 5);
  std::vector<TensorData> cand = base;
  // Rank-1 edit of every q_proj (in BF16: low rank up to rounding).
  for (int layer = 0; layer < 3; ++layer) {
    TensorData& q = find(cand, "model.layers." + std::to_string(layer) + ".self_attn.q_proj.weight");
    for (int i = 0; i < hidden; ++i) {
      for (int j = 0; j < hidden; ++j) {
        const auto k = static_cast<std::size_t>(i * hidden + j);
        set_bf16(q, k, get_bf16(q, k) + 0.01 * (i % 5 - 2) * (j % 3 + 1));
      }
    }
  }
  // Sparse edit: 8 entries of one MLP weight.
  TensorData& up = find(cand, "model.layers.1.mlp.up_proj.weight");
  for (std::size_t k = 0; k < 8; ++k) set_bf16(up, 37 * k + 3, get_bf16(up, 37 * k + 3) + 0.25);

  reports::Report r = gate(base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kPass) << ::testing::PrintToString(violations(r));

  // One entry of the embeddings, the smallest change BF16 can make there.
  TensorData& embed = find(cand, "model.embed_tokens.weight");
  embed.bytes[0] ^= 1;
  r = gate(base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);
  EXPECT_EQ(violations(r), std::vector<std::string>{"model.embed_tokens.weight"});

  // And a ninth sparse entry breaks the MLP rule.
  embed.bytes[0] ^= 1;
  set_bf16(up, 1000, get_bf16(up, 1000) + 0.25);
  r = gate(base, cand);
  EXPECT_EQ(violations(r), std::vector<std::string>{"model.layers.1.mlp.up_proj.weight"});
}

TEST(GateEndToEnd, FullRankEditOfAProjectionFailsTheResidual) {
  const std::vector<TensorData> base = testing::make_model_tensors(2, 32, 6);
  std::vector<TensorData> cand = base;
  TensorData& q = find(cand, "model.layers.0.self_attn.q_proj.weight");
  for (std::size_t k = 0; k < 32 * 32; k += 33) set_bf16(q, k, get_bf16(q, k) + 0.1);  // the diagonal: rank 32
  const reports::Report r = gate(base, cand);
  EXPECT_EQ(violations(r), std::vector<std::string>{"model.layers.0.self_attn.q_proj.weight"});
}

// max_abs exactly at a BF16 / F16 step: Delta is one representable step.
TEST(GateEndToEnd, HalfPrecisionDeltasAreExact) {
  for (const DType dtype : {DType::kBF16, DType::kF16}) {
    const auto encode = [&](double v) { return dtype == DType::kBF16 ? double_to_bf16(v) : double_to_f16(v); };
    std::vector<std::uint8_t> b(4), c(4);
    const std::uint16_t one = encode(1.0), two = encode(2.0), next = static_cast<std::uint16_t>(one + 1);
    std::memcpy(b.data(), &one, 2);
    std::memcpy(b.data() + 2, &two, 2);
    std::memcpy(c.data(), &next, 2);  // 1 + one ulp
    std::memcpy(c.data() + 2, &two, 2);
    const double step = dtype == DType::kBF16 ? 0x1p-7 : 0x1p-10;
    testing::TempDir dir;
    write_safetensors(dir / "b.safetensors", {{{"w", dtype, {2}}, b}});
    write_safetensors(dir / "c.safetensors", {{{"w", dtype, {2}}, c}});
    const Checkpoint base = Checkpoint::open_local(dir / "b.safetensors");
    const Checkpoint cand = Checkpoint::open_local(dir / "c.safetensors");
    const auto verdict = [&](double bound) {
      char text[32];
      const std::string written(text, std::to_chars(text, text + sizeof text, bound).ptr);  // round-trips
      const std::string yaml =
          "version: 1\nrules: [{name: w, match: w, norm: {max_abs: " + written + ", frobenius: {absolute: " + written + "}}}]\n";
      return run_gate(policy::parse_policy(yaml, "p"), base, cand).verdict;
    };
    EXPECT_EQ(verdict(step), reports::Verdict::kPass) << dtype_name(dtype);
    EXPECT_EQ(verdict(step * 0.999999), reports::Verdict::kViolation) << dtype_name(dtype);
  }
}

}  // namespace
}  // namespace fti::gate

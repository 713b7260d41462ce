// Presets: each one's groups against the tensor names real checkpoints of
// that architecture use, and the matrix views the analysis will take.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "policy/matrix_view.h"
#include "policy/policy_parser.h"
#include "policy/preset.h"

namespace fti::policy {
namespace {

Policy with_preset(const std::string& name) {
  return parse_policy("version: 1\npreset: " + name + "\n", "preset.yaml");
}

using Expected = std::map<std::string, std::vector<std::string>>;  // tensor -> groups, in preset order

void expect_groups(const std::string& preset, const Expected& expected) {
  const Policy p = with_preset(preset);
  for (const auto& [tensor, groups] : expected) {
    EXPECT_EQ(p.groups_of(tensor), groups) << preset << ": " << tensor;
  }
}

TEST(Preset, AllBuiltInsExist) {
  EXPECT_EQ(preset_names(), (std::vector<std::string_view>{"llama", "gpt2", "bert", "resnet", "mlp"}));
  for (std::string_view name : preset_names()) {
    const Preset* p = find_preset(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->name(), name);
    EXPECT_GE(p->revision(), 1u);
    EXPECT_FALSE(p->description().empty());
    for (const PresetGroup& g : p->groups()) {
      EXPECT_FALSE(g.globs.empty()) << name << "." << g.name;
      EXPECT_EQ(p->group(g.name), &g);
    }
  }
  EXPECT_EQ(find_preset("mistral"), nullptr);
  EXPECT_EQ(find_preset("LLAMA"), nullptr);
}

TEST(Preset, LlamaAndMistralNames) {
  // Hugging Face names (Llama 2/3, Mistral, Qwen2 with q/k/v biases).
  expect_groups("llama", {
                             {"model.embed_tokens.weight", {"embeddings"}},
                             {"model.layers.0.self_attn.q_proj.weight", {"attention"}},
                             {"model.layers.31.self_attn.k_proj.weight", {"attention"}},
                             {"model.layers.7.self_attn.v_proj.bias", {"attention"}},
                             {"model.layers.7.self_attn.o_proj.weight", {"attention"}},
                             {"model.layers.12.mlp.gate_proj.weight", {"mlp"}},
                             {"model.layers.12.mlp.up_proj.weight", {"mlp"}},
                             {"model.layers.12.mlp.down_proj.weight", {"mlp"}},
                             {"model.layers.3.input_layernorm.weight", {"norms"}},
                             {"model.layers.3.post_attention_layernorm.weight", {"norms"}},
                             {"model.norm.weight", {"norms"}},
                             {"lm_head.weight", {"lm_head"}},
                             {"model.layers.0.self_attn.rotary_emb.inv_freq", {"rotary"}},
                             {"model.layers.0.self_attn.q_proj.lora_A.weight", {}},
                             {"model.embed_tokens.bias", {}},
                         });
  // Meta's consolidated checkpoints (also what Mistral ships).
  expect_groups("llama", {
                             {"tok_embeddings.weight", {"embeddings"}},
                             {"layers.0.attention.wq.weight", {"attention"}},
                             {"layers.31.attention.wo.weight", {"attention"}},
                             {"layers.5.feed_forward.w1.weight", {"mlp"}},
                             {"layers.5.feed_forward.w3.weight", {"mlp"}},
                             {"layers.5.attention_norm.weight", {"norms"}},
                             {"layers.5.ffn_norm.weight", {"norms"}},
                             {"norm.weight", {"norms"}},
                             {"output.weight", {"lm_head"}},
                         });
}

TEST(Preset, Gpt2Names) {
  for (const std::string prefix : {"", "transformer."}) {
    expect_groups("gpt2", {
                              {prefix + "wte.weight", {"embeddings"}},
                              {prefix + "wpe.weight", {"embeddings"}},
                              {prefix + "h.0.attn.c_attn.weight", {"attention"}},
                              {prefix + "h.0.attn.c_attn.bias", {"attention"}},
                              {prefix + "h.11.attn.c_proj.weight", {"attention"}},
                              {prefix + "h.11.mlp.c_fc.weight", {"mlp"}},
                              {prefix + "h.11.mlp.c_proj.bias", {"mlp"}},
                              {prefix + "h.3.ln_1.weight", {"norms"}},
                              {prefix + "h.3.ln_2.bias", {"norms"}},
                              {prefix + "ln_f.weight", {"norms"}},
                              {prefix + "h.3.attn.bias", {"buffers"}},
                              {prefix + "h.3.attn.masked_bias", {"buffers"}},
                          });
  }
  expect_groups("gpt2", {{"lm_head.weight", {"lm_head"}}, {"other.h.0.attn.c_attn.weight", {}}});
}

TEST(Preset, BertNames) {
  for (const std::string prefix : {"", "bert.", "roberta."}) {
    expect_groups("bert", {
                              {prefix + "embeddings.word_embeddings.weight", {"embeddings"}},
                              {prefix + "embeddings.position_embeddings.weight", {"embeddings"}},
                              {prefix + "embeddings.token_type_embeddings.weight", {"embeddings"}},
                              {prefix + "embeddings.LayerNorm.weight", {"norms"}},
                              {prefix + "embeddings.position_ids", {"buffers"}},
                              {prefix + "encoder.layer.0.attention.self.query.weight", {"attention"}},
                              {prefix + "encoder.layer.0.attention.self.key.bias", {"attention"}},
                              {prefix + "encoder.layer.11.attention.self.value.weight", {"attention"}},
                              {prefix + "encoder.layer.11.attention.output.dense.weight", {"attention"}},
                              {prefix + "encoder.layer.11.attention.output.LayerNorm.bias", {"norms"}},
                              {prefix + "encoder.layer.11.intermediate.dense.weight", {"mlp"}},
                              {prefix + "encoder.layer.11.output.dense.weight", {"mlp"}},
                              {prefix + "encoder.layer.11.output.LayerNorm.weight", {"norms"}},
                              {prefix + "pooler.dense.weight", {"pooler"}},
                          });
  }
  expect_groups("bert", {
                            {"bert.embeddings.LayerNorm.gamma", {"norms"}},  // older TF-converted names
                            {"cls.predictions.transform.dense.weight", {"head"}},
                            {"cls.predictions.transform.LayerNorm.weight", {"norms", "head"}},
                            {"classifier.weight", {"head"}},
                            {"qa_outputs.bias", {"head"}},
                        });
}

TEST(Preset, ResnetNames) {
  // torchvision
  expect_groups("resnet", {
                              {"conv1.weight", {"stem", "conv"}},
                              {"bn1.weight", {"stem", "bn"}},
                              {"bn1.running_mean", {"stem", "bn", "bn_running_stats"}},
                              {"bn1.num_batches_tracked", {"stem", "bn", "bn_running_stats"}},
                              {"layer1.0.conv1.weight", {"conv"}},
                              {"layer4.2.conv3.weight", {"conv"}},
                              {"layer2.1.bn2.bias", {"bn"}},
                              {"layer2.1.bn2.running_var", {"bn", "bn_running_stats"}},
                              {"layer2.0.downsample.0.weight", {"conv", "downsample"}},
                              {"layer2.0.downsample.1.weight", {"bn", "downsample"}},
                              {"fc.weight", {"fc"}},
                              {"fc.bias", {"fc"}},
                          });
  // Hugging Face ResNetForImageClassification
  expect_groups("resnet", {
                              {"resnet.embedder.embedder.convolution.weight", {"stem", "conv"}},
                              {"resnet.embedder.embedder.normalization.weight", {"stem", "bn"}},
                              {"resnet.encoder.stages.0.layers.0.shortcut.convolution.weight", {"conv", "downsample"}},
                              {"resnet.encoder.stages.1.layers.0.layer.2.convolution.weight", {"conv"}},
                              {"resnet.encoder.stages.1.layers.0.layer.2.normalization.running_mean",
                               {"bn", "bn_running_stats"}},
                              {"classifier.1.weight", {"fc"}},
                          });
}

TEST(Preset, MlpNames) {
  expect_groups("mlp", {
                           {"layers.0.weight", {"layers", "weights"}},
                           {"layers.3.bias", {"layers", "biases"}},
                           {"net.2.weight", {"layers", "weights"}},
                           {"fc1.weight", {"layers", "weights"}},
                           {"fc2.bias", {"layers", "biases"}},
                           {"0.weight", {"layers", "weights"}},
                           {"4.bias", {"layers", "biases"}},
                           {"encoder.proj.weight", {"weights"}},
                       });
}

TEST(MatrixView, TwoDimensionalWeightsAreOutByIn) {
  const std::vector<std::uint64_t> shape = {11008, 4096};
  const MatrixView v = matrix_view(nullptr, "model.layers.0.mlp.up_proj.weight", shape);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.rows, 11008u);
  EXPECT_EQ(v.cols, 4096u);
  EXPECT_FALSE(v.transposed);
  EXPECT_EQ(v.head_axis, HeadAxis::kOut);
}

TEST(MatrixView, ConvKernelsFlattenTheirTrailingDimensions) {
  const std::vector<std::uint64_t> conv2d = {64, 3, 7, 7};
  const MatrixView v = matrix_view(find_preset("resnet"), "conv1.weight", conv2d);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.rows, 64u);
  EXPECT_EQ(v.cols, 3u * 7u * 7u);
  const std::vector<std::uint64_t> conv1d = {128, 64, 3};
  EXPECT_EQ(matrix_view(nullptr, "x", conv1d).cols, 192u);
  const std::vector<std::uint64_t> conv3d = {8, 4, 3, 3, 3};
  EXPECT_EQ(matrix_view(nullptr, "x", conv3d).cols, 108u);
  const std::vector<std::uint64_t> pointwise = {256, 64, 1, 1};
  EXPECT_EQ(matrix_view(nullptr, "layer1.0.conv3.weight", pointwise).cols, 64u);
}

TEST(MatrixView, VectorsAndScalarsHaveNone) {
  const std::vector<std::uint64_t> bias = {4096};
  const MatrixView v = matrix_view(find_preset("llama"), "model.norm.weight", bias);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.reason.find("rank-1 tensor"), std::string::npos) << v.reason;
  const MatrixView scalar = matrix_view(nullptr, "bn1.num_batches_tracked", {});
  EXPECT_FALSE(scalar.ok);
  EXPECT_NE(scalar.reason.find("scalar"), std::string::npos);
  const std::vector<std::uint64_t> huge = {2, 1ull << 40, 1ull << 30};
  const MatrixView overflow = matrix_view(nullptr, "x", huge);
  EXPECT_FALSE(overflow.ok);
  EXPECT_NE(overflow.reason.find("overflows"), std::string::npos);
}

TEST(MatrixView, Gpt2Conv1DIsTransposedBack) {
  const Preset* gpt2 = find_preset("gpt2");
  const std::vector<std::uint64_t> c_attn = {768, 2304};  // stored (in, out)
  const MatrixView v = matrix_view(gpt2, "transformer.h.0.attn.c_attn.weight", c_attn);
  ASSERT_TRUE(v.ok);
  EXPECT_TRUE(v.transposed);
  EXPECT_EQ(v.rows, 2304u);
  EXPECT_EQ(v.cols, 768u);
  EXPECT_EQ(v.head_axis, HeadAxis::kOut);
  const std::vector<std::uint64_t> c_fc = {768, 3072};
  EXPECT_EQ(matrix_view(gpt2, "h.5.mlp.c_fc.weight", c_fc).rows, 3072u);
  const std::vector<std::uint64_t> c_proj = {3072, 768};
  EXPECT_EQ(matrix_view(gpt2, "h.5.mlp.c_proj.weight", c_proj).rows, 768u);
  const std::vector<std::uint64_t> attn_proj = {768, 768};
  EXPECT_EQ(matrix_view(gpt2, "h.5.attn.c_proj.weight", attn_proj).head_axis, HeadAxis::kIn);
  // Embeddings are nn.Embedding, not Conv1D.
  const std::vector<std::uint64_t> wte = {50257, 768};
  const MatrixView e = matrix_view(gpt2, "wte.weight", wte);
  EXPECT_FALSE(e.transposed);
  EXPECT_EQ(e.rows, 50257u);
  // Without the preset nothing is transposed.
  EXPECT_FALSE(matrix_view(nullptr, "h.0.attn.c_attn.weight", c_attn).transposed);
  // Through a policy.
  const Policy p = with_preset("gpt2");
  EXPECT_TRUE(p.matrix_view("h.0.attn.c_attn.weight", c_attn).transposed);
}

TEST(MatrixView, OutputProjectionsHaveHeadsAlongTheirInputs) {
  const std::vector<std::uint64_t> square = {4096, 4096};
  const Preset* llama = find_preset("llama");
  EXPECT_EQ(matrix_view(llama, "model.layers.0.self_attn.o_proj.weight", square).head_axis, HeadAxis::kIn);
  EXPECT_EQ(matrix_view(llama, "layers.0.attention.wo.weight", square).head_axis, HeadAxis::kIn);
  EXPECT_EQ(matrix_view(llama, "model.layers.0.self_attn.q_proj.weight", square).head_axis, HeadAxis::kOut);
  EXPECT_EQ(matrix_view(find_preset("bert"), "bert.encoder.layer.1.attention.output.dense.weight", square).head_axis,
            HeadAxis::kIn);
  EXPECT_EQ(matrix_view(find_preset("bert"), "bert.encoder.layer.1.attention.self.query.weight", square).head_axis,
            HeadAxis::kOut);
}

TEST(MatrixView, PerHeadSplits) {
  const Preset* llama = find_preset("llama");
  const std::vector<std::uint64_t> square = {4096, 4096};
  const MatrixView q = matrix_view(llama, "model.layers.0.self_attn.q_proj.weight", square);
  const HeadSplit qs = split_heads(q, 32, HeadAxis::kPreset);
  ASSERT_TRUE(qs.ok);
  EXPECT_EQ(qs.axis, HeadAxis::kOut);
  EXPECT_EQ(qs.block_rows, 128u);
  EXPECT_EQ(qs.block_cols, 4096u);
  const MatrixView o = matrix_view(llama, "model.layers.0.self_attn.o_proj.weight", square);
  const HeadSplit os = split_heads(o, 32, HeadAxis::kPreset);
  ASSERT_TRUE(os.ok);
  EXPECT_EQ(os.axis, HeadAxis::kIn);
  EXPECT_EQ(os.block_rows, 4096u);
  EXPECT_EQ(os.block_cols, 128u);
  // An explicit axis wins over the preset.
  EXPECT_EQ(split_heads(o, 32, HeadAxis::kOut).block_rows, 128u);
  // Grouped-query attention: k_proj has 8 heads of 128.
  const std::vector<std::uint64_t> kv = {1024, 4096};
  const MatrixView k = matrix_view(llama, "model.layers.0.self_attn.k_proj.weight", kv);
  EXPECT_TRUE(split_heads(k, 8, HeadAxis::kPreset).ok);
  const HeadSplit bad = split_heads(k, 32 * 3, HeadAxis::kPreset);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.reason.find("out (rows) dimension 1024 does not split into 96 equal heads"), std::string::npos)
      << bad.reason;
  EXPECT_FALSE(split_heads(k, 0, HeadAxis::kPreset).ok);
  const std::vector<std::uint64_t> bias = {4096};
  const HeadSplit none = split_heads(matrix_view(llama, "model.norm.weight", bias), 32, HeadAxis::kPreset);
  EXPECT_FALSE(none.ok);
  EXPECT_NE(none.reason.find("no matrix view"), std::string::npos);
}

}  // namespace
}  // namespace fti::policy

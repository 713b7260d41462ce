#include "policy/preset.h"

#include <array>

#include "engine/common/error.h"
#include "policy/glob.h"
#include "policy/name_matcher.h"
#include "policy/pattern.h"

namespace fti::policy {

namespace {

std::vector<MatcherPattern> patterns_of(const std::vector<std::string>& globs, const std::string& preset) {
  std::vector<MatcherPattern> out;
  for (const std::string& g : globs) {
    try {
      out.push_back(to_matcher_pattern({PatternKind::kGlob, g}));
    } catch (const PatternError& e) {
      throw Error(ErrorCode::kInternal, "preset " + preset + ": glob " + g + ": " + e.what());
    }
  }
  return out;
}

// Hugging Face Llama/Mistral/Qwen2 names, and Meta's original consolidated
// checkpoints (which Mistral also ships).
PresetDefinition llama() {
  return {
      "llama",
      "Llama, Mistral and similar decoders (Hugging Face and original Meta names)",
      1,
      {
          {"embeddings", "token embeddings", {"model.embed_tokens.weight", "tok_embeddings.weight"}},
          {"attention",
           "q/k/v/o projections",
           {"model.layers.*.self_attn.{q,k,v,o}_proj.{weight,bias}", "layers.*.attention.{wq,wk,wv,wo}.weight"}},
          {"mlp",
           "gate/up/down projections",
           {"model.layers.*.mlp.{gate,up,down}_proj.{weight,bias}", "layers.*.feed_forward.{w1,w2,w3}.weight"}},
          {"norms",
           "RMSNorm scales",
           {"model.layers.*.{input_layernorm,post_attention_layernorm}.weight", "model.norm.weight",
            "layers.*.{attention_norm,ffn_norm}.weight", "norm.weight"}},
          {"lm_head", "output projection", {"lm_head.weight", "output.weight"}},
          {"rotary", "rotary-embedding buffers of older checkpoints", {"model.layers.*.self_attn.rotary_emb.inv_freq"}},
      },
      {},
      {"model.layers.*.self_attn.o_proj.weight", "layers.*.attention.wo.weight"},
  };
}

// Hugging Face GPT-2, with or without the "transformer." prefix.
PresetDefinition gpt2() {
  return {
      "gpt2",
      "GPT-2 (Hugging Face names; Conv1D weights stored as (in, out))",
      1,
      {
          {"embeddings", "token and position embeddings", {"{transformer.,}{wte,wpe}.weight"}},
          {"attention", "fused qkv and output projections", {"{transformer.,}h.*.attn.{c_attn,c_proj}.{weight,bias}"}},
          {"mlp", "fc and projection", {"{transformer.,}h.*.mlp.{c_fc,c_proj}.{weight,bias}"}},
          {"norms", "LayerNorms", {"{transformer.,}h.*.{ln_1,ln_2}.{weight,bias}", "{transformer.,}ln_f.{weight,bias}"}},
          {"lm_head", "output projection (often tied to wte and not stored)", {"lm_head.weight"}},
          {"buffers", "causal-mask buffers of older checkpoints", {"{transformer.,}h.*.attn.{bias,masked_bias}"}},
      },
      {"{transformer.,}h.*.attn.{c_attn,c_proj}.weight", "{transformer.,}h.*.mlp.{c_fc,c_proj}.weight"},
      {"{transformer.,}h.*.attn.c_proj.weight"},
  };
}

// Hugging Face BERT and its relatives (bert., roberta., or no prefix).
PresetDefinition bert() {
  return {
      "bert",
      "BERT-style encoders (Hugging Face names, any model prefix)",
      1,
      {
          {"embeddings", "word, position and token-type embeddings",
           {"**.embeddings.{word,position,token_type}_embeddings.weight"}},
          {"attention",
           "self-attention query/key/value and output dense",
           {"**.encoder.layer.*.attention.self.{query,key,value}.{weight,bias}",
            "**.encoder.layer.*.attention.output.dense.{weight,bias}"}},
          {"mlp",
           "intermediate and output dense",
           {"**.encoder.layer.*.intermediate.dense.{weight,bias}", "**.encoder.layer.*.output.dense.{weight,bias}"}},
          {"norms", "LayerNorms", {"**.LayerNorm.{weight,bias,gamma,beta}"}},
          {"pooler", "pooler dense", {"**.pooler.dense.{weight,bias}"}},
          {"head", "task heads", {"cls.**", "classifier.**", "qa_outputs.{weight,bias}"}},
          {"buffers", "position-id buffers", {"**.embeddings.{position_ids,token_type_ids}"}},
      },
      {},
      {"**.encoder.layer.*.attention.output.dense.weight"},
  };
}

// torchvision ResNets and Hugging Face ResNet.
PresetDefinition resnet() {
  return {
      "resnet",
      "ResNet-style CNNs (torchvision and Hugging Face names); conv kernels viewed as (out, in*kh*kw)",
      1,
      {
          {"stem", "first convolution and its batch norm",
           {"conv1.weight", "bn1.*", "**.embedder.embedder.**"}},
          {"conv", "convolution kernels",
           {"conv1.weight", "layer*.*.conv*.weight", "layer*.*.downsample.0.weight", "**.convolution.weight"}},
          {"bn", "batch norms (scales, shifts and running statistics)",
           {"bn1.*", "layer*.*.bn*.*", "layer*.*.downsample.1.*", "**.normalization.*"}},
          {"bn_running_stats", "batch-norm running statistics (they move even when weights are frozen)",
           {"**.{running_mean,running_var,num_batches_tracked}"}},
          {"downsample", "shortcut projections", {"layer*.*.downsample.**", "**.shortcut.**"}},
          {"fc", "classifier", {"fc.{weight,bias}", "classifier.*.{weight,bias}"}},
      },
      {},
      {},
  };
}

// Plain multi-layer perceptrons: nn.Sequential stacks or named layers.
PresetDefinition mlp() {
  return {
      "mlp",
      "plain MLPs (layers.N / net.N / fcN / N naming)",
      1,
      {
          {"layers", "linear layers",
           {"{layers,net,model}.*.{weight,bias}", "fc*.{weight,bias}", "{0..999}.{weight,bias}"}},
          {"weights", "every weight matrix", {"**.weight"}},
          {"biases", "every bias", {"**.bias"}},
      },
      {},
      {},
  };
}

const std::array<std::unique_ptr<Preset>, 5>& builtin() {
  static const std::array<std::unique_ptr<Preset>, 5> presets = {
      std::make_unique<Preset>(llama()), std::make_unique<Preset>(gpt2()), std::make_unique<Preset>(bert()),
      std::make_unique<Preset>(resnet()), std::make_unique<Preset>(mlp())};
  return presets;
}

}  // namespace

Preset::Preset(PresetDefinition definition) : definition_(std::move(definition)) {
  for (const PresetGroup& g : definition_.groups) patterns_of(g.globs, definition_.name);  // validate
  views_ = std::make_unique<NameMatcher>(std::vector<std::vector<MatcherPattern>>{
      patterns_of(definition_.transposed, definition_.name), patterns_of(definition_.heads_in, definition_.name)});
}

Preset::~Preset() = default;

const PresetGroup* Preset::group(std::string_view name) const noexcept {
  for (const PresetGroup& g : definition_.groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

bool Preset::stored_transposed(std::string_view tensor) const { return views_->matches(0, tensor); }

HeadAxis Preset::head_axis(std::string_view tensor) const {
  return views_->matches(1, tensor) ? HeadAxis::kIn : HeadAxis::kOut;
}

const Preset* find_preset(std::string_view name) {
  for (const auto& p : builtin()) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

std::vector<std::string_view> preset_names() {
  std::vector<std::string_view> out;
  for (const auto& p : builtin()) out.push_back(p->name());
  return out;
}

}  // namespace fti::policy

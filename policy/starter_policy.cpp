#include "policy/starter_policy.h"

namespace fti::policy {

namespace {

constexpr std::string_view kHeader =
    "# fti drift policy. Check it with `fti policy check FILE`; docs/POLICY.md\n"
    "# describes the language. Rules are tried in order and the first rule whose\n"
    "# match fits a tensor decides how that tensor may differ from the base.\n"
    "# Bounds: `relative` is relative to the base tensor's norm; 1% = 0.01.\n";

constexpr std::string_view kLlama = R"(# Starter for the llama preset: Llama, Mistral, Qwen2 and similar decoders.
version: 1
preset: llama

# Tensors that no rule matches are violations (or: allow, frozen).
default: violation

rules:
  # The vocabulary and the output head stay exactly as in the base.
  - name: embeddings
    match: {group: embeddings}
    frozen: true
  - name: lm-head
    match: {group: lm_head}
    frozen: true

  # A merged LoRA update: Delta = U V^T + E with rank(U V^T) <= 16. The
  # residual E absorbs the bf16 rounding of merging the adapter.
  - name: attention-lora
    match:
      - "model.layers.*.self_attn.{q,k,v,o}_proj.weight"
      - "layers.*.attention.{wq,wk,wv,wo}.weight"   # Meta/Mistral consolidated names
    rank: {max: 16, residual: {relative: 1%}}
  # Anything else in attention (biases of Qwen-style checkpoints) stays put.
  - name: attention-other
    match: {group: attention}
    frozen: true

  # MLP weights may move a little: ||Delta||_F <= 1% of ||Base||_F.
  - name: mlp
    match: {group: mlp}
    norm: {frobenius: {relative: 1%}}

  # RMSNorm scales: small changes, no entry by more than 0.05.
  - name: norms
    match: {group: norms}
    norm: {frobenius: {relative: 5%}, max_abs: 0.05}

  # Rotary-embedding buffers of older checkpoints never change.
  - name: rotary
    match: {group: rotary}
    frozen: true

budgets:
  # Over all MLP weights together, at most 5% of the entries may change.
  - name: mlp-changed
    over: {group: mlp}
    sparsity: {max_fraction: 5%}
)";

constexpr std::string_view kGpt2 = R"(# Starter for the gpt2 preset. GPT-2 stores its Conv1D weights as (in, out);
# the preset views them as (out, in) matrices for rank and per-head rules.
version: 1
preset: gpt2

# Tensors that no rule matches are violations (or: allow, frozen).
default: violation

rules:
  # Token and position embeddings stay exactly as in the base.
  - name: embeddings
    match: {group: embeddings}
    frozen: true

  # A merged LoRA update on the fused qkv and output projections. (A per-head
  # bound on c_attn, which stacks q, k and v, would use per_head: {heads: 36}.)
  - name: attention-lora
    match: "{transformer.,}h.*.attn.{c_attn,c_proj}.weight"
    rank: {max: 8, residual: {relative: 1%}}
  # Their biases may move a little.
  - name: attention-bias
    match: {group: attention}
    norm: {frobenius: {relative: 1%}}

  - name: mlp
    match: {group: mlp}
    norm: {frobenius: {relative: 1%}, max_abs: 0.02}

  - name: norms
    match: {group: norms}
    norm: {frobenius: {relative: 5%}}

  # Causal-mask buffers (older checkpoints) and a stored lm_head never change.
  - name: fixed
    match: [{group: buffers}, {group: lm_head}]
    frozen: true

budgets:
  - name: mlp-changed
    over: {group: mlp}
    sparsity: {max_fraction: 5%}
)";

constexpr std::string_view kBert = R"(# Starter for the bert preset: BERT-style encoders (bert., roberta. or no prefix).
version: 1
preset: bert

# Tensors that no rule matches are violations (or: allow, frozen).
default: violation

rules:
  - name: embeddings
    match: {group: embeddings}
    frozen: true

  # LoRA on query and value. For the query the bound holds for each of the
  # 12 heads' blocks of rows separately (per_head; bert-large has 16 heads).
  - name: query-lora
    match: "**.encoder.layer.*.attention.self.query.weight"
    rank: {max: 4, residual: {relative: 1%}, per_head: {heads: 12}}
  - name: value-lora
    match: "**.encoder.layer.*.attention.self.value.weight"
    rank: {max: 8, residual: {relative: 1%}}
  # The rest of attention (key, output dense, biases) stays put.
  - name: attention-other
    match: {group: attention}
    frozen: true

  - name: mlp
    match: {group: mlp}
    norm: {frobenius: {relative: 1%}}

  - name: norms
    match: {group: norms}
    norm: {frobenius: {relative: 5%}}

  - name: pooler
    match: {group: pooler}
    frozen: true

  # A task head is usually trained from scratch: any change of values.
  - name: head
    match: {group: head}
    allow: true

  - name: buffers
    match: {group: buffers}
    frozen: true
)";

constexpr std::string_view kResnet = R"(# Starter for the resnet preset: ResNet-style CNNs. Conv kernels
# (out, in, kh, kw) are viewed as (out, in*kh*kw) matrices for rank rules.
version: 1
preset: resnet

# Tensors that no rule matches are violations (or: allow, frozen).
default: violation

rules:
  # The stem and the first two stages are frozen (torchvision names).
  - name: stem
    match: {group: stem}
    frozen: true
  - name: early-stages
    match: "layer{1,2}.**"
    frozen: true

  # Later convolutions: a low-rank change of each kernel matrix.
  - name: late-convs
    match: {group: conv}
    rank: {max: 8, residual: {relative: 2%}}

  # Batch norms re-estimate their statistics on new data.
  - name: batch-norm
    match: {group: bn}
    norm: {frobenius: {relative: 10%}}

  # The classifier is retrained.
  - name: classifier
    match: {group: fc}
    allow: true

budgets:
  # Over all kernels together, at most 10% of the norm of the base.
  - name: conv-total
    over: {group: conv}
    norm: {frobenius: {relative: 10%}}
)";

constexpr std::string_view kMlp = R"(# Starter for the mlp preset: plain MLPs (layers.N, net.N, fcN or N naming).
version: 1
preset: mlp

# Tensors that no rule matches are violations (or: allow, frozen).
default: violation

rules:
  # Weight matrices: a bounded change, no entry by more than 0.1.
  - name: weights
    match: {group: weights}
    norm: {frobenius: {relative: 5%}, max_abs: 0.1}

  # Biases: at most 10% of their entries may change.
  - name: biases
    match: {group: biases}
    sparsity: {max_fraction: 10%}

budgets:
  - name: total
    over: "**"
    norm: {frobenius: {relative: 5%}}
)";

}  // namespace

std::optional<std::string> starter_policy(std::string_view preset_name) {
  std::string_view body;
  if (preset_name == "llama") body = kLlama;
  else if (preset_name == "gpt2") body = kGpt2;
  else if (preset_name == "bert") body = kBert;
  else if (preset_name == "resnet") body = kResnet;
  else if (preset_name == "mlp") body = kMlp;
  else return std::nullopt;
  return std::string(kHeader) + std::string(body);
}

}  // namespace fti::policy

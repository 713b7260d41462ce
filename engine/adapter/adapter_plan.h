// Which base tensor each tensor of a LoRA adapter changes, and how.
//
// Adapter tensors are named as peft saves them:
//   base_model.model.<module>.lora_A.weight   (r x in)   \ a pair: <module>.weight
//   base_model.model.<module>.lora_B.weight   (out x r)  /  of the base changes
//   base_model.model.<tensor>                 a full tensor that replaces <tensor>
//                                             (modules_to_save, or a bias when
//                                             bias is "all" / "lora_only")
// plan_adapter checks everything before any merge: pairs complete, modules
// selected by target_modules, present in the base with the right shapes and
// floating dtypes, every module target_modules selects has its pair, nothing
// unknown. Each problem is an Error(kInput) naming the adapter file and the
// tensor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/checkpoint.h"
#include "registry/peft_adapter.h"

namespace fti::adapter {

inline constexpr std::string_view kAdapterPrefix = "base_model.model.";

struct LoraTarget {
  std::string module;       // "model.layers.0.self_attn.q_proj"
  std::string base_tensor;  // module + ".weight"
  const CheckpointTensor* a = nullptr;  // in the adapter checkpoint
  const CheckpointTensor* b = nullptr;
  std::uint64_t rank = 0;  // r, or the rank_pattern value
  double alpha = 0;        // lora_alpha, or the alpha_pattern value
  double scale = 0;        // alpha / rank, or alpha / sqrt(rank) with use_rslora
  std::string rank_source;   // "r" or "rank_pattern[\"key\"]", for messages
  std::string alpha_source;  // "lora_alpha" or "alpha_pattern[\"key\"]"
  bool fan_in_fan_out = false;  // base stored (in, out) (GPT-2 Conv1D)
  std::uint64_t rows = 0, cols = 0;  // the base tensor's shape
};

struct SavedTensor {
  std::string base_tensor;
  const CheckpointTensor* tensor = nullptr;  // in the adapter checkpoint
  std::string reason;  // "modules_to_save" or "bias"
};

struct AdapterPlan {
  std::vector<LoraTarget> targets;  // by base tensor name
  std::vector<SavedTensor> saved;   // by base tensor name
  const LoraTarget* find_target(std::string_view base_tensor) const;
  const SavedTensor* find_saved(std::string_view base_tensor) const;
};

// The scale peft uses for a module of rank `rank` and alpha `alpha`.
double lora_scale(double alpha, std::uint64_t rank, bool use_rslora);

AdapterPlan plan_adapter(const LoraConfig& config, const Checkpoint& adapter, const Checkpoint& base);

}  // namespace fti::adapter

// The exact merge of a LoRA adapter into its base, as peft's merge_and_unload
// defines it, computed in double and rounded once:
//
//   delta[o][i] = sum_{k=0}^{r-1} B[o][k] * A[k][i]    (double, k ascending)
//   W'[o][i]    = round(W[o][i] + scale * delta[o][i])  (double, then one rounding)
//
// with the base stored (out, in), or W'[i][o] for fan_in_fan_out (base stored
// (in, out), GPT-2 Conv1D). Every input converts to double exactly; the
// products B*A of BF16/F16 factors are exact in double, the sum and the two
// last operations round to double (error about 2^-53 relative, far below the
// target's precision). round() is round-to-nearest-even to the base dtype
// (BF16, F16, F32; F64 keeps the double), overflow to infinity, as PyTorch
// and NumPy cast. Tensors of modules_to_save (and trained biases) replace the
// base tensor, converted to its dtype the same way; all others are copied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "engine/adapter/adapter_plan.h"

namespace fti::adapter {

// W + scale * (B A) in double, in the base tensor's row-major layout.
std::vector<double> merged_values(const LoraTarget& target, const Checkpoint& base, const Checkpoint& adapter);

// Round-to-nearest-even to a floating dtype (F16, BF16, F32, F64), little-endian.
std::vector<std::uint8_t> encode_values(DType dtype, std::span<const double> values);

// The bytes `base_tensor` has in the merged checkpoint: merged (LoRA), replaced
// (modules_to_save, bias) or the base's own.
std::vector<std::uint8_t> merged_tensor_bytes(const AdapterPlan& plan, const CheckpointTensor& base_tensor,
                                              const Checkpoint& base, const Checkpoint& adapter);

// Writes base + adapter as one safetensors file (every base tensor, same
// names, dtypes and shapes), one tensor in memory at a time.
void write_merged_checkpoint(const AdapterPlan& plan, const Checkpoint& base, const Checkpoint& adapter,
                             const std::filesystem::path& destination);

}  // namespace fti::adapter

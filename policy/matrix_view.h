// How the analysis sees a tensor as a matrix, for rank rules and per-head
// views.
//
// The view is (rows, cols) = (out, in): a 2-D weight as stored, a conv kernel
// (out, in, kh, kw) as (out, in*kh*kw) (any tensor of rank >= 2 flattens its
// trailing dimensions), and a weight the preset knows is stored as (in, out)
// (GPT-2's Conv1D) transposed back. Rank-0 and rank-1 tensors (biases, norm
// scales) have no matrix view: a rank rule on them is an error at gate time.
// Rank and Frobenius norm do not change under transposition, but the per-head
// split does, which is why the view records it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "policy/preset.h"

namespace fti::policy {

struct MatrixView {
  bool ok = false;
  std::uint64_t rows = 0;  // out
  std::uint64_t cols = 0;  // in
  // Stored as (in, out) (2-D only): view element (r, c) is stored element (c, r).
  bool transposed = false;
  HeadAxis head_axis = HeadAxis::kOut;  // kOut or kIn, from the preset's naming
  std::string reason;                   // why there is no view, when !ok
};

// `preset` may be null (no preset: generic views only).
MatrixView matrix_view(const Preset* preset, std::string_view tensor_name, std::span<const std::uint64_t> shape);

// A per-head view: the matrix cut into `heads` equal blocks along one side.
struct HeadSplit {
  bool ok = false;
  HeadAxis axis = HeadAxis::kOut;  // kOut: blocks of rows; kIn: blocks of columns
  std::uint64_t heads = 0;
  std::uint64_t block_rows = 0;
  std::uint64_t block_cols = 0;
  std::string reason;  // when !ok
};

// `axis` kPreset takes the view's head_axis.
HeadSplit split_heads(const MatrixView& view, std::uint64_t heads, HeadAxis axis);

}  // namespace fti::policy

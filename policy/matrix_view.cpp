#include "policy/matrix_view.h"

#include <limits>

namespace fti::policy {

MatrixView matrix_view(const Preset* preset, std::string_view tensor_name, std::span<const std::uint64_t> shape) {
  MatrixView view;
  if (shape.size() < 2) {
    view.reason = shape.empty() ? "a scalar has no matrix view"
                                : "a rank-1 tensor (a bias or a norm scale) has no matrix view";
    return view;
  }
  std::uint64_t cols = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) {
    if (shape[i] != 0 && cols > std::numeric_limits<std::uint64_t>::max() / shape[i]) {
      view.reason = "the matrix view's column count overflows 64 bits";
      return view;
    }
    cols *= shape[i];
  }
  view.ok = true;
  view.rows = shape[0];
  view.cols = cols;
  if (preset != nullptr) {
    if (shape.size() == 2 && preset->stored_transposed(tensor_name)) {
      view.transposed = true;
      view.rows = shape[1];
      view.cols = shape[0];
    }
    view.head_axis = preset->head_axis(tensor_name);
  }
  return view;
}

HeadSplit split_heads(const MatrixView& view, std::uint64_t heads, HeadAxis axis) {
  HeadSplit split;
  split.axis = axis == HeadAxis::kPreset ? view.head_axis : axis;
  split.heads = heads;
  if (!view.ok) {
    split.reason = view.reason;
    return split;
  }
  const std::uint64_t side = split.axis == HeadAxis::kOut ? view.rows : view.cols;
  const char* side_name = split.axis == HeadAxis::kOut ? "out (rows)" : "in (columns)";
  if (heads == 0 || side % heads != 0) {
    split.reason = "the " + std::string(side_name) + " dimension " + std::to_string(side) +
                   " does not split into " + std::to_string(heads) + " equal heads";
    return split;
  }
  split.ok = true;
  split.block_rows = split.axis == HeadAxis::kOut ? view.rows / heads : view.rows;
  split.block_cols = split.axis == HeadAxis::kIn ? view.cols / heads : view.cols;
  return split;
}

}  // namespace fti::policy

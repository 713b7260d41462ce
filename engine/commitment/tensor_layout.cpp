#include "engine/commitment/tensor_layout.h"

#include <bit>
#include <string>

#include "engine/common/error.h"

namespace fti::commitment {

unsigned ceil_log2(std::uint64_t x) noexcept {
  return x <= 1 ? 0u : static_cast<unsigned>(std::bit_width(x - 1));
}

MatrixLayout matrix_layout(std::span<const std::uint64_t> shape, std::string_view tensor_name) {
  MatrixLayout layout;
  std::uint64_t cols = 1;
  bool overflow = false;
  const std::size_t first_col_dim = shape.size() >= 2 ? 1 : 0;  // rank 1: one row; rank 0: 1 x 1
  for (std::size_t i = first_col_dim; i < shape.size(); ++i) {
    if (shape[i] != 0 && cols > UINT64_MAX / shape[i]) overflow = true;
    cols *= shape[i];
  }
  const std::uint64_t rows = shape.size() >= 2 ? shape[0] : 1;
  if (!overflow && rows != 0 && cols > UINT64_MAX / rows) overflow = true;
  if (overflow) {
    throw Error(ErrorCode::kInput, "tensor " + quote_untrusted(tensor_name) + ": element count overflows 64 bits");
  }
  if (rows == 0 || cols == 0) {
    layout.rows = rows;
    layout.cols = cols;
    return layout;  // no elements: one zero entry
  }
  layout.rows = rows;
  layout.cols = cols;
  layout.log_rows = ceil_log2(rows);
  layout.log_cols = ceil_log2(cols);
  if (layout.log_rows > kMaxTableVars || layout.log_cols > kMaxTableVars ||
      layout.num_vars() > kMaxTableVars) {
    throw Error(ErrorCode::kInput,
                "tensor " + quote_untrusted(tensor_name) + ": its matrix view " + std::to_string(rows) + " x " +
                    std::to_string(cols) + " pads to 2^" + std::to_string(layout.log_rows + layout.log_cols) +
                    " entries, more than the 2^" + std::to_string(kMaxTableVars) +
                    " a commitment (v1) supports");
  }
  return layout;
}

}  // namespace fti::commitment

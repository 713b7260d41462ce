// Where a tensor's entries sit in its committed table (docs/PROTOCOL.md,
// section 9.3).
//
// Every tensor is committed as one multilinear polynomial whose evaluation
// table is the tensor's *matrix view* zero-padded to powers of two in each
// dimension: a tensor of rank >= 2 is viewed as rows = shape[0] by
// cols = shape[1] * ... * shape[r-1] (conv kernels (out, in, kh, kw) become
// (out, in*kh*kw), the view the drift policy uses); rank 1 is one row; rank 0
// is 1 x 1. Entry (i, j) of the row-major data goes to table index
// i * 2^log_cols + j, with log_rows = ceil(log2 rows), log_cols = ceil(log2 cols);
// every other table entry is an explicit zero. The table has
// 2^(log_rows + log_cols) entries: the low log_cols variables of the
// multilinear polynomial are the column bits, the high log_rows the row bits,
// so a later proof can evaluate the matrix at (r_row, r_col) directly.
// A tensor with no elements has log_rows = log_cols = 0 (one zero entry).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace fti::commitment {

// Largest number of variables of a committed table (Basefold's limit,
// kMaxBasefoldVars): 2^30 padded entries.
inline constexpr unsigned kMaxTableVars = 30;

struct MatrixLayout {
  std::uint64_t rows = 1;
  std::uint64_t cols = 1;
  unsigned log_rows = 0;
  unsigned log_cols = 0;

  unsigned num_vars() const noexcept { return log_rows + log_cols; }
  std::uint64_t table_size() const noexcept { return std::uint64_t{1} << num_vars(); }
  std::uint64_t elements() const noexcept { return rows * cols; }
  std::uint64_t row_stride() const noexcept { return std::uint64_t{1} << log_cols; }

  friend bool operator==(const MatrixLayout&, const MatrixLayout&) = default;
};

// ceil(log2 x) for x >= 1; 0 for x <= 1.
unsigned ceil_log2(std::uint64_t x) noexcept;

// The layout of a tensor of this shape. Throws Error(kInput) naming the
// tensor if the padded table would exceed 2^kMaxTableVars entries (or the
// element count overflows 64 bits).
MatrixLayout matrix_layout(std::span<const std::uint64_t> shape, std::string_view tensor_name);

}  // namespace fti::commitment

// How far Delta = C - B is from rank r: the energy of Delta outside its best
// rank-r approximation (Eckart-Young: sum of sigma_i^2 for i > r), the
// leading singular values and the numerical rank.
//
// Small matrices: a dense SVD (LAPACK dgesdd) of Delta in double precision.
// Large matrices: a randomized range finder (Halko, Martinsson, Tropp 2011)
// with oversampling and power iterations, streaming Delta from the two
// checkpoints block by block (never materialised). Its rank-r approximation
// Q_r W is an explicit witness: the reported residual ||Delta - Q_r W||_F is
// computed directly, so it is an upper bound on the optimal residual (up to
// the stated rounding error), never an underestimate. A rank rule that passes
// on it passes on the real numbers.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/tensor/dtype.h"

namespace fti::analysis {

struct MatrixView {
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
};

struct RankOptions {
  unsigned max_rank = 0;              // r
  double rank_tolerance = 1e-3;       // numerical rank: sigma_i > tolerance * sigma_1
  unsigned oversampling = 10;         // randomized: k = r + oversampling
  unsigned power_iterations = 2;      // randomized: passes that sharpen the range
  std::uint64_t dense_max_elements = std::uint64_t{1} << 22;  // dense SVD up to this size
  std::uint64_t dense_max_min_dim = 1024;
  std::uint64_t seed = 0x66746952616E6B;  // deterministic sketches: same input, same report
};

struct RankResult {
  enum class Method { kDenseSvd, kRandomized } method = Method::kDenseSvd;
  unsigned max_rank = 0;
  double residual_energy = 0;        // sum sigma_i^2, i > r (dense) / ||Delta - Q_r W||^2 (randomized)
  double residual_energy_error = 0;  // bound on the floating-point error of residual_energy
  double base_energy = 0;            // ||B||_F^2 of the analysed block, in double (relative bounds)
  std::vector<double> singular_values;  // leading ones, descending (all, for dense)
  unsigned numerical_rank = 0;          // count of sigma_i > tolerance * sigma_1 among those computed
  bool numerical_rank_is_lower_bound = false;  // randomized and every computed sigma was above
  double residual_norm() const;
};

// `base` and `candidate` hold rows*cols elements of `dtype` (row-major, as
// safetensors stores them). Throws std::invalid_argument on size mismatches
// and std::runtime_error if LAPACK fails.
RankResult analyze_rank(DType dtype, std::span<const std::uint8_t> base,
                        std::span<const std::uint8_t> candidate, MatrixView view,
                        const RankOptions& options);

}  // namespace fti::analysis

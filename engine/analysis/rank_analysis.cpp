#include "engine/analysis/rank_analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "engine/analysis/lapack.h"

namespace fti::analysis {
namespace {

constexpr double kUnitRoundoff = std::numeric_limits<double>::epsilon() / 2;

int to_int(std::uint64_t value, const char* what) {
  if (value > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument(std::string("rank analysis: ") + what + " too large for LAPACK");
  }
  return static_cast<int>(value);
}

// Rows [first, first + count) of Delta = C - B, row-major (count x cols),
// which is column-major (cols x count) with leading dimension cols.
void delta_rows(DType dtype, std::span<const std::uint8_t> base, std::span<const std::uint8_t> cand,
                std::uint64_t cols, std::uint64_t first, std::uint64_t count, std::vector<double>& out,
                std::vector<double>& scratch) {
  const std::size_t elements = static_cast<std::size_t>(count * cols);
  const std::size_t size = dtype_size(dtype);
  const std::size_t offset = static_cast<std::size_t>(first * cols) * size;
  out.resize(elements);
  scratch.resize(elements);
  convert_to_double(dtype, cand.subspan(offset, elements * size), std::span(out).first(elements));
  convert_to_double(dtype, base.subspan(offset, elements * size), std::span(scratch).first(elements));
  for (std::size_t i = 0; i < elements; ++i) out[i] -= scratch[i];
}

void check_info(int info, const char* routine) {
  if (info != 0) {
    throw std::runtime_error(std::string("rank analysis: LAPACK ") + routine + " failed (info " +
                             std::to_string(info) + ")");
  }
}

// Replaces the m x k column-major matrix `a` by an orthonormal basis of its range.
void orthonormalize(std::vector<double>& a, int m, int k) {
  std::vector<double> tau(static_cast<std::size_t>(std::min(m, k)));
  int info = 0, lwork = -1;
  double query = 0;
  dgeqrf_(&m, &k, a.data(), &m, tau.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dgeqrf_(&m, &k, a.data(), &m, tau.data(), work.data(), &lwork, &info);
  check_info(info, "dgeqrf");
  const int reflectors = std::min(m, k);
  lwork = -1;
  dorgqr_(&m, &k, &reflectors, a.data(), &m, tau.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  work.resize(static_cast<std::size_t>(lwork));
  dorgqr_(&m, &k, &reflectors, a.data(), &m, tau.data(), work.data(), &lwork, &info);
  check_info(info, "dorgqr");
}

// Singular values (and, when vectors != nullptr, U and V^T) of the m x n
// column-major matrix `a` (destroyed).
void svd(std::vector<double>& a, int m, int n, std::vector<double>& s, std::vector<double>* u,
         std::vector<double>* vt) {
  const int p = std::min(m, n);
  s.assign(static_cast<std::size_t>(p), 0.0);
  const char jobz = u != nullptr ? 'S' : 'N';
  int ldu = std::max(1, m), ldvt = std::max(1, p);
  if (u != nullptr) {
    u->assign(static_cast<std::size_t>(m) * static_cast<std::size_t>(p), 0.0);
    vt->assign(static_cast<std::size_t>(p) * static_cast<std::size_t>(n), 0.0);
  }
  double* u_ptr = u != nullptr ? u->data() : nullptr;
  double* vt_ptr = vt != nullptr ? vt->data() : nullptr;
  std::vector<int> iwork(static_cast<std::size_t>(8 * p));
  int info = 0, lwork = -1;
  double query = 0;
  int lda = std::max(1, m);
  dgesdd_(&jobz, &m, &n, a.data(), &lda, s.data(), u_ptr, &ldu, vt_ptr, &ldvt, &query, &lwork,
          iwork.data(), &info);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dgesdd_(&jobz, &m, &n, a.data(), &lda, s.data(), u_ptr, &ldu, vt_ptr, &ldvt, work.data(), &lwork,
          iwork.data(), &info);
  check_info(info, "dgesdd");
}

void fill_numerical_rank(RankResult& result, double tolerance) {
  result.numerical_rank = 0;
  if (result.singular_values.empty() || result.singular_values[0] == 0) return;
  const double threshold = tolerance * result.singular_values[0];
  for (const double s : result.singular_values) result.numerical_rank += s > threshold ? 1 : 0;
}

RankResult dense(DType dtype, std::span<const std::uint8_t> base, std::span<const std::uint8_t> cand,
                 MatrixView view, const RankOptions& options) {
  RankResult result;
  result.method = RankResult::Method::kDenseSvd;
  result.max_rank = options.max_rank;
  std::vector<double> delta, scratch;
  delta_rows(dtype, base, cand, view.cols, 0, view.rows, delta, scratch);
  // Row-major rows x cols is column-major cols x rows: same singular values.
  svd(delta, to_int(view.cols, "cols"), to_int(view.rows, "rows"), result.singular_values, nullptr, nullptr);
  const std::size_t p = result.singular_values.size();
  double tail = 0;
  for (std::size_t i = options.max_rank; i < p; ++i) tail += result.singular_values[i] * result.singular_values[i];
  result.residual_energy = tail;
  // Backward stability: each computed sigma_i is within delta_sigma of the
  // true one; the tail energy moves by at most 2 d sqrt(count * tail) + count d^2.
  if (p > options.max_rank && p > 0) {
    const double d = 10.0 * static_cast<double>(std::max(view.rows, view.cols)) * kUnitRoundoff *
                     result.singular_values[0];
    const auto count = static_cast<double>(p - options.max_rank);
    result.residual_energy_error = 2 * d * std::sqrt(count * tail) + count * d * d;
  }
  fill_numerical_rank(result, options.rank_tolerance);
  return result;
}

RankResult randomized(DType dtype, std::span<const std::uint8_t> base, std::span<const std::uint8_t> cand,
                      MatrixView view, const RankOptions& options) {
  RankResult result;
  result.method = RankResult::Method::kRandomized;
  result.max_rank = options.max_rank;
  const int m = to_int(view.rows, "rows");
  const int n = to_int(view.cols, "cols");
  const int k = std::min({m, n, static_cast<int>(options.max_rank + options.oversampling)});
  const int r = std::min(static_cast<int>(options.max_rank), k);
  const std::uint64_t block = std::max<std::uint64_t>(1, (std::uint64_t{4} << 20) / view.cols);  // ~32 MiB of doubles
  const double one = 1.0, zero = 0.0, minus_one = -1.0;

  std::vector<double> rows_buffer, scratch;
  // Y = Delta * X for an n x k column-major X, into an m x k column-major Y.
  const auto multiply_right = [&](const std::vector<double>& x, std::vector<double>& y) {
    y.assign(static_cast<std::size_t>(m) * static_cast<std::size_t>(k), 0.0);
    std::vector<double> yt;
    for (std::uint64_t first = 0; first < view.rows; first += block) {
      const std::uint64_t count = std::min(block, view.rows - first);
      delta_rows(dtype, base, cand, view.cols, first, count, rows_buffer, scratch);
      const int bs = static_cast<int>(count);
      yt.assign(static_cast<std::size_t>(k) * count, 0.0);
      // Y_blk^T (k x bs) = X^T (k x n) * Dt_blk (n x bs)
      dgemm_("T", "N", &k, &bs, &n, &one, x.data(), &n, rows_buffer.data(), &n, &zero, yt.data(), &k);
      for (int i = 0; i < bs; ++i) {
        for (int j = 0; j < k; ++j) {
          y[static_cast<std::size_t>(first) + static_cast<std::size_t>(i) +
            static_cast<std::size_t>(j) * static_cast<std::size_t>(m)] =
              yt[static_cast<std::size_t>(j) + static_cast<std::size_t>(i) * static_cast<std::size_t>(k)];
        }
      }
    }
  };
  // Z = Delta^T * Q for an m x k column-major Q, into an n x k column-major Z.
  const auto multiply_left = [&](const std::vector<double>& q, std::vector<double>& z) {
    z.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(k), 0.0);
    for (std::uint64_t first = 0; first < view.rows; first += block) {
      const std::uint64_t count = std::min(block, view.rows - first);
      delta_rows(dtype, base, cand, view.cols, first, count, rows_buffer, scratch);
      const int bs = static_cast<int>(count);
      // Z (n x k) += Dt_blk (n x bs) * Q_blk (bs x k)
      dgemm_("N", "N", &n, &k, &bs, &one, rows_buffer.data(), &n, q.data() + first, &m, &one, z.data(), &n);
    }
  };

  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> omega(static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
  for (double& v : omega) v = normal(rng);

  std::vector<double> q, z;
  multiply_right(omega, q);
  orthonormalize(q, m, k);
  for (unsigned it = 0; it < options.power_iterations; ++it) {
    multiply_left(q, z);
    orthonormalize(z, n, k);
    multiply_right(z, q);
    orthonormalize(q, m, k);
  }
  // B = Q^T Delta (k x n) = (Delta^T Q)^T.
  multiply_left(q, z);  // z = Delta^T Q, n x k; B = z^T
  std::vector<double> b_matrix(static_cast<std::size_t>(k) * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < k; ++j) {
      b_matrix[static_cast<std::size_t>(j) + static_cast<std::size_t>(i) * static_cast<std::size_t>(k)] =
          z[static_cast<std::size_t>(i) + static_cast<std::size_t>(j) * static_cast<std::size_t>(n)];
    }
  }
  std::vector<double> u_b, vt_b;
  svd(b_matrix, k, n, result.singular_values, &u_b, &vt_b);

  // Witness Q_r W: Q_r = Q U_B[:, :r] (m x r), W = Sigma_r V_r^T (r x n).
  std::vector<double> q_r(static_cast<std::size_t>(m) * static_cast<std::size_t>(std::max(r, 1)), 0.0);
  std::vector<double> w(static_cast<std::size_t>(std::max(r, 1)) * static_cast<std::size_t>(n), 0.0);
  if (r > 0) {
    dgemm_("N", "N", &m, &r, &k, &one, q.data(), &m, u_b.data(), &k, &zero, q_r.data(), &m);
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < r; ++i) {
        w[static_cast<std::size_t>(i) + static_cast<std::size_t>(j) * static_cast<std::size_t>(r)] =
            result.singular_values[static_cast<std::size_t>(i)] *
            vt_b[static_cast<std::size_t>(i) + static_cast<std::size_t>(j) * static_cast<std::size_t>(k)];
      }
    }
  }
  // Residual computed directly: ||Delta - Q_r W||_F^2, streamed.
  double residual = 0, delta_energy = 0;
  for (std::uint64_t first = 0; first < view.rows; first += block) {
    const std::uint64_t count = std::min(block, view.rows - first);
    delta_rows(dtype, base, cand, view.cols, first, count, rows_buffer, scratch);
    for (const double v : rows_buffer) delta_energy += v * v;
    const int bs = static_cast<int>(count);
    if (r > 0) {
      // Et_blk (n x bs) -= W^T (n x r) * Q_r_blk^T (r x bs)
      dgemm_("T", "T", &n, &bs, &r, &minus_one, w.data(), &r, q_r.data() + first, &m, &one,
             rows_buffer.data(), &n);
    }
    for (const double v : rows_buffer) residual += v * v;
  }
  result.residual_energy = residual;
  // Each residual entry carries at most (r + 3) u (|Delta_ij| + |Q_r W|_ij)
  // error; with ||Q_r W||_F <= ||Delta||_F (a projection) the residual norm
  // moves by at most e = (r + 3) u 2 ||Delta||_F, plus n u for the sums.
  const double delta_norm = std::sqrt(delta_energy);
  const double e = (static_cast<double>(r) + 3.0 + static_cast<double>(n)) * kUnitRoundoff * 2.0 * delta_norm;
  result.residual_energy_error = 2 * e * std::sqrt(residual) + e * e;
  fill_numerical_rank(result, options.rank_tolerance);
  result.numerical_rank_is_lower_bound = result.numerical_rank == static_cast<unsigned>(k) && k < std::min(m, n);
  return result;
}

}  // namespace

double RankResult::residual_norm() const { return std::sqrt(residual_energy); }

RankResult analyze_rank(DType dtype, std::span<const std::uint8_t> base, std::span<const std::uint8_t> candidate,
                        MatrixView view, const RankOptions& options) {
  const std::uint64_t elements = view.rows * view.cols;
  if (view.rows == 0 || view.cols == 0 || (view.cols != 0 && elements / view.cols != view.rows) ||
      base.size() != candidate.size() || base.size() != elements * dtype_size(dtype)) {
    throw std::invalid_argument("rank analysis: matrix view does not match the tensor size");
  }
  RankResult result =
      elements <= options.dense_max_elements && std::min(view.rows, view.cols) <= options.dense_max_min_dim
          ? dense(dtype, base, candidate, view, options)
          : randomized(dtype, base, candidate, view, options);
  // ||B||^2 of this block, for bounds relative to the base (blockwise, so a
  // per-head bound is relative to that head's weights).
  std::vector<double> values(std::min<std::uint64_t>(elements, 1 << 16));
  const std::size_t size = dtype_size(dtype);
  for (std::uint64_t first = 0; first < elements; first += values.size()) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(values.size(), elements - first));
    convert_to_double(dtype, base.subspan(static_cast<std::size_t>(first) * size, n * size), std::span(values).first(n));
    for (std::size_t i = 0; i < n; ++i) result.base_energy += values[i] * values[i];
  }
  return result;
}

}  // namespace fti::analysis

#include "engine/drift/rank_witness.h"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <string>

#include "engine/commitment/fixed_point.h"
#include "engine/common/error.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {
namespace {

using crypto::Fp;

// Orthonormalizes the columns of the rows x q matrix a (column-major) by
// Gram-Schmidt with one re-orthogonalization; a dependent column becomes 0.
void orthonormalize(std::vector<double>& a, std::size_t rows, std::size_t q) {
  for (std::size_t k = 0; k < q; ++k) {
    double* col = a.data() + k * rows;
    double before = 0;
    for (std::size_t i = 0; i < rows; ++i) before += col[i] * col[i];
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t j = 0; j < k; ++j) {
        const double* other = a.data() + j * rows;
        double dot = 0;
        for (std::size_t i = 0; i < rows; ++i) dot += col[i] * other[i];
        for (std::size_t i = 0; i < rows; ++i) col[i] -= dot * other[i];
      }
    }
    double norm = 0;
    for (std::size_t i = 0; i < rows; ++i) norm += col[i] * col[i];
    if (norm <= 1e-24 * std::max(before, 1.0) || norm == 0) {
      std::fill(col, col + rows, 0.0);
      continue;
    }
    const double inv = 1.0 / std::sqrt(norm);
    for (std::size_t i = 0; i < rows; ++i) col[i] *= inv;
  }
}

}  // namespace

RankTables rank_tables(const commitment::ModelCommitment& base,
                       std::span<const crypto::BasefoldProverData* const> base_groups,
                       const commitment::ModelCommitment& candidate,
                       std::span<const crypto::BasefoldProverData* const> candidate_groups, const RankLayout& layout) {
  return {committed_table(base, base_groups, layout.base_group, layout.base_poly, "rank proof", "base"),
          committed_table(candidate, candidate_groups, layout.candidate_group, layout.candidate_poly, "rank proof", "candidate")};
}

namespace {

// The real rank-q factors of block rows [r0, r0 + rows) x cols [c0, c0 + cols)
// of d (row stride `stride`) by subspace iteration: D ~ sum_k y_k z_k^T.
RankSubspace::Block subspace_block(const std::vector<std::int64_t>& d, std::size_t stride, std::size_t r0,
                                   std::size_t rows, std::size_t c0, std::size_t cols, std::size_t q) {
  auto at = [&](std::size_t i, std::size_t j) { return static_cast<double>(d[(r0 + i) * stride + c0 + j]); };
  // Y = D Omega, then power iterations Z = D^T Y, Y = D Z (column-major).
  RankSubspace::Block out{r0, rows, c0, cols, std::vector<double>(rows * q), std::vector<double>(cols * q)};
  std::vector<double>& y = out.y;
  std::vector<double>& z = out.z;
  std::mt19937_64 gen(0x5eed);
  std::normal_distribution<double> normal;
  for (double& x : z) x = normal(gen);
  auto mul = [&](const std::vector<double>& in, std::vector<double>& res) {  // res = D in
    tbb::parallel_for(std::size_t{0}, rows, [&](std::size_t i) {
      for (std::size_t k = 0; k < q; ++k) {
        double s = 0;
        for (std::size_t j = 0; j < cols; ++j) s += at(i, j) * in[k * cols + j];
        res[k * rows + i] = s;
      }
    });
  };
  auto mul_t = [&](const std::vector<double>& in, std::vector<double>& res) {  // res = D^T in
    tbb::parallel_for(std::size_t{0}, cols, [&](std::size_t j) {
      for (std::size_t k = 0; k < q; ++k) {
        double s = 0;
        for (std::size_t i = 0; i < rows; ++i) s += at(i, j) * in[k * rows + i];
        res[k * cols + j] = s;
      }
    });
  };
  mul(z, y);
  orthonormalize(y, rows, q);
  for (int iter = 0; iter < 4; ++iter) {
    mul_t(y, z);
    orthonormalize(z, cols, q);
    mul(z, y);
    orthonormalize(y, rows, q);
  }
  mul_t(y, z);  // z_k = D^T y_k: D ~ sum_k y_k z_k^T
  return out;
}

}  // namespace

RankSubspace rank_subspace(const RankLayout& layout, std::uint32_t rank, const RankTables& tables) {
  const std::size_t rows = std::size_t{1} << layout.log_rows;
  const std::size_t cols = std::size_t{1} << layout.log_cols;
  const std::vector<std::int64_t> d = encoded_delta(tables.base, tables.candidate, "rank proof");
  // Each head's block on its own (the whole table without heads).
  const std::size_t heads = std::size_t{1} << layout.head_vars;
  const bool by_rows = layout.head_axis == RankHeadAxis::kRows;
  const bool by_cols = layout.head_axis == RankHeadAxis::kCols;
  const std::size_t block_rows = by_rows ? rows >> layout.head_vars : rows;
  const std::size_t block_cols = by_cols ? cols >> layout.head_vars : cols;
  RankSubspace out;
  out.rank = rank;
  for (std::size_t h = 0; h < heads; ++h) {
    out.blocks.push_back(subspace_block(d, cols, by_rows ? h * block_rows : 0, block_rows,
                                        by_cols ? h * block_cols : 0, block_cols, rank));
  }
  return out;
}

RankFactors rank_quantize(const RankLayout& layout, const RankStatement& statement, const RankSubspace& subspace) {
  RankFactors f;
  f.u.assign(std::size_t{1} << layout.u_vars(), 0);
  f.v.assign(std::size_t{1} << layout.v_vars(), 0);
  const std::size_t q = std::min<std::size_t>(subspace.rank, statement.rank);
  const double limit = std::ldexp(1.0, static_cast<int>(statement.factor_bits) - 1) - 1;
  const double scale = std::ldexp(1.0, static_cast<int>(statement.shift));
  const auto lim = static_cast<std::int64_t>(limit);
  for (const RankSubspace::Block& blk : subspace.blocks) {
    const std::vector<double>& y = blk.y;
    const std::vector<double>& z = blk.z;
    // Per column k a balanced quantization U_k = round(g_u y_k), V_k = round(g_v z_k),
    // g_u g_v = 2^t; a factor entry's position: U by (k, row) with the block's
    // first column, V by (k, col) with the block's first row (they fix the head).
    for (std::size_t k = 0; k < q; ++k) {
      double a = 0, b = 0;
      for (std::size_t i = 0; i < blk.rows; ++i) a = std::max(a, std::abs(y[k * blk.rows + i]));
      for (std::size_t j = 0; j < blk.cols; ++j) b = std::max(b, std::abs(z[k * blk.cols + j]));
      if (a == 0 || b == 0) continue;
      double gu = std::sqrt(scale * b / a);
      if (gu * a > limit) gu = limit / a;
      double gv = scale / gu;
      if (gv * b > limit) gv = limit / b;
      for (std::size_t i = 0; i < blk.rows; ++i) {
        f.u[layout.u_index(k, blk.r0 + i, blk.c0)] =
            std::clamp<std::int64_t>(std::llround(gu * y[k * blk.rows + i]), -lim, lim);
      }
      for (std::size_t j = 0; j < blk.cols; ++j) {
        f.v[layout.v_index(k, blk.r0, blk.c0 + j)] =
            std::clamp<std::int64_t>(std::llround(gv * z[k * blk.cols + j]), -lim, lim);
      }
    }
  }
  return f;
}

RankFactors rank_factorize(const RankLayout& layout, const RankStatement& statement, const RankTables& tables) {
  return rank_quantize(layout, statement, rank_subspace(layout, statement.rank, tables));
}

std::vector<Fp> rank_product(const RankLayout& layout, const RankStatement& statement, std::span<const Fp> u,
                             std::span<const Fp> v) {
  const std::size_t rows = std::size_t{1} << layout.log_rows;
  const std::size_t cols = std::size_t{1} << layout.log_cols;
  std::vector<Fp> w(rows * cols);
  tbb::parallel_for(std::size_t{0}, rows, [&](std::size_t i) {
    for (std::size_t j = 0; j < cols; ++j) {
      Fp s = Fp::zero();
      for (std::size_t k = 0; k < statement.rank; ++k) s += u[layout.u_index(k, i, j)] * v[layout.v_index(k, i, j)];
      w[i * cols + j] = s;
    }
  });
  return w;
}

RankWitness rank_witness(const RankLayout& layout, const RankStatement& statement, const RankTables& tables,
                         const RankFactors& factors) {
  const std::size_t rows = std::size_t{1} << layout.log_rows;
  const std::size_t cols = std::size_t{1} << layout.log_cols;
  if (factors.u.size() != (std::size_t{1} << layout.u_vars()) ||
      factors.v.size() != (std::size_t{1} << layout.v_vars())) {
    throw Error(ErrorCode::kInput, "rank proof: factor tables of the wrong size");
  }
  const std::int64_t half = std::int64_t{1} << (statement.factor_bits - 1);
  for (const std::vector<std::int64_t>* f : {&factors.u, &factors.v}) {
    for (std::size_t i = 0; i < f->size(); ++i) {
      if ((*f)[i] < -half || (*f)[i] >= half) {
        throw Error(ErrorCode::kInput, "rank proof: factor entry " + std::to_string(i) + " outside [-2^(bu-1), 2^(bu-1))");
      }
    }
  }
  const std::vector<std::int64_t> d = encoded_delta(tables.base, tables.candidate, "rank proof");
  RankWitness w;
  for (const std::int64_t x : factors.u) w.u.push_back(Fp::from_i64(x));
  for (const std::int64_t x : factors.v) w.v.push_back(Fp::from_i64(x));
  // Exact integers: |W| <= r 2^(2bu-2), |E| <= E_max < 2^32 (RankLayout::make).
  std::vector<std::int64_t> e(rows * cols);
  w.w.resize(rows * cols);
  tbb::parallel_for(std::size_t{0}, rows, [&](std::size_t i) {
    for (std::size_t j = 0; j < cols; ++j) {
      std::int64_t s = 0;
      for (std::size_t k = 0; k < statement.rank; ++k) {
        s += factors.u[layout.u_index(k, i, j)] * factors.v[layout.v_index(k, i, j)];
      }
      w.w[i * cols + j] = Fp::from_i64(s);
      e[i * cols + j] = d[i * cols + j] * (std::int64_t{1} << statement.shift) - s;
    }
  });
  const unsigned m = layout.block_vars;
  const std::size_t blocks = std::size_t{1} << m;
  const std::size_t per_block = e.size() >> m;
  w.hi.resize(blocks);
  w.lo.resize(blocks);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t j) {
    std::uint64_t s = 0;  // < 2^k E_max^2 < 2^63
    for (std::size_t t = 0; t < per_block; ++t) {
      const std::int64_t x = e[j + (t << m)];
      s += static_cast<std::uint64_t>(x * x);
    }
    w.hi[j] = Fp::from_u64(s >> kNormLimbShift);
    w.lo[j] = Fp::from_u64(s & ((std::uint64_t{1} << kNormLimbShift) - 1));
  });
  for (std::size_t j = 0; j < blocks; ++j) {
    w.disclosure.high += w.hi[j].value();
    w.disclosure.low += w.lo[j].value();
  }
  return w;
}

RankCommitted rank_commit(const crypto::BasefoldParams& params, const RankClassLayout& cls,
                          std::span<const RankWitness> witnesses) {
  std::vector<std::vector<Fp>> u, v, blocks;
  for (const std::size_t i : cls.claims) {
    u.push_back(witnesses[i].u);
    v.push_back(witnesses[i].v);
    blocks.push_back(witnesses[i].hi);
    blocks.push_back(witnesses[i].lo);
  }
  return {crypto::basefold_commit(params, std::move(u)), crypto::basefold_commit(params, std::move(v)),
          crypto::basefold_commit(params, std::move(blocks))};
}

}  // namespace fti::drift

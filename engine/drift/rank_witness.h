// The low-rank prover's witness (docs/PROTOCOL.md, sections 10.5.1, 10.5.8):
// integer factors U, V (from a truncated SVD of Delta = C - B computed in
// double by subspace iteration, quantized), the product W = U V^T (never
// committed), and the block sums of E^2, E = 2^t (C - B) - W, as limbs
// s_j = 2^32 hi_j + lo_j with the disclosed H = sum hi_j, L = sum lo_j.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/goldilocks.h"
#include "engine/drift/norm_disclosure.h"
#include "engine/drift/rank_layout.h"

namespace fti::drift {

// Integer factors (per claim) in the layout of section 10.5.2: u[k + 2^kr row], v[k + 2^kr col].
struct RankFactors {
  std::vector<std::int64_t> u;  // 2^(kr + lr) entries
  std::vector<std::int64_t> v;  // 2^(kr + lc) entries
};

// The witness as field tables (a cheating test may fill them with anything).
struct RankWitness {
  std::vector<crypto::Fp> u, v;  // the factor tables
  std::vector<crypto::Fp> w;     // W = U V^T over the 2^n table (columns k < r only); empty:
                                 // prove_ranks_with recomputes it from u, v (rank_product)
  std::vector<crypto::Fp> hi, lo;  // 2^m block-sum limbs
  NormStatistic disclosure;       // H, L: R = 2^32 H + L
};

// The base and candidate tables of the statement's tensor, from the prover's
// groups (null where unused). Throws Error(kIntegrity) if a group is not the
// committed one.
struct RankTables {
  std::span<const crypto::Fp> base, candidate;
};
RankTables rank_tables(const commitment::ModelCommitment& base,
                       std::span<const crypto::BasefoldProverData* const> base_groups,
                       const commitment::ModelCommitment& candidate,
                       std::span<const crypto::BasefoldProverData* const> candidate_groups, const RankLayout& layout);

// The real factors of every head's block of Delta (the whole table without
// heads) by rank-r subspace iteration in double: block ~ sum_k y_k z_k^T.
// Independent of bu and t, so a prover trying several computes it once.
struct RankSubspace {
  struct Block {
    std::size_t r0 = 0, rows = 0, c0 = 0, cols = 0;  // the block in the padded table
    std::vector<double> y, z;                       // rows x r, cols x r, column-major
  };
  std::uint32_t rank = 0;
  std::vector<Block> blocks;
};
RankSubspace rank_subspace(const RankLayout& layout, std::uint32_t rank, const RankTables& tables);
// The integer factors at the statement's bu and t (balanced, clamped).
RankFactors rank_quantize(const RankLayout& layout, const RankStatement& statement, const RankSubspace& subspace);

// Honest factors: rank-r subspace iteration on Delta (double), then per
// column k a balanced quantization U_k = round(g_u y_k), V_k = round(g_v z_k),
// g_u g_v = 2^t, clamped to |entry| <= 2^(bu-1) - 1. Throws Error(kInput) for
// an entry |v| >= 2^23.
RankFactors rank_factorize(const RankLayout& layout, const RankStatement& statement, const RankTables& tables);

// Honest witness from integer factors: exact integer W, E and block sums.
// Throws Error(kInput) for a factor outside [-2^(bu-1), 2^(bu-1)), a table
// entry outside |v| < 2^23, or wrong factor sizes.
RankWitness rank_witness(const RankLayout& layout, const RankStatement& statement, const RankTables& tables,
                         const RankFactors& factors);

// The field product W[col + 2^lc row] = sum_{k < r} u[k + 2^kr row] v[k + 2^kr col].
std::vector<crypto::Fp> rank_product(const RankLayout& layout, const RankStatement& statement,
                                     std::span<const crypto::Fp> u, std::span<const crypto::Fp> v);

// A class's three commitments (section 10.5.2): U and V (one polynomial per
// claim of the class, in class order), the block limbs (hi, lo per claim).
struct RankCommitted {
  crypto::BasefoldProverData u, v, blocks;
};
// `witnesses` per statement claim; only the class's claims are read.
RankCommitted rank_commit(const crypto::BasefoldParams& params, const RankClassLayout& cls,
                          std::span<const RankWitness> witnesses);

}  // namespace fti::drift

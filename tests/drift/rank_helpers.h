// Shared helpers for the low-rank drift-proof tests: a base and a candidate
// with a rank-r update (plus noise), the round trip prove -> bytes -> verify
// (security floor off: small parameters), the exact residual of given factors
// in 128-bit integers, and a CHEATING prover on field factors (no range check).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "engine/drift/rank.h"
#include "tests/crypto/range_helpers.h"
#include "tests/drift/drift_helpers.h"

namespace fti::drift::testing {

struct RankPair {
  TestModel base, cand;
  std::vector<std::int64_t> u0, v0;  // the update's factors (rows x r, cols x r, row-major by row)
};

// base uniform in [-base_bound, base_bound]; candidate = base + U0 V0^T + noise
// in [-noise, noise], U0, V0 entries in [-fb, fb].
inline RankPair rank_pair(std::uint64_t seed, std::uint64_t rows, std::uint64_t cols, std::uint32_t r,
                          std::int64_t fb, std::int64_t noise, const crypto::BasefoldParams& params,
                          std::int64_t base_bound = 1000) {
  RankPair p;
  const TestTensor b = random_tensor(seed, "w", {rows, cols}, base_bound);
  std::mt19937_64 gen(seed + 1);
  std::uniform_int_distribution<std::int64_t> f(-fb, fb), e(-noise, noise);
  p.u0.resize(rows * r);
  p.v0.resize(cols * r);
  for (auto& x : p.u0) x = f(gen);
  for (auto& x : p.v0) x = f(gen);
  TestTensor c = b;
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint64_t j = 0; j < cols; ++j) {
      std::int64_t s = 0;
      for (std::uint32_t k = 0; k < r; ++k) s += p.u0[i * r + k] * p.v0[j * r + k];
      c.values[i * cols + j] += s + (noise > 0 ? e(gen) : 0);
    }
  }
  p.base = make_model({b}, params, false);
  p.cand = make_model({c}, params, true);
  return p;
}

inline RankLayout rank_layout(const RankPair& p, const RankStatement& st) {
  RankLayout layout;
  EXPECT_EQ(RankLayout::make(p.base.commitment, p.cand.commitment, st, layout), DriftStatus::kOk);
  return layout;
}

// The update's factors in the table layout of section 10.5.2.
inline RankFactors exact_factors(const RankPair& p, const RankStatement& st, std::uint64_t rows, std::uint64_t cols) {
  const RankLayout layout = rank_layout(p, st);
  const std::size_t kw = std::size_t{1} << layout.rank_vars;
  RankFactors f;
  f.u.assign(kw << layout.log_rows, 0);
  f.v.assign(kw << layout.log_cols, 0);
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint32_t k = 0; k < st.rank; ++k) f.u[k + kw * i] = p.u0[i * st.rank + k];
  }
  for (std::uint64_t j = 0; j < cols; ++j) {
    for (std::uint32_t k = 0; k < st.rank; ++k) f.v[k + kw * j] = p.v0[j * st.rank + k];
  }
  return f;
}

struct RankProven {
  RankProverOutput out;
  std::vector<std::uint8_t> bytes;
};

inline RankProven prove_rank_pair(const RankPair& p, const RankStatement& st, std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  RankProven r{prove_rank(p.base.commitment, p.base.group_pointers(), p.cand.commitment, p.cand.group_pointers(), st, t),
               {}};
  r.bytes = r.out.proof.serialize();
  return r;
}

inline RankProven prove_rank_pair_factors(const RankPair& p, const RankStatement& st, const RankFactors& f,
                                          std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  RankProven r{prove_rank_factors(p.base.commitment, p.base.group_pointers(), p.cand.commitment,
                                  p.cand.group_pointers(), st, f, t),
               {}};
  r.bytes = r.out.proof.serialize();
  return r;
}

inline DriftResult verify_rank_pair(const TestModel& base, const TestModel& cand, const RankStatement& st,
                                    const NormStatistic& disclosure, std::span<const std::uint8_t> bytes,
                                    std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  return verify_rank_bytes(base.commitment, cand.commitment, st, disclosure, bytes, t,
                           RankVerifyOptions{.min_security_bits = 0});
}

// sum_x (2^t (C - B) - U V^T)^2 over the padded table, exactly.
inline uint128 exact_residual(const RankPair& p, const RankStatement& st, const RankFactors& f) {
  const RankLayout layout = rank_layout(p, st);
  const std::size_t kw = std::size_t{1} << layout.rank_vars;
  const std::size_t rows = std::size_t{1} << layout.log_rows, cols = std::size_t{1} << layout.log_cols;
  const TestTensor& b = p.base.tensor("w");
  const TestTensor& c = p.cand.tensor("w");
  const std::size_t real_cols = b.shape[1];
  uint128 s = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      int128 d = 0;
      if (i < b.shape[0] && j < real_cols) d = int128{c.values[i * real_cols + j]} - b.values[i * real_cols + j];
      int128 w = 0;
      for (std::size_t k = 0; k < st.rank; ++k) w += int128{f.u[k + kw * i]} * f.v[k + kw * j];
      const int128 e = d * (int128{1} << st.shift) - w;
      s += static_cast<uint128>(e * e);
    }
  }
  return s;
}

// A cheating prover: the witness computed in the FIELD from field factors u, v
// (any elements), block sums of E^2 mod p split as 2^32 hi + lo (hi taken mod
// p as it comes), U, V and the limbs committed without any range check.
inline RankProverOutput prove_rank_field(const RankPair& p, const RankStatement& st, std::vector<crypto::Fp> u,
                                         std::vector<crypto::Fp> v, std::uint64_t context = 1) {
  using crypto::Fp;
  const RankLayout layout = rank_layout(p, st);
  const auto bg = p.base.group_pointers();
  const auto cg = p.cand.group_pointers();
  const RankTables tables = rank_tables(p.base.commitment, bg, p.cand.commitment, cg, layout);
  RankWitness w;
  w.u = std::move(u);
  w.v = std::move(v);
  w.w = rank_product(layout, st, w.u, w.v);
  const std::size_t size = w.w.size();
  const unsigned m = layout.block_vars;
  w.hi.assign(std::size_t{1} << m, Fp::zero());
  w.lo.assign(std::size_t{1} << m, Fp::zero());
  const Fp shift = Fp::from_u64(std::uint64_t{1} << st.shift);
  std::vector<Fp> sums(std::size_t{1} << m, Fp::zero());
  for (std::size_t x = 0; x < size; ++x) {
    const Fp e = shift * (tables.candidate[x] - tables.base[x]) - w.w[x];
    sums[x & ((std::size_t{1} << m) - 1)] += e * e;
  }
  for (std::size_t j = 0; j < sums.size(); ++j) {
    w.hi[j] = Fp::from_u64(sums[j].value() >> 32);
    w.lo[j] = Fp::from_u64(sums[j].value() & 0xFFFF'FFFFu);
    w.disclosure.high += w.hi[j].value();
    w.disclosure.low += w.lo[j].value();
  }
  const RankCommitted committed = rank_commit(p.base.commitment.params, w);
  const std::vector<crypto::RangeValueSource> sources = rank_range_sources(committed);
  const crypto::RangeProverData range =
      crypto::testing::cheat_commit(p.base.commitment.params, rank_range_statement(layout, st), sources);
  crypto::Transcript t = test_transcript(context);
  return prove_rank_with(p.base.commitment, bg, p.cand.commitment, cg, st, layout, tables, w, committed, range, t);
}

inline std::vector<crypto::Fp> to_field(std::span<const std::int64_t> x) {
  std::vector<crypto::Fp> out;
  for (const std::int64_t v : x) out.push_back(crypto::Fp::from_i64(v));
  return out;
}

}  // namespace fti::drift::testing

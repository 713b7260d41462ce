// Shared helpers for the low-rank drift-proof tests: a base and a candidate
// with a rank-r update (plus noise), the round trip prove -> bytes -> verify
// (security floor off: small parameters), the exact residual of given factors
// in 128-bit integers, and a CHEATING prover on field factors (no range check).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/drift/rank.h"
#include "tests/crypto/range_helpers.h"
#include "tests/drift/drift_helpers.h"

namespace fti::drift::testing {

struct RankPair {
  TestModel base, cand;
  std::vector<std::int64_t> u0, v0;  // the update's factors (rows x r, cols x r, row-major by row)
};

// A rank-r update of one tensor: base uniform in [-base_bound, base_bound];
// candidate = base + U0 V0^T + noise in [-noise, noise], U0, V0 entries in [-fb, fb].
struct RankUpdate {
  TestTensor base, cand;
  std::vector<std::int64_t> u0, v0;  // rows x r, cols x r, row-major by row
};
inline RankUpdate rank_update(std::uint64_t seed, std::string name, std::uint64_t rows, std::uint64_t cols,
                              std::uint32_t r, std::int64_t fb, std::int64_t noise, std::int64_t base_bound = 1000) {
  RankUpdate u{random_tensor(seed, std::move(name), {rows, cols}, base_bound), {}, {}, {}};
  std::mt19937_64 gen(seed + 1);
  std::uniform_int_distribution<std::int64_t> f(-fb, fb), e(-noise, noise);
  u.u0.resize(rows * r);
  u.v0.resize(cols * r);
  for (auto& x : u.u0) x = f(gen);
  for (auto& x : u.v0) x = f(gen);
  u.cand = u.base;
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint64_t j = 0; j < cols; ++j) {
      std::int64_t s = 0;
      for (std::uint32_t k = 0; k < r; ++k) s += u.u0[i * r + k] * u.v0[j * r + k];
      u.cand.values[i * cols + j] += s + (noise > 0 ? e(gen) : 0);
    }
  }
  return u;
}

inline RankPair rank_pair(std::uint64_t seed, std::uint64_t rows, std::uint64_t cols, std::uint32_t r,
                          std::int64_t fb, std::int64_t noise, const crypto::BasefoldParams& params,
                          std::int64_t base_bound = 1000) {
  RankUpdate u = rank_update(seed, "w", rows, cols, r, fb, noise, base_bound);
  RankPair p;
  p.base = make_model({u.base}, params, false);
  p.cand = make_model({u.cand}, params, true);
  p.u0 = std::move(u.u0);
  p.v0 = std::move(u.v0);
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
  RankProven r{prove_ranks(p.base.commitment, p.base.group_pointers(), p.cand.commitment, p.cand.group_pointers(),
                           std::span(&st, 1), t),
               {}};
  r.bytes = r.out.proof.serialize();
  return r;
}

inline RankProven prove_rank_pair_factors(const RankPair& p, const RankStatement& st, const RankFactors& f,
                                          std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  RankProven r{prove_ranks_factors(p.base.commitment, p.base.group_pointers(), p.cand.commitment,
                                   p.cand.group_pointers(), std::span(&st, 1), std::span(&f, 1), t),
               {}};
  r.bytes = r.out.proof.serialize();
  return r;
}

inline DriftResult verify_rank_pair(const TestModel& base, const TestModel& cand, const RankStatement& st,
                                    const NormStatistic& disclosure, std::span<const std::uint8_t> bytes,
                                    std::uint64_t context = 1) {
  crypto::Transcript t = test_transcript(context);
  return verify_ranks_bytes(base.commitment, cand.commitment, std::span(&st, 1), std::span(&disclosure, 1), bytes, t,
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

// A cheating witness: computed in the FIELD from field factors u, v (any
// elements), block sums of E^2 mod p split as 2^32 hi + lo (hi taken mod p as
// it comes), no range check.
inline RankWitness field_witness(const RankLayout& layout, const RankStatement& st, const RankTables& tables,
                                 std::vector<crypto::Fp> u, std::vector<crypto::Fp> v) {
  using crypto::Fp;
  RankWitness w;
  w.u = std::move(u);
  w.v = std::move(v);
  w.w = rank_product(layout, st, w.u, w.v);
  const unsigned m = layout.block_vars;
  w.hi.assign(std::size_t{1} << m, Fp::zero());
  w.lo.assign(std::size_t{1} << m, Fp::zero());
  const Fp shift = Fp::from_u64(std::uint64_t{1} << st.shift);
  std::vector<Fp> sums(std::size_t{1} << m, Fp::zero());
  for (std::size_t x = 0; x < w.w.size(); ++x) {
    const Fp e = shift * (tables.candidate[x] - tables.base[x]) - w.w[x];
    sums[x & ((std::size_t{1} << m) - 1)] += e * e;
  }
  for (std::size_t j = 0; j < sums.size(); ++j) {
    w.hi[j] = Fp::from_u64(sums[j].value() >> 32);
    w.lo[j] = Fp::from_u64(sums[j].value() & 0xFFFF'FFFFu);
    w.disclosure.high += w.hi[j].value();
    w.disclosure.low += w.lo[j].value();
  }
  return w;
}

struct FieldFactors {
  std::vector<crypto::Fp> u, v;
};

// A cheating prover for several claims: field witnesses, commitments and a
// range commitment without any check (crypto::testing::cheat_commit).
inline RankProverOutput prove_ranks_field(const TestModel& base, const TestModel& cand, RankClaims claims,
                                          std::vector<FieldFactors> factors, std::uint64_t context = 1) {
  RankBatchLayout batch;
  EXPECT_EQ(RankBatchLayout::make(base.commitment, cand.commitment, claims, batch), DriftStatus::kOk);
  const auto bg = base.group_pointers();
  const auto cg = cand.group_pointers();
  const std::vector<RankTables> tables = rank_tables(base.commitment, bg, cand.commitment, cg, batch);
  std::vector<RankWitness> witnesses;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    witnesses.push_back(
        field_witness(batch.claims[i], claims[i], tables[i], std::move(factors[i].u), std::move(factors[i].v)));
  }
  std::vector<RankCommitted> committed;
  for (const RankClassLayout& cl : batch.classes) {
    committed.push_back(rank_commit(base.commitment.params, cl, witnesses));
  }
  const std::vector<crypto::RangeValueSource> sources = rank_range_sources(batch, committed);
  const crypto::RangeProverData range =
      crypto::testing::cheat_commit(base.commitment.params, rank_range_statement(batch, claims), sources);
  crypto::Transcript t = test_transcript(context);
  return prove_ranks_with(base.commitment, bg, cand.commitment, cg, claims, batch, tables, witnesses, committed, range,
                          t);
}

inline RankProverOutput prove_rank_field(const RankPair& p, const RankStatement& st, std::vector<crypto::Fp> u,
                                         std::vector<crypto::Fp> v, std::uint64_t context = 1) {
  return prove_ranks_field(p.base, p.cand, std::span(&st, 1), {{std::move(u), std::move(v)}}, context);
}

inline std::vector<crypto::Fp> to_field(std::span<const std::int64_t> x) {
  std::vector<crypto::Fp> out;
  for (const std::int64_t v : x) out.push_back(crypto::Fp::from_i64(v));
  return out;
}

}  // namespace fti::drift::testing

// Basefold commit / open / verify times and proof sizes, one polynomial and
// batches of 16, 2^16..2^24 elements per polynomial, 1 and 2 threads, under
// the proven default parameters; the same openings under the LABELLED
// CONJECTURED parameters (disproven "up to capacity" query bound) for
// comparison only.
//
//   crypto_basefold_bench [--benchmark_filter=...] [--benchmark_format=json]
//   crypto_basefold_bench --print_params_table     (section 7.8 parameter table)
//
// items_per_second counts committed field elements (polynomials x 2^n).
// Counters: proof_bytes (serialized opening), bits (the bound of section 7.8).
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/benchmark_main.h"
#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/ntt.h"

namespace {

using namespace fti::crypto;

std::vector<std::vector<Fp>> pseudo_random_tables(unsigned log_n, std::size_t count) {
  std::vector<std::vector<Fp>> out(count, std::vector<Fp>(std::size_t{1} << log_n));
  std::uint64_t x = 0x9E37'79B9'7F4A'7C15ULL;
  for (auto& t : out) {
    for (auto& e : t) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      e = Fp::from_u64(x);
    }
  }
  return out;
}

std::vector<Fp3> pseudo_random_point(unsigned n) {
  std::vector<Fp3> p;
  for (unsigned i = 0; i < n; ++i) {
    p.push_back(Fp3(Fp::from_u64(0x1234'5678ULL * (i + 1)), Fp::from_u64(977ULL * i + 3), Fp::from_u64(i ^ 0xABCDULL)));
  }
  return p;
}

// The most recent commitment, reused by the open and verify benchmarks of
// the same shape (a 16 x 2^24 batch takes tens of seconds to commit).
struct Committed {
  unsigned log_n = 0;
  std::size_t polys = 0;
  BasefoldParams params;
  std::unique_ptr<BasefoldProverData> data;
};

Committed& cached(unsigned log_n, std::size_t polys, const BasefoldParams& params) {
  static Committed c;
  if (!c.data || c.log_n != log_n || c.polys != polys || !(c.params == params)) {
    c.data.reset();
    c.log_n = log_n;
    c.polys = polys;
    c.params = params;
    c.data = std::make_unique<BasefoldProverData>(basefold_commit(params, pseudo_random_tables(log_n, polys)));
  }
  return c;
}

BasefoldParams params_for(std::int64_t conjectured) {
  return conjectured != 0 ? basefold_conjectured_params() : basefold_default_params();
}

// args: log_n, polys, threads.
void BM_BasefoldCommit(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto polys = static_cast<std::size_t>(state.range(1));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(2)));
  const BasefoldParams params = basefold_default_params();
  ntt_precompute(log_n);
  const auto tables = pseudo_random_tables(log_n, polys);
  for (auto _ : state) {
    state.PauseTiming();
    auto copy = tables;
    state.ResumeTiming();
    const BasefoldProverData data = basefold_commit(params, std::move(copy));
    benchmark::DoNotOptimize(data.tree().cap());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(polys << log_n));
}

// args: log_n, polys, threads, conjectured.
void BM_BasefoldOpen(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto polys = static_cast<std::size_t>(state.range(1));
  const BasefoldParams params = params_for(state.range(3));
  const Committed& c = cached(log_n, polys, params);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(2)));
  const auto point = pseudo_random_point(log_n);
  std::size_t proof_bytes = 0;
  for (auto _ : state) {
    Transcript t("fti.bench.basefold");
    const BasefoldOpening o = basefold_open(*c.data, point, t);
    proof_bytes = o.proof.serialize().size();
  }
  state.counters["proof_bytes"] = static_cast<double>(proof_bytes);
  state.counters["bits"] = basefold_soundness(params, log_n, polys).total_bits;
  state.SetLabel(params.proven() ? "proven" : "CONJECTURED");
}

// args: log_n, polys, conjectured. Single-threaded by construction.
void BM_BasefoldVerify(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto polys = static_cast<std::size_t>(state.range(1));
  const BasefoldParams params = params_for(state.range(2));
  const Committed& c = cached(log_n, polys, params);
  const auto point = pseudo_random_point(log_n);
  Transcript pt("fti.bench.basefold");
  const BasefoldOpening o = basefold_open(*c.data, point, pt);
  const BasefoldGroupClaim claim{c.data->commitment(), o.values[0]};
  const std::vector<std::uint8_t> bytes = o.proof.serialize();
  const BasefoldGroupShape shape[1] = {{log_n, polys}};
  for (auto _ : state) {
    // Parsing is part of verification: the verifier only ever sees bytes.
    BasefoldProof proof;
    Status s = BasefoldProof::parse(bytes, params, shape, proof);
    Transcript t("fti.bench.basefold");
    if (s == Status::kOk) s = basefold_verify(params, claim, point, proof, t);
    if (s != Status::kOk) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(s);
  }
  state.counters["proof_bytes"] = static_cast<double>(bytes.size());
  state.counters["bits"] = basefold_soundness(params, log_n, polys).total_bits;
  state.SetLabel(params.proven() ? "proven" : "CONJECTURED");
}

void CommitArgs(benchmark::internal::Benchmark* b) {
  for (const int threads : {1, 2}) {
    for (const int n : {16, 18, 20, 22, 24}) b->Args({n, 1, threads});
    for (const int n : {16, 18, 20, 22}) b->Args({n, 16, threads});
  }
  b->Args({24, 16, 2});
}

void OpenArgs(benchmark::internal::Benchmark* b) {
  for (const int n : {16, 18, 20, 22, 24}) {
    for (const int threads : {1, 2}) b->Args({n, 1, threads, 0});
    b->Args({n, 1, 2, 1});
  }
  for (const int n : {16, 18, 20, 22, 24}) {
    b->Args({n, 16, 2, 0});
    if (n < 24) b->Args({n, 16, 1, 0});
    b->Args({n, 16, 2, 1});
  }
}

void VerifyArgs(benchmark::internal::Benchmark* b) {
  for (const int n : {16, 20, 24}) {
    b->Args({n, 1, 0});
    b->Args({n, 1, 1});
  }
  for (const int n : {16, 20, 24}) {
    b->Args({n, 16, 0});
    b->Args({n, 16, 1});
  }
}

BENCHMARK(BM_BasefoldCommit)
    ->Apply(CommitArgs)
    ->ArgNames({"log_n", "polys", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK(BM_BasefoldOpen)
    ->Apply(OpenArgs)
    ->ArgNames({"log_n", "polys", "threads", "conjectured"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_BasefoldVerify)
    ->Apply(VerifyArgs)
    ->ArgNames({"log_n", "polys", "conjectured"})
    ->Unit(benchmark::kMillisecond);

// The parameter table of docs/PROTOCOL.md section 7.8, from basefold_soundness.
void print_params_table() {
  for (const BasefoldParams& p : {basefold_default_params(), basefold_conjectured_params()}) {
    std::printf("%s: b=%u L=%u a=%u f=%u q=%u g=%u cap=%u\n", p.proven() ? "proven (unique decoding)" : "CONJECTURED",
                p.log_blowup, p.commit_leaf_log_size, p.fold_log_arity, p.final_log_size, p.num_queries,
                p.grinding_bits, p.cap_log);
    // Rows by the stacked size N = n + ceil(log2 M); the last column is a
    // stack of 2^16 tensors of n = N - 16 variables (section 7.2).
    std::printf(
        "| N | R | layer arities | queries | sumcheck | stacking (M=2^16) | folding | query | total (M=1) | "
        "total (M=2^16) |\n");
    for (unsigned n = 0; n <= kMaxBasefoldVars; ++n) {
      const BasefoldLayout l = BasefoldLayout::make(p, n, 1);
      std::string arities;
      for (const BasefoldLayer& layer : l.layers)
        arities += (arities.empty() ? "" : ",") + std::to_string(layer.log_arity);
      const BasefoldSoundness one = basefold_soundness(p, n, 1);
      const unsigned stack = basefold_stack_vars(kMaxBasefoldPolys);
      const bool stacked = n >= stack;
      const BasefoldSoundness many = stacked ? basefold_soundness(p, n - stack, kMaxBasefoldPolys) : one;
      auto bits = [](double b) {
        return std::isinf(b) ? std::string("inf") : std::to_string(static_cast<int>(std::floor(b)));
      };
      char many_total[16] = "-";
      if (stacked) std::snprintf(many_total, sizeof many_total, "%.1f", many.total_bits);
      std::printf("| %u | %u | %s | %u | %s | %s | %s | %s | %.1f | %s |\n", n, l.num_rounds, arities.c_str(),
                  one.effective_queries, bits(one.sumcheck_bits).c_str(),
                  stacked ? bits(many.batching_bits).c_str() : "-", bits(one.folding_bits).c_str(),
                  bits(one.query_bits).c_str(), std::isinf(one.total_bits) ? 999.0 : one.total_bits,
                  many_total);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  return fti::bench::benchmark_main_with_mode(argc, argv, "--print_params_table", &print_params_table);
}

// Sumcheck prover (and verifier) for products of 2 and 3 multilinear base
// polynomials, 2^16..2^22 hypercube points, on 1 and 2 threads.
//
//   crypto_sumcheck_bench [--benchmark_format=json]
//
// items_per_second counts hypercube points.
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include <cstdint>
#include <vector>

#include "engine/crypto/multilinear.h"
#include "engine/crypto/sumcheck.h"

namespace {

using namespace fti::crypto;

std::vector<Fp> pseudo_random(std::size_t n, std::uint64_t seed) {
  std::vector<Fp> v(n);
  std::uint64_t x = 0x9E37'79B9'7F4A'7C15ULL ^ seed;
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = Fp::from_u64(x);
  }
  return v;
}

struct Instance {
  std::vector<std::vector<Fp>> tables;
  std::vector<MultilinearRef> refs;
  SumcheckStatement statement;
};

Instance make_instance(unsigned num_vars, unsigned degree) {
  Instance in;
  for (unsigned k = 0; k < degree; ++k) in.tables.push_back(pseudo_random(std::size_t{1} << num_vars, k));
  for (const auto& t : in.tables) in.refs.emplace_back(std::span<const Fp>(t));
  SumcheckTerm term;
  for (std::uint32_t k = 0; k < degree; ++k) term.factors.push_back(k);
  in.statement.num_vars = num_vars;
  in.statement.num_polys = degree;
  SumcheckClaim claim;
  claim.terms = {term};
  claim.sum = sumcheck_claim_sum(claim.terms, in.refs);
  in.statement.claims = {claim};
  return in;
}

// args: num_vars, degree, threads.
void BM_SumcheckProve(benchmark::State& state) {
  const auto v = static_cast<unsigned>(state.range(0));
  const auto degree = static_cast<unsigned>(state.range(1));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(2)));
  const Instance in = make_instance(v, degree);
  std::size_t proof_bytes = 0;
  for (auto _ : state) {
    Transcript t("fti.bench.sumcheck");
    const auto out = sumcheck_prove(in.statement, in.refs, t);
    proof_bytes = out.proof.serialize().size();
    benchmark::DoNotOptimize(out.point.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) << v);
  state.counters["proof_bytes"] = static_cast<double>(proof_bytes);
}

// Verifier alone (the final check accepts; evaluation is the caller's cost).
void BM_SumcheckVerify(benchmark::State& state) {
  const auto v = static_cast<unsigned>(state.range(0));
  const auto degree = static_cast<unsigned>(state.range(1));
  const Instance in = make_instance(v, degree);
  Transcript pt("fti.bench.sumcheck");
  const auto out = sumcheck_prove(in.statement, in.refs, pt);
  for (auto _ : state) {
    Transcript t("fti.bench.sumcheck");
    const Status s = sumcheck_verify(in.statement, out.proof, t, [](auto, auto) { return Status::kOk; });
    benchmark::DoNotOptimize(s);
  }
}

void ProveArgs(benchmark::internal::Benchmark* b) {
  for (const int threads : {1, 2}) {
    for (const int degree : {2, 3}) {
      for (const int v : {16, 18, 20, 22}) b->Args({v, degree, threads});
    }
  }
}

BENCHMARK(BM_SumcheckProve)
    ->Apply(ProveArgs)
    ->ArgNames({"vars", "degree", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_SumcheckVerify)->Args({22, 2})->Args({22, 3})->ArgNames({"vars", "degree"})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

// NTT and Reed-Solomon encoding throughput over Goldilocks, 2^16..2^24
// elements, on 1 and 2 threads (tbb::global_control caps the pool).
//
//   crypto_ntt_bench [--benchmark_format=json]
//
// items_per_second counts input coefficients (for RS: the codeword is
// 2^log_blowup times longer). Twiddle tables are built before timing.
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include <cstdint>
#include <vector>

#include "engine/crypto/goldilocks.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/reed_solomon.h"

namespace {

using fti::crypto::Fp;

std::vector<Fp> pseudo_random(std::size_t n) {
  std::vector<Fp> v(n);
  std::uint64_t x = 0x9E37'79B9'7F4A'7C15ULL;
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = Fp::from_u64(x);
  }
  return v;
}

void BM_NttForward(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(1)));
  fti::crypto::ntt_precompute(log_n);
  std::vector<Fp> v = pseudo_random(std::size_t{1} << log_n);
  for (auto _ : state) {
    fti::crypto::ntt_forward(v);
    benchmark::DoNotOptimize(v.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(v.size()));
}

void BM_NttInverse(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(1)));
  fti::crypto::ntt_precompute(log_n);
  std::vector<Fp> v = pseudo_random(std::size_t{1} << log_n);
  for (auto _ : state) {
    fti::crypto::ntt_inverse(v);
    benchmark::DoNotOptimize(v.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(v.size()));
}

void BM_RsEncode(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto log_blowup = static_cast<unsigned>(state.range(2));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(1)));
  fti::crypto::ntt_precompute(log_n);
  const std::vector<Fp> coeffs = pseudo_random(std::size_t{1} << log_n);
  std::vector<Fp> out(coeffs.size() << log_blowup);
  const Fp shift = Fp::from_u64(Fp::kMultiplicativeGenerator);
  for (auto _ : state) {
    fti::crypto::rs_encode_into(coeffs, log_blowup, shift, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(coeffs.size()));
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (const int threads : {1, 2}) {
    for (const int log_n : {16, 18, 20, 22, 24}) b->Args({log_n, threads});
  }
}

void RsSizes(benchmark::internal::Benchmark* b) {
  for (const int threads : {1, 2}) {
    for (const int log_n : {16, 18, 20, 22, 24}) b->Args({log_n, threads, 1});
    b->Args({20, threads, 2});
    b->Args({20, threads, 3});
  }
}

BENCHMARK(BM_NttForward)->Apply(Sizes)->ArgNames({"log_n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_NttInverse)->Apply(Sizes)->ArgNames({"log_n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RsEncode)
    ->Apply(RsSizes)
    ->ArgNames({"log_n", "threads", "log_blowup"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

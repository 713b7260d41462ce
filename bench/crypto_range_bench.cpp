// Range-argument prover and verifier times and proof sizes
// (docs/PROTOCOL.md, section 8.9): one vector of 2^n entries in [0, 2^b) or
// signed, limbs of 16 bits, the proven default Basefold parameters, 1 and 2
// threads. The value vector's own commitment is the caller's and is made
// outside the timed region.
//
//   crypto_range_bench [--benchmark_filter=...] [--benchmark_format=json]
//   crypto_range_bench --print_soundness     (section 8.8 table)
//
// BM_RangeCommit (decomposition, limb and multiplicity commitments),
// BM_RangeReduce (LogUp-GKR and evaluations), BM_RangeProve (the whole
// standalone prover), BM_RangeVerifyReduction (the reduction's checks, no
// opening) and BM_RangeVerify (everything, parsing included).
// items_per_second counts entries of the vector (so 1 / items_per_second is
// the prover time per element). Counters: proof_bytes (serialized
// standalone RangeProof), reduction_bytes, bits (range_soundness total).
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "bench/benchmark_main.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/range.h"
#include "engine/crypto/range_soundness.h"

namespace {

using namespace fti::crypto;

RangeStatement statement_for(unsigned log_n, unsigned bits, bool is_signed) {
  RangeStatement st;
  st.limb_bits = kDefaultRangeLimbBits;
  st.vectors = {{log_n, bits, is_signed}};
  return st;
}

// Pseudo-random entries spread over the whole range.
std::vector<Fp> values_for(unsigned log_n, unsigned bits, bool is_signed) {
  std::vector<Fp> v(std::size_t{1} << log_n);
  std::uint64_t x = 0x9E37'79B9'7F4A'7C15ULL;
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  const std::int64_t low = is_signed ? -(std::int64_t{1} << (bits - 1)) : 0;
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = Fp::from_i64(low + static_cast<std::int64_t>(x & mask));
  }
  return v;
}

// The caller's committed vector, reused across benchmarks of one shape.
struct Committed {
  unsigned log_n = 0, bits = 0;
  bool is_signed = false;
  std::vector<BasefoldProverData> groups;
};

const Committed& cached(unsigned log_n, unsigned bits, bool is_signed) {
  static Committed c;
  if (c.groups.empty() || c.log_n != log_n || c.bits != bits || c.is_signed != is_signed) {
    c.groups.clear();
    c.log_n = log_n;
    c.bits = bits;
    c.is_signed = is_signed;
    std::vector<std::vector<Fp>> t;
    t.push_back(values_for(log_n, bits, is_signed));
    c.groups = range_commit_values(basefold_default_params(), std::move(t));
  }
  return c;
}

// args: log_n, bits, signed, threads. Decomposition + limb and multiplicity commitments.
void BM_RangeCommit(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto bits = static_cast<unsigned>(state.range(1));
  const bool is_signed = state.range(2) != 0;
  const Committed& c = cached(log_n, bits, is_signed);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(3)));
  const RangeStatement st = statement_for(log_n, bits, is_signed);
  const std::vector<RangeValueSource> sources = range_sources(c.groups);
  ntt_precompute(log_n + 2);
  for (auto _ : state) {
    const RangeProverData data = range_commit(basefold_default_params(), st, sources);
    benchmark::DoNotOptimize(data.commitment());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) << log_n);
}

// args: log_n, bits, signed, threads. The whole standalone prover: commit,
// LogUp-GKR reduction, one Basefold opening of value, limb and multiplicity groups.
void BM_RangeProve(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto bits = static_cast<unsigned>(state.range(1));
  const bool is_signed = state.range(2) != 0;
  const Committed& c = cached(log_n, bits, is_signed);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(3)));
  const RangeStatement st = statement_for(log_n, bits, is_signed);
  const std::vector<RangeValueSource> sources = range_sources(c.groups);
  ntt_precompute(log_n + 2);
  std::size_t proof_bytes = 0;
  for (auto _ : state) {
    const RangeProverData data = range_commit(basefold_default_params(), st, sources);
    Transcript t("fti.bench.range");
    const RangeProof proof = range_prove(data, t);
    state.PauseTiming();
    proof_bytes = proof.serialize().size();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) << log_n);
  state.counters["proof_bytes"] = static_cast<double>(proof_bytes);
  state.counters["bits"] = range_soundness(basefold_default_params(), st).total_bits;
}

// args: log_n, bits, signed, threads. The reduction alone (LogUp-GKR and the
// evaluations), on committed data: what a caller adds to its own opening.
void BM_RangeReduce(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto bits = static_cast<unsigned>(state.range(1));
  const bool is_signed = state.range(2) != 0;
  const Committed& c = cached(log_n, bits, is_signed);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(3)));
  const RangeStatement st = statement_for(log_n, bits, is_signed);
  const std::vector<RangeValueSource> sources = range_sources(c.groups);
  const RangeProverData data = range_commit(basefold_default_params(), st, sources);
  std::size_t bytes = 0;
  for (auto _ : state) {
    Transcript t("fti.bench.range");
    const RangeReduction r = range_reduce(data, t);
    state.PauseTiming();
    bytes = r.proof.serialize().size();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) << log_n);
  state.counters["reduction_bytes"] = static_cast<double>(bytes);
}

// args: log_n, bits, signed. Parse + verify of the standalone proof, one thread.
void BM_RangeVerify(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto bits = static_cast<unsigned>(state.range(1));
  const bool is_signed = state.range(2) != 0;
  const Committed& c = cached(log_n, bits, is_signed);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
  const BasefoldParams params = basefold_default_params();
  const RangeStatement st = statement_for(log_n, bits, is_signed);
  const std::vector<RangeValueSource> sources = range_sources(c.groups);
  const RangeProverData data = range_commit(params, st, sources);
  Transcript pt("fti.bench.range");
  const std::vector<std::uint8_t> bytes = range_prove(data, pt).serialize();
  const std::vector<RangeValueBinding> bindings = data.bindings();
  for (auto _ : state) {
    RangeProof proof;
    Status s = RangeProof::parse(bytes, params, st, bindings, proof);
    Transcript t("fti.bench.range");
    if (s == Status::kOk) s = range_verify(params, st, bindings, proof, t);
    if (s != Status::kOk) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(s);
  }
  state.counters["proof_bytes"] = static_cast<double>(bytes.size());
}

// args: log_n, bits, signed. Parse + verify of the reduction alone (the
// LogUp-GKR and the checks of section 8.6, no opening), one thread.
void BM_RangeVerifyReduction(benchmark::State& state) {
  const auto log_n = static_cast<unsigned>(state.range(0));
  const auto bits = static_cast<unsigned>(state.range(1));
  const bool is_signed = state.range(2) != 0;
  const Committed& c = cached(log_n, bits, is_signed);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
  const BasefoldParams params = basefold_default_params();
  const RangeStatement st = statement_for(log_n, bits, is_signed);
  const std::vector<RangeValueSource> sources = range_sources(c.groups);
  const RangeProverData data = range_commit(params, st, sources);
  Transcript pt("fti.bench.range");
  const std::vector<std::uint8_t> bytes = range_reduce(data, pt).proof.serialize();
  const std::vector<RangeValueBinding> bindings = data.bindings();
  const RangeCommitment commitment = data.commitment();
  for (auto _ : state) {
    RangeReductionProof proof;
    Status s = RangeReductionProof::parse(bytes, st, proof);
    Transcript t("fti.bench.range");
    RangeClaims claims;
    if (s == Status::kOk) s = range_verify_reduction(params, st, bindings, commitment, proof, t, claims);
    if (s != Status::kOk) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(s);
  }
  state.counters["reduction_bytes"] = static_cast<double>(bytes.size());
}

void ProverArgs(benchmark::internal::Benchmark* b) {
  for (const int bits : {16, 32}) {
    for (const int threads : {1, 2}) b->Args({20, bits, 0, threads});
    b->Args({16, bits, 0, 2});
  }
  b->Args({20, 32, 1, 2});
  b->Args({20, 31, 1, 2});
  b->Args({22, 32, 0, 2});
}

void VerifyArgs(benchmark::internal::Benchmark* b) {
  for (const int bits : {16, 32}) {
    b->Args({16, bits, 0});
    b->Args({20, bits, 0});
  }
  b->Args({20, 31, 1});
}

BENCHMARK(BM_RangeCommit)
    ->Apply(ProverArgs)
    ->ArgNames({"log_n", "bits", "signed", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RangeReduce)
    ->Apply(ProverArgs)
    ->ArgNames({"log_n", "bits", "signed", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RangeProve)
    ->Apply(ProverArgs)
    ->ArgNames({"log_n", "bits", "signed", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RangeVerifyReduction)
    ->Apply(VerifyArgs)
    ->ArgNames({"log_n", "bits", "signed"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RangeVerify)->Apply(VerifyArgs)->ArgNames({"log_n", "bits", "signed"})->Unit(benchmark::kMillisecond);

// Section 8.8's table, from range_soundness.
void print_soundness() {
  const BasefoldParams params = basefold_default_params();
  std::printf("| statement | lookups | instances | GKR depth | LogUp | GKR | opening | total |\n");
  auto row = [&](const char* name, const RangeStatement& st) {
    const RangeSoundness s = range_soundness(params, st);
    std::printf("| %s | 2^%.2f | %zu | %u | %.1f | %.1f | %.2f | %.2f |\n", name,
                std::log2(static_cast<double>(s.num_lookups)), s.num_instances, s.num_vars, s.lookup_bits, s.gkr_bits,
                s.opening_bits, s.total_bits);
  };
  for (const unsigned n : {0u, 10u, 20u, 30u}) {
    for (const unsigned b : {16u, 32u}) {
      char name[64];
      std::snprintf(name, sizeof name, "n = %u, b = %u, L = 16", n, b);
      row(name, statement_for(n, b, false));
    }
  }
  RangeStatement big;
  big.vectors.assign(511, {30, 32, true});
  row("511 x (n = 30, b = 32), L = 16 (largest lookup count)", big);
  RangeStatement bits;
  bits.limb_bits = 1;
  bits.vectors.assign(kMaxRangeVectors, {20, 32, false});
  row("1024 x (n = 20, b = 32), L = 1 (most instances)", bits);
}

}  // namespace

int main(int argc, char** argv) {
  return fti::bench::benchmark_main_with_mode(argc, argv, "--print_soundness", &print_soundness);
}

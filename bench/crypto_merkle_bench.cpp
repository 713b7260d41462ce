// Merkle commitment throughput against plain SHA-256 over the same bytes,
// and the cost of one inner node through each OpenSSL entry point (the
// reason sha256.cpp uses the low-level API).
//
//   crypto_merkle_bench [--benchmark_format=json]
//
// BM_MerkleCommit and BM_PlainSha256 report bytes_per_second over the field
// data (8 bytes per element); their ratio is the Merkle overhead (leaf
// headers, padding blocks, inner nodes). BM_Node* report ns per 65-byte node.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/crypto/goldilocks.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/sha256.h"

namespace {

using fti::crypto::Digest;
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

// args: log2(elements), leaf width, threads.
void BM_MerkleCommit(benchmark::State& state) {
  const auto n = std::size_t{1} << state.range(0);
  const auto width = static_cast<std::size_t>(state.range(1));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(2)));
  const std::vector<Fp> data = pseudo_random(n);
  for (auto _ : state) {
    const auto tree = fti::crypto::MerkleTree::commit_rows(data, width, 0);
    benchmark::DoNotOptimize(tree.cap().nodes.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n * 8));
  state.counters["leaves"] = static_cast<double>(n / width);
}

// One SHA-256 over the same bytes (single-threaded: one stream cannot be split).
void BM_PlainSha256(benchmark::State& state) {
  const auto n = std::size_t{1} << state.range(0);
  const std::vector<Fp> data = pseudo_random(n);
  for (auto _ : state) {
    Digest d = fti::crypto::sha256({reinterpret_cast<const std::uint8_t*>(data.data()), n * 8});
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n * 8));
}

// 2^16 chained 65-byte messages hashed four ways, one thread.
constexpr std::int64_t kNodes = 1 << 16;

void BM_NodeFtiSha256(benchmark::State& state) {
  Digest l{}, r{};
  for (auto _ : state) {
    for (std::int64_t i = 0; i < kNodes; ++i) {
      l[0] = static_cast<std::uint8_t>(i);
      r = fti::crypto::merkle_hash_node(l, r);
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kNodes);
}

void BM_NodeEvpReusedCtx(benchmark::State& state) {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::uint8_t buf[65] = {1};
  Digest r{};
  for (auto _ : state) {
    for (std::int64_t i = 0; i < kNodes; ++i) {
      buf[1] = static_cast<std::uint8_t>(i);
      std::copy(r.begin(), r.end(), buf + 33);
      unsigned len = 0;
      EVP_DigestInit_ex2(ctx, md, nullptr);
      EVP_DigestUpdate(ctx, buf, sizeof buf);
      EVP_DigestFinal_ex(ctx, r.data(), &len);
    }
    benchmark::DoNotOptimize(r);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  state.SetItemsProcessed(state.iterations() * kNodes);
}

void BM_NodeEvpDigestPrefetched(benchmark::State& state) {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  std::uint8_t buf[65] = {1};
  Digest r{};
  for (auto _ : state) {
    for (std::int64_t i = 0; i < kNodes; ++i) {
      buf[1] = static_cast<std::uint8_t>(i);
      std::copy(r.begin(), r.end(), buf + 33);
      unsigned len = 0;
      EVP_Digest(buf, sizeof buf, r.data(), &len, md, nullptr);
    }
    benchmark::DoNotOptimize(r);
  }
  EVP_MD_free(md);
  state.SetItemsProcessed(state.iterations() * kNodes);
}

void BM_NodeOneShotSHA256(benchmark::State& state) {
  std::uint8_t buf[65] = {1};
  Digest r{};
  for (auto _ : state) {
    for (std::int64_t i = 0; i < kNodes; ++i) {
      buf[1] = static_cast<std::uint8_t>(i);
      std::copy(r.begin(), r.end(), buf + 33);
      SHA256(buf, sizeof buf, r.data());
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kNodes);
}

// Opening and verifying 128 random leaves of a 2^20-leaf tree (width 8).
void BM_MerkleOpenVerify(benchmark::State& state) {
  const std::size_t width = 8, leaves = std::size_t{1} << 20;
  const std::vector<Fp> data = pseudo_random(width * leaves);
  const auto tree = fti::crypto::MerkleTree::commit_rows(data, width, static_cast<unsigned>(state.range(0)));
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < 128; ++i) idx.push_back((i * 8191 + 77) % leaves);
  std::sort(idx.begin(), idx.end());
  std::vector<Fp> opened;
  for (const auto i : idx) {
    const auto leaf = std::span<const Fp>(data).subspan(i * width, width);
    opened.insert(opened.end(), leaf.begin(), leaf.end());
  }
  const auto proof = tree.open(idx);
  for (auto _ : state) {
    const auto status = fti::crypto::merkle_verify(tree.shape(), tree.cap(), idx, opened, proof);
    benchmark::DoNotOptimize(status);
  }
  state.counters["proof_bytes"] = static_cast<double>(proof.serialize().size());
}

void CommitArgs(benchmark::internal::Benchmark* b) {
  for (const int threads : {1, 2}) {
    for (const int log_n : {16, 20, 24}) {
      for (const int width : {1, 2, 8, 16, 64}) b->Args({log_n, width, threads});
    }
  }
}

BENCHMARK(BM_MerkleCommit)
    ->Apply(CommitArgs)
    ->ArgNames({"log_n", "width", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PlainSha256)->DenseRange(16, 24, 4)->ArgName("log_n")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NodeFtiSha256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NodeEvpReusedCtx)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NodeEvpDigestPrefetched)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NodeOneShotSHA256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MerkleOpenVerify)->Arg(0)->Arg(4)->ArgName("cap_log")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

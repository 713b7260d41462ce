// `fti diff`'s engine on a generated checkpoint pair of >= 1B BF16 parameters:
// exact drift statistics against plain read() of both checkpoints in the same
// run, peak memory, and the cost of a rank analysis for 4096x4096 and
// 4096x11008 matrices. Prints one JSON object.
//
//   drift_analysis_bench [--params 1.1e9] [--dir DIR] [--keep] [--skip-model]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "bench/bench_support.h"
#include "engine/analysis/drift_analysis.h"
#include "engine/analysis/rank_analysis.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::vector<fs::path> shards(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".safetensors") out.push_back(e.path());
  }
  return out;
}

double plain_read_seconds(const std::vector<fs::path>& files, std::uint64_t& bytes) {
  std::vector<std::uint8_t> buffer(8 << 20);
  std::uint64_t sum = 0;
  bytes = 0;
  const auto start = Clock::now();
  for (const fs::path& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY);
    for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0;) {
      for (ssize_t i = 0; i < n; i += 64) sum += buffer[static_cast<std::size_t>(i)];
      bytes += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
  }
  const double seconds = since(start);
  if (sum == 42) std::puts("");  // keep the loop
  return seconds;
}

nlohmann::json rank_cost(std::uint64_t rows, std::uint64_t cols, unsigned rank) {
  std::mt19937_64 rng(rows * 31 + cols);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> u(rows * rank), v(cols * rank);
  for (double& x : u) x = normal(rng) * 0.001;
  for (double& x : v) x = normal(rng);
  std::vector<std::uint8_t> base(rows * cols * 2), cand(rows * cols * 2);
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint64_t j = 0; j < cols; ++j) {
      double delta = 0;
      for (unsigned k = 0; k < rank; ++k) delta += u[i * rank + k] * v[j * rank + k];
      const std::uint16_t b = fti::double_to_bf16(normal(rng) * 0.02);
      const std::uint16_t c = fti::double_to_bf16(fti::bf16_to_double(b) + delta);
      std::memcpy(&base[2 * (i * cols + j)], &b, 2);
      std::memcpy(&cand[2 * (i * cols + j)], &c, 2);
    }
  }
  fti::analysis::RankOptions options;
  options.max_rank = rank;
  const auto start = Clock::now();
  const auto result = fti::analysis::analyze_rank(fti::DType::kBF16, base, cand, {rows, cols}, options);
  const double seconds = since(start);
  return {{"shape", {rows, cols}},
          {"max_rank", rank},
          {"method", result.method == fti::analysis::RankResult::Method::kRandomized ? "randomized" : "dense"},
          {"seconds", seconds},
          {"residual_norm", result.residual_norm()},
          {"residual_energy_error", result.residual_energy_error},
          {"numerical_rank", result.numerical_rank}};
}

}  // namespace

int main(int argc, char** argv) {
  double params = 1.1e9;
  fs::path dir = fs::temp_directory_path() / "fti-drift-bench";
  bool keep = false, skip_model = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--params" && i + 1 < argc) params = std::stod(argv[++i]);
    else if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (arg == "--keep") keep = true;
    else if (arg == "--skip-model") skip_model = true;
    else {
      std::fprintf(stderr, "usage: %s [--params N] [--dir DIR] [--keep] [--skip-model]\n", argv[0]);
      return 2;
    }
  }
  nlohmann::json out;
  if (!skip_model) {
    fs::remove_all(dir);
    const double gib = params * 2.0 / double(1ull << 30);
    auto start = Clock::now();
    fti::bench::generate_model(dir / "base", gib);
    // The candidate: the same weights, with the last mantissa bit of every
    // 16th attention weight flipped and one MLP tensor densely perturbed.
    std::uint64_t counter = 0;
    fti::bench::generate_model(dir / "candidate", gib, [&](const fti::TensorSpec& spec, std::vector<std::uint8_t>& bytes) {
      const bool attention = spec.name.find("self_attn") != std::string::npos;
      const bool dense = spec.name == "model.layers.1.mlp.down_proj.weight";
      if (!attention && !dense) return;
      for (std::size_t i = 0; i < bytes.size(); i += 2) {
        if (dense || (++counter % 16) == 0) bytes[i] ^= 1;
      }
    });
    out["generate_seconds"] = since(start);
    const fti::Checkpoint base = fti::Checkpoint::open_local(dir / "base");
    const fti::Checkpoint cand = fti::Checkpoint::open_local(dir / "candidate");
    std::uint64_t parameters = 0;
    for (const auto& t : base.tensors()) parameters += t.entry->element_count;
    out["parameters"] = parameters;
    out["tensors"] = base.tensors().size();
    std::vector<fs::path> files = shards(dir / "base");
    for (const fs::path& f : shards(dir / "candidate")) files.push_back(f);
    for (const bool cold : {false, true}) {
      nlohmann::json phase;
      if (cold) fti::bench::drop_page_cache(files);
      else {
        std::uint64_t ignored = 0;
        plain_read_seconds(files, ignored);  // warm the cache
      }
      std::uint64_t bytes = 0;
      const double read_seconds = plain_read_seconds(files, bytes);
      if (cold) fti::bench::drop_page_cache(files);
      fti::bench::reset_peak_rss();
      start = Clock::now();
      const fti::analysis::DriftAnalysis analysis = fti::analysis::analyze_drift(base, cand);
      const double analysis_seconds = since(start);
      std::uint64_t changed = 0;
      for (const auto& t : analysis.tensors) changed += t.stats ? t.stats->changed : 0;
      phase["plain_read_seconds"] = read_seconds;
      phase["plain_read_GB_per_s"] = static_cast<double>(bytes) / read_seconds / 1e9;
      phase["analysis_seconds"] = analysis_seconds;
      phase["analysis_GB_per_s"] = static_cast<double>(analysis.compared_bytes) / analysis_seconds / 1e9;
      phase["analysis_over_read_time"] = analysis_seconds / read_seconds;
      phase["peak_rss_MiB"] = static_cast<double>(fti::bench::peak_rss_kib()) / 1024.0;
      phase["changed_elements"] = changed;
      out[cold ? "cold" : "warm"] = phase;
    }
    if (!keep) fs::remove_all(dir);
  }
  out["rank_4096x4096_r16"] = rank_cost(4096, 4096, 16);
  out["rank_4096x11008_r16"] = rank_cost(4096, 11008, 16);
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

// `fti commit`'s engine on a generated Llama-shaped BF16 checkpoint
// (~100M parameters by default): commitment throughput (MB/s of checkpoint,
// elements/s) against plain SHA-256 of the same file bytes in the same run,
// per-group times and memory, and peak RSS. Prints one JSON object.
//
//   commitment_bench [--params 1e8] [--dir DIR] [--keep] [--threads N] [--budget-mib M]
#include <oneapi/tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "bench/bench_support.h"
#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/common/sha256.h"
#include "registry/checkpoint.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Shape {
  std::uint64_t hidden = 1024, intermediate = 2752, vocab = 8192;
  std::uint64_t layer_params() const { return 4 * hidden * hidden + 3 * hidden * intermediate + 2 * hidden; }
};

// Writes one safetensors file of Llama-shaped BF16 tensors (intermediate =
// 2.6875 x hidden as in Llama-7B, so the MLP matrices pad like the real ones).
fs::path generate(const fs::path& dir, double params, const Shape& s) {
  fs::create_directories(dir);
  const double fixed = static_cast<double>(2 * s.vocab * s.hidden + s.hidden);
  const auto layers = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>((params - fixed) / static_cast<double>(s.layer_params()) + 0.5));
  std::vector<fti::TensorSpec> specs;
  specs.push_back({"model.embed_tokens.weight", fti::DType::kBF16, {s.vocab, s.hidden}});
  specs.push_back({"lm_head.weight", fti::DType::kBF16, {s.vocab, s.hidden}});
  specs.push_back({"model.norm.weight", fti::DType::kBF16, {s.hidden}});
  for (std::uint64_t l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      specs.push_back({p + "self_attn." + proj + ".weight", fti::DType::kBF16, {s.hidden, s.hidden}});
    }
    specs.push_back({p + "mlp.gate_proj.weight", fti::DType::kBF16, {s.intermediate, s.hidden}});
    specs.push_back({p + "mlp.up_proj.weight", fti::DType::kBF16, {s.intermediate, s.hidden}});
    specs.push_back({p + "mlp.down_proj.weight", fti::DType::kBF16, {s.hidden, s.intermediate}});
    specs.push_back({p + "input_layernorm.weight", fti::DType::kBF16, {s.hidden}});
    specs.push_back({p + "post_attention_layernorm.weight", fti::DType::kBF16, {s.hidden}});
  }
  const fs::path file = dir / "model.safetensors";
  fti::SafetensorsWriter writer(file, specs);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::vector<std::uint8_t> buffer;
  for (const fti::TensorSpec& spec : writer.layout()) {
    buffer.resize(spec.byte_size());
    for (std::size_t i = 0; i + 1 < buffer.size(); i += 2) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      // Small weights: exponent 2^-10 .. 2^-4, random mantissa and sign.
      const auto exponent = static_cast<std::uint16_t>(117 + (state >> 40) % 7);
      const auto bits = static_cast<std::uint16_t>((state & 0x8000u) | (exponent << 7) | ((state >> 16) & 0x7Fu));
      std::memcpy(buffer.data() + i, &bits, 2);
    }
    writer.write_next(buffer);
  }
  writer.commit();
  return file;
}

}  // namespace

int main(int argc, char** argv) {
  double params = 1e8;
  fs::path dir = fs::temp_directory_path() / "fti-commitment-bench";
  bool keep = false;
  unsigned threads = 0;
  std::size_t budget_mib = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--params" && i + 1 < argc) params = std::stod(argv[++i]);
    else if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (arg == "--keep") keep = true;
    else if (arg == "--threads" && i + 1 < argc) threads = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (arg == "--budget-mib" && i + 1 < argc) budget_mib = std::stoull(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--params N] [--dir DIR] [--keep] [--threads N] [--budget-mib M]\n", argv[0]);
      return 2;
    }
  }
  std::unique_ptr<tbb::global_control> limit;
  if (threads != 0) limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);

  nlohmann::json out;
  fs::remove_all(dir);
  auto start = Clock::now();
  const fs::path file = generate(dir, params, Shape{});
  out["generate_seconds"] = since(start);
  const fti::Checkpoint checkpoint = fti::Checkpoint::open_local(dir);
  std::uint64_t parameters = 0;
  for (const auto& t : checkpoint.tensors()) parameters += t.entry->element_count;
  const auto file_bytes = static_cast<double>(fs::file_size(file));
  out["parameters"] = parameters;
  out["tensors"] = checkpoint.tensors().size();
  out["file_bytes"] = file_bytes;
  out["threads"] = threads == 0 ? std::string("all") : std::to_string(threads);

  // Baseline: SHA-256 of the same bytes (page cache warm, as for the commit).
  (void)fti::sha256_file(file);
  start = Clock::now();
  const fti::Sha256Digest digest = fti::sha256_file(file);
  const double sha_seconds = since(start);
  out["sha256_seconds"] = sha_seconds;
  out["sha256_MB_per_s"] = file_bytes / sha_seconds / 1e6;
  out["sha256"] = fti::to_hex(digest);

  fti::commitment::CommitOptions options;
  if (budget_mib != 0) options.group.memory_budget = budget_mib << 20;
  fti::commitment::CommitFigures figures;
  fti::bench::reset_peak_rss();
  const std::uint64_t rss_before = fti::bench::peak_rss_kib();
  start = Clock::now();
  const fti::commitment::ModelCommitment c = fti::commitment::commit_model(checkpoint, options, &figures);
  const double commit_seconds = since(start);
  out["commit_seconds"] = commit_seconds;
  out["commit_MB_per_s"] = file_bytes / commit_seconds / 1e6;
  out["commit_elements_per_s"] = static_cast<double>(figures.elements) / commit_seconds;
  out["commit_padded_elements_per_s"] = static_cast<double>(figures.padded_elements) / commit_seconds;
  out["commit_over_sha256_time"] = commit_seconds / sha_seconds;
  out["file_digests_seconds"] = figures.files_seconds;
  out["padded_elements"] = figures.padded_elements;
  out["padding_overhead"] = static_cast<double>(figures.padded_elements) / static_cast<double>(figures.elements);
  out["peak_rss_MiB"] = static_cast<double>(fti::bench::peak_rss_kib()) / 1024.0;
  out["rss_before_MiB"] = static_cast<double>(rss_before) / 1024.0;
  out["memory_budget_MiB"] = static_cast<double>(options.group.memory_budget) / double(1 << 20);
  out["root"] = fti::to_hex(c.root);
  out["groups"] = nlohmann::json::array();
  for (const auto& g : figures.groups) {
    out["groups"].push_back({{"num_vars", g.num_vars},
                             {"num_polys", g.num_polys},
                             {"elements", g.elements},
                             {"seconds", g.seconds},
                             {"padded_elements_per_s",
                              static_cast<double>(g.num_polys) * std::ldexp(1.0, static_cast<int>(g.num_vars)) /
                                  std::max(g.seconds, 1e-9)},
                             {"slabs", std::uint64_t{1} << g.stats.slabs_log},
                             {"state_MiB", static_cast<double>(g.stats.state_bytes) / double(1 << 20)},
                             {"buffer_MiB", static_cast<double>(g.stats.buffer_bytes) / double(1 << 20)},
                             {"coefficient_cache_MiB",
                              static_cast<double>(g.stats.coefficient_cache_bytes) / double(1 << 20)}});
  }
  // The same group through basefold_commit (every table and codeword in
  // memory): the streamed commitment must be identical, and its time is the
  // reference for the streaming's overhead. The largest group that fits in
  // ~1.5 GiB that way.
  std::size_t compare = c.groups.size();
  double best = 0;
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    const double padded = static_cast<double>(c.groups[g].num_polys) * std::ldexp(1.0, static_cast<int>(c.groups[g].num_vars));
    const double bytes = padded * 8.0 * (1.0 + std::ldexp(1.0, static_cast<int>(c.params.log_blowup)));
    if (bytes <= 1.5 * double(1ull << 30) && padded > best) {
      best = padded;
      compare = g;
    }
  }
  if (compare < c.groups.size()) {
    start = Clock::now();
    auto tables = fti::commitment::group_tables(checkpoint, c, compare);
    const double tables_seconds = since(start);
    start = Clock::now();
    const fti::crypto::BasefoldProverData data = fti::crypto::basefold_commit(c.params, std::move(tables));
    const double basefold_seconds = since(start);
    out["in_memory_reference"] = {{"group", compare},
                                  {"num_vars", c.groups[compare].num_vars},
                                  {"num_polys", c.groups[compare].num_polys},
                                  {"encode_tables_seconds", tables_seconds},
                                  {"basefold_commit_seconds", basefold_seconds},
                                  {"streamed_seconds", figures.groups[compare].seconds},
                                  {"identical", data.commitment() == c.groups[compare]}};
  }
  if (!keep) fs::remove_all(dir);
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

// Drift certificates as the model grows (issue 5): the same tensor shapes,
// more layers. For each layer count: generate a BF16 base and a candidate
// whose q/v projections moved by one mantissa lsb (every entry changed,
// ~2^-8 relative), then in one run the gate's exact analysis of the pair,
// prove_certificate (commit both + prove), the certificate size and
// verify_certificate (best of 5), with peak RSS per phase. Policy: q/v under
// a relative Frobenius bound (and, with --max-abs, a max_abs bound: one
// entry proof per tensor; with --rank R, a rank-R bound with a 1% relative
// residual on q/v as well: one batched rank proof), everything else frozen.
// With --stored-base the base is committed first (timed on its own, as a
// registry stores it once) and prove_certificate takes that commitment.
// --codeword-budget MIB bounds the codewords the opened groups hold (the
// rest are opened from their tables, ProveOptions::kept_codeword_budget; 0:
// none held); the certificate's SHA-256 is printed to compare runs.
// Prints one JSON object per size.
//
//   certify_scale_bench [--layers 1,4,14] [--hidden 768] [--intermediate 2048]
//                       [--vocab 2048] [--dir DIR] [--max-abs] [--rank R] [--threads N] [--keep]
//                       [--stored-base] [--codeword-budget MIB] [--reuse]
// --reuse keeps the generated models of an earlier --keep run.
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>

#include "bench/bench_support.h"
#include "engine/analysis/drift_analysis.h"
#include "engine/certify/certify.h"
#include "engine/commitment/model_commitment.h"
#include "engine/common/sha256.h"
#include "policy/policy_parser.h"
#include "registry/checkpoint.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// q/v's rule with the options' extra classes.
std::string bench_policy(bool max_abs, unsigned rank) {
  std::string norm = max_abs ? "{frobenius: {relative: 0.05}, max_abs: 0.01}" : "{frobenius: {relative: 0.05}}";
  std::string text = "version: 1\nrules:\n  - name: qv\n    match: \"model.layers.*.self_attn.{q,v}_proj.weight\"\n"
                     "    norm: " + norm + "\n";
  if (rank > 0) text += "    rank: {max: " + std::to_string(rank) + ", residual: {relative: 1%}}\n";
  return text + "  - name: frozen\n    match: \"**\"\n    frozen: true\n";
}

std::vector<std::uint64_t> parse_list(const std::string& text) {
  std::vector<std::uint64_t> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::stoull(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint64_t> layer_counts = {1, 4, 14};
  fti::bench::ModelShape shape;
  shape.hidden = 768;
  shape.intermediate = 2048;
  shape.vocab = 2048;
  fs::path dir = fs::temp_directory_path() / "fti-certify-scale";
  bool keep = false, max_abs = false, stored_base = false, reuse = false;
  int threads = 0;
  unsigned rank = 0;
  std::optional<std::size_t> codeword_budget;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--layers") layer_counts = parse_list(next());
    else if (a == "--hidden") shape.hidden = std::stoull(next());
    else if (a == "--intermediate") shape.intermediate = std::stoull(next());
    else if (a == "--vocab") shape.vocab = std::stoull(next());
    else if (a == "--dir") dir = next();
    else if (a == "--max-abs") max_abs = true;
    else if (a == "--rank") rank = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--keep") keep = true;
    else if (a == "--reuse") reuse = true;
    else if (a == "--stored-base") stored_base = true;
    else if (a == "--codeword-budget") codeword_budget = std::stoull(next()) << 20;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(threads));
  }
  const std::string policy_text = bench_policy(max_abs, rank);
  const fti::policy::Policy policy = fti::policy::parse_policy(policy_text, "bench-policy.yaml");
  for (const std::uint64_t layers : layer_counts) {
    shape.layers = layers;
    const fs::path run = dir / ("layers-" + std::to_string(layers));
    auto start = Clock::now();
    if (!reuse || !fs::exists(run / "candidate")) {
      fs::remove_all(run);
      fti::bench::generate_model(run / "base", shape);
      fti::bench::generate_model(run / "candidate", shape, [](const fti::TensorSpec& spec, std::vector<std::uint8_t>& b) {
        if (spec.name.find("q_proj") == std::string::npos && spec.name.find("v_proj") == std::string::npos) return;
        for (std::size_t i = 0; i < b.size(); i += 2) b[i] ^= 1;  // the lowest mantissa bit
      });
    }
    nlohmann::json out;
    out["layers"] = layers;
    out["parameters"] = shape.parameters();
    out["hidden"] = shape.hidden;
    out["intermediate"] = shape.intermediate;
    out["vocab"] = shape.vocab;
    out["policy"] = std::string("qv frobenius.relative") + (max_abs ? " + max_abs" : "") +
                    (rank > 0 ? " + rank " + std::to_string(rank) + " residual 1%" : "") + ", rest frozen";
    out["generate_seconds"] = since(start);
    {
      const fti::Checkpoint base = fti::Checkpoint::open_local(run / "base");
      const fti::Checkpoint cand = fti::Checkpoint::open_local(run / "candidate");
      fti::bench::reset_peak_rss();
      start = Clock::now();
      const fti::analysis::DriftAnalysis analysis = fti::analysis::analyze_drift(base, cand);
      out["analysis_seconds"] = since(start);
      out["analysis_peak_rss_mib"] = fti::bench::peak_rss_kib() / 1024;
      std::optional<fti::commitment::ModelCommitment> stored;
      if (stored_base) {
        fti::bench::reset_peak_rss();
        start = Clock::now();
        stored = fti::commitment::commit_model(base);
        out["stored_base_commit_seconds"] = since(start);
        out["stored_base_commit_peak_rss_mib"] = fti::bench::peak_rss_kib() / 1024;
      }
      fti::bench::reset_peak_rss();
      start = Clock::now();
      // Seconds and peak RSS so far at the end of each prover phase.
      nlohmann::json phases = nlohmann::json::object();
      std::string phase_name;
      auto phase_start = start;
      const auto end_phase = [&]() {
        if (phase_name.empty()) return;
        phases[phase_name] = {{"seconds", since(phase_start)},
                              {"peak_rss_mib", fti::bench::peak_rss_kib() / 1024}};
      };
      fti::certify::ProveOptions options;
      if (codeword_budget) options.kept_codeword_budget = *codeword_budget;
      out["kept_codeword_budget_mib"] = options.kept_codeword_budget >> 20;
      options.progress = [&](const fti::certify::ProveProgress& p) {
        end_phase();
        phase_name = std::string(p.phase);
        phase_start = Clock::now();
      };
      const fti::certify::ProveResult proved = fti::certify::prove_certificate(policy, base, cand, stored ? &*stored : nullptr, options);
      end_phase();
      out["prove_phases"] = phases;
      out["prove_total_seconds"] = since(start);
      out["prove_peak_rss_mib"] = fti::bench::peak_rss_kib() / 1024;
      out["commit_seconds"] = proved.commit_seconds;
      out["prove_seconds"] = proved.prove_seconds;
      if (proved.outcome != fti::certify::ProveOutcome::kCertified) {
        out["error"] = proved.message;
        std::puts(out.dump().c_str());
        return 1;
      }
      out["certificate_bytes"] = proved.certificate.size();
      out["certificate_sha256"] = fti::to_hex(fti::sha256(std::span<const std::uint8_t>(proved.certificate)));
      double best = 1e9;
      fti::bench::reset_peak_rss();
      for (int k = 0; k < 5; ++k) {
        start = Clock::now();
        const fti::certify::VerifyReport r = fti::certify::verify_certificate(proved.certificate, policy);
        best = std::min(best, since(start));
        if (!r.valid()) {
          out["error"] = fti::certify::failure_line(r.failure);
          std::puts(out.dump().c_str());
          return 1;
        }
      }
      out["verify_seconds"] = best;
      // An upper bound: the window starts at the process's current RSS.
      out["verify_peak_rss_mib"] = fti::bench::peak_rss_kib() / 1024;
    }
    std::puts(out.dump().c_str());
    std::fflush(stdout);
    if (!keep) fs::remove_all(run);
  }
  return 0;
}

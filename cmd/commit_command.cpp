// fti commit MODEL: the model's commitment (docs/PROTOCOL.md section 9):
// fixed-point encoding of every tensor, one Basefold commitment per group of
// tensors of one padded size, the SHA-256 of every file, and one 32-byte root.
// --out writes the commitment file a later `prove` reuses; --verify FILE
// recomputes the commitment from the files and compares (exit 0 identical,
// 4 different, naming the first differing tensor).
#include <fmt/core.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "cmd/cli_support.h"
#include "cmd/console.h"
#include "cmd/model_loading.h"
#include "engine/commitment/commitment_file.h"
#include "engine/commitment/fixed_point.h"
#include "engine/commitment/model_commitment.h"
#include "engine/common/error.h"
#include "engine/common/text.h"

namespace fti::cli {
namespace {

using commitment::ModelCommitment;

struct CommitCommandOptions {
  std::string source;
  std::string out;
  std::string verify;
  std::string scales_from;
  bool json = false;
  unsigned threads = 0;
};

std::string cap_hex(const crypto::BasefoldCommitment& g) {
  std::string out;
  for (std::size_t i = 0; i < g.cap.nodes.size(); ++i) {
    if (i != 0) out += ",";
    out += to_hex(g.cap.nodes[i]);
  }
  return out;
}

nlohmann::json to_json(const ModelCommitment& c, const commitment::CommitFigures& figures) {
  nlohmann::json j;
  j["protocol"] = std::string(commitment::kCommitmentProtocolId);
  j["root"] = to_hex(c.root);
  j["tensors_root"] = to_hex(c.tensors_root);
  j["files_digest"] = to_hex(c.files_digest);
  j["encoding"] = {{"value_bits", commitment::kValueBits},
                   {"headroom_bits", commitment::kHeadroomBits},
                   {"rounding", "half-even"},
                   {"layout", "matrix2d"}};
  const auto w = c.params.words();
  j["basefold_params"] = {{"security", w[0]},       {"log_blowup", w[1]},    {"commit_leaf_log_size", w[2]},
                          {"fold_log_arity", w[3]}, {"final_log_size", w[4]}, {"num_queries", w[5]},
                          {"grinding_bits", w[6]},  {"cap_log", w[7]}};
  j["files"] = nlohmann::json::array();
  for (const commitment::FileRecord& f : c.files) {
    j["files"].push_back({{"name", f.name},
                          {"role", f.role == commitment::FileRole::kIndex ? "index" : "shard"},
                          {"bytes", f.size},
                          {"sha256", to_hex(f.sha256)}});
  }
  j["groups"] = nlohmann::json::array();
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    nlohmann::json group = {{"index", g},
                            {"num_vars", c.groups[g].num_vars},
                            {"num_polys", c.groups[g].num_polys},
                            {"commitment", cap_hex(c.groups[g])}};
    if (g < figures.groups.size()) {
      group["elements"] = figures.groups[g].elements;
      group["seconds"] = figures.groups[g].seconds;
      group["slabs"] = std::uint64_t{1} << figures.groups[g].stats.slabs_log;
      group["state_bytes"] = figures.groups[g].stats.state_bytes;
    }
    j["groups"].push_back(group);
  }
  j["tensors"] = nlohmann::json::array();
  for (const commitment::TensorRecord& t : c.tensors) {
    j["tensors"].push_back({{"name", t.name},
                            {"dtype", dtype_name(t.dtype)},
                            {"shape", t.shape},
                            {"log_rows", t.log_rows},
                            {"log_cols", t.log_cols},
                            {"scale", t.scale},
                            {"scale_source", t.scale_source == commitment::ScaleSource::kGiven ? "given" : "rule"},
                            {"max_abs", t.max_abs},
                            {"inexact", t.inexact},
                            {"group", t.group},
                            {"index", t.index},
                            {"data_sha256", to_hex(t.data_sha256)}});
  }
  return j;
}

void print_text(const std::string& source, const ModelCommitment& c, const commitment::CommitFigures& figures,
                double seconds) {
  std::uint64_t inexact = 0, given = 0;
  for (const commitment::TensorRecord& t : c.tensors) {
    inexact += t.inexact;
    given += t.scale_source == commitment::ScaleSource::kGiven ? 1 : 0;
  }
  fmt::print("model:        {}\n", source);
  fmt::print("root:         {}\n", to_hex(c.root));
  fmt::print("tensors root: {}\n", to_hex(c.tensors_root));
  fmt::print("files digest: {}\n", to_hex(c.files_digest));
  fmt::print("files:        {}\n", c.files.size());
  for (const commitment::FileRecord& f : c.files) {
    fmt::print("  {}  {:>10}  sha256:{}\n", escape_untrusted(f.name, 120), format_bytes(static_cast<double>(f.size)),
               to_hex(f.sha256));
  }
  fmt::print("tensors:      {}  elements: {}  padded: {}  values rounded: {}  scales: {}\n", c.tensors.size(),
             figures.elements, figures.padded_elements, inexact,
             given == 0 ? std::string("rule") : fmt::format("{} given, {} rule", given, c.tensors.size() - given));
  fmt::print("encoding:     {}-bit signed fixed point, scale 2^s per tensor (s = {} - floor(log2 max|x|)), "
             "round half to even\n",
             commitment::kValueBits, commitment::kRuleExponent);
  fmt::print("groups:       {} (Basefold, rate 1/{}, {} queries)\n", c.groups.size(), 1u << c.params.log_blowup,
             c.params.num_queries);
  fmt::print("  {:>5} {:>4} {:>8} {:>14} {:>9}  {}\n", "GROUP", "n", "TENSORS", "ELEMENTS", "SECONDS", "COMMITMENT");
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    const std::uint64_t elements = g < figures.groups.size() ? figures.groups[g].elements : 0;
    const double group_seconds = g < figures.groups.size() ? figures.groups[g].seconds : 0.0;
    fmt::print("  {:>5} {:>4} {:>8} {:>14} {:>9.2f}  {}\n", g, c.groups[g].num_vars, c.groups[g].num_polys, elements,
               group_seconds, cap_hex(c.groups[g]));
  }
  const double mb = static_cast<double>(figures.tensor_bytes) / 1e6;
  fmt::print("time:         {:.2f} s ({:.1f} MB/s, {:.2f} M elements/s; file digests {:.2f} s)\n", seconds,
             mb / seconds, static_cast<double>(figures.elements) / seconds / 1e6, figures.files_seconds);
}

int run_commit(const GlobalOptions& global, const CommitCommandOptions& options) {
  const auto thread_limit = limit_threads(options.threads);
  std::optional<ModelCommitment> expected;
  commitment::CommitOptions commit_options;
  if (!options.verify.empty()) {
    expected = commitment::read_commitment_file(options.verify);
    commit_options = commitment::options_to_reproduce(*expected);
  } else if (!options.scales_from.empty()) {
    commit_options.given_scales = commitment::scales_of(commitment::read_commitment_file(options.scales_from));
  }
  Cache cache = open_cache(global);
  const LoadedModel model = load_model(global, cache, options.source);
  for (const std::string& warning : model.checkpoint.warnings()) log_warning(warning);

  PhaseProgress progress("committing");
  commit_options.progress = [&progress](const commitment::CommitProgress& p) {
    progress.show(fmt::format("group {}/{}, tensors {}/{}", std::min(p.group + 1, p.group_count), p.group_count,
                              p.tensors_done, p.tensor_count));
  };
  commitment::CommitFigures figures;
  const auto start = std::chrono::steady_clock::now();
  ModelCommitment c;
  try {
    c = commitment::commit_model(model.checkpoint, commit_options, &figures);
    progress.finish();
  } catch (const Error& e) {
    progress.finish();
    // A value the file's scales cannot encode (or a NaN, or a tensor too
    // large): this model cannot be the one the file commits to.
    if (!expected || e.code() != ErrorCode::kInput) throw;
    log_failure(fmt::format("commitment {} does not match {}: {}", options.verify, options.source, e.what()));
    return kExitCertificateInvalid;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::optional<commitment::CommitmentDifference> difference;
  if (expected) difference = commitment::first_difference(*expected, c);
  if (!options.out.empty()) commitment::write_commitment_file(options.out, c);

  if (options.json) {
    nlohmann::json j = to_json(c, figures);
    j["source"] = options.source;
    if (!model.resolved.pinned.empty()) j["resolved"] = model.resolved.pinned;
    j["seconds"] = seconds;
    j["figures"] = {{"elements", figures.elements},
                    {"padded_elements", figures.padded_elements},
                    {"tensor_bytes", figures.tensor_bytes},
                    {"files_seconds", figures.files_seconds},
                    {"groups_seconds", figures.groups_seconds}};
    if (!options.out.empty()) j["out"] = options.out;
    if (expected) {
      j["verify"] = {{"file", options.verify}, {"matches", !difference.has_value()}};
      if (difference) {
        j["verify"]["tensor"] = difference->tensor;
        j["verify"]["difference"] = difference->message;
      }
    }
    fmt::print("{}\n", j.dump(2));
  } else {
    print_text(options.source, c, figures, seconds);
    if (!options.out.empty()) fmt::print("wrote:        {}\n", options.out);
  }
  if (expected) {
    if (difference) {
      log_failure(fmt::format("commitment {} does not match {}: {}", options.verify, options.source,
                              difference->message));
      return kExitCertificateInvalid;
    }
    if (!options.json) fmt::print("verified:     {} matches (root {})\n", options.verify, to_hex(expected->root));
  }
  return 0;
}

}  // namespace

void register_commit(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<CommitCommandOptions>();
  CLI::App* cmd = app.add_subcommand("commit", "Compute (or verify) a model's commitment");
  cmd->footer(
      "The commitment: every tensor in 24-bit fixed point (a power-of-two scale per tensor), one Basefold\n"
      "commitment per group of tensors of one padded size, the SHA-256 of every file, and a 32-byte root\n"
      "(docs/PROTOCOL.md section 9). Anyone holding the files recomputes it bit for bit.\n"
      "\n"
      "Examples:\n"
      "  fti commit ./base --out base.fticommit\n"
      "  fti commit --verify base.fticommit ./base      (exit 0 identical, 4 different)\n"
      "  fti commit ./candidate --scales-from base.fticommit --out candidate.fticommit\n"
      "  fti commit hf://org/name@<commit> --json\n");
  cmd->add_option("model", options->source, "File, directory, archive, http(s):// or hf:// URL")->required();
  CLI::Option* out = cmd->add_option("--out", options->out, "Write the commitment file (fti.commitment/v1)");
  CLI::Option* verify =
      cmd->add_option("--verify", options->verify, "Recompute and compare with this commitment file (exit 4 if different)");
  CLI::Option* scales = cmd->add_option("--scales-from", options->scales_from,
                                        "Encode each tensor at the scale a (base) commitment file records for it");
  verify->excludes(scales);
  verify->excludes(out);
  cmd->add_flag("--json", options->json, "Machine-readable output");
  cmd->add_option("--threads", options->threads, "Worker threads (default: all cores)");
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_commit(global, *options); };
  });
}

}  // namespace fti::cli

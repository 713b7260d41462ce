// fti inspect SOURCE: what a checkpoint holds (tensors, dtypes, shapes, bytes)
// and the SHA-256 of each file, from any source fti can read.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "cmd/cli_support.h"
#include "cmd/console.h"
#include "engine/common/text.h"
#include "registry/checkpoint.h"

namespace fti::cli {
namespace {

struct InspectOptions {
  std::string source;
  bool json = false;
  bool files_only = false;
};

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

int run_inspect(const GlobalOptions& global, const InspectOptions& options) {
  Cache cache = open_cache(global);
  const SourceSpec spec = parse_source(options.source);
  const ResolvedSource resolved = resolve_source(spec, cache, resolve_options(global));
  const Checkpoint checkpoint = Checkpoint::open(resolved.files, safetensors_limits(global));

  std::uint64_t parameters = 0;
  for (const CheckpointTensor& t : checkpoint.tensors()) parameters += t.entry->element_count;

  if (options.json) {
    nlohmann::json out;
    out["source"] = options.source;
    if (!resolved.pinned.empty()) out["resolved"] = resolved.pinned;
    if (const auto& index = checkpoint.index_source()) out["index"] = index->name;
    out["files"] = nlohmann::json::array();
    for (std::size_t i = 0; i < checkpoint.file_count(); ++i) {
      const SafetensorsFile& file = checkpoint.file(i);
      out["files"].push_back({{"name", checkpoint.file_source(i).name},
                              {"origin", checkpoint.file_source(i).origin},
                              {"bytes", file.file_size()},
                              {"tensors", file.tensors().size()},
                              {"sha256", to_hex(checkpoint.file_sha256(i))}});
    }
    out["tensor_count"] = checkpoint.tensors().size();
    out["parameters"] = parameters;
    out["tensor_bytes"] = checkpoint.total_tensor_bytes();
    if (!options.files_only) {
      out["tensors"] = nlohmann::json::array();
      for (const CheckpointTensor& t : checkpoint.tensors()) {
        out["tensors"].push_back({{"name", t.name()},
                                  {"dtype", dtype_name(t.entry->dtype)},
                                  {"shape", t.entry->shape},
                                  {"bytes", t.entry->byte_size()},
                                  {"file", checkpoint.file_source(t.file_index).name}});
      }
    }
    out["warnings"] = checkpoint.warnings();
    fmt::print("{}\n", out.dump(2));
    return 0;
  }

  fmt::print("source:  {}\n", options.source);
  if (!resolved.pinned.empty() && resolved.pinned != options.source) {
    fmt::print("resolved: {}\n", resolved.pinned);
  }
  if (const auto& index = checkpoint.index_source()) fmt::print("index:   {}\n", index->name);
  fmt::print("files:   {}\n", checkpoint.file_count());
  for (std::size_t i = 0; i < checkpoint.file_count(); ++i) {
    fmt::print("  {}  {:>10}  sha256:{}\n", checkpoint.file_source(i).name,
               format_bytes(static_cast<double>(checkpoint.file(i).file_size())), to_hex(checkpoint.file_sha256(i)));
  }
  fmt::print("tensors: {}  parameters: {}  tensor bytes: {}\n", checkpoint.tensors().size(),
             parameters, format_bytes(static_cast<double>(checkpoint.total_tensor_bytes())));
  if (!options.files_only) {
    std::size_t width = 4;
    for (const CheckpointTensor& t : checkpoint.tensors()) width = std::max(width, t.name().size());
    width = std::min<std::size_t>(width, 80);
    fmt::print("\n{:<{}}  {:<8} {:<20} {:>12}\n", "NAME", width, "DTYPE", "SHAPE", "BYTES");
    for (const CheckpointTensor& t : checkpoint.tensors()) {
      fmt::print("{:<{}}  {:<8} {:<20} {:>12}\n", escape_untrusted(t.name(), 160), width,
                 dtype_name(t.entry->dtype), shape_text(t.entry->shape), t.entry->byte_size());
    }
  }
  for (const std::string& warning : checkpoint.warnings()) {
    log_warning(warning);
  }
  return 0;
}

}  // namespace

void register_inspect(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "List a checkpoint's tensors and file digests");
  cmd->footer(
      "Examples:\n"
      "  fti inspect ./model.safetensors\n"
      "  fti inspect ./sharded-model/            (index + shards)\n"
      "  fti inspect model.tar.zst               (.tar .tar.gz .tar.zst .zip)\n"
      "  fti inspect https://host/m/model.safetensors.index.json\n"
      "  fti inspect hf://org/name@<commit> --json\n");
  cmd->add_option("source", options->source, "File, directory, archive, http(s):// or hf:// URL")
      ->required();
  cmd->add_flag("--json", options->json, "Machine-readable output");
  cmd->add_flag("--files", options->files_only, "Only the files and their digests");
  cmd->callback([&global, &action, options] {
    action = [&global, options] { return run_inspect(global, *options); };
  });
}

}  // namespace fti::cli

#include "cmd/model_loading.h"

#include <fmt/core.h>

#include <chrono>

#include "cmd/console.h"
#include "engine/common/error.h"
#include "engine/common/text.h"

namespace fti::cli {

LoadedModel load_model(const GlobalOptions& global, Cache& cache, const std::string& source) {
  const auto start = std::chrono::steady_clock::now();
  ResolvedSource resolved = resolve_source(parse_source(source), cache, resolve_options(global));
  Checkpoint checkpoint = Checkpoint::open(resolved.files, safetensors_limits(global));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_debug(fmt::format("{}: {} tensors ({}) in {} files{}, opened in {:.2f} s", escape_untrusted(source, 400),
                        checkpoint.tensors().size(), format_bytes(static_cast<double>(checkpoint.total_tensor_bytes())),
                        checkpoint.file_count(),
                        resolved.pinned.empty() ? "" : " from " + escape_untrusted(resolved.pinned, 400), seconds),
            {{"source", source},
             {"resolved", resolved.pinned},
             {"tensors", checkpoint.tensors().size()},
             {"files", checkpoint.file_count()},
             {"seconds", seconds}});
  return {source, std::move(resolved), std::move(checkpoint)};
}

reports::ArtifactInfo artifact_info(const LoadedModel& model) {
  reports::ArtifactInfo info;
  info.source = model.source;
  info.resolved = model.resolved.pinned;
  const Checkpoint& checkpoint = model.checkpoint;
  for (std::size_t i = 0; i < checkpoint.file_count(); ++i) {
    info.files.push_back({checkpoint.file_source(i).name, checkpoint.file_source(i).origin,
                          to_hex(checkpoint.file_sha256(i)), checkpoint.file(i).file_size()});
  }
  return info;
}

std::unique_ptr<tbb::global_control> limit_threads(unsigned threads) {
  if (threads == 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
}

}  // namespace fti::cli

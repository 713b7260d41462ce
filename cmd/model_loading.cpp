#include "cmd/model_loading.h"

namespace fti::cli {

LoadedModel load_model(const GlobalOptions& global, Cache& cache, const std::string& source) {
  ResolvedSource resolved = resolve_source(parse_source(source), cache, resolve_options(global));
  Checkpoint checkpoint = Checkpoint::open(resolved.files, safetensors_limits(global));
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

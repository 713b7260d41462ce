#include "cmd/cli_support.h"

#include <fmt/core.h>

namespace fti::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--cache-dir", options.cache_dir,
                 "Cache directory (default: $FTI_CACHE_DIR, $XDG_CACHE_HOME/fti or ~/.cache/fti)");
  app.add_flag("--offline", options.offline, "Use only cached downloads; never touch the network");
  app.add_flag("-q,--quiet", options.quiet, "No progress output");
  app.add_option("--max-header-bytes", options.max_header_bytes,
                 "Largest safetensors header accepted (default 100000000)");
}

Cache open_cache(const GlobalOptions& options) {
  return options.cache_dir.empty() ? Cache::from_environment() : Cache(options.cache_dir);
}

ResolveOptions resolve_options(const GlobalOptions& options) {
  ResolveOptions resolve;
  resolve.fetch.offline = options.offline;
  if (options.quiet) resolve.fetch.progress = ProgressMode::kNever;
  return resolve;
}

SafetensorsLimits safetensors_limits(const GlobalOptions& options) {
  SafetensorsLimits limits;
  limits.max_header_bytes = options.max_header_bytes;
  return limits;
}


}  // namespace fti::cli

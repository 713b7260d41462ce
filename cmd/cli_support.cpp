#include "cmd/cli_support.h"

#include <fmt/core.h>

#include "cmd/console.h"
#include "engine/common/error.h"
#include "policy/policy_parser.h"

namespace fti::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--cache-dir", options.cache_dir,
                 "Cache directory (default: $FTI_CACHE_DIR, $XDG_CACHE_HOME/fti or ~/.cache/fti)");
  app.add_flag("--offline", options.offline, "Use only cached downloads; never touch the network");
  CLI::Option* quiet =
      app.add_flag("-q,--quiet", options.quiet, "Errors only on stderr: no progress, notes or warnings");
  app.add_flag("-v,--verbose", options.verbose, "Also debug messages on stderr (sources, timings)")->excludes(quiet);
  app.add_option("--log-format", options.log_format,
                 "Messages on stderr as text (default) or json: one JSON object per line with level, msg, verb")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--max-header-bytes", options.max_header_bytes,
                 "Largest safetensors header accepted (default 100000000)");
}

Cache open_cache(const GlobalOptions& options) {
  return options.cache_dir.empty() ? Cache::from_environment() : Cache(options.cache_dir);
}

ResolveOptions resolve_options(const GlobalOptions& options) {
  ResolveOptions resolve;
  resolve.fetch.offline = options.offline;
  // Download progress follows the console: a terminal, text, not --quiet.
  if (!console().progress) resolve.fetch.progress = ProgressMode::kNever;
  return resolve;
}

SafetensorsLimits safetensors_limits(const GlobalOptions& options) {
  SafetensorsLimits limits;
  limits.max_header_bytes = options.max_header_bytes;
  return limits;
}

policy::Policy load_policy_file(const std::string& file) {
  policy::PolicyCheck check = policy::check_policy_file(file);
  for (const policy::Diagnostic& d : check.diagnostics) log_diagnostic(check.file_name, d);
  if (!check.ok()) {
    throw Error(ErrorCode::kPolicy, escape_untrusted(check.file_name, 400) + ": invalid policy (" +
                                        std::to_string(check.error_count()) + " errors); see `fti policy check`");
  }
  return std::move(*check.policy);
}

}  // namespace fti::cli

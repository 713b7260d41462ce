// Options shared by every verb and the helpers that turn them into library
// settings.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "policy/policy.h"
#include "registry/cache.h"
#include "registry/safetensors_header.h"
#include "registry/source.h"

namespace fti::cli {

struct GlobalOptions {
  std::string cache_dir;  // empty: the environment's (FTI_CACHE_DIR, XDG_CACHE_HOME, HOME)
  bool offline = false;
  bool quiet = false;    // errors only on stderr, no progress (cmd/console.h)
  bool verbose = false;  // also debug messages
  std::string log_format = "text";  // "text" or "json": stderr as one JSON object per line
  std::uint64_t max_header_bytes = SafetensorsLimits{}.max_header_bytes;
};

// A verb registers its subcommand and sets `action` when it is chosen.
using Action = std::function<int()>;

void add_global_options(CLI::App& app, GlobalOptions& options);

Cache open_cache(const GlobalOptions& options);
ResolveOptions resolve_options(const GlobalOptions& options);
SafetensorsLimits safetensors_limits(const GlobalOptions& options);

// Parses a policy file, logging its diagnostics (errors always, warnings
// unless --quiet); throws Error(kPolicy) naming the file when it is invalid.
policy::Policy load_policy_file(const std::string& file);

void register_inspect(CLI::App& app, GlobalOptions& global, Action& action);
void register_demo(CLI::App& app, Action& action);
void register_diff(CLI::App& app, GlobalOptions& global, Action& action);
void register_policy(CLI::App& app, Action& action);
void register_gate(CLI::App& app, GlobalOptions& global, Action& action);
void register_commit(CLI::App& app, GlobalOptions& global, Action& action);
void register_prove(CLI::App& app, GlobalOptions& global, Action& action);
void register_verify(CLI::App& app, GlobalOptions& global, Action& action);
void register_verify_attestation(CLI::App& app, GlobalOptions& global, Action& action);
void register_verify_model_signature(CLI::App& app, GlobalOptions& global, Action& action);
void register_version(CLI::App& app, Action& action);
// Adds `suggest` under the `policy` verb (call after register_policy).
void register_policy_suggest(CLI::App& app, GlobalOptions& global, Action& action);

}  // namespace fti::cli

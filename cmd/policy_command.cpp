// fti policy check FILE: validate a drift policy, listing every problem as
// FILE:LINE:COLUMN; fti policy init --preset NAME: write a starter policy.
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cmd/cli_support.h"
#include "cmd/console.h"
#include "engine/common/atomic_file.h"
#include "engine/common/sha256.h"
#include "policy/canonical.h"
#include "policy/policy_parser.h"
#include "policy/preset.h"
#include "policy/starter_policy.h"

namespace fti::cli {
namespace {

struct CheckOptions {
  std::string file;
  bool json = false;
  bool canonical = false;
};

struct InitOptions {
  std::string preset;
  std::string out;
  bool force = false;
};

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

int run_check(const CheckOptions& options) {
  const policy::PolicyCheck check = policy::check_policy_file(options.file);
  if (options.json) {
    nlohmann::json out;
    out["file"] = options.file;
    out["valid"] = check.ok();
    out["errors"] = check.error_count();
    out["warnings"] = check.warning_count();
    out["diagnostics"] = nlohmann::json::array();
    for (const policy::Diagnostic& d : check.diagnostics) {
      out["diagnostics"].push_back({{"severity", d.severity == policy::Severity::kError ? "error" : "warning"},
                                    {"line", d.location.line},
                                    {"column", d.location.column},
                                    {"message", d.message},
                                    {"hint", d.hint}});
    }
    if (check.policy) {
      const policy::Policy& p = *check.policy;
      out["version"] = p.version();
      out["preset"] = p.preset() != nullptr ? nlohmann::json(p.preset()->name()) : nlohmann::json(nullptr);
      out["default"] = std::string(policy::default_action_name(p.default_action()));
      out["rules"] = p.rules().size();
      out["budgets"] = p.budgets().size();
      out["digest"] = "sha256:" + to_hex(policy::policy_digest(p));
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return check.ok() ? kExitCompliant : kExitUsage;
  }

  for (const policy::Diagnostic& d : check.diagnostics) log_diagnostic(check.file_name, d);
  if (!check.ok()) {
    log_failure(fmt::format("{}: invalid policy: {}, {}", escape_untrusted(check.file_name, 400),
                            plural(check.error_count(), "error"), plural(check.warning_count(), "warning")),
                {{"errors", check.error_count()}, {"warnings", check.warning_count()}});
    return kExitUsage;
  }
  const policy::Policy& p = *check.policy;
  if (options.canonical) {
    fmt::print("{}\n", policy::canonical_policy(p));
    return kExitCompliant;
  }
  fmt::print("{}: valid policy (version {}, {}, {}, {}, default {}, {})\n",
             escape_untrusted(check.file_name, 400), p.version(),
             p.preset() != nullptr ? "preset " + p.preset()->name() : std::string("no preset"),
             plural(p.rules().size(), "rule"), plural(p.budgets().size(), "budget"),
             policy::default_action_name(p.default_action()), plural(check.warning_count(), "warning"));
  fmt::print("digest: sha256:{}\n", to_hex(policy::policy_digest(p)));
  return kExitCompliant;
}

int run_init(const InitOptions& options) {
  const std::optional<std::string> text = policy::starter_policy(options.preset);
  if (!text) {
    throw Error(ErrorCode::kUsage, "unknown preset " + quote_untrusted(options.preset) + " (the presets are " +
                                       policy::join_alternatives(policy::preset_names()) + ")");
  }
  // The starter is part of the product: never hand out one that does not check.
  const policy::PolicyCheck check = policy::check_policy(*text, "starter:" + options.preset);
  if (!check.ok() || check.warning_count() != 0) {
    throw Error(ErrorCode::kInternal, "the starter policy for " + options.preset + " does not pass its own check");
  }
  if (options.out.empty()) {
    fmt::print("{}", *text);
    return kExitCompliant;
  }
  const std::filesystem::path out(options.out);
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(out, ec)) && !options.force) {
    throw Error(ErrorCode::kUsage, escape_untrusted(options.out, 400) + " exists; use --force to overwrite it");
  }
  write_file_atomically(out, *text);
  fmt::print("wrote {} (preset {}); check it with: fti policy check {}\n", escape_untrusted(options.out, 400),
             options.preset, escape_untrusted(options.out, 400));
  return kExitCompliant;
}

}  // namespace

void register_policy(CLI::App& app, Action& action) {
  CLI::App* policy_cmd = app.add_subcommand("policy", "Check a drift policy or write a starter policy");
  policy_cmd->require_subcommand(1);
  policy_cmd->footer(
      "Examples:\n"
      "  fti policy check .fti/policy.yaml\n"
      "  fti policy init --preset llama --out .fti/policy.yaml\n"
      "The policy language is described in docs/POLICY.md.\n");

  auto check = std::make_shared<CheckOptions>();
  CLI::App* check_cmd = policy_cmd->add_subcommand(
      "check", "Validate a policy; every problem is reported as FILE:LINE:COLUMN (exit 0 valid, 2 invalid)");
  check_cmd->add_option("file", check->file, "Policy file (YAML)")->required();
  check_cmd->add_flag("--json", check->json, "Machine-readable result with every diagnostic");
  check_cmd->add_flag("--canonical", check->canonical,
                      "Print the canonical form that certificates bind to (its SHA-256 is the digest)");
  check_cmd->footer(
      "Examples:\n"
      "  fti policy check policy.yaml\n"
      "  fti policy check policy.yaml --json\n"
      "  fti policy check policy.yaml --canonical | sha256sum\n");
  check_cmd->callback([&action, check] { action = [check] { return run_check(*check); }; });

  auto init = std::make_shared<InitOptions>();
  CLI::App* init_cmd = policy_cmd->add_subcommand("init", "Write a commented starter policy for a preset");
  std::string presets;
  for (std::string_view p : policy::preset_names()) presets += (presets.empty() ? "" : ", ") + std::string(p);
  init_cmd->add_option("--preset", init->preset, "Architecture preset: " + presets)->required();
  init_cmd->add_option("--out", init->out, "Write to this file (atomically) instead of stdout");
  init_cmd->add_flag("--force", init->force, "Overwrite --out if it exists");
  init_cmd->footer(
      "Examples:\n"
      "  fti policy init --preset llama > policy.yaml\n"
      "  fti policy init --preset resnet --out .fti/policy.yaml\n");
  init_cmd->callback([&action, init] { action = [init] { return run_init(*init); }; });
}

}  // namespace fti::cli

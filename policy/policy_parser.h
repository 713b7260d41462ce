// Reading a policy: YAML text in, a Policy or every problem with its line
// and column out. docs/POLICY.md describes the language.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/policy.h"
#include "policy/yaml_tree.h"

namespace fti::policy {

struct PolicyCheck {
  std::optional<Policy> policy;         // set when there is no error (warnings allowed)
  std::vector<Diagnostic> diagnostics;  // errors and warnings, ordered by position
  std::string file_name;
  bool ok() const noexcept { return policy.has_value(); }
  std::size_t error_count() const noexcept;
  std::size_t warning_count() const noexcept;
};

// Never throws for a bad policy: every problem is a diagnostic.
PolicyCheck check_policy(std::string_view text, std::string_view file_name, const YamlLimits& limits = {});
// Also reads the file (at most limits.max_bytes of it). Throws Error(kPolicy)
// naming the path when it cannot be read.
PolicyCheck check_policy_file(const std::filesystem::path& path, const YamlLimits& limits = {});

// The same, throwing PolicyError (ErrorCode::kPolicy) listing every error.
Policy parse_policy(std::string_view text, std::string_view file_name);
Policy parse_policy_file(const std::filesystem::path& path);

}  // namespace fti::policy

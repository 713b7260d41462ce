// A parsed drift policy: ordered rules that match tensor names and bound how
// each tensor may drift from the base, budgets over sets of tensors, and what
// happens to tensors no rule matches. docs/POLICY.md is the reference for the
// YAML form; policy_parser.h reads it, canonical.h serializes and digests it.
//
// A Policy is immutable and cheap to copy; its matching functions are
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/matrix_view.h"
#include "policy/pattern.h"
#include "policy/preset.h"

namespace fti::policy {

inline constexpr int kPolicyVersion = 1;

// What happens to a tensor that no rule matches.
enum class DefaultAction : std::uint8_t { kViolation, kAllow, kFrozen };

std::string_view default_action_name(DefaultAction action) noexcept;  // "violation", "allow", "frozen"

// ||x||: an absolute bound, a bound relative to the base tensor's norm, or
// both (then both must hold).
struct Bound {
  std::optional<double> absolute;
  std::optional<double> relative;
  bool operator==(const Bound&) const = default;
};

// `norm`: Frobenius norm of Delta and/or its largest absolute entry.
struct NormClass {
  std::optional<Bound> frobenius;
  std::optional<double> max_abs;
  bool operator==(const NormClass&) const = default;
};

struct PerHead {
  std::uint64_t heads = 0;
  HeadAxis axis = HeadAxis::kPreset;
  bool operator==(const PerHead&) const = default;
};

// `rank`: Delta = U V^T + E with rank(U V^T) <= max_rank and ||E||_F within
// `residual` (no residual: E must be zero up to the analysis' tolerance),
// on the tensor's matrix view (matrix_view.h). With per_head, the view is cut
// into `heads` blocks (split_heads) and the rank bound holds for each block;
// E is the residual of all blocks together and `residual` bounds it whole.
struct RankClass {
  std::uint64_t max_rank = 0;
  std::optional<Bound> residual;
  std::optional<PerHead> per_head;
  bool operator==(const RankClass&) const = default;
};

// `sparsity`: at most max_changed entries differ (bitwise), and/or at most
// max_fraction of them.
struct SparsityClass {
  std::optional<std::uint64_t> max_changed;
  std::optional<double> max_fraction;
  bool operator==(const SparsityClass&) const = default;
};

// A match as written: glob text, {regex: ...}, {group: ...}, or a list.
struct MatchItem {
  enum class Kind : std::uint8_t { kGlob, kRegex, kGroup };
  Kind kind = Kind::kGlob;
  std::string text;
  SourceLocation location;
};

struct MatchSpec {
  std::vector<MatchItem> items;   // as written
  std::vector<Pattern> patterns;  // groups expanded; sorted, without duplicates
  SourceLocation location;
  // For reports: "model.layers.*.mlp.*", "{group: attention}", "[a, {regex: b}]".
  std::string to_string() const;
};

struct Rule {
  std::string name;
  std::size_t index = 0;    // position in rules()
  SourceLocation location;  // where the rule's mapping starts
  MatchSpec match;
  bool frozen = false;  // bit-identical; excludes every other class
  bool allow = false;   // any change of values; excludes every other class
  std::optional<NormClass> norm;
  std::optional<RankClass> rank;
  std::optional<SparsityClass> sparsity;
};

// A bound over the union of the tensors `over` matches: norm (total
// Frobenius norm sqrt(sum ||Delta_t||^2), relative to sqrt(sum ||Base_t||^2);
// max_abs over all of them) and sparsity (changed entries over all of them).
struct Budget {
  std::string name;
  std::size_t index = 0;
  SourceLocation location;
  MatchSpec over;
  std::optional<NormClass> norm;
  std::optional<SparsityClass> sparsity;
};

// What the parser produces; Policy compiles it.
struct PolicyContent {
  std::string file_name;
  int version = kPolicyVersion;
  const Preset* preset = nullptr;
  DefaultAction default_action = DefaultAction::kViolation;
  SourceLocation default_location;
  std::map<std::string, MatchSpec, std::less<>> groups;  // the policy's own groups, expanded
  std::vector<Rule> rules;
  std::vector<Budget> budgets;
  std::vector<Diagnostic> warnings;
};

class Policy {
 public:
  // Compiles the patterns. Throws Error(kPolicy) if one does not compile
  // (the parser has checked them, so only hand-built content can).
  explicit Policy(PolicyContent content);

  const std::string& file_name() const noexcept { return content_->file_name; }
  int version() const noexcept { return content_->version; }
  const Preset* preset() const noexcept { return content_->preset; }
  DefaultAction default_action() const noexcept { return content_->default_action; }
  SourceLocation default_location() const noexcept { return content_->default_location; }
  const std::vector<Rule>& rules() const noexcept { return content_->rules; }
  const std::vector<Budget>& budgets() const noexcept { return content_->budgets; }
  const std::map<std::string, MatchSpec, std::less<>>& user_groups() const noexcept { return content_->groups; }
  // Warnings found while parsing (rules that can never match, ...).
  const std::vector<Diagnostic>& warnings() const noexcept { return content_->warnings; }

  // The first rule whose match fits, or nullptr (then default_action() applies).
  const Rule* match(std::string_view tensor_name) const;
  // The budgets the tensor counts towards (indices into budgets(), ascending).
  std::vector<std::size_t> budgets_for(std::string_view tensor_name) const;
  bool in_budget(const Budget& budget, std::string_view tensor_name) const;  // `budget` from budgets()

  // Groups: the preset's and the policy's own.
  std::vector<std::string> group_names() const;
  bool has_group(std::string_view group) const;
  bool in_group(std::string_view group, std::string_view tensor_name) const;  // false for unknown groups
  std::vector<std::string> groups_of(std::string_view tensor_name) const;     // in group_names() order

  // matrix_view() with this policy's preset.
  MatrixView matrix_view(std::string_view tensor_name, std::span<const std::uint64_t> shape) const;

 private:
  struct Compiled;
  std::shared_ptr<const PolicyContent> content_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace fti::policy

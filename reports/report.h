// The report of a gate or diff run: what was compared, the measured figures,
// and (for the gate) every rule check with its bound and margin. One model,
// several renderings (JSON, text table, Markdown, JUnit XML, HTML), so every
// format says the same thing.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace fti::reports {

inline constexpr std::string_view kReportSchema = "fti.report/v1";

struct FileInfo {
  std::string name;
  std::string origin;
  std::string sha256;  // hex
  std::uint64_t bytes = 0;
};

struct ArtifactInfo {
  std::string source;    // as given on the command line
  std::string resolved;  // pinned form (hub commit, URL); empty for local files
  std::vector<FileInfo> files;
};

struct PolicyInfo {
  std::string file;
  std::string sha256;  // digest of the canonical form
  int version = 0;
  std::string preset;
};

// One bound checked against one measured figure.
struct Check {
  std::string name;        // e.g. "frobenius.absolute", "rank.residual", "sparsity.count", "frozen"
  double measured = 0;
  double bound = 0;
  bool pass = false;
  std::string message;     // one line a person reads, with the figures
};

struct RankFigures {
  std::string method;  // "dense-svd" or "randomized"
  unsigned max_rank = 0;
  unsigned heads = 1;
  double residual_norm = 0;   // total over heads
  double residual_error = 0;  // bound on the floating-point error of residual_norm
  unsigned numerical_rank = 0;  // max over heads
  std::vector<double> singular_values;  // leading ones (first head)
};

enum class Verdict { kPass, kViolation, kNotChecked };
std::string_view verdict_name(Verdict verdict) noexcept;

struct TensorReport {
  std::string name;
  std::string status;  // compared | added | removed | reshaped | retyped
  std::string dtype;   // base dtype ("BF16"); "BF16->F16" when retyped
  std::vector<std::uint64_t> shape;
  std::vector<std::uint64_t> candidate_shape;  // when reshaped
  std::uint64_t elements = 0;
  // Figures (compared tensors only).
  bool has_stats = false;
  std::uint64_t changed = 0;
  double delta_norm = 0;
  double base_norm = 0;
  double max_abs_delta = 0;
  std::uint64_t nonfinite_base = 0, nonfinite_candidate = 0;
  std::optional<RankFigures> rank;
  // Gate only.
  std::string rule;      // the rule that matched; empty if none
  int rule_line = 0;     // its line in the policy file
  std::vector<Check> checks;
  Verdict verdict = Verdict::kNotChecked;

  double relative_norm() const noexcept { return base_norm > 0 ? delta_norm / base_norm : (delta_norm > 0 ? std::numeric_limits<double>::infinity() : 0.0); }
  double changed_fraction() const noexcept { return elements > 0 ? static_cast<double>(changed) / static_cast<double>(elements) : 0; }
};

struct BudgetReport {
  std::string name;
  int line = 0;
  std::uint64_t tensors = 0;
  std::vector<Check> checks;
  Verdict verdict = Verdict::kNotChecked;
};

// A rule of the policy as written. Optional: when the gate lists its rules,
// reports can also show the rules that matched no tensor, in policy order.
struct RuleInfo {
  std::string name;
  int line = 0;         // in the policy file
  std::string match;    // the match as written, for people ("model.layers.*.mlp.*")
};

struct Report {
  std::string kind;  // "gate" or "diff"
  std::string fti_version;
  ArtifactInfo base, candidate;
  std::optional<PolicyInfo> policy;
  std::vector<TensorReport> tensors;
  std::vector<BudgetReport> budgets;
  Verdict verdict = Verdict::kNotChecked;
  double analysis_seconds = 0;
  std::vector<RuleInfo> rules;  // every rule of the policy, in order; may be empty

  std::uint64_t violation_count() const;
};

}  // namespace fti::reports

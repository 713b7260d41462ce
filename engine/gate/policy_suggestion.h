// fti policy suggest: the tightest policy an approved candidate satisfies,
// with a margin, so a team starts from what a real fine-tune looked like.
//
// Tensors are grouped by name with their numeric segments (layer indices)
// abstracted, e.g. model.layers.{0..31}.self_attn.q_proj.weight. A group
// where nothing changed is left to a final `frozen` rule; a changed group
// gets its observed maxima times (1 + margin), rounded up to three
// significant digits: relative Frobenius norm and max |Delta| always, a rank
// bound with a residual where every changed matrix shows a clear low-rank
// structure (a gap of at least 4x in its singular values), and a changed
// fraction where at most half of the entries changed. One budget bounds the
// total relative drift.
#pragma once

#include <string>
#include <vector>

#include "engine/analysis/drift_analysis.h"
#include "policy/preset.h"

namespace fti::gate {

struct SuggestOptions {
  double margin = 0.10;                   // bounds are observed * (1 + margin)
  const policy::Preset* preset = nullptr;  // named in the policy; its matrix views are used
  unsigned probe_rank = 32;               // largest rank a suggestion looks for
};

// Rank analyses that let the suggestion find low-rank updates.
analysis::DriftOptions suggestion_drift_options(const SuggestOptions& options);

struct Suggestion {
  std::string yaml;                   // the policy, commented
  std::vector<std::string> problems;  // what no policy can admit (added/removed/reshaped/re-typed tensors)
};

// `provenance` lines go into the header comment (base and candidate names).
Suggestion suggest_policy(const analysis::DriftAnalysis& drift, const SuggestOptions& options,
                          const std::vector<std::string>& provenance);

// value rounded up to three significant digits, written as a policy decimal.
std::string round_up_decimal(double value);

}  // namespace fti::gate

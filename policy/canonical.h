// The canonical form of a policy and its digest, which certificates bind to.
//
// The canonical form is compact JSON (so also YAML: parse_policy reads it
// back to the same policy) with keys in bytewise order, no insignificant
// whitespace, and only what changes a verdict:
//   * groups are expanded into the patterns they stand for, and each match
//     is the sorted, de-duplicated list of its patterns;
//   * rules keep their order (first match wins), budgets are sorted by name
//     (every budget is checked, their order means nothing);
//   * numbers are the shortest decimal that reads back as the same double,
//     so 0.5, 5e-1, 0.50 and 50% are one number;
//   * the preset is named with its revision, since its views (transposed
//     Conv1D weights, head axes) enter rank and per-head verdicts;
//   * comments, formatting, quoting, key order, anchors, positions and the
//     policy's own group names are dropped.
// Pattern text is kept as written: two globs that happen to match the same
// names are still different policies.
#pragma once

#include <string>

#include "engine/common/sha256.h"
#include "policy/policy.h"

namespace fti::policy {

std::string canonical_policy(const Policy& policy);

// SHA-256 of canonical_policy(policy).
Sha256Digest policy_digest(const Policy& policy);

}  // namespace fti::policy

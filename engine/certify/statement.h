// What a drift certificate states (docs/PROTOCOL.md, section 10.4.3), built
// from the policy and the two model commitments only, so that a verifier
// rebuilds it from the policy it is given and rejects any certificate whose
// statement differs (a lowered bound, a dropped tensor, another rule).
//
// Per base tensor (name order) the rule that matches it decides:
//   frozen (rule or default)    -> `frozen` (equal data digests, 10.2)
//   allow  (rule or default)    -> `allowed` (same name, dtype, shape: nothing else)
//   norm.frobenius              -> one NormTensor (10.3): the relative bound
//                                  num/den <= rho^2 if the rule has one (with
//                                  Q proven), else the absolute floor((beta 2^s)^2);
//                                  a rule with both adds the absolute bound to
//                                  `extra_absolute`, checked on the proven S
//   norm.max_abs, rank, sparsity, every budget over a tensor -> `uncovered`
//                                  ("not certified", by rule and class)
// Structural facts the commitments show directly (an added, removed,
// reshaped or re-typed tensor; a tensor no rule matches under
// `default: violation`; a norm tensor whose candidate is not at the base's
// scale) are violations: no statement is built.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/common/int128.h"
#include "engine/drift/norm_statement.h"
#include "policy/policy.h"

namespace fti::certify {

struct AbsoluteCheck {
  std::uint32_t position = 0;  // index into norm.tensors
  uint128 max_delta_squares = 0;
  friend bool operator==(const AbsoluteCheck&, const AbsoluteCheck&) = default;
};

// A (rule, class) the certificate does not cover.
struct Uncovered {
  std::string rule;     // rule or budget name ("budget:NAME" for budgets)
  std::string what;     // "rank", "sparsity", "norm.max_abs", "budget.norm", "budget.sparsity"
  std::uint32_t tensors = 0;  // how many tensors it applies to
  friend bool operator==(const Uncovered&, const Uncovered&) = default;
};

struct CertStatement {
  std::vector<std::uint32_t> frozen;   // base tensor indices, ascending
  std::vector<std::uint32_t> allowed;  // base tensor indices, ascending
  drift::NormStatement norm;           // tensors in base index order
  std::vector<AbsoluteCheck> extra_absolute;
  std::vector<Uncovered> uncovered;    // in rule order, then budgets in policy order
  friend bool operator==(const CertStatement&, const CertStatement&) = default;
};

struct StatementBuild {
  CertStatement statement;
  std::vector<std::string> violations;  // one line each; empty when the statement is usable
};

// Throws Error(kPolicy) for a bound it cannot read exactly, Error(kLimit)
// for more norm tensors than one proof holds (drift::kMaxNormTensors).
StatementBuild build_statement(const policy::Policy& policy, const commitment::ModelCommitment& base,
                               const commitment::ModelCommitment& candidate);

// Canonical bytes (section 10.4.2, section STATEMENT) and the strict parser:
// false with a one-line reason on any malformed, oversized or non-canonical input.
std::vector<std::uint8_t> serialize_statement(const CertStatement& statement);
bool parse_statement(std::span<const std::uint8_t> bytes, CertStatement& out, std::string& error);

// Limits of the parser.
inline constexpr std::size_t kMaxStatementTensors = 1'000'000;
inline constexpr std::size_t kMaxUncovered = 4096;
inline constexpr std::size_t kMaxUncoveredText = 4096;

}  // namespace fti::certify

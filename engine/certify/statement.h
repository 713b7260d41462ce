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
//   rank with a residual bound  -> one RankEntry (10.4.3, 10.5): r = max; an
//   (no per-head view)             absolute bound floor((X 2^(s+t))^2) at the
//                                  prover's shift t; a relative bound
//                                  R den <= num 2^(2t) Q with Q proven by the
//                                  norm proof (the tensor joins `norm` with
//                                  base_squares, no norm bound unless its rule
//                                  has one). bu and t are the prover's (the
//                                  verifier copies them, recomputes the bound
//                                  and requires RankLayout to accept them).
//   norm.max_abs, rank without residual or per head, sparsity, every budget
//   over a tensor                -> `uncovered`
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
#include "engine/certify/exact_bound.h"
#include "engine/common/int128.h"
#include "engine/drift/rank_statement.h"
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

// A low-rank claim on one tensor (10.4.3). The drift statement is
// `drift_statement()`: kAbsolute with max_residual_squares when has_absolute,
// else kNone; the relative bound is checked by the certificate verifier on the
// proven R and the norm proof's Q (item `norm_position` of `norm`).
struct RankEntry {
  std::uint32_t tensor = 0;          // base index
  std::uint32_t rank = 1;            // r = the rule's max
  std::uint32_t factor_bits = 0;     // bu (prover's choice)
  std::uint32_t shift = 0;           // t (prover's choice)
  bool has_absolute = false;
  uint128 max_residual_squares = 0;  // floor((X 2^(s+t))^2)
  bool has_relative = false;
  std::uint64_t num = 0, den = 1;    // num / den <= Y^2: R den <= num 2^(2t) Q
  std::uint32_t norm_position = 0;   // relative: Q is that norm tensor's base squares
  Decimal absolute;                  // not serialized: the policy's X (to recompute at another t)
  friend bool operator==(const RankEntry& a, const RankEntry& b) {
    return a.tensor == b.tensor && a.rank == b.rank && a.factor_bits == b.factor_bits && a.shift == b.shift &&
           a.has_absolute == b.has_absolute && a.max_residual_squares == b.max_residual_squares &&
           a.has_relative == b.has_relative && a.num == b.num && a.den == b.den && a.norm_position == b.norm_position;
  }
};

struct CertStatement {
  std::vector<std::uint32_t> frozen;   // base tensor indices, ascending
  std::vector<std::uint32_t> allowed;  // base tensor indices, ascending
  drift::NormStatement norm;           // tensors in base index order
  std::vector<AbsoluteCheck> extra_absolute;
  std::vector<Uncovered> uncovered;    // in rule order, then budgets in policy order
  std::vector<RankEntry> rank;         // base index order
  friend bool operator==(const CertStatement&, const CertStatement&) = default;
};

struct StatementBuild {
  CertStatement statement;
  std::vector<std::string> violations;  // one line each; empty when the statement is usable
};

// The drift statement of a rank entry (range limb bits of the certificate).
drift::RankStatement rank_drift_statement(const RankEntry& entry, unsigned range_limb_bits);
// Sets bu, t and recomputes the absolute bound at t (scale s of the tensor).
void set_rank_parameters(RankEntry& entry, std::int32_t scale, unsigned factor_bits, unsigned shift);
// Whether the proven R satisfies every bound of the entry (Q: the tensor's
// proven base squares; ignored without a relative bound). Exact.
bool rank_bounds_hold(const RankEntry& entry, uint128 residual_squares, uint128 base_squares);
// Whether a rule's rank class is certified (a residual bound, no per-head view).
bool rank_certifiable(const policy::Rule& rule);

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
inline constexpr std::size_t kMaxRankTensors = 512;

}  // namespace fti::certify

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
//   norm.max_abs, sparsity      -> one EntryEntry (10.4.3, 10.6): M = the
//   (rule, or a budget over      smallest floor(beta 2^s) of the rule and
//   the tensor)                  the budgets (less one if an encoding
//                                  rounded); a count bound K minus the
//                                  tensor's rounded values (inexact, base +
//                                  candidate); a sparsity budget proves the
//                                  count of each of its non-frozen tensors
//                                  and checks their sum (CountBudget)
//   a budget's Frobenius norm   -> every tensor it matches is a norm tensor
//                                  (with Q if relative) and a NormBudget
//                                  checks the sum of the proven S (and Q)
//   rank without residual or per head, a max_abs or count bound the
//   rounding leaves no room for
//                                -> `uncovered`
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
#include "engine/drift/entry_statement.h"
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
  // per_head (10.5.2): heads of 2^head_block_vars rows or columns of the
  // committed table (the policy's axis, flipped for a transposed view).
  drift::RankHeadAxis head_axis = drift::RankHeadAxis::kNone;
  std::uint32_t head_block_vars = 0;
  Decimal absolute;                  // not serialized: the policy's X (to recompute at another t)
  friend bool operator==(const RankEntry& a, const RankEntry& b) {
    return a.tensor == b.tensor && a.rank == b.rank && a.factor_bits == b.factor_bits && a.shift == b.shift &&
           a.has_absolute == b.has_absolute && a.max_residual_squares == b.max_residual_squares &&
           a.has_relative == b.has_relative && a.num == b.num && a.den == b.den && a.norm_position == b.norm_position &&
           a.head_axis == b.head_axis && a.head_block_vars == b.head_block_vars;
  }
};

// An entrywise claim on one tensor (10.4.3, 10.6). The drift statement is
// entry_drift_statement(); the count's bound is K minus `slack`.
struct EntryEntry {
  std::uint32_t tensor = 0;  // base index
  bool has_max_abs = false;
  std::uint64_t max_abs = 0;  // M in the tensor's integer units
  bool has_count = false;
  std::uint64_t max_changed = drift::kNoCountBound;  // K - slack, or kNoCountBound (a budget's count only)
  std::uint64_t slack = 0;  // inexact (base) + inexact (candidate): changed <= c + slack
  friend bool operator==(const EntryEntry&, const EntryEntry&) = default;
};

// A sparsity budget (10.4.3): sum over `positions` (into `entries`) of
// c + slack <= max_changed; frozen tensors of the budget count 0.
struct CountBudget {
  std::string name;
  std::vector<std::uint32_t> positions;
  std::uint64_t max_changed = 0;  // min(max_changed, floor(max_fraction * elements of all its tensors))
  friend bool operator==(const CountBudget&, const CountBudget&) = default;
};

// A Frobenius-norm budget (10.4.3) over the norm items of its tensors
// (every tensor it matches, frozen ones included, is a norm tensor):
//   absolute  sum_t S_t 2^(-2 s_t) <= beta^2
//   relative  den sum_t S_t 2^(-2 s_t) <= num sum_t Q_t 2^(-2 s_t)
// checked exactly on the proven S_t, Q_t.
struct NormBudget {
  std::string name;
  std::vector<std::uint32_t> positions;  // into norm.tensors, ascending
  bool has_absolute = false;
  Decimal absolute;                      // beta, exactly as the policy's decimal
  bool has_relative = false;
  std::uint64_t num = 0, den = 1;        // num / den <= rho^2
  friend bool operator==(const NormBudget& a, const NormBudget& b) {
    return a.name == b.name && a.positions == b.positions && a.has_absolute == b.has_absolute &&
           a.absolute.mantissa == b.absolute.mantissa && a.absolute.exponent == b.absolute.exponent &&
           a.has_relative == b.has_relative && a.num == b.num && a.den == b.den;
  }
};

struct CertStatement {
  std::vector<std::uint32_t> frozen;   // base tensor indices, ascending
  std::vector<std::uint32_t> allowed;  // base tensor indices, ascending
  drift::NormStatement norm;           // tensors in base index order
  std::vector<AbsoluteCheck> extra_absolute;
  std::vector<Uncovered> uncovered;    // in rule order, then budgets in policy order
  std::vector<RankEntry> rank;         // base index order
  std::vector<EntryEntry> entries;     // base index order
  std::vector<CountBudget> count_budgets;  // policy order
  std::vector<NormBudget> norm_budgets;    // policy order
  friend bool operator==(const CertStatement&, const CertStatement&) = default;
};

struct StatementBuild {
  CertStatement statement;
  std::vector<std::string> violations;  // one line each; empty when the statement is usable
};

// The drift statement of the entry claims (range limb bits of the certificate).
drift::EntryStatement entry_drift_statement(std::span<const EntryEntry> entries, unsigned range_limb_bits);

// The drift statement of a rank entry (range limb bits of the certificate).
drift::RankStatement rank_drift_statement(const RankEntry& entry, unsigned range_limb_bits);
// Sets bu, t and recomputes the absolute bound at t (scale s of the tensor).
void set_rank_parameters(RankEntry& entry, std::int32_t scale, unsigned factor_bits, unsigned shift);
// Whether the proven statistics satisfy a norm budget (S and Q by norm
// position; scales from the base commitment). Exact.
bool norm_budget_holds(const NormBudget& budget, const drift::NormStatement& norm,
                       const commitment::ModelCommitment& base, std::span<const uint128> delta_squares,
                       std::span<const uint128> base_squares);

// Whether the proven R satisfies every bound of the entry (Q: the tensor's
// proven base squares; ignored without a relative bound). Exact.
bool rank_bounds_hold(const RankEntry& entry, uint128 residual_squares, uint128 base_squares);
// Whether a rule's rank class can be certified (a residual bound; with a
// per-head view, only where each head is a power-of-two block: build_statement).
bool rank_certifiable(const policy::Rule& rule);
// Whether the statement of `policy` can open tensor `name` (any rule or
// default action but frozen): what the prover keeps from its commit phase.
bool may_be_opened(const policy::Policy& policy, std::string_view name);

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
// Rank tensors per certificate: proven in chunks of drift::kMaxRankClaims.
inline constexpr std::size_t kMaxRankTensors = 2 * drift::kMaxRankClaims;
inline constexpr std::size_t kMaxEntryTensors = drift::kMaxEntryClaims;
inline constexpr std::size_t kMaxCountBudgets = 1024;
inline constexpr std::size_t kMaxNormBudgets = 1024;

}  // namespace fti::certify

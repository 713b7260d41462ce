#include "engine/certify/statement.h"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <map>
#include <optional>
#include <utility>

#include "engine/certify/byte_io.h"
#include "engine/certify/exact_bound.h"
#include "engine/common/error.h"
#include "engine/tensor/dtype.h"
#include "policy/matrix_view.h"

namespace fti::certify {
namespace {

constexpr std::uint32_t kBudgetRuleBase = 0x80000000u;

std::uint64_t element_count(const commitment::TensorRecord& t) {
  std::uint64_t n = 1;
  for (const std::uint64_t d : t.shape) n *= d;  // the commitment bounds tensors to 2^30 entries
  return n;
}

// K: the most changed entries a sparsity class allows over `elements`.
std::uint64_t count_bound(const policy::SparsityClass& sparsity, std::uint64_t elements) {
  std::uint64_t k = drift::kNoCountBound;
  if (sparsity.max_changed) k = *sparsity.max_changed;
  if (sparsity.max_fraction) k = std::min(k, fraction_count(policy_decimal(*sparsity.max_fraction), elements));
  return k;
}

bool frozen_by(const policy::Policy& policy, const policy::Rule* rule) {
  return rule ? rule->frozen : policy.default_action() == policy::DefaultAction::kFrozen;
}

// A policy bound read exactly (10.4.3) into an entry's fields: the
// absolute decimal and the relative num / den <= rho^2.
template <typename Entry>
void set_exact_bounds(Entry& e, const policy::Bound& bound) {
  if (bound.absolute) {
    e.has_absolute = true;
    e.absolute = policy_decimal(*bound.absolute);
  }
  if (bound.relative) {
    const Ratio r = relative_bound_squares(policy_decimal(*bound.relative));
    e.has_relative = true;
    e.num = r.num;
    e.den = r.den;
  }
}

// A sparsity budget's bound and whether the rounding leaves room for it.
struct CountBudgetPlan {
  std::uint64_t max_changed = 0;
  bool certifiable = false;
  std::vector<std::uint32_t> members;  // non-frozen base tensors, ascending
};

}  // namespace

drift::EntryStatement entry_drift_statement(std::span<const EntryEntry> entries, unsigned range_limb_bits) {
  drift::EntryStatement s;
  for (const EntryEntry& e : entries) {
    s.claims.push_back({e.tensor, e.has_max_abs, e.has_max_abs ? e.max_abs : 0, e.has_count,
                        e.has_count ? e.max_changed : drift::kNoCountBound});
  }
  s.range_limb_bits = range_limb_bits;
  return s;
}

bool rank_certifiable(const policy::Rule& rule) {
  return rule.rank && rule.rank->residual && rule.rank->max_rank >= 1 &&
         rule.rank->max_rank <= drift::kMaxRank &&
         (rule.rank->residual->absolute || rule.rank->residual->relative);
}

bool may_be_opened(const policy::Policy& policy, std::string_view name) {
  return !frozen_by(policy, policy.match(name));
}

drift::RankStatement rank_drift_statement(const RankEntry& e, unsigned range_limb_bits) {
  drift::RankStatement s;
  s.tensor = e.tensor;
  s.rank = e.rank;
  s.factor_bits = e.factor_bits;
  s.shift = e.shift;
  s.bound = e.has_absolute ? drift::RankBoundKind::kAbsolute : drift::RankBoundKind::kNone;
  s.max_residual_squares = e.has_absolute ? e.max_residual_squares : 0;
  s.range_limb_bits = range_limb_bits;
  s.head_axis = e.head_axis;
  s.head_block_vars = e.head_block_vars;
  return s;
}

void set_rank_parameters(RankEntry& e, std::int32_t scale, unsigned factor_bits, unsigned shift) {
  e.factor_bits = factor_bits;
  e.shift = shift;
  e.max_residual_squares =
      e.has_absolute ? absolute_bound_squares(e.absolute, scale + static_cast<std::int32_t>(shift)) : 0;
}

bool rank_bounds_hold(const RankEntry& e, uint128 residual_squares, uint128 base_squares) {
  if (e.has_absolute && residual_squares > e.max_residual_squares) return false;
  if (e.has_relative && !scaled_product_le(residual_squares, e.den, base_squares, e.num, 2 * e.shift)) return false;
  return true;
}

bool norm_budget_holds(const NormBudget& budget, const drift::NormStatement& norm,
                       const commitment::ModelCommitment& base, std::span<const uint128> delta_squares,
                       std::span<const uint128> base_squares) {
  std::vector<ScaledSquares> s, q;
  for (const std::uint32_t p : budget.positions) {
    const std::int32_t scale = base.tensors[norm.tensors[p].tensor].scale;
    s.push_back({delta_squares[p], scale});
    q.push_back({base_squares[p], scale});
  }
  if (budget.has_absolute && !scaled_sum_le_square(s, budget.absolute)) return false;
  if (budget.has_relative && !scaled_sums_ratio_le(s, q, budget.num, budget.den)) return false;
  return true;
}

StatementBuild build_statement(const policy::Policy& policy, const commitment::ModelCommitment& base,
                               const commitment::ModelCommitment& candidate) {
  StatementBuild out;
  CertStatement& st = out.statement;
  // (rule index, class) -> tensors, in rule order; budgets after the rules.
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> uncovered;
  const auto note = [&](std::uint32_t rule, const std::string& what) { ++uncovered[{rule, what}]; };

  // Sparsity budgets: K over all their tensors, and whether the rounded
  // values of their non-frozen tensors (which the count cannot see) fit in it.
  std::vector<CountBudgetPlan> count_plans(policy.budgets().size());
  for (const policy::Budget& budget : policy.budgets()) {
    if (!budget.sparsity) continue;
    CountBudgetPlan& plan = count_plans[budget.index];
    std::uint64_t elements = 0, slack = 0;
    for (std::size_t i = 0; i < base.tensors.size(); ++i) {
      const commitment::TensorRecord& b = base.tensors[i];
      if (!policy.in_budget(budget, b.name)) continue;
      elements += element_count(b);
      if (frozen_by(policy, policy.match(b.name))) continue;
      plan.members.push_back(static_cast<std::uint32_t>(i));
      if (const commitment::TensorRecord* c = candidate.find(b.name)) slack += b.inexact + c->inexact;
    }
    plan.max_changed = count_bound(*budget.sparsity, elements);
    plan.certifiable = slack <= plan.max_changed;
  }
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> budget_uncovered;
  // The entry claims on a non-frozen tensor: its rule's max_abs and sparsity
  // (no rule: an allowed tensor) and those of every budget over it. False
  // when it added a violation.
  const auto entry_claims = [&](const policy::Rule* rule, const commitment::TensorRecord& b,
                                const commitment::TensorRecord& c, std::uint32_t index) {
    EntryEntry e;
    e.tensor = index;
    e.slack = b.inexact + c.inexact;
    std::optional<std::uint64_t> m;
    bool wanted = false;
    // floor(beta 2^s), less one when a value was rounded (10.6.1); false if
    // that leaves nothing.
    const auto add_max_abs = [&](double beta) {
      wanted = true;
      const std::uint64_t units = absolute_bound_units(policy_decimal(beta), b.scale);
      if (e.slack != 0 && units == 0) return false;
      const std::uint64_t v = e.slack != 0 ? units - 1 : units;
      m = m ? std::min(*m, v) : v;
      return true;
    };
    if (rule && rule->norm && rule->norm->max_abs && !add_max_abs(*rule->norm->max_abs)) {
      note(static_cast<std::uint32_t>(rule->index), "norm.max_abs");
    }
    if (rule && rule->sparsity) {
      wanted = true;
      const std::uint64_t k = count_bound(*rule->sparsity, element_count(b));
      if (k >= e.slack) {
        e.has_count = true;
        e.max_changed = k - e.slack;
      } else {
        note(static_cast<std::uint32_t>(rule->index), "sparsity");
      }
    }
    for (const policy::Budget& budget : policy.budgets()) {
      if (!policy.in_budget(budget, b.name)) continue;
      if (budget.norm && budget.norm->max_abs && !add_max_abs(*budget.norm->max_abs)) {
        ++budget_uncovered[{static_cast<std::uint32_t>(kBudgetRuleBase + budget.index), "budget.norm.max_abs"}];
      }
      if (budget.sparsity) {
        wanted = true;
        if (count_plans[budget.index].certifiable) e.has_count = true;
      }
    }
    if (!wanted) return true;
    if (c.scale != b.scale) {
      out.violations.push_back(fmt::format("tensor {}: the candidate is not committed at the base's scale ({} vs {})",
                                           quote_untrusted(b.name), c.scale, b.scale));
      return false;
    }
    if (m) {
      e.has_max_abs = true;
      e.max_abs = *m;
    }
    if (e.has_max_abs || e.has_count) st.entries.push_back(e);
    return true;
  };

  // The tensor's own rule (or the default action): frozen, allowed, norm,
  // rank and entry claims, or a violation.
  const auto classify = [&](const policy::Rule* rule, const commitment::TensorRecord& b,
                            const commitment::TensorRecord* c, std::uint32_t index, const std::string& name) {
  if (rule == nullptr) {
    switch (policy.default_action()) {
      case policy::DefaultAction::kViolation:
        out.violations.push_back(
            fmt::format("tensor {}: no rule matches and the policy's default is violation", name));
        break;
      case policy::DefaultAction::kFrozen: st.frozen.push_back(index); break;
      case policy::DefaultAction::kAllow:
        st.allowed.push_back(index);
        entry_claims(nullptr, b, *c, index);
        break;
    }
    return;
  }
  const auto rule_index = static_cast<std::uint32_t>(rule->index);
  if (rule->frozen) {
    st.frozen.push_back(index);
    return;
  }
  if (rule->allow) {
    st.allowed.push_back(index);
    entry_claims(nullptr, b, *c, index);
    return;
  }
  if (!entry_claims(rule, b, *c, index)) return;
  const bool certified_rank = rank_certifiable(*rule);
  if ((rule->norm && rule->norm->frobenius) || certified_rank) {
    if (c->scale != b.scale) {
      out.violations.push_back(fmt::format(
          "tensor {}: the candidate is not committed at the base's scale ({} vs {})", name, c->scale, b.scale));
      return;
    }
  }
  if (rule->norm && rule->norm->frobenius) {
    const policy::Bound& bound = *rule->norm->frobenius;
    drift::NormTensor t;
    t.tensor = index;
    std::optional<uint128> absolute;
    if (bound.absolute) absolute = absolute_bound_squares(policy_decimal(*bound.absolute), b.scale);
    if (bound.relative) {
      const Ratio r = relative_bound_squares(policy_decimal(*bound.relative));
      t.base_squares = true;
      t.bound = {drift::NormBoundKind::kRelative, 0, r.num, r.den};
      if (absolute) {
        st.extra_absolute.push_back({static_cast<std::uint32_t>(st.norm.tensors.size()), *absolute});
      }
    } else if (absolute) {
      t.bound = {drift::NormBoundKind::kAbsolute, *absolute, 0, 1};
    }
    st.norm.tensors.push_back(t);
  }
  // A per-head view: heads of 2^ld rows or columns of the committed table.
  drift::RankHeadAxis head_axis = drift::RankHeadAxis::kNone;
  std::uint32_t head_block_vars = 0;
  bool heads_certifiable = true;
  // One head is the plain view (whatever the side's length).
  if (certified_rank && rule->rank->per_head && rule->rank->per_head->heads > 1) {
    const policy::MatrixView view = policy.matrix_view(b.name, b.shape);
    const policy::HeadSplit split =
        view.ok ? policy::split_heads(view, rule->rank->per_head->heads, rule->rank->per_head->axis) : policy::HeadSplit{};
    if (!view.ok || !split.ok) {
      out.violations.push_back(fmt::format("tensor {}: rule {}: no per-head view ({})", name, rule->name,
                                           view.ok ? split.reason : view.reason));
      return;
    }
    const std::uint64_t side = split.axis == policy::HeadAxis::kOut ? split.block_rows : split.block_cols;
    heads_certifiable = std::has_single_bit(side);
    // The committed table is stored (out, in) unless the view transposes it.
    head_axis = (split.axis == policy::HeadAxis::kOut) != view.transposed ? drift::RankHeadAxis::kRows
                                                                            : drift::RankHeadAxis::kCols;
    head_block_vars = static_cast<std::uint32_t>(std::bit_width(side) - 1);
  }
  if (certified_rank && heads_certifiable) {
    const policy::Bound& residual = *rule->rank->residual;
    RankEntry e;
    e.tensor = index;
    e.rank = static_cast<std::uint32_t>(rule->rank->max_rank);
    e.head_axis = head_axis;
    e.head_block_vars = head_block_vars;
    set_exact_bounds(e, residual);
    if (e.has_relative) {
      // Q = sum B^2 from the norm proof: this tensor's NormTensor (added
      // just above if the rule has a Frobenius bound) proves it too.
      if (st.norm.tensors.empty() || st.norm.tensors.back().tensor != index) {
        drift::NormTensor t;
        t.tensor = index;
        st.norm.tensors.push_back(t);
      }
      st.norm.tensors.back().base_squares = true;
      e.norm_position = static_cast<std::uint32_t>(st.norm.tensors.size() - 1);
    }
    set_rank_parameters(e, b.scale, 0, 0);
    st.rank.push_back(e);
  }
  if (rule->rank && !(certified_rank && heads_certifiable)) note(rule_index, "rank");
  };

  for (std::size_t i = 0; i < base.tensors.size(); ++i) {
    const commitment::TensorRecord& b = base.tensors[i];
    const commitment::TensorRecord* c = candidate.find(b.name);
    const std::string name = quote_untrusted(b.name);
    if (c == nullptr) {
      out.violations.push_back(fmt::format("tensor {} was removed from the candidate", name));
      continue;
    }
    if (c->dtype != b.dtype || c->shape != b.shape) {
      out.violations.push_back(fmt::format("tensor {} changed dtype or shape ({} -> {})", name,
                                           dtype_name(b.dtype), dtype_name(c->dtype)));
      continue;
    }
    const auto index = static_cast<std::uint32_t>(i);
    const policy::Rule* rule = policy.match(b.name);
    // Frobenius budgets over the tensor: it needs S (and Q when relative)
    // whatever its rule; joined after the rule's own claims (ensure_norm).
    bool budget_norm = false, budget_q = false;
    for (const policy::Budget& budget : policy.budgets()) {
      if (budget.norm && budget.norm->frobenius && policy.in_budget(budget, b.name)) {
        budget_norm = true;
        budget_q = budget_q || budget.norm->frobenius->relative.has_value();
      }
    }
    if (budget_norm && c->scale != b.scale) {
      out.violations.push_back(fmt::format(
          "tensor {}: the candidate is not committed at the base's scale ({} vs {})", name, c->scale, b.scale));
      continue;
    }
    const std::size_t violations_before = out.violations.size();
    classify(rule, b, c, index, name);
    if (budget_norm && out.violations.size() == violations_before) {
      if (st.norm.tensors.empty() || st.norm.tensors.back().tensor != index) {
        drift::NormTensor t;
        t.tensor = index;
        st.norm.tensors.push_back(t);
      }
      st.norm.tensors.back().base_squares = st.norm.tensors.back().base_squares || budget_q;
    }
  }
  for (const commitment::TensorRecord& c : candidate.tensors) {
    if (base.find(c.name) == nullptr) {
      out.violations.push_back(fmt::format("tensor {} was added in the candidate", quote_untrusted(c.name)));
    }
  }
  for (const policy::Budget& budget : policy.budgets()) {
    std::uint32_t count = 0;
    for (const commitment::TensorRecord& b : base.tensors) count += policy.in_budget(budget, b.name) ? 1u : 0u;
    if (count == 0) continue;
    const auto key = static_cast<std::uint32_t>(kBudgetRuleBase + budget.index);
    if (budget.norm && budget.norm->frobenius) {
      NormBudget nb;
      nb.name = budget.name.substr(0, kMaxUncoveredText);
      for (std::size_t p = 0; p < st.norm.tensors.size(); ++p) {
        if (policy.in_budget(budget, base.tensors[st.norm.tensors[p].tensor].name)) {
          nb.positions.push_back(static_cast<std::uint32_t>(p));
        }
      }
      set_exact_bounds(nb, *budget.norm->frobenius);
      st.norm_budgets.push_back(std::move(nb));
    }
    if (const auto it = budget_uncovered.find({key, "budget.norm.max_abs"}); it != budget_uncovered.end()) {
      uncovered[it->first] = it->second;
    }
    if (!budget.sparsity) continue;
    const CountBudgetPlan& plan = count_plans[budget.index];
    if (!plan.certifiable) {
      uncovered[{key, "budget.sparsity"}] = count;
      continue;
    }
    CountBudget cb;
    cb.name = budget.name.substr(0, kMaxUncoveredText);
    cb.max_changed = plan.max_changed;
    for (const std::uint32_t t : plan.members) {
      for (std::size_t p = 0; p < st.entries.size(); ++p) {
        if (st.entries[p].tensor == t) cb.positions.push_back(static_cast<std::uint32_t>(p));
      }
    }
    st.count_budgets.push_back(std::move(cb));
  }
  if (st.norm.tensors.size() > drift::kMaxNormTensors) {
    throw Error(ErrorCode::kLimit, fmt::format("{} tensors under Frobenius-norm rules; one certificate proves at "
                                               "most {} (v1)",
                                               st.norm.tensors.size(), drift::kMaxNormTensors));
  }
  if (st.entries.size() > kMaxEntryTensors) {
    throw Error(ErrorCode::kLimit, fmt::format("{} tensors under max_abs or sparsity rules; one certificate proves "
                                               "at most {} (v1)",
                                               st.entries.size(), kMaxEntryTensors));
  }
  if (st.rank.size() > kMaxRankTensors) {
    throw Error(ErrorCode::kLimit, fmt::format("{} tensors under rank rules; one certificate proves at most {}",
                                               st.rank.size(), kMaxRankTensors));
  }
  for (const auto& [key, count] : uncovered) {
    const bool is_budget = key.first >= kBudgetRuleBase;
    const std::string rule_name = is_budget ? "budget:" + policy.budgets()[key.first - kBudgetRuleBase].name
                                            : policy.rules()[key.first].name;
    st.uncovered.push_back({rule_name.substr(0, kMaxUncoveredText), key.second, count});
  }
  return out;
}

std::vector<std::uint8_t> serialize_statement(const CertStatement& st) {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(st.frozen.size()));
  for (const std::uint32_t i : st.frozen) w.u32(i);
  w.u32(static_cast<std::uint32_t>(st.allowed.size()));
  for (const std::uint32_t i : st.allowed) w.u32(i);
  w.u32(st.norm.range_limb_bits);
  w.u32(static_cast<std::uint32_t>(st.norm.tensors.size()));
  for (const drift::NormTensor& t : st.norm.tensors) {
    w.u32(t.tensor);
    w.u8(t.base_squares ? 1 : 0);
    w.u8(static_cast<std::uint8_t>(t.bound.kind));
    w.u128(t.bound.max_delta_squares);
    w.u64(t.bound.num);
    w.u64(t.bound.den);
  }
  w.u32(static_cast<std::uint32_t>(st.extra_absolute.size()));
  for (const AbsoluteCheck& a : st.extra_absolute) {
    w.u32(a.position);
    w.u128(a.max_delta_squares);
  }
  w.u32(static_cast<std::uint32_t>(st.uncovered.size()));
  for (const Uncovered& u : st.uncovered) {
    w.text(u.rule);
    w.text(u.what);
    w.u32(u.tensors);
  }
  w.u32(static_cast<std::uint32_t>(st.rank.size()));
  for (const RankEntry& e : st.rank) {
    w.u32(e.tensor);
    w.u32(e.rank);
    w.u32(e.factor_bits);
    w.u32(e.shift);
    w.u8(static_cast<std::uint8_t>((e.has_absolute ? 1 : 0) | (e.has_relative ? 2 : 0)));
    w.u128(e.max_residual_squares);
    w.u64(e.num);
    w.u64(e.den);
    w.u32(e.norm_position);
    w.u8(static_cast<std::uint8_t>(e.head_axis));
    w.u32(e.head_block_vars);
  }
  w.u32(static_cast<std::uint32_t>(st.entries.size()));
  for (const EntryEntry& e : st.entries) {
    w.u32(e.tensor);
    w.u8(static_cast<std::uint8_t>((e.has_max_abs ? 1 : 0) | (e.has_count ? 2 : 0)));
    w.u64(e.max_abs);
    w.u64(e.max_changed);
    w.u64(e.slack);
  }
  w.u32(static_cast<std::uint32_t>(st.count_budgets.size()));
  for (const CountBudget& b : st.count_budgets) {
    w.text(b.name);
    w.u64(b.max_changed);
    w.u32(static_cast<std::uint32_t>(b.positions.size()));
    for (const std::uint32_t p : b.positions) w.u32(p);
  }
  w.u32(static_cast<std::uint32_t>(st.norm_budgets.size()));
  for (const NormBudget& b : st.norm_budgets) {
    w.text(b.name);
    w.u8(static_cast<std::uint8_t>((b.has_absolute ? 1 : 0) | (b.has_relative ? 2 : 0)));
    w.u64(b.absolute.mantissa);
    w.u32(static_cast<std::uint32_t>(b.absolute.exponent));
    w.u64(b.num);
    w.u64(b.den);
    w.u32(static_cast<std::uint32_t>(b.positions.size()));
    for (const std::uint32_t p : b.positions) w.u32(p);
  }
  return std::move(w.bytes());
}

bool parse_statement(std::span<const std::uint8_t> bytes, CertStatement& out, std::string& error) {
  ByteReader r(bytes);
  CertStatement st;
  const auto indices = [&](std::vector<std::uint32_t>& v, const char* field) {
    const std::size_t n = r.count(field, kMaxStatementTensors, 4);
    v.reserve(n);
    for (std::size_t i = 0; i < n && r.ok(); ++i) {
      v.push_back(r.u32(field));
      if (i > 0 && v[i] <= v[i - 1]) r.fail(std::string(field) + ": indices not strictly ascending");
    }
  };
  indices(st.frozen, "statement.frozen");
  indices(st.allowed, "statement.allowed");
  st.norm.range_limb_bits = r.u32("statement.range_limb_bits");
  const std::size_t t = r.count("statement.norm_tensors", drift::kMaxNormTensors, 38);
  st.norm.tensors.reserve(t);
  for (std::size_t i = 0; i < t && r.ok(); ++i) {
    drift::NormTensor n;
    n.tensor = r.u32("statement.norm.tensor");
    const std::uint8_t squares = r.u8("statement.norm.base_squares");
    const std::uint8_t kind = r.u8("statement.norm.kind");
    n.bound.max_delta_squares = r.u128("statement.norm.max_delta_squares");
    n.bound.num = r.u64("statement.norm.num");
    n.bound.den = r.u64("statement.norm.den");
    if (squares > 1 || kind > 2) r.fail("statement.norm: flag or bound kind out of range");
    n.base_squares = squares == 1;
    n.bound.kind = static_cast<drift::NormBoundKind>(kind);
    st.norm.tensors.push_back(n);
  }
  const std::size_t x = r.count("statement.extra_absolute", drift::kMaxNormTensors, 20);
  for (std::size_t i = 0; i < x && r.ok(); ++i) {
    AbsoluteCheck a;
    a.position = r.u32("statement.extra_absolute.position");
    a.max_delta_squares = r.u128("statement.extra_absolute.bound");
    if (a.position >= st.norm.tensors.size()) r.fail("statement.extra_absolute: position out of range");
    st.extra_absolute.push_back(a);
  }
  const std::size_t u = r.count("statement.uncovered", kMaxUncovered, 12);
  for (std::size_t i = 0; i < u && r.ok(); ++i) {
    Uncovered e;
    e.rule = r.text("statement.uncovered.rule", kMaxUncoveredText);
    e.what = r.text("statement.uncovered.class", kMaxUncoveredText);
    e.tensors = r.u32("statement.uncovered.tensors");
    st.uncovered.push_back(std::move(e));
  }
  const std::size_t k = r.count("statement.rank", kMaxRankTensors, 58);
  st.rank.reserve(k);
  for (std::size_t i = 0; i < k && r.ok(); ++i) {
    RankEntry e;
    e.tensor = r.u32("statement.rank.tensor");
    e.rank = r.u32("statement.rank.r");
    e.factor_bits = r.u32("statement.rank.factor_bits");
    e.shift = r.u32("statement.rank.shift");
    const std::uint8_t flags = r.u8("statement.rank.flags");
    e.max_residual_squares = r.u128("statement.rank.max_residual_squares");
    e.num = r.u64("statement.rank.num");
    e.den = r.u64("statement.rank.den");
    e.norm_position = r.u32("statement.rank.norm_position");
    const std::uint8_t axis = r.u8("statement.rank.head_axis");
    e.head_block_vars = r.u32("statement.rank.head_block_vars");
    if (flags == 0 || flags > 3) r.fail("statement.rank: no bound or unknown flags");
    if (axis > static_cast<std::uint8_t>(drift::RankHeadAxis::kCols) ||
        (axis == 0 && e.head_block_vars != 0) || e.head_block_vars > commitment::kMaxTableVars) {
      r.fail("statement.rank: unknown head axis or head size");
    }
    e.head_axis = static_cast<drift::RankHeadAxis>(axis);
    e.has_absolute = (flags & 1) != 0;
    e.has_relative = (flags & 2) != 0;
    if (i > 0 && e.tensor <= st.rank.back().tensor) r.fail("statement.rank: tensors not strictly ascending");
    if (e.has_relative && (e.den == 0 || e.norm_position >= st.norm.tensors.size() ||
                           st.norm.tensors[e.norm_position].tensor != e.tensor ||
                           !st.norm.tensors[e.norm_position].base_squares)) {
      r.fail("statement.rank: the relative bound's norm tensor is not this tensor with base squares");
    }
    st.rank.push_back(e);
  }
  const std::size_t entries = r.count("statement.entries", kMaxEntryTensors, 29);
  st.entries.reserve(entries);
  for (std::size_t i = 0; i < entries && r.ok(); ++i) {
    EntryEntry e;
    e.tensor = r.u32("statement.entry.tensor");
    const std::uint8_t flags = r.u8("statement.entry.flags");
    e.max_abs = r.u64("statement.entry.max_abs");
    e.max_changed = r.u64("statement.entry.max_changed");
    e.slack = r.u64("statement.entry.slack");
    if (flags == 0 || flags > 3) r.fail("statement.entry: no claim or unknown flags");
    e.has_max_abs = (flags & 1) != 0;
    e.has_count = (flags & 2) != 0;
    if ((!e.has_max_abs && e.max_abs != 0) || (!e.has_count && e.max_changed != drift::kNoCountBound)) {
      r.fail("statement.entry: a bound without its claim");
    }
    if (i > 0 && e.tensor <= st.entries.back().tensor) r.fail("statement.entry: tensors not strictly ascending");
    st.entries.push_back(e);
  }
  const std::size_t budgets = r.count("statement.count_budgets", kMaxCountBudgets, 16);
  for (std::size_t i = 0; i < budgets && r.ok(); ++i) {
    CountBudget b;
    b.name = r.text("statement.count_budget.name", kMaxUncoveredText);
    b.max_changed = r.u64("statement.count_budget.max_changed");
    const std::size_t n = r.count("statement.count_budget.positions", kMaxEntryTensors, 4);
    for (std::size_t j = 0; j < n && r.ok(); ++j) {
      b.positions.push_back(r.u32("statement.count_budget.position"));
      if (b.positions.back() >= st.entries.size() || !st.entries[b.positions.back()].has_count ||
          (j > 0 && b.positions[j] <= b.positions[j - 1])) {
        r.fail("statement.count_budget: a position out of range, without a count, or not ascending");
      }
    }
    st.count_budgets.push_back(std::move(b));
  }
  const std::size_t norm_budgets = r.count("statement.norm_budgets", kMaxNormBudgets, 37);
  for (std::size_t i = 0; i < norm_budgets && r.ok(); ++i) {
    NormBudget b;
    b.name = r.text("statement.norm_budget.name", kMaxUncoveredText);
    const std::uint8_t flags = r.u8("statement.norm_budget.flags");
    b.absolute.mantissa = r.u64("statement.norm_budget.mantissa");
    b.absolute.exponent = static_cast<std::int32_t>(r.u32("statement.norm_budget.exponent"));
    b.num = r.u64("statement.norm_budget.num");
    b.den = r.u64("statement.norm_budget.den");
    if (flags == 0 || flags > 3) r.fail("statement.norm_budget: no bound or unknown flags");
    b.has_absolute = (flags & 1) != 0;
    b.has_relative = (flags & 2) != 0;
    if (b.has_relative && b.den == 0) r.fail("statement.norm_budget: zero denominator");
    if (b.absolute.exponent < -400 || b.absolute.exponent > 400) r.fail("statement.norm_budget: exponent out of range");
    const std::size_t n = r.count("statement.norm_budget.positions", drift::kMaxNormTensors, 4);
    for (std::size_t j = 0; j < n && r.ok(); ++j) {
      b.positions.push_back(r.u32("statement.norm_budget.position"));
      if (b.positions.back() >= st.norm.tensors.size() || (j > 0 && b.positions[j] <= b.positions[j - 1]) ||
          (b.has_relative && !st.norm.tensors[b.positions.back()].base_squares)) {
        r.fail("statement.norm_budget: a position out of range, not ascending, or without base squares");
      }
    }
    st.norm_budgets.push_back(std::move(b));
  }
  if (r.ok() && r.left() != 0) r.fail(std::to_string(r.left()) + " trailing bytes after the statement");
  if (!r.ok()) {
    error = r.error();
    return false;
  }
  out = std::move(st);
  return true;
}

}  // namespace fti::certify

#include "engine/certify/statement.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <utility>

#include "engine/certify/byte_io.h"
#include "engine/certify/exact_bound.h"
#include "engine/common/error.h"
#include "engine/tensor/dtype.h"

namespace fti::certify {
namespace {

constexpr std::uint32_t kBudgetRuleBase = 0x80000000u;

}  // namespace

StatementBuild build_statement(const policy::Policy& policy, const commitment::ModelCommitment& base,
                               const commitment::ModelCommitment& candidate) {
  StatementBuild out;
  CertStatement& st = out.statement;
  // (rule index, class) -> tensors, in rule order; budgets after the rules.
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> uncovered;
  const auto note = [&](std::uint32_t rule, const std::string& what) { ++uncovered[{rule, what}]; };

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
    if (rule == nullptr) {
      switch (policy.default_action()) {
        case policy::DefaultAction::kViolation:
          out.violations.push_back(
              fmt::format("tensor {}: no rule matches and the policy's default is violation", name));
          break;
        case policy::DefaultAction::kFrozen: st.frozen.push_back(index); break;
        case policy::DefaultAction::kAllow: st.allowed.push_back(index); break;
      }
      continue;
    }
    const auto rule_index = static_cast<std::uint32_t>(rule->index);
    if (rule->frozen) {
      st.frozen.push_back(index);
      continue;
    }
    if (rule->allow) {
      st.allowed.push_back(index);
      continue;
    }
    if (rule->norm && rule->norm->frobenius) {
      if (c->scale != b.scale) {
        out.violations.push_back(fmt::format(
            "tensor {}: the candidate is not committed at the base's scale ({} vs {})", name, c->scale, b.scale));
        continue;
      }
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
    if (rule->norm && rule->norm->max_abs) note(rule_index, "norm.max_abs");
    if (rule->rank) note(rule_index, "rank");
    if (rule->sparsity) note(rule_index, "sparsity");
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
    if (budget.norm) uncovered[{key, "budget.norm"}] = count;
    if (budget.sparsity) uncovered[{key, "budget.sparsity"}] = count;
  }
  if (st.norm.tensors.size() > drift::kMaxNormTensors) {
    throw Error(ErrorCode::kLimit, fmt::format("{} tensors under Frobenius-norm rules; one certificate proves at "
                                               "most {} (v1)",
                                               st.norm.tensors.size(), drift::kMaxNormTensors));
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
  if (r.ok() && r.left() != 0) r.fail(std::to_string(r.left()) + " trailing bytes after the statement");
  if (!r.ok()) {
    error = r.error();
    return false;
  }
  out = std::move(st);
  return true;
}

}  // namespace fti::certify

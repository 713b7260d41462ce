// The gate's verdicts on generated checkpoints: every drift class, the
// default, structural changes, budgets, and exact decisions at the edge of a
// bound (one ulp either side).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "engine/gate/exact_bounds.h"
#include "engine/gate/gate.h"
#include "policy/policy_parser.h"
#include "registry/safetensors_writer.h"
#include "tests/gate/gate_helpers.h"
#include "tests/support/temp_dir.h"

namespace fti::gate {
namespace {

// Writes both checkpoints and runs the gate with `policy_text`.
class GateRun {
 public:
  reports::Report run(const std::string& policy_text, const std::vector<TensorData>& base,
                      const std::vector<TensorData>& candidate) {
    write_safetensors(dir_ / "base.safetensors", base);
    write_safetensors(dir_ / "cand.safetensors", candidate);
    const policy::Policy policy = policy::parse_policy(policy_text, "policy.yaml");
    const Checkpoint b = Checkpoint::open_local(dir_ / "base.safetensors");
    const Checkpoint c = Checkpoint::open_local(dir_ / "cand.safetensors");
    return run_gate(policy, b, c);
  }

 private:
  testing::TempDir dir_;
};

const reports::TensorReport& tensor(const reports::Report& r, const std::string& name) {
  for (const auto& t : r.tensors) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

const reports::Check* check(const reports::TensorReport& t, const std::string& name) {
  for (const auto& c : t.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string header(const std::string& default_action = "violation") {
  return "version: 1\ndefault: " + default_action + "\n";
}

TEST(Gate, FrozenPassesBitIdenticalAndBlocksOneFlippedBit) {
  GateRun gate;
  const std::vector<TensorData> base = {f32("a.weight", {2, 2}, {1, 2, 3, 4})};
  std::vector<TensorData> cand = base;
  const std::string policy = header() + "rules:\n  - name: all\n    match: '**'\n    frozen: true\n";
  reports::Report r = gate.run(policy, base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kPass);
  EXPECT_EQ(tensor(r, "a.weight").rule, "all");
  EXPECT_EQ(tensor(r, "a.weight").rule_line, 4);

  cand[0].bytes[5] ^= 1;  // lowest mantissa bit of element 1
  r = gate.run(policy, base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);
  const reports::Check* frozen = check(tensor(r, "a.weight"), "frozen");
  ASSERT_NE(frozen, nullptr);
  EXPECT_FALSE(frozen->pass);
  EXPECT_NE(frozen->message.find("1 of 4 elements changed"), std::string::npos) << frozen->message;
}

TEST(Gate, SignedZeroIsAChangeForFrozen) {
  GateRun gate;
  const std::vector<TensorData> base = {f32("z", {2}, {0.0f, 1.0f})};
  const std::vector<TensorData> cand = {f32("z", {2}, {-0.0f, 1.0f})};
  const reports::Report r = gate.run(header() + "rules: [{name: z, match: z, frozen: true}]\n", base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);
}

TEST(Gate, DefaultDecidesUnmatchedTensors) {
  GateRun gate;
  const std::vector<TensorData> base = {f32("ruled", {2}, {1, 2}), f32("other", {2}, {1, 2})};
  std::vector<TensorData> cand = {f32("ruled", {2}, {1, 2}), f32("other", {2}, {1, 3})};
  const std::string rules = "rules: [{name: r, match: ruled, frozen: true}]\n";

  reports::Report r = gate.run(header("violation") + rules, base, base);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation) << "unmatched tensors violate even when unchanged";
  EXPECT_EQ(tensor(r, "other").rule, "");
  EXPECT_EQ(tensor(r, "other").rule_line, 2);
  ASSERT_NE(check(tensor(r, "other"), "default"), nullptr);

  EXPECT_EQ(gate.run(header("frozen") + rules, base, base).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(header("frozen") + rules, base, cand).verdict, reports::Verdict::kViolation);
  EXPECT_EQ(gate.run(header("allow") + rules, base, cand).verdict, reports::Verdict::kPass);
}

TEST(Gate, StructuralChangesViolateEvenUnderAllow) {
  GateRun gate;
  const std::string policy = header() + "rules: [{name: anything, match: '**', allow: true}]\n";
  const std::vector<TensorData> base = {f32("a", {2}, {1, 2}), f32("b", {2}, {1, 2}), f32("c", {4}, {1, 2, 3, 4})};
  EXPECT_EQ(gate.run(policy, base, base).verdict, reports::Verdict::kPass);

  std::vector<TensorData> added = base;
  added.push_back(f32("d", {1}, {0}));
  reports::Report r = gate.run(policy, base, added);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);
  EXPECT_EQ(tensor(r, "d").status, "added");
  EXPECT_FALSE(check(tensor(r, "d"), "structure")->pass);

  std::vector<TensorData> removed(base.begin(), base.begin() + 2);
  r = gate.run(policy, base, removed);
  EXPECT_EQ(tensor(r, "c").status, "removed");
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);

  std::vector<TensorData> reshaped = base;
  reshaped[2].spec.shape = {2, 2};
  r = gate.run(policy, base, reshaped);
  EXPECT_NE(check(tensor(r, "c"), "structure")->message.find("shape [4] became [2, 2]"), std::string::npos);

  std::vector<TensorData> retyped = base;
  retyped[0] = {{"a", DType::kI32, {2}}, std::vector<std::uint8_t>(8, 0)};
  r = gate.run(policy, base, retyped);
  EXPECT_NE(check(tensor(r, "a"), "structure")->message.find("dtype F32 became I32"), std::string::npos);
}

TEST(Gate, FrobeniusBoundsAreDecidedExactlyAtTheEdge) {
  GateRun gate;
  // Delta = (3, 4): ||Delta|| = 5 exactly; ||Base|| = ||(0, 12, 0, 5)|| = 13.
  const std::vector<TensorData> base = {f32("w", {4}, {0, 12, 0, 5})};
  const std::vector<TensorData> cand = {f32("w", {4}, {3, 12, 4, 5})};
  const auto policy = [](const std::string& bound) {
    return header() + "rules: [{name: w, match: w, norm: {frobenius: {" + bound + "}}}]\n";
  };
  EXPECT_EQ(gate.run(policy("absolute: 5"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("absolute: 4.999999999999999"), base, cand).verdict, reports::Verdict::kViolation);
  // 5/13 = 0.384615384615...; the double nearest 0.38461538461538464 is above it.
  EXPECT_EQ(gate.run(policy("relative: 0.38461538461538464"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("relative: 0.3846153846153846"), base, cand).verdict, reports::Verdict::kViolation);
  const reports::Report r = gate.run(policy("absolute: 6, relative: 0.5"), base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kPass);
  const reports::Check* rel = check(tensor(r, "w"), "frobenius.relative");
  ASSERT_NE(rel, nullptr);
  EXPECT_DOUBLE_EQ(rel->measured, 5.0 / 13.0);
  EXPECT_EQ(rel->bound, 0.5);
}

TEST(Gate, MaxAbsAndSparsity) {
  GateRun gate;
  std::vector<float> b(10, 1.0f), c(10, 1.0f);
  c[1] = 1.5f;
  c[4] = 0.75f;
  c[9] = 2.0f;  // |Delta| = 1
  const std::vector<TensorData> base = {f32("w", {10}, b)};
  const std::vector<TensorData> cand = {f32("w", {10}, c)};
  const auto policy = [](const std::string& classes) {
    return header() + "rules: [{name: w, match: w, " + classes + "}]\n";
  };
  EXPECT_EQ(gate.run(policy("norm: {max_abs: 1}"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("norm: {max_abs: 0.9999999}"), base, cand).verdict, reports::Verdict::kViolation);
  EXPECT_EQ(gate.run(policy("sparsity: {max_changed: 3}"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("sparsity: {max_changed: 2}"), base, cand).verdict, reports::Verdict::kViolation);
  // 3 of 10 is within 0.3 (and 30%) as written, although the double 0.3 is below 3/10.
  EXPECT_EQ(gate.run(policy("sparsity: {max_fraction: 0.3}"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("sparsity: {max_fraction: 30%}"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("sparsity: {max_fraction: 0.29999999}"), base, cand).verdict,
            reports::Verdict::kViolation);
}

TEST(Gate, NonFiniteChangesViolateEveryBoundButAllow) {
  GateRun gate;
  const std::vector<TensorData> base = {f32("w", {3}, {1, 2, 3})};
  const std::vector<TensorData> cand = {f32("w", {3}, {1, NAN, 3})};
  const auto policy = [](const std::string& classes) {
    return header() + "rules: [{name: w, match: w, " + classes + "}]\n";
  };
  reports::Report r = gate.run(policy("norm: {frobenius: {absolute: 100}}"), base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);
  ASSERT_NE(check(tensor(r, "w"), "finite"), nullptr);
  EXPECT_EQ(gate.run(policy("sparsity: {max_changed: 5}"), base, cand).verdict, reports::Verdict::kViolation);
  EXPECT_EQ(gate.run(policy("allow: true"), base, cand).verdict, reports::Verdict::kPass);
}

// A rank-2 update of a 24x16 matrix, exactly representable in F32.
void rank_two_update(std::vector<TensorData>& base, std::vector<TensorData>& cand, float noise) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> b(24 * 16), c(24 * 16);
  for (float& x : b) x = uniform(rng);
  std::vector<float> u1(24), u2(24), v1(16), v2(16);
  for (auto* v : {&u1, &u2}) for (float& x : *v) x = uniform(rng);
  for (auto* v : {&v1, &v2}) for (float& x : *v) x = uniform(rng);
  for (std::size_t i = 0; i < 24; ++i) {
    for (std::size_t j = 0; j < 16; ++j) {
      c[i * 16 + j] = b[i * 16 + j] + 0.1f * (u1[i] * v1[j] + u2[i] * v2[j]) + noise * uniform(rng);
    }
  }
  base = {f32("model.layers.0.self_attn.q_proj.weight", {24, 16}, b)};
  cand = {f32("model.layers.0.self_attn.q_proj.weight", {24, 16}, c)};
}

TEST(Gate, RankRulesWithAndWithoutResidual) {
  GateRun gate;
  std::vector<TensorData> base, cand;
  rank_two_update(base, cand, 1e-4f);
  const auto policy = [](const std::string& rank) {
    return header() + "rules: [{name: q, match: '**.q_proj.weight', rank: {" + rank + "}}]\n";
  };
  reports::Report r = gate.run(policy("max: 2, residual: {relative: 0.001}"), base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kPass);
  const reports::TensorReport& q = tensor(r, "model.layers.0.self_attn.q_proj.weight");
  ASSERT_TRUE(q.rank);
  EXPECT_EQ(q.rank->method, "dense-svd");
  EXPECT_EQ(q.rank->max_rank, 2u);
  EXPECT_EQ(gate.run(policy("max: 1, residual: {relative: 0.001}"), base, cand).verdict,
            reports::Verdict::kViolation);
  // Without a residual bound the noise counts unless the tolerance hides it.
  EXPECT_EQ(gate.run(policy("max: 2"), base, cand).verdict, reports::Verdict::kPass);  // noise << 1e-3 sigma_1
  rank_two_update(base, cand, 0.05f);
  EXPECT_EQ(gate.run(policy("max: 2"), base, cand).verdict, reports::Verdict::kViolation);
  // A rank as large as the smaller side admits anything, without an SVD.
  r = gate.run(policy("max: 16"), base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kPass);
  EXPECT_FALSE(tensor(r, "model.layers.0.self_attn.q_proj.weight").rank);
}

TEST(Gate, RankRuleOnAVectorIsAViolationNamingWhy) {
  GateRun gate;
  const std::vector<TensorData> base = {f32("norm.weight", {4}, {1, 1, 1, 1})};
  const std::vector<TensorData> cand = {f32("norm.weight", {4}, {1, 2, 1, 1})};
  const reports::Report r =
      gate.run(header() + "rules: [{name: n, match: norm.weight, rank: {max: 1}}]\n", base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);
  const reports::Check* c = check(tensor(r, "norm.weight"), "rank");
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->message.find("needs a matrix"), std::string::npos) << c->message;
}

// A 16x8 matrix (row-major) plus a rank-1 update in each block of 4 rows:
// rank 1 per block, rank 4 overall.
std::vector<float> rank_one_per_row_block(std::vector<float> m) {
  for (std::size_t h = 0; h < 4; ++h) {
    for (std::size_t i = 0; i < 4; ++i) {
      for (std::size_t j = 0; j < 8; ++j) {
        m[(h * 4 + i) * 8 + j] += static_cast<float>((i + 1) * ((j + h) % 3 + 1)) * 0.125f;
      }
    }
  }
  return m;
}

TEST(Gate, PerHeadRankFollowsTheStoredOrientation) {
  GateRun gate;
  // 4 heads of 4 rows over 8 columns; each head gets its own rank-1 update:
  // rank 1 per head, rank 4 overall.
  const std::vector<float> b(16 * 8, 0.5f), c = rank_one_per_row_block(b);
  const std::vector<TensorData> base = {f32("model.layers.0.self_attn.k_proj.weight", {16, 8}, b)};
  const std::vector<TensorData> cand = {f32("model.layers.0.self_attn.k_proj.weight", {16, 8}, c)};
  const auto policy = [](const std::string& extra) {
    return header() + "rules: [{name: k, match: '**.k_proj.weight', rank: {max: 1" + extra + "}}]\n";
  };
  EXPECT_EQ(gate.run(policy(", per_head: {heads: 4, axis: out}"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy(""), base, cand).verdict, reports::Verdict::kViolation);
  // Cut along the other side, the heads are not rank 1.
  EXPECT_EQ(gate.run(policy(", per_head: {heads: 4, axis: in}"), base, cand).verdict, reports::Verdict::kViolation);
  const reports::Report r = gate.run(policy(", per_head: {heads: 3, axis: out}"), base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kViolation);
  EXPECT_NE(check(tensor(r, "model.layers.0.self_attn.k_proj.weight"), "rank")->message.find("heads"),
            std::string::npos);
}

TEST(Gate, PerHeadRankOnATransposedGpt2Weight) {
  GateRun gate;
  // GPT-2's attn.c_proj is stored (in, out) with the heads along `in`: the
  // stored rows. Each block of 4 stored rows gets a rank-1 update.
  const std::vector<float> b(16 * 8, 0.5f), c = rank_one_per_row_block(b);
  const std::string name = "h.0.attn.c_proj.weight";
  const std::vector<TensorData> base = {f32(name, {16, 8}, b)};
  const std::vector<TensorData> cand = {f32(name, {16, 8}, c)};
  const auto policy = [](const std::string& per_head) {
    return "version: 1\npreset: gpt2\nrules: [{name: p, match: '**.c_proj.weight', rank: {max: 1, per_head: {" +
           per_head + "}}}]\n";
  };
  EXPECT_EQ(gate.run(policy("heads: 4"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("heads: 4, axis: in"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("heads: 4, axis: out"), base, cand).verdict, reports::Verdict::kViolation);
}

TEST(Gate, BudgetsSumOverTheirTensorsExactly) {
  GateRun gate;
  // Two tensors with ||Delta|| = 3 and 4: the total is 5 exactly.
  const std::vector<TensorData> base = {f32("l.0.w", {2}, {0, 0}), f32("l.1.w", {2}, {0, 0}),
                                        f32("head", {1}, {0})};
  const std::vector<TensorData> cand = {f32("l.0.w", {2}, {3, 0}), f32("l.1.w", {2}, {0, 4}),
                                        f32("head", {1}, {100})};
  const auto policy = [](const std::string& budget) {
    return header() + "rules: [{name: all, match: '**', allow: true}]\nbudgets:\n  - name: layers\n    over: 'l.*.w'\n" +
           budget;
  };
  reports::Report r = gate.run(policy("    norm: {frobenius: {absolute: 5}}\n"), base, cand);
  EXPECT_EQ(r.verdict, reports::Verdict::kPass);
  ASSERT_EQ(r.budgets.size(), 1u);
  EXPECT_EQ(r.budgets[0].tensors, 2u);
  EXPECT_EQ(r.budgets[0].line, 5);
  EXPECT_EQ(gate.run(policy("    norm: {frobenius: {absolute: 4.999999999999999}}\n"), base, cand).verdict,
            reports::Verdict::kViolation);
  EXPECT_EQ(gate.run(policy("    sparsity: {max_changed: 2}\n"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("    sparsity: {max_fraction: 0.5}\n"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("    sparsity: {max_fraction: 0.49}\n"), base, cand).verdict,
            reports::Verdict::kViolation);
  EXPECT_EQ(gate.run(policy("    norm: {max_abs: 4}\n"), base, cand).verdict, reports::Verdict::kPass);
  EXPECT_EQ(gate.run(policy("    norm: {max_abs: 3.5}\n"), base, cand).verdict, reports::Verdict::kViolation);
}

TEST(ExactBounds, FractionsAreTheDecimalsAsWritten) {
  EXPECT_TRUE(count_at_most_fraction(0, 0, 0));
  EXPECT_FALSE(count_at_most_fraction(1, 10, 0));
  EXPECT_TRUE(count_at_most_fraction(3, 10, 0.3));
  EXPECT_FALSE(count_at_most_fraction(4, 10, 0.3));
  EXPECT_TRUE(count_at_most_fraction(1, 3, 0.33333333333333337));
  EXPECT_FALSE(count_at_most_fraction(1, 3, 0.3333333333333333));
  EXPECT_TRUE(count_at_most_fraction(UINT64_MAX, UINT64_MAX, 1.0));
  EXPECT_FALSE(count_at_most_fraction(UINT64_MAX, UINT64_MAX, 0.9999999999999999));
  EXPECT_TRUE(count_at_most_fraction(1, UINT64_MAX, 1e-19));
  EXPECT_FALSE(count_at_most_fraction(1, 1000, 1e-300));
  EXPECT_TRUE(count_at_most_fraction(7, 700000, 1e-5));
  EXPECT_FALSE(count_at_most_fraction(8, 700000, 1e-5));
}

}  // namespace
}  // namespace fti::gate

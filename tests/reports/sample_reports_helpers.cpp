#include <fmt/core.h>

#include <limits>

#include "tests/reports/sample_reports.h"

namespace fti::reports::testing {

TensorReport compared_tensor(const std::string& name, std::uint64_t changed, double delta_norm, double base_norm) {
  TensorReport t;
  t.name = name;
  t.status = "compared";
  t.dtype = "BF16";
  t.shape = {4, 4};
  t.elements = 16;
  t.has_stats = true;
  t.changed = changed;
  t.delta_norm = delta_norm;
  t.base_norm = base_norm;
  t.max_abs_delta = delta_norm / 2;
  t.verdict = Verdict::kPass;
  return t;
}

namespace {

Report gate_skeleton() {
  Report r;
  r.kind = "gate";
  r.fti_version = "0.1.0";
  r.base.source = "base/";
  r.base.files.push_back({"model.safetensors", "base/model.safetensors", std::string(64, 'a'), 100});
  r.candidate.source = "hf://org/cand";
  r.candidate.resolved = "hf://org/cand@0123";
  r.candidate.files.push_back({"model.safetensors", "hf://org/cand@0123/model.safetensors", std::string(64, 'c'), 100});
  r.policy = PolicyInfo{"policy.yaml", std::string(64, 'b'), 1, "llama"};
  r.analysis_seconds = 1.25;
  return r;
}

}  // namespace

Report violating_gate_report() {
  Report r = gate_skeleton();
  r.rules = {{"embeddings", 3, "model.embed_tokens.weight"},
             {"attention", 7, "model.layers.*.self_attn.*"},
             {"mlp", 11, "model.layers.*.mlp.*"},
             {"head", 15, "lm_head.weight"}};

  TensorReport embed = compared_tensor("model.embed_tokens.weight", 4, 0.5, 2.0);
  embed.rule = "embeddings";
  embed.rule_line = 3;
  embed.checks = {{"frozen", 4, 0, false, "4 elements changed; the rule says frozen"}};
  embed.verdict = Verdict::kViolation;

  TensorReport q = compared_tensor("model.layers.0.self_attn.q_proj.weight", 4, 0.5, 2.0);
  q.rule = "attention";
  q.rule_line = 7;
  q.checks = {{"frobenius.relative", 0.25, 0.3, true, "relative norm 0.25 <= 0.3"}};

  TensorReport k = compared_tensor("model.layers.0.self_attn.k_proj.weight", 0, 0, 2.0);
  k.rule = "attention";
  k.rule_line = 7;
  k.checks = {{"frobenius.relative", 0, 0.3, true, "relative norm 0 <= 0.3"}};

  TensorReport down = compared_tensor("model.layers.3.mlp.down_proj.weight", 16, std::numeric_limits<double>::quiet_NaN(), 1.0);
  down.nonfinite_candidate = 3;
  down.max_abs_delta = std::numeric_limits<double>::quiet_NaN();
  down.rule = "mlp";
  down.rule_line = 11;
  down.checks = {{"frobenius.absolute", std::numeric_limits<double>::quiet_NaN(), 0.5, false,
                  "the candidate holds 3 non-finite values"}};
  down.verdict = Verdict::kViolation;

  TensorReport up = compared_tensor("model.layers.3.mlp.up_proj.weight", 2, 0.001, 1.0);
  up.rule = "mlp";
  up.rule_line = 11;
  up.checks = {{"frobenius.absolute", 0.001, 0.5, true, "norm 0.001 <= 0.5"}};
  RankFigures rank;
  rank.method = "dense-svd";
  rank.max_rank = 2;
  rank.numerical_rank = 1;
  rank.residual_norm = 1e-6;
  up.rank = rank;

  TensorReport norm = compared_tensor("model.norm.weight", 0, 0, 1.0);  // no rule: the default (allow)

  TensorReport added;
  added.name = "model.extra.bias";
  added.status = "added";
  added.dtype = "F32";
  added.shape = {2};
  added.elements = 2;
  added.checks = {{"structure", 1, 0, false, "tensor added by the candidate"}};
  added.verdict = Verdict::kViolation;

  TensorReport removed = added;
  removed.name = "model.layers.1.self_attn.rotary_emb.inv_freq";
  removed.status = "removed";
  removed.checks = {{"structure", 1, 0, false, "tensor removed by the candidate"}};

  TensorReport reshaped = added;
  reshaped.name = "lm_head.weight";
  reshaped.status = "reshaped";
  reshaped.shape = {4, 4};
  reshaped.candidate_shape = {4, 8};
  reshaped.checks = {{"structure", 1, 0, false, "shape [4, 4] became [4, 8]"}};

  r.tensors = {embed, q, k, down, up, norm, added, removed, reshaped};

  BudgetReport budget;
  budget.name = "mlp-total";
  budget.line = 20;
  budget.tensors = 2;
  budget.checks = {{"frobenius.absolute", std::numeric_limits<double>::infinity(), 2.0, false, "infinite total norm"},
                   {"sparsity.fraction", 0.5, 0.6, true, "half of the entries changed"}};
  budget.verdict = Verdict::kViolation;
  r.budgets = {budget};
  r.verdict = Verdict::kViolation;
  return r;
}

Report passing_gate_report() {
  Report r = gate_skeleton();
  r.rules = {{"everything", 2, "**"}};
  for (int layer = 0; layer < 4; ++layer) {
    for (const char* module : {"self_attn.q_proj.weight", "mlp.up_proj.weight"}) {
      TensorReport t = compared_tensor(fmt::format("model.layers.{}.{}", layer, module), layer == 2 ? 3u : 0u,
                                       layer == 2 ? 0.01 : 0.0, 1.0);
      t.rule = "everything";
      t.rule_line = 2;
      t.checks = {{"frobenius.relative", t.relative_norm(), 0.1, true, "within bound"}};
      r.tensors.push_back(t);
    }
  }
  BudgetReport budget;
  budget.name = "total";
  budget.line = 5;
  budget.tensors = 8;
  budget.checks = {{"frobenius.absolute", 0.02, 1.0, true, "within bound"}};
  budget.verdict = Verdict::kPass;
  r.budgets = {budget};
  r.verdict = Verdict::kPass;
  return r;
}

Report diff_report() {
  Report r = violating_gate_report();
  r.kind = "diff";
  r.policy.reset();
  r.rules.clear();
  r.budgets.clear();
  r.verdict = Verdict::kNotChecked;
  for (TensorReport& t : r.tensors) {
    t.rule.clear();
    t.rule_line = 0;
    t.checks.clear();
    t.verdict = Verdict::kNotChecked;
  }
  return r;
}

const std::vector<std::string>& hostile_strings() {
  static const std::vector<std::string> strings = {
      "evil</testcase><testcase classname=\"fti.rule\" name=\"injected\">",
      "<script>alert(1)</script>",
      "pipe|in|name",
      "back`tick``s",
      "new\nline\r\nbreak",
      "ctl\x01\x1b[31mred",
      "cdata]]>end",
      std::string("bad\xff\xfe utf8 \xc3"),
      "[click](javascript:alert(1))",
      "@octocat #1 www.evil.example http://evil.example",
      "bidi\xe2\x80\xaegnp.exe",
      "amp&amp;lt&lt;quote\"apos'",
      "$x^2$ *bold* _em_ ~~strike~~ <img src=x onerror=alert(1)>",
  };
  return strings;
}

Report hostile_gate_report() {
  Report r = gate_skeleton();
  const std::vector<std::string>& evil = hostile_strings();
  r.base.source = evil[1];
  r.base.files[0].name = evil[0];
  r.candidate.resolved = evil[8];
  r.policy->file = evil[4];
  r.policy->preset = evil[2];
  for (std::size_t i = 0; i < evil.size(); ++i) {
    // As a whole name, as a layer module, as a layer stack.
    for (const std::string& name : {evil[i], fmt::format("model.layers.{}.{}", i, evil[i]), evil[i] + ".7.weight"}) {
      TensorReport t = compared_tensor(name, 3, 0.1, 1.0);
      t.rule = evil[(i + 1) % evil.size()];
      t.rule_line = static_cast<int>(i + 1);
      t.checks = {{"frobenius.relative", 0.1, 0.01, false, "tensor " + name + " moved too far"}};
      t.verdict = Verdict::kViolation;
      r.tensors.push_back(t);
    }
    r.rules.push_back({evil[i], static_cast<int>(i + 1), evil[(i + 3) % evil.size()]});
  }
  TensorReport added;
  added.name = evil[0] + evil[6];
  added.status = "added";
  added.dtype = "F32";
  added.shape = {1};
  added.elements = 1;
  added.checks = {{"structure", 1, 0, false, "added " + evil[5]}};
  added.verdict = Verdict::kViolation;
  r.tensors.push_back(added);
  BudgetReport budget;
  budget.name = evil[3];
  budget.line = 40;
  budget.tensors = 3;
  budget.checks = {{evil[6], 2, 1, false, evil[1]}};
  budget.verdict = Verdict::kViolation;
  r.budgets = {budget};
  r.verdict = Verdict::kViolation;
  return r;
}

Report large_gate_report(std::size_t layers, std::size_t modules) {
  Report r = gate_skeleton();
  r.rules = {{"all", 2, "**"}};
  r.tensors.reserve(layers * modules);
  for (std::size_t layer = 0; layer < layers; ++layer) {
    for (std::size_t module = 0; module < modules; ++module) {
      TensorReport t = compared_tensor(fmt::format("model.layers.{}.block.module_{}.weight", layer, module), 1 + module % 16,
                                       1e-4 * static_cast<double>(1 + layer), 1.0);
      t.rule = "all";
      t.rule_line = 2;
      r.tensors.push_back(std::move(t));
    }
  }
  TensorReport& last = r.tensors.back();
  last.checks = {{"frobenius.relative", 1, 0.5, false, "too far"}};
  last.verdict = Verdict::kViolation;
  r.verdict = Verdict::kViolation;
  return r;
}

}  // namespace fti::reports::testing

// Report rendering: the JSON schema's fields, non-finite figures, the text
// table, and all-or-nothing report files.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/common/error.h"
#include "reports/json_report.h"
#include "reports/report_files.h"
#include "reports/text_report.h"
#include "tests/support/temp_dir.h"

namespace fti::reports {
namespace {

Report sample_gate_report() {
  Report r;
  r.kind = "gate";
  r.fti_version = "0.1.0";
  r.base.source = "base/";
  r.base.files.push_back({"model.safetensors", "base/model.safetensors", std::string(64, 'a'), 100});
  r.candidate.source = "hf://org/cand";
  r.candidate.resolved = "hf://org/cand@0123";
  r.policy = PolicyInfo{"policy.yaml", std::string(64, 'b'), 1, "llama"};
  TensorReport ok;
  ok.name = "layers.0.q_proj.weight";
  ok.status = "compared";
  ok.dtype = "BF16";
  ok.shape = {4, 4};
  ok.elements = 16;
  ok.has_stats = true;
  ok.changed = 4;
  ok.delta_norm = 0.5;
  ok.base_norm = 2.0;
  ok.max_abs_delta = 0.25;
  ok.rule = "attention";
  ok.rule_line = 7;
  ok.checks.push_back({"frobenius.relative", 0.25, 0.3, true, "relative norm 0.25 <= 0.3"});
  ok.verdict = Verdict::kPass;
  TensorReport bad = ok;
  bad.name = "embed.weight";
  bad.rule = "embeddings";
  bad.rule_line = 3;
  bad.checks = {{"frozen", 4, 0, false, "4 elements changed; the rule says frozen"}};
  bad.verdict = Verdict::kViolation;
  TensorReport added;
  added.name = "extra.bias";
  added.status = "added";
  added.dtype = "F32";
  added.shape = {2};
  added.elements = 2;
  added.verdict = Verdict::kViolation;
  added.checks = {{"structure", 1, 0, false, "tensor added by the candidate"}};
  r.tensors = {bad, added, ok};
  BudgetReport budget;
  budget.name = "mlp-total";
  budget.line = 20;
  budget.tensors = 3;
  budget.checks = {{"frobenius.absolute", std::numeric_limits<double>::infinity(), 2.0, false, "infinite"}};
  budget.verdict = Verdict::kViolation;
  r.budgets = {budget};
  r.verdict = Verdict::kViolation;
  return r;
}

TEST(JsonReport, CarriesSchemaVerdictRulesChecksAndMargins) {
  const nlohmann::json j = to_json(sample_gate_report());
  EXPECT_EQ(j["schema"], "fti.report/v1");
  EXPECT_EQ(j["kind"], "gate");
  EXPECT_EQ(j["verdict"], "violation");
  EXPECT_EQ(j["policy"]["sha256"], std::string(64, 'b'));
  EXPECT_EQ(j["policy"]["preset"], "llama");
  EXPECT_EQ(j["candidate"]["resolved"], "hf://org/cand@0123");
  EXPECT_EQ(j["summary"]["violations"], 3);
  const auto& ok = j["tensors"][2];
  EXPECT_EQ(ok["rule"]["name"], "attention");
  EXPECT_EQ(ok["rule"]["line"], 7);
  EXPECT_EQ(ok["stats"]["relative_frobenius"], 0.25);
  EXPECT_DOUBLE_EQ(ok["checks"][0]["margin"].get<double>(), 0.3 - 0.25);
  EXPECT_EQ(ok["verdict"], "pass");
  EXPECT_FALSE(j["tensors"][1].contains("stats"));
  EXPECT_EQ(j["budgets"][0]["checks"][0]["measured"], "inf");  // JSON has no infinity
  EXPECT_EQ(j["budgets"][0]["checks"][0]["margin"], "-inf");
}

TEST(JsonReport, DiffHasNoPolicyFields) {
  Report r = sample_gate_report();
  r.kind = "diff";
  r.policy.reset();
  const nlohmann::json j = to_json(r);
  EXPECT_FALSE(j.contains("verdict"));
  EXPECT_FALSE(j.contains("policy"));
  EXPECT_FALSE(j["tensors"][0].contains("checks"));
}

TEST(JsonReport, NamesThatAreNotUtf8CanStillBeWritten) {
  Report r = sample_gate_report();
  r.tensors[0].name = std::string("bad\xff\xc3name\xe2\x82\xac");
  r.tensors[0].checks[0].message = std::string("about bad\xff");
  const std::string text = to_json(r).dump(2);  // would throw on invalid UTF-8
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["tensors"][0]["name"], "bad\uFFFD\uFFFDname\u20AC");
  EXPECT_EQ(j["tensors"][0]["checks"][0]["message"], "about bad\uFFFD");
  EXPECT_EQ(j["tensors"][2]["name"], "layers.0.q_proj.weight");
}

TEST(TextReport, ShowsViolationsWithTheirFiguresAndTheVerdict) {
  const std::string text = to_text(sample_gate_report());
  EXPECT_NE(text.find("embed.weight"), std::string::npos);
  EXPECT_NE(text.find("embeddings (line 3)"), std::string::npos);
  EXPECT_NE(text.find("4 elements changed; the rule says frozen"), std::string::npos);
  EXPECT_NE(text.find("budget mlp-total (line 20)"), std::string::npos);
  EXPECT_NE(text.find("verdict: BLOCKED (3 violations"), std::string::npos);
  EXPECT_EQ(format_figure(0.000123456), "0.000123");
  EXPECT_EQ(format_figure(0), "0");
}

TEST(ReportFiles, WrittenTogetherOrNotAtAll) {
  testing::TempDir dir;
  write_report_files(dir / "out", render_report_files(sample_gate_report()));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "report.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "report.txt"));
  std::ifstream in(dir / "out" / "report.json");
  EXPECT_EQ(nlohmann::json::parse(in)["schema"], "fti.report/v1");
  // A report directory that cannot be created: an error, and nothing written.
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(write_report_files(dir / "file" / "sub", render_report_files(sample_gate_report())), Error);
}

}  // namespace
}  // namespace fti::reports

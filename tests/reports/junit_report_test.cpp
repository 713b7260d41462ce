// JUnit XML: one case per rule (default, budgets, structure too), failures
// listing each violating tensor's figures, well-formed whatever the names.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "reports/display_text.h"
#include "reports/junit_report.h"
#include "tests/reports/sample_reports.h"
#include "tests/reports/xml_checker.h"

namespace fti::reports {
namespace {

using testing::XmlElement;

const XmlElement& only_suite(const XmlElement& root) {
  EXPECT_EQ(root.name, "testsuites");
  const auto suites = root.find_all("testsuite");
  EXPECT_EQ(suites.size(), 1u);
  return *suites.at(0);
}

std::vector<std::string> case_ids(const XmlElement& suite) {
  std::vector<std::string> ids;
  for (const XmlElement* c : suite.find_all("testcase")) ids.push_back(c->attribute("classname") + "/" + c->attribute("name"));
  return ids;
}

const XmlElement* find_case(const XmlElement& suite, const std::string& name) {
  for (const XmlElement* c : suite.find_all("testcase")) {
    if (c->attribute("name") == name) return c;
  }
  ADD_FAILURE() << "no test case " << name;
  return nullptr;
}

std::string property(const XmlElement& suite, const std::string& name) {
  for (const XmlElement* p : suite.find_all("property")) {
    if (p->attribute("name") == name) return p->attribute("value");
  }
  return "(missing)";
}

TEST(JunitReport, OneCasePerRuleInPolicyOrderThenDefaultBudgetsAndStructure) {
  const XmlElement root = testing::parse_xml(to_junit(testing::violating_gate_report()));
  const XmlElement& suite = only_suite(root);
  EXPECT_EQ(case_ids(suite), (std::vector<std::string>{"fti.rule/embeddings", "fti.rule/attention", "fti.rule/mlp",
                                                      "fti.rule/head", "fti.rule/default", "fti.budget/mlp-total",
                                                      "fti.structure/structure"}));
  EXPECT_EQ(suite.attribute("name"), "fti gate");
  EXPECT_EQ(suite.attribute("tests"), "7");
  EXPECT_EQ(suite.attribute("failures"), "4");
  EXPECT_EQ(suite.attribute("time"), "1.250");
  EXPECT_EQ(root.attribute("failures"), "4");
  EXPECT_EQ(property(suite, "verdict"), "violation");
  EXPECT_EQ(property(suite, "base.file"), "model.safetensors sha256:" + std::string(64, 'a'));
  EXPECT_EQ(property(suite, "candidate.resolved"), "hf://org/cand@0123");
  EXPECT_EQ(property(suite, "policy.sha256"), std::string(64, 'b'));
  EXPECT_EQ(property(suite, "policy.preset"), "llama");
}

TEST(JunitReport, FailingRuleListsEachViolatingTensorWithFigures) {
  const XmlElement root = testing::parse_xml(to_junit(testing::violating_gate_report()));
  const XmlElement& suite = only_suite(root);
  const XmlElement* embeddings = find_case(suite, "embeddings");
  ASSERT_NE(embeddings, nullptr);
  const auto failures = embeddings->find_all("failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0]->attribute("message"), "1 of 1 tensors violate rule embeddings (policy line 3)");
  EXPECT_EQ(failures[0]->text,
            "model.embed_tokens.weight [changed 4 of 16, |D|_F 0.5, |D|/|B| 0.25, max|D| 0.25]: frozen measured 4, "
            "bound 0, margin -4: 4 elements changed; the rule says frozen\n");

  const XmlElement* mlp = find_case(suite, "mlp");  // a non-finite figure
  ASSERT_NE(mlp, nullptr);
  ASSERT_EQ(mlp->find_all("failure").size(), 1u);
  EXPECT_EQ(mlp->find_all("failure")[0]->attribute("message"), "1 of 2 tensors violate rule mlp (policy line 11)");
  EXPECT_NE(mlp->find_all("failure")[0]->text.find("|D|_F nan, |D|/|B| nan"), std::string::npos);

  const XmlElement* head = find_case(suite, "head");  // matched nothing: passes, says so
  ASSERT_NE(head, nullptr);
  EXPECT_TRUE(head->find_all("failure").empty());
  EXPECT_EQ(head->find_all("system-out").at(0)->text,
            "rule at policy line 15, match lm_head.weight; 0 tensors matched, 0 changed");
  const XmlElement* fallback = find_case(suite, "default");
  ASSERT_NE(fallback, nullptr);
  EXPECT_TRUE(fallback->find_all("failure").empty());

  const XmlElement* budget = find_case(suite, "mlp-total");
  ASSERT_NE(budget, nullptr);
  EXPECT_EQ(budget->find_all("failure").at(0)->attribute("message"), "budget mlp-total (policy line 20) exceeded: 1 failing checks");
  EXPECT_EQ(budget->find_all("failure").at(0)->text,
            "budget: frobenius.absolute measured inf, bound 2, margin -inf: infinite total norm\n");

  const XmlElement* structure = find_case(suite, "structure");
  ASSERT_NE(structure, nullptr);
  const std::string listed = structure->find_all("failure").at(0)->text;
  EXPECT_NE(listed.find("model.extra.bias (added): structure measured 1, bound 0, margin -1: tensor added by the candidate"),
            std::string::npos)
      << listed;
  EXPECT_NE(listed.find("model.layers.1.self_attn.rotary_emb.inv_freq (removed): structure"), std::string::npos);
  EXPECT_NE(listed.find("lm_head.weight (reshaped): structure measured 1, bound 0, margin -1: shape [4, 4] became [4, 8]"),
            std::string::npos);
}

TEST(JunitReport, UnmatchedTensorsFailUnderDefaultWithItsPolicyLine) {
  Report report = testing::violating_gate_report();
  TensorReport& norm = report.tensors[5];
  ASSERT_EQ(norm.name, "model.norm.weight");
  norm.rule_line = 4;  // the gate gives unmatched tensors the line of `default:`
  norm.checks = {{"default", 0, 0, false, "no rule matches this tensor and the policy's default is violation"}};
  norm.verdict = Verdict::kViolation;
  const XmlElement root = testing::parse_xml(to_junit(report));
  const XmlElement* fallback = find_case(only_suite(root), "default");
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->find_all("failure").at(0)->attribute("message"), "1 of 1 tensors violate rule default (policy line 4)");
  EXPECT_NE(fallback->find_all("failure").at(0)->text.find("model.norm.weight [changed 0 of 16"), std::string::npos);
  EXPECT_EQ(fallback->find_all("system-out").at(0)->text,
            "tensors no rule matches; the policy's default applies (policy line 4); 1 tensors matched, 0 changed");
}

TEST(JunitReport, PassingGateHasNoFailures) {
  const XmlElement root = testing::parse_xml(to_junit(testing::passing_gate_report()));
  const XmlElement& suite = only_suite(root);
  EXPECT_EQ(case_ids(suite), (std::vector<std::string>{"fti.rule/everything", "fti.budget/total", "fti.structure/structure"}));
  EXPECT_EQ(suite.attribute("failures"), "0");
  EXPECT_TRUE(suite.find_all("failure").empty());
  EXPECT_EQ(property(suite, "verdict"), "compliant");
}

TEST(JunitReport, HostileNamesCannotAddCasesOrBreakTheDocument) {
  const std::string xml = to_junit(testing::hostile_gate_report());
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  const XmlElement root = testing::parse_xml(xml);  // throws unless well-formed XML 1.0 in UTF-8
  const XmlElement& suite = only_suite(root);
  const std::vector<std::string>& evil = testing::hostile_strings();
  std::set<std::string> expected = {"fti.budget/" + display_text(evil[3]), "fti.structure/structure"};
  for (const std::string& name : evil) expected.insert("fti.rule/" + display_text(name));
  const std::vector<std::string> ids = case_ids(suite);
  EXPECT_EQ(ids.size(), evil.size() + 2);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
  EXPECT_EQ(suite.attribute("failures"), std::to_string(evil.size() + 2));
  EXPECT_EQ(property(suite, "base.source"), display_text(evil[1]));
  // A hostile tensor is listed under its rule in its printable form.
  const XmlElement* rule = find_case(suite, display_text(evil[1]));
  ASSERT_NE(rule, nullptr);
  EXPECT_NE(rule->find_all("failure").at(0)->text.find(display_text(evil[0]) + " [changed 3 of 16"), std::string::npos);
}

TEST(JunitReport, LongFailureListsAreCapped) {
  Report big = testing::large_gate_report(50, 10);
  for (TensorReport& t : big.tensors) {
    t.checks = {{"frobenius.relative", 1, 0.5, false, "too far"}};
    t.verdict = Verdict::kViolation;
  }
  JunitOptions options;
  options.max_listed = 200;
  const XmlElement root = testing::parse_xml(to_junit(big, options));
  const XmlElement* all = find_case(only_suite(root), "all");
  ASSERT_NE(all, nullptr);
  const XmlElement* failure = all->find_all("failure").at(0);
  EXPECT_EQ(failure->attribute("message"), "500 of 500 tensors violate rule all (policy line 2)");
  EXPECT_EQ(std::count(failure->text.begin(), failure->text.end(), '\n'), 201);
  EXPECT_NE(failure->text.find("... and 300 more (every one is in report.json)"), std::string::npos);
}

TEST(JunitReport, DiffHasOnlyTheStructuralCaseAndItPasses) {
  const XmlElement root = testing::parse_xml(to_junit(testing::diff_report()));
  const XmlElement& suite = only_suite(root);
  EXPECT_EQ(suite.attribute("name"), "fti diff");
  EXPECT_EQ(case_ids(suite), (std::vector<std::string>{"fti.structure/structure"}));
  EXPECT_EQ(suite.attribute("failures"), "0");
}

}  // namespace
}  // namespace fti::reports

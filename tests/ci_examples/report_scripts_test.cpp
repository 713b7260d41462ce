// The scripts that turn report.json into CI output without jq:
// fti-violations.sh (report.json -> one tab-separated line per failing check)
// and github-annotations.sh (-> ::error workflow commands). Run with dash (sh)
// and bash, on a real gate report, on the same report minified, and on
// hand-made reports with hostile names and unusual key order.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/ci_examples/ci_examples.h"
#include "tests/support/model_fixtures.h"

namespace fti::ci {
namespace {

namespace fs = std::filesystem;

class ReportScripts : public ::testing::TestWithParam<const char*> {
 protected:
  CommandResult script(const std::string& name, const std::vector<std::string>& args, Env extra = {}) {
    Env env = clean_env(ws_.scratch);
    for (const auto& [k, v] : extra) env[k] = v;
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec " + std::string(GetParam()) + " \"$@\"", "sh",
                                     (examples_dir() / "scripts" / name).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_command(argv, ws_.scratch, env_list(env));
  }
  // A real report of the violating candidate.
  fs::path gate_report() {
    Env env = clean_env(ws_.scratch);
    const CommandResult r = run_script({"sh"},
                                       "fti gate --policy policy.yaml --base \"$FTI_BASE\" --candidate \"$FTI_CANDIDATE\" "
                                       "--report-dir reports",
                                       ws_.root, ws_.scratch,
                                       [&] {
                                         env["FTI_BASE"] = Models::get().base_url();
                                         env["FTI_CANDIDATE"] = Models::get().violating_url();
                                         return env;
                                       }());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    return ws_.root / "reports" / "report.json";
  }
  fs::path write(const std::string& name, const std::string& text) {
    testing::write_text(ws_.dir / name, text);
    return ws_.dir / name;
  }

  Workspace ws_;
};

std::vector<std::string> split_lines(const std::string& text) { return lines_starting_with(text, ""); }

TEST_P(ReportScripts, ViolationsOfARealReportMatchItsFailingChecks) {
  const fs::path report = gate_report();
  const auto expected = failing_checks(report);
  ASSERT_EQ(expected.size(), 3u);
  const nlohmann::json j = nlohmann::json::parse(testing::slurp(report));
  const fs::path minified = write("minified.json", j.dump());
  for (const fs::path& file : {report, minified}) {
    const CommandResult r = script("fti-violations.sh", {file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> lines = split_lines(r.out);
    ASSERT_EQ(lines.size(), expected.size()) << r.out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto& [subject, check] = expected[i];
      EXPECT_EQ(lines[i].rfind((i < 2 ? "tensor\t" : "budget\t") + subject + "\t", 0), 0u) << lines[i];
      EXPECT_NE(lines[i].find("\t" + check + "\t"), std::string::npos) << lines[i];
    }
    EXPECT_EQ(lines[0], "tensor\tmodel.embed_tokens.weight\tfrozen\t" + std::to_string(kFrozenLine) +
                            "\tfrozen\t1\t0\tfrozen: 1 of 2048 elements changed");
    EXPECT_EQ(lines[1].rfind("tensor\tmodel.layers.1.self_attn.q_proj.weight\tattention\t" +
                                 std::to_string(kAttentionLine) + "\tfrobenius.relative\t2\t0.05\t",
                             0),
              0u)
        << lines[1];
    EXPECT_EQ(script("fti-violations.sh", {"--policy-file", file.string()}).out, "policy.yaml\n");
  }
}

// Keys in an unusual order, figures as strings, a rule of null, a tensor name
// built to break out of a workflow command.
nlohmann::ordered_json hostile_report() {
  using oj = nlohmann::ordered_json;
  oj check_structure = {{"pass", false}, {"message", "shape [4] became [8]"}, {"bound", 0.0}, {"measured", 1.0},
                        {"check", "structure"}};
  oj evil = {{"checks", oj::array({check_structure})}, {"verdict", "violation"}, {"rule", nullptr},
             {"name", "evil\n::warning::x%2C\"q\"\\ ,:"}};
  oj ok = {{"name", "ok"}, {"rule", {{"line", 3}, {"name", "r"}}}, {"verdict", "pass"},
           {"checks", oj::array({{{"check", "max_abs"}, {"measured", 0.5}, {"bound", 1.0}, {"pass", true},
                                  {"message", "fine"}}})}};
  oj nan_tensor = {
      {"verdict", "violation"},
      {"checks", oj::array({{{"check", "finite"}, {"measured", "nan"}, {"bound", 0}, {"pass", false}, {"message", "m1"}},
                            {{"check", "max_abs"}, {"measured", 0.1}, {"bound", 1}, {"pass", true}, {"message", "ok"}},
                            {{"check", "frobenius.absolute"}, {"measured", "inf"}, {"bound", 1.5}, {"pass", false},
                             {"message", "m2 \"quoted\" \\ back"}}})},
      {"rule", {{"name", "r"}, {"line", 3}}},
      {"name", "nan.t"}};
  oj budget = {{"verdict", "violation"}, {"line", 9}, {"name", "b"}, {"tensors", 2},
               {"checks", oj::array({{{"check", "frobenius.relative"}, {"measured", 0.123456789}, {"bound", 0.1},
                                      {"pass", false}, {"message", "x"}}})}};
  return {{"summary", {{"violations", 3}}},
          {"tensors", oj::array({evil, ok, nan_tensor})},
          {"budgets", oj::array({budget})},
          {"verdict", "violation"},
          {"policy", {{"sha256", "00"}, {"file", "/ws/policies/p,1.yaml"}}},
          {"kind", "gate"},
          {"schema", "fti.report/v1"}};
}

TEST_P(ReportScripts, HostileNamesAndUnusualLayoutsStayOneLinePerCheck) {
  const nlohmann::ordered_json j = hostile_report();
  const std::vector<std::string> expected = {
      "tensor\tevil\\n::warning::x%2C\"q\"\\ ,:\tdefault\t\tstructure\t1\t0\tshape [4] became [8]",
      "tensor\tnan.t\tr\t3\tfinite\tnan\t0\tm1",
      "tensor\tnan.t\tr\t3\tfrobenius.absolute\tinf\t1.5\tm2 \"quoted\" \\ back",
      "budget\tb\tb\t9\tfrobenius.relative\t0.1235\t0.1\tx",
  };
  for (const std::string& text : {j.dump(), j.dump(2), j.dump(1, '\t')}) {
    const fs::path report = write("hostile.json", text);
    const CommandResult r = script("fti-violations.sh", {report.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(split_lines(r.out), expected) << r.out;

    const CommandResult a = script("github-annotations.sh", {report.string()}, {{"GITHUB_WORKSPACE", "/ws"}});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(split_lines(a.out),
              (std::vector<std::string>{
                  "::error file=policies/p%2C1.yaml::evil\\n::warning::x%252C\"q\"\\ ,: violates default: structure 1 > 0 "
                  "(shape [4] became [8])",
                  "::error file=policies/p%2C1.yaml,line=3::nan.t violates r: finite nan > 0 (m1)",
                  "::error file=policies/p%2C1.yaml,line=3::nan.t violates r: frobenius.absolute inf > 1.5 "
                  "(m2 \"quoted\" \\ back)",
                  "::error file=policies/p%2C1.yaml,line=9::budget b exceeded: frobenius.relative 0.1235 > 0.1 (x)",
              }))
        << a.out;
  }
}

TEST_P(ReportScripts, AnnotationsAreCapped) {
  const fs::path report = write("hostile.json", hostile_report().dump());
  const CommandResult a = script("github-annotations.sh", {report.string(), "policy.yaml"}, {{"FTI_MAX_ANNOTATIONS", "2"}});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const std::vector<std::string> lines = split_lines(a.out);
  ASSERT_EQ(lines.size(), 3u) << a.out;
  EXPECT_EQ(lines[2], "::error file=policy.yaml::2 more failing checks not annotated (every one is in report.json and "
                      "the step summary)");
}

TEST_P(ReportScripts, CompliantReportGivesNothing) {
  nlohmann::ordered_json j = hostile_report();
  j["verdict"] = "compliant";
  for (auto& t : j["tensors"]) t["verdict"] = "pass";
  for (auto& b : j["budgets"]) b["verdict"] = "pass";
  const fs::path report = write("pass.json", j.dump(2));
  for (const char* name : {"fti-violations.sh", "github-annotations.sh"}) {
    const CommandResult r = script(name, {report.string()});
    EXPECT_EQ(r.exit_code, 0) << name << r.err;
    EXPECT_EQ(r.out, "") << name;
  }
}

TEST_P(ReportScripts, NotAGateReportIsAnInputError) {
  for (const std::string& text : {std::string("{\"schema\": \"fti.report/v1\", \"kind\": \"diff\"}"),
                                  std::string("not json at all"), std::string("")}) {
    const fs::path report = write("bad.json", text);
    const CommandResult r = script("fti-violations.sh", {report.string()});
    EXPECT_EQ(r.exit_code, 3) << text;
    EXPECT_NE(r.err.find("not an fti gate report"), std::string::npos) << r.err;
    EXPECT_NE(script("github-annotations.sh", {report.string()}).exit_code, 0) << text;
  }
  EXPECT_EQ(script("fti-violations.sh", {(ws_.dir / "absent.json").string()}).exit_code, 3);
  EXPECT_EQ(script("fti-violations.sh", {}).exit_code, 2);
}

INSTANTIATE_TEST_SUITE_P(Shells, ReportScripts, ::testing::Values("sh", "bash"));

}  // namespace
}  // namespace fti::ci

// ci-examples/gitlab/.gitlab-ci.yml, run the way a GitLab runner runs the
// job: its variables (expanded), the CI variables (GITLAB_CI, CI_PROJECT_DIR,
// ...), the `script:` lines in order, stopping at the first failure; then the
// artifacts it declares: the JUnit report and the Markdown summary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/ci_examples/ci_examples.h"

namespace fti::ci {
namespace {

namespace fs = std::filesystem;

YAML::Node job() { return load_yaml(examples_dir() / "gitlab" / ".gitlab-ci.yml")["fti-gate"]; }

struct JobRun {
  int exit_code = 0;  // the first failing script line's, or 0
  std::string out;
  std::string err;
  Env env;
};

class GitlabExample : public ::testing::Test {
 protected:
  JobRun run_job(const std::string& base, const std::string& candidate) {
    JobRun run;
    Env env = clean_env(ws_.scratch);
    env["CI"] = "true";
    env["GITLAB_CI"] = "true";
    env["CI_PROJECT_DIR"] = ws_.root.string();
    env["CI_JOB_ID"] = "42";
    for (const auto& kv : job()["variables"]) {
      env[kv.first.as<std::string>()] = gitlab_expand(kv.second.as<std::string>(), env);
    }
    env["FTI_BASE"] = base;
    env["FTI_CANDIDATE"] = candidate;
    run.env = env;
    for (const YAML::Node& line : job()["script"]) {
      const CommandResult r = run_script({"bash", "-eo", "pipefail"}, line.as<std::string>(), ws_.root, ws_.scratch, env);
      run.out += r.out;
      run.err += r.err;
      if (r.exit_code != 0) {
        run.exit_code = r.exit_code;
        break;
      }
    }
    return run;
  }
  fs::path junit() const { return ws_.root / job()["artifacts"]["reports"]["junit"].as<std::string>(); }

  Models& models_ = Models::get();
  Workspace ws_;
};

TEST_F(GitlabExample, JobCallsTheTestedScriptsAndKeepsTheDocumentedArtifacts) {
  const YAML::Node j = job();
  ASSERT_TRUE(j) << "job fti-gate";
  const std::string report_dir = j["variables"]["FTI_REPORT_DIR"].as<std::string>();
  EXPECT_EQ(report_dir, "reports");
  std::vector<std::string> scripts;
  for (const YAML::Node& line : j["script"]) {
    for (const std::string& s : called_scripts(line.as<std::string>())) {
      scripts.push_back(fs::path(s).filename().string());
      EXPECT_TRUE(fs::is_regular_file(source_dir() / s)) << s;
    }
  }
  EXPECT_EQ(scripts, (std::vector<std::string>{"install-fti.sh", "fti-gate.sh"}));
  EXPECT_EQ(j["artifacts"]["when"].as<std::string>(), "always");
  EXPECT_EQ(j["artifacts"]["reports"]["junit"].as<std::string>(), report_dir + "/report.junit.xml");
  bool keeps_reports = false;
  for (const YAML::Node& p : j["artifacts"]["paths"]) keeps_reports = keeps_reports || p.as<std::string>() == report_dir + "/";
  EXPECT_TRUE(keeps_reports) << "the Markdown summary and the other reports are kept";
}

TEST_F(GitlabExample, CompliantCandidatePassesWithACleanJUnitReport) {
  const JobRun run = run_job(models_.base_url(), models_.compliant_url());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  ASSERT_TRUE(fs::is_regular_file(junit()));
  const std::string xml = testing::slurp(junit());
  EXPECT_NE(xml.find("<testsuite name=\"fti gate\" tests=\"4\" failures=\"0\""), std::string::npos) << xml;
  EXPECT_EQ(count_of(xml, "<failure "), 0u);
  EXPECT_NE(testing::slurp(ws_.root / "reports" / "report.md").find("## ✅ fti gate: compliant"), std::string::npos);
  EXPECT_NE(run.out.find("report.md: the Markdown summary"), std::string::npos) << run.out;
  EXPECT_EQ(count_of(run.out, "::error"), 0u) << "no GitHub annotations on GitLab";
}

TEST_F(GitlabExample, ViolatingCandidateFailsTheJobWithJUnitFailures) {
  const JobRun run = run_job(models_.base_url(), models_.violating_url());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  ASSERT_TRUE(fs::is_regular_file(junit()));
  const std::string xml = testing::slurp(junit());
  EXPECT_NE(xml.find("failures=\"3\""), std::string::npos) << xml;
  EXPECT_EQ(count_of(xml, "<failure "), 3u) << xml;
  EXPECT_NE(xml.find("tensors violate rule frozen (policy line " + std::to_string(kFrozenLine) + ")"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("model.layers.1.self_attn.q_proj.weight"), std::string::npos);
  EXPECT_NE(testing::slurp(ws_.root / "reports" / "report.md").find("## ❌ fti gate: 3 violations"), std::string::npos);
  EXPECT_EQ(count_of(run.out, "::error"), 0u);
  EXPECT_NE(run.err.find("violates the drift policy"), std::string::npos) << run.err;
}

TEST_F(GitlabExample, UnreachableBaseFailsTheJobAsAnError) {
  const JobRun run = run_job(models_.broken_url(), models_.compliant_url());
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find("ERROR, not a policy violation: exit 3"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(junit()));
}

}  // namespace
}  // namespace fti::ci

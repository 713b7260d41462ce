// ci-examples/github-actions/fti-gate.yml, run the way a runner runs it: the
// workflow's env, the CI variables (GITHUB_ACTIONS, GITHUB_WORKSPACE,
// GITHUB_STEP_SUMMARY, ...), each `run:` step in order with GitHub's bash
// (`bash --noprofile --norc -eo pipefail`), step conditions honoured, and the
// upload-artifact step resolved to the files it would upload. The base and the
// candidates are served by a local HTTP server.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/ci_examples/ci_examples.h"
#include "tests/support/model_fixtures.h"

namespace fti::ci {
namespace {

namespace fs = std::filesystem;

const fs::path kWorkflow = "github-actions/fti-gate.yml";

YAML::Node workflow() { return load_yaml(examples_dir() / kWorkflow); }
YAML::Node job() { return workflow()["jobs"]["fti-gate"]; }

YAML::Node step_using(const std::string& action) {
  for (const YAML::Node& step : job()["steps"]) {
    if (step["uses"] && step["uses"].as<std::string>().rfind(action + "@", 0) == 0) return step;
  }
  return YAML::Node();
}

YAML::Node step_running(const std::string& script) {
  for (const YAML::Node& step : job()["steps"]) {
    if (!step["run"]) continue;
    for (const std::string& s : called_scripts(step["run"].as<std::string>())) {
      if (fs::path(s).filename() == script) return step;
    }
  }
  return YAML::Node();
}

void add_env(Env& env, const YAML::Node& map) {
  if (!map) return;
  for (const auto& kv : map) env[kv.first.as<std::string>()] = github_expand(kv.second.as<std::string>(), env);
}

struct JobRun {
  std::vector<std::string> ran;      // names of the steps that ran
  int gate_exit = -1;                // exit status of the fti-gate.sh step
  bool failed = false;               // the job's outcome
  std::string log;                   // stdout of every run step (annotations go there)
  std::string errors;                // stderr of every run step
  std::string summary;               // $GITHUB_STEP_SUMMARY afterwards
  std::set<std::string> uploaded;    // paths (relative to the workspace) upload-artifact would take
  Env env;                           // the job's environment
};

class GithubActionsExample : public ::testing::Test {
 protected:
  JobRun run_job(const std::string& base, const std::string& candidate, const fs::path& fti_dir = {},
                 const Env& extra = {}) {
    JobRun run;
    Env env = clean_env(ws_.scratch);
    if (!fti_dir.empty()) env["PATH"] = fti_dir.string() + ":" + env["PATH"];
    env["CI"] = "true";
    env["GITHUB_ACTIONS"] = "true";
    env["GITHUB_WORKSPACE"] = ws_.root.string();
    env["RUNNER_TEMP"] = ws_.scratch.string();
    env["GITHUB_STEP_SUMMARY"] = (ws_.scratch / "step_summary.md").string();
    testing::write_text(ws_.scratch / "step_summary.md", "");
    add_env(env, workflow()["env"]);
    add_env(env, job()["env"]);
    env["FTI_BASE"] = base;            // what the workflow's placeholders stand for
    env["FTI_CANDIDATE"] = candidate;  // (the dispatch input)
    for (const auto& [k, v] : extra) env[k] = v;
    run.env = env;
    for (const YAML::Node& step : job()["steps"]) {
      const std::string condition = step["if"] ? step["if"].as<std::string>() : "success()";
      const bool always = condition.find("always()") != std::string::npos ||
                          condition.find("!cancelled()") != std::string::npos;
      if (run.failed && !always) continue;
      Env step_env = env;
      add_env(step_env, step["env"]);
      const std::string name = step["name"] ? step["name"].as<std::string>() : step["uses"].as<std::string>();
      if (step["run"]) {
        run.ran.push_back(name);
        const CommandResult r = run_script({"bash", "--noprofile", "--norc", "-eo", "pipefail"},
                                           step["run"].as<std::string>(), ws_.root, ws_.scratch, step_env);
        run.log += r.out;
        run.errors += r.err;
        for (const std::string& script : called_scripts(step["run"].as<std::string>())) {
          if (fs::path(script).filename() == "fti-gate.sh") run.gate_exit = r.exit_code;
        }
        if (r.exit_code != 0) run.failed = true;
      } else if (step["uses"].as<std::string>().rfind("actions/upload-artifact@", 0) == 0) {
        run.ran.push_back(name);
        std::istringstream paths(github_expand(step["with"]["path"].as<std::string>(), step_env));
        for (std::string line; std::getline(paths, line);) {
          if (line.find_first_not_of(" \t") == std::string::npos) continue;
          const fs::path p = ws_.root / line;
          if (fs::is_directory(p)) {
            for (const auto& e : fs::recursive_directory_iterator(p)) {
              if (e.is_regular_file()) run.uploaded.insert(fs::relative(e.path(), ws_.root).string());
            }
          } else if (fs::is_regular_file(p)) {
            run.uploaded.insert(fs::relative(p, ws_.root).string());
          }
        }
      }
    }
    run.summary = testing::slurp(ws_.scratch / "step_summary.md");
    return run;
  }
  std::string report_file(const std::string& name) { return testing::slurp(ws_.root / "reports" / name); }

  Models& models_ = Models::get();
  Workspace ws_;
};

TEST_F(GithubActionsExample, WorkflowIsAThinWrapperOverTheTestedScripts) {
  const YAML::Node w = workflow();
  ASSERT_TRUE(w["jobs"]["fti-gate"]) << "job fti-gate";
  EXPECT_EQ(w["env"]["FTI_REPORT_DIR"].as<std::string>(), "reports");
  EXPECT_EQ(w["env"]["FTI_POLICY"].as<std::string>(), "policy.yaml");
  for (const char* name : {"FTI_BASE", "FTI_CANDIDATE", "FTI_CERTIFICATE"}) EXPECT_TRUE(w["env"][name]) << name;
  EXPECT_TRUE(step_using("actions/checkout"));
  std::size_t scripts = 0;
  for (const YAML::Node& step : job()["steps"]) {
    if (!step["run"]) continue;
    const std::string run = step["run"].as<std::string>();
    // Inputs reach the scripts through the environment, never spliced into them.
    EXPECT_EQ(run.find("${{"), std::string::npos) << run;
    for (const std::string& s : called_scripts(run)) {
      ++scripts;
      EXPECT_EQ(s.rfind("ci-examples/scripts/", 0), 0u) << s;
      EXPECT_TRUE(fs::is_regular_file(source_dir() / s)) << s;
    }
  }
  EXPECT_EQ(scripts, 2u);
  EXPECT_TRUE(step_running("install-fti.sh"));
  ASSERT_TRUE(step_running("fti-gate.sh"));
  const YAML::Node upload = step_using("actions/upload-artifact");
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload["uses"].as<std::string>(), "actions/upload-artifact@v4");
  EXPECT_NE(upload["if"].as<std::string>().find("!cancelled()"), std::string::npos) << "uploads after a failed gate";
  const std::string paths = upload["with"]["path"].as<std::string>();
  EXPECT_NE(paths.find("${{ env.FTI_REPORT_DIR }}/"), std::string::npos) << paths;
  EXPECT_NE(paths.find("${{ env.FTI_CERTIFICATE }}"), std::string::npos) << paths;
  // the upload step comes after the gate step
  bool gate_seen = false;
  for (const YAML::Node& step : job()["steps"]) {
    if (step["run"] && step["run"].as<std::string>().find("fti-gate.sh") != std::string::npos) gate_seen = true;
    if (step["uses"] && step["uses"].as<std::string>().rfind("actions/upload-artifact@", 0) == 0) {
      EXPECT_TRUE(gate_seen);
    }
  }
}

TEST_F(GithubActionsExample, CompliantCandidatePasses) {
  const JobRun run = run_job(models_.base_url(), models_.compliant_url());
  EXPECT_FALSE(run.failed) << run.log << run.errors;
  EXPECT_EQ(run.gate_exit, 0) << run.errors;
  EXPECT_EQ(run.ran, (std::vector<std::string>{"Install fti", "fti gate", "Upload the fti reports"}));
  EXPECT_NE(run.log.find("fti 0."), std::string::npos) << "install-fti.sh found the built fti: " << run.log;
  EXPECT_NE(run.summary.find("## ✅ fti gate: compliant"), std::string::npos) << run.summary;
  EXPECT_EQ(run.summary, report_file("report.md"));
  EXPECT_EQ(count_of(run.log, "::error"), 0u) << run.log;
  for (const char* f : {"report.json", "report.txt", "report.md", "report.junit.xml", "report.html"}) {
    EXPECT_TRUE(run.uploaded.count(std::string("reports/") + f)) << f;
  }
  // With the built fti's own `prove` (when it has one) a certificate may
  // come too; whatever it does, the compliant candidate passes.
  if (fs::exists(ws_.root / run.env.at("FTI_CERTIFICATE"))) {
    EXPECT_TRUE(run.uploaded.count(run.env.at("FTI_CERTIFICATE")));
  }
  EXPECT_GE(models_.requests_for("/compliant/model.safetensors"), 1u);
}

TEST_F(GithubActionsExample, ViolatingCandidateFailsTheJobWithAnnotationsOnThePolicyLines) {
  const JobRun run = run_job(models_.base_url(), models_.violating_url());
  EXPECT_TRUE(run.failed);
  EXPECT_EQ(run.gate_exit, 1) << run.errors;
  EXPECT_EQ(run.ran, (std::vector<std::string>{"Install fti", "fti gate", "Upload the fti reports"}));
  EXPECT_NE(run.summary.find("## ❌ fti gate: 3 violations"), std::string::npos) << run.summary;
  EXPECT_EQ(run.summary, report_file("report.md"));

  const std::vector<std::string> errors = lines_starting_with(run.log, "::error");
  const std::string line_attention = "::error file=policy.yaml,line=" + std::to_string(kAttentionLine) + "::";
  const std::string line_frozen = "::error file=policy.yaml,line=" + std::to_string(kFrozenLine) + "::";
  const std::string line_budget = "::error file=policy.yaml,line=" + std::to_string(kBudgetLine) + "::";
  ASSERT_EQ(errors.size(), 3u) << run.log;
  EXPECT_EQ(errors[0], line_frozen +
                           "model.embed_tokens.weight violates frozen: frozen 1 > 0 (frozen: 1 of 2048 elements changed)");
  EXPECT_EQ(errors[1].rfind(line_attention +
                                "model.layers.1.self_attn.q_proj.weight violates attention: frobenius.relative 2 > 0.05 (",
                            0),
            0u)
      << errors[1];
  EXPECT_EQ(errors[2].rfind(line_budget + "budget attention-total exceeded: frobenius.relative ", 0), 0u) << errors[2];
  EXPECT_NE(errors[2].find(" > 0.1 ("), std::string::npos) << errors[2];
  // one annotation per failing check of report.json
  EXPECT_EQ(errors.size(), failing_checks(ws_.root / "reports" / "report.json").size());
  EXPECT_NE(run.errors.find("violates the drift policy"), std::string::npos) << run.errors;
  EXPECT_EQ(run.errors.find("ERROR"), std::string::npos) << run.errors;
  for (const char* f : {"report.json", "report.md", "report.junit.xml", "report.html"}) {
    EXPECT_TRUE(run.uploaded.count(std::string("reports/") + f)) << f;
  }
  EXPECT_GE(models_.requests_for("/violating/model-00002-of-00002.safetensors"), 1u);
}

TEST_F(GithubActionsExample, UnreachableBaseIsAnErrorNotAViolation) {
  for (const std::string& base : {models_.missing_url(), models_.broken_url()}) {
    const JobRun run = run_job(base, models_.compliant_url());
    EXPECT_TRUE(run.failed) << base;
    EXPECT_EQ(run.gate_exit, 3) << base << run.errors;
    const std::vector<std::string> errors = lines_starting_with(run.log, "::error");
    ASSERT_EQ(errors.size(), 1u) << run.log;
    EXPECT_EQ(errors[0].rfind("::error title=fti gate error::fti gate could not check the candidate: exit 3", 0), 0u)
        << errors[0];
    EXPECT_NE(errors[0].find("not a policy violation"), std::string::npos);
    EXPECT_NE(run.summary.find("## ⚠️ fti gate: error (exit 3)"), std::string::npos) << run.summary;
    EXPECT_EQ(run.summary.find("❌"), std::string::npos) << run.summary;
    EXPECT_NE(run.errors.find(base), std::string::npos) << "fti names the URL: " << run.errors;
    EXPECT_FALSE(run.uploaded.count("reports/report.json")) << "no report from an error";
  }
}

TEST_F(GithubActionsExample, AStaleReportIsNotUploadedAfterAnError) {
  ASSERT_EQ(run_job(models_.base_url(), models_.violating_url()).gate_exit, 1);
  const JobRun run = run_job(models_.missing_url(), models_.compliant_url());
  EXPECT_EQ(run.gate_exit, 3);
  EXPECT_TRUE(run.uploaded.empty()) << *run.uploaded.begin();
}

TEST_F(GithubActionsExample, CertificateStepIsSkippedByAnFtiWithoutProve) {
  write_fake_fti(ws_.dir / "bin", Prove::kWithoutProve);
  const JobRun run = run_job(models_.base_url(), models_.compliant_url(), ws_.dir / "bin");
  EXPECT_EQ(run.gate_exit, 0) << run.errors;
  EXPECT_FALSE(run.failed);
  EXPECT_NE(run.errors.find("no 'prove' verb: no certificate"), std::string::npos) << run.errors;
  EXPECT_FALSE(fs::exists(ws_.root / run.env.at("FTI_CERTIFICATE")));
  EXPECT_EQ(count_of(run.log, "::"), 0u) << run.log;
}

TEST_F(GithubActionsExample, CertificateIsMadeAndUploadedWhenFtiCanProve) {
  write_fake_fti(ws_.dir / "bin", Prove::kProveWrites);
  const JobRun run = run_job(models_.base_url(), models_.compliant_url(), ws_.dir / "bin");
  EXPECT_EQ(run.gate_exit, 0) << run.errors;
  const std::string certificate = run.env.at("FTI_CERTIFICATE");
  ASSERT_TRUE(fs::is_regular_file(ws_.root / certificate)) << run.errors;
  EXPECT_NE(testing::slurp(ws_.root / certificate).find("--policy policy.yaml --base " + models_.base_url()),
            std::string::npos);
  EXPECT_TRUE(run.uploaded.count(certificate)) << certificate;
}

TEST_F(GithubActionsExample, NoCertificateForAViolatingCandidate) {
  write_fake_fti(ws_.dir / "bin", Prove::kProveWrites);
  const JobRun run = run_job(models_.base_url(), models_.violating_url(), ws_.dir / "bin");
  EXPECT_EQ(run.gate_exit, 1) << run.errors;
  EXPECT_FALSE(fs::exists(ws_.root / run.env.at("FTI_CERTIFICATE")));
}

TEST_F(GithubActionsExample, FailedProveIsAWarningUnlessACertificateIsRequired) {
  write_fake_fti(ws_.dir / "bin", Prove::kProveFails);
  JobRun run = run_job(models_.base_url(), models_.compliant_url(), ws_.dir / "bin");
  EXPECT_EQ(run.gate_exit, 0) << run.errors;
  EXPECT_EQ(lines_starting_with(run.log, "::warning title=fti prove::fti prove failed (exit 2)").size(), 1u) << run.log;
  EXPECT_EQ(count_of(run.log, "::error"), 0u) << run.log;
  EXPECT_FALSE(fs::exists(ws_.root / run.env.at("FTI_CERTIFICATE")));

  run = run_job(models_.base_url(), models_.compliant_url(), ws_.dir / "bin", {{"FTI_REQUIRE_CERTIFICATE", "true"}});
  EXPECT_EQ(run.gate_exit, 3) << run.errors;
  EXPECT_TRUE(run.failed);
  EXPECT_EQ(lines_starting_with(run.log, "::error title=fti prove::fti prove failed (exit 2)").size(), 1u) << run.log;
  EXPECT_NE(run.summary.find("## ✅ fti gate: compliant"), std::string::npos) << "the gate's verdict is still shown";
  EXPECT_TRUE(run.uploaded.count("reports/report.json"));
}

// README.md's snippet is copied from the workflow: every line of it is a line
// of fti-gate.yml, so the README cannot show steps the tests do not run.
TEST(ReadmeSnippet, GithubStepsAreLinesOfTheTestedWorkflow) {
  const std::string readme = testing::slurp(source_dir() / "README.md");
  const std::size_t section = readme.find("## In CI pipelines and registries");
  ASSERT_NE(section, std::string::npos);
  const std::size_t start = readme.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  const std::size_t end = readme.find("```", start + 8);
  const std::string snippet = readme.substr(start + 8, end - start - 8);
  std::set<std::string> workflow_lines;
  {
    std::istringstream in(testing::slurp(examples_dir() / kWorkflow));
    for (std::string line; std::getline(in, line);) workflow_lines.insert(line);
  }
  std::istringstream in(snippet);
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    EXPECT_TRUE(workflow_lines.count(line)) << "README line not in the workflow: " << line;
  }
  EXPECT_GE(lines, 3u);
}

}  // namespace
}  // namespace fti::ci

// ci-examples/registry-hook/pre-publish.sh, called the way a registry calls
// it: with the candidate's location (a URL on the local server, or a path)
// and the artifact's directory, the registered base in base.env next to the
// script. It stores the reports next to the artifact and answers 0 (publish),
// 1 (refused: violation) or 2/3 (refused: an error, said to be one).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/ci_examples/ci_examples.h"
#include "tests/support/model_fixtures.h"

namespace fti::ci {
namespace {

namespace fs = std::filesystem;

class RegistryHook : public ::testing::Test {
 protected:
  void SetUp() override {
    // The hook as a registry installs it: the registry-hook folder with the
    // shared scripts beside it, its own base.env and policy.
    hooks_ = ws_.dir / "hooks";
    fs::create_directories(hooks_);
    fs::copy(examples_dir() / "registry-hook", hooks_ / "registry-hook", fs::copy_options::recursive);
    fs::copy(examples_dir() / "scripts", hooks_ / "scripts", fs::copy_options::recursive);
    testing::write_text(hooks_ / "registry-hook" / "base.env",
                        "# registered base\nFTI_BASE=" + models_.base_url() + "\nFTI_POLICY=policy.yaml\n");
    testing::write_text(hooks_ / "registry-hook" / "policy.yaml", kPolicy);
    registry_ = ws_.dir / "registry" / "org" / "finetune-v2";
    fs::create_directories(registry_);
    env_ = clean_env(ws_.scratch);
  }
  CommandResult run_command_hook(const std::string& candidate) {
    std::vector<std::string> argv = {"/bin/sh", (hooks_ / "registry-hook" / "pre-publish.sh").string(), candidate,
                                     registry_.string()};
    return testing::run_command(argv, ws_.scratch, env_list(env_));
  }
  nlohmann::json stored_report() const {
    return nlohmann::json::parse(testing::slurp(registry_ / "fti-report" / "report.json"));
  }

  Models& models_ = Models::get();
  Workspace ws_;
  fs::path hooks_;
  fs::path registry_;
  Env env_;
};

TEST_F(RegistryHook, ShippedConfigNamesABaseAndAPolicy) {
  const std::string config = testing::slurp(examples_dir() / "registry-hook" / "base.env");
  EXPECT_FALSE(lines_starting_with(config, "FTI_BASE=").empty()) << config;
  EXPECT_FALSE(lines_starting_with(config, "FTI_POLICY=").empty()) << config;
}

TEST_F(RegistryHook, CompliantCandidateIsPublishedWithItsReports) {
  const CommandResult r = run_command_hook(models_.compliant_url());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("fti pre-publish: OK: " + models_.compliant_url() + " complies"), std::string::npos) << r.err;
  for (const char* f : {"report.json", "report.txt", "report.md", "report.junit.xml", "report.html"}) {
    EXPECT_TRUE(fs::is_regular_file(registry_ / "fti-report" / f)) << f;
  }
  EXPECT_EQ(stored_report()["verdict"], "compliant");
  EXPECT_GE(models_.requests_for("/base/model.safetensors"), 1u);
}

TEST_F(RegistryHook, CandidateMayBeALocalPath) {
  const CommandResult r = run_command_hook(models_.compliant_dir().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(stored_report()["candidate"]["source"], models_.compliant_dir().string());
}

TEST_F(RegistryHook, ViolatingCandidateIsRefusedWithTheReasons) {
  const CommandResult r = run_command_hook(models_.violating_url());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("fti pre-publish: REFUSED: " + models_.violating_url() + " violates the drift policy"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  model.embed_tokens.weight (frozen, policy line " + std::to_string(kFrozenLine) + "): frozen: 1 of"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  model.layers.1.self_attn.q_proj.weight (attention, policy line " +
                       std::to_string(kAttentionLine) + ")"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  attention-total (attention-total, policy line " + std::to_string(kBudgetLine) + ")"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("ERROR"), std::string::npos) << "a violation is not an error: " << r.err;
  EXPECT_EQ(stored_report()["verdict"], "violation");
  EXPECT_TRUE(fs::is_regular_file(registry_ / "fti-report" / "report.md"));
  EXPECT_FALSE(fs::exists(registry_ / "fti-certificate.fticert"));
}

TEST_F(RegistryHook, UnreachableBaseRefusesAsAnErrorNotAViolation) {
  for (const std::string& base : {models_.missing_url(), models_.broken_url()}) {
    env_["FTI_BASE"] = base;  // the environment overrides base.env
    const CommandResult r = run_command_hook(models_.compliant_url());
    EXPECT_EQ(r.exit_code, 3) << base << r.err;
    EXPECT_NE(r.err.find("fti pre-publish: REFUSED, ERROR (not a policy violation): cannot fetch the registered base " +
                         base + ": exit 3"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("violates"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(registry_ / "fti-report")) << "no report from an error";
  }
}

TEST_F(RegistryHook, UnreachableCandidateRefusesAsAnError) {
  const CommandResult r = run_command_hook(models_.missing_url());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("REFUSED, ERROR (not a policy violation): fti gate could not check " + models_.missing_url()),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(registry_ / "fti-report" / "report.json"));
}

TEST_F(RegistryHook, StaleReportsAreRemovedWhenTheCheckFails) {
  ASSERT_EQ(run_command_hook(models_.compliant_url()).exit_code, 0);
  ASSERT_TRUE(fs::exists(registry_ / "fti-report" / "report.json"));
  env_["FTI_BASE"] = models_.broken_url();
  EXPECT_EQ(run_command_hook(models_.compliant_url()).exit_code, 3);
  EXPECT_FALSE(fs::exists(registry_ / "fti-report"));
}

TEST_F(RegistryHook, MisconfigurationRefusesWithExitTwo) {
  testing::write_text(hooks_ / "registry-hook" / "base.env", "# nothing\n");
  CommandResult r = run_command_hook(models_.compliant_url());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("REFUSED, ERROR (not a policy violation): no registered base"), std::string::npos) << r.err;

  const std::vector<std::string> argv = {"/bin/sh", (hooks_ / "registry-hook" / "pre-publish.sh").string(),
                                         models_.compliant_url()};
  r = testing::run_command(argv, ws_.scratch, env_list(env_));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage: pre-publish.sh CANDIDATE REGISTRY_DIR"), std::string::npos) << r.err;
}

TEST_F(RegistryHook, InvalidPolicyIsAnErrorNotAViolation) {
  testing::write_text(hooks_ / "registry-hook" / "policy.yaml", "version: 1\nrules: [\n");
  const CommandResult r = run_command_hook(models_.compliant_url());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("REFUSED, ERROR (not a policy violation): fti gate could not check"), std::string::npos)
      << r.err;
}

TEST_F(RegistryHook, CertificateHookPointIsSkippedByAnFtiWithoutProve) {
  write_fake_fti(ws_.dir / "bin", Prove::kWithoutProve);
  env_["PATH"] = (ws_.dir / "bin").string() + ":" + env_["PATH"];
  const CommandResult r = run_command_hook(models_.compliant_url());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no 'prove' verb: no certificate (hook point fti_make_certificate)"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(registry_ / "fti-certificate.fticert"));
}

TEST_F(RegistryHook, FailedProveRefusesOnlyWhenACertificateIsRequired) {
  write_fake_fti(ws_.dir / "bin", Prove::kProveFails);
  env_["PATH"] = (ws_.dir / "bin").string() + ":" + env_["PATH"];
  CommandResult r = run_command_hook(models_.compliant_url());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: fti prove failed (exit 2)"), std::string::npos) << r.err;
  env_["FTI_REQUIRE_CERTIFICATE"] = "true";
  r = run_command_hook(models_.compliant_url());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("REFUSED, ERROR (not a policy violation): the candidate complies but no certificate"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(registry_ / "fti-certificate.fticert"));
}

TEST_F(RegistryHook, CertificateIsStoredNextToTheArtifactWhenFtiCanProve) {
  write_fake_fti(ws_.dir / "bin", Prove::kProveWrites);
  env_["PATH"] = (ws_.dir / "bin").string() + ":" + env_["PATH"];
  CommandResult r = run_command_hook(models_.compliant_url());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::is_regular_file(registry_ / "fti-certificate.fticert")) << r.err;
  EXPECT_NE(testing::slurp(registry_ / "fti-certificate.fticert").find("--candidate " + models_.compliant_url()),
            std::string::npos);
  EXPECT_NE(r.err.find("fti: certificate " + (registry_ / "fti-certificate.fticert").string()), std::string::npos) << r.err;

  r = run_command_hook(models_.violating_url());  // no certificate for a refused candidate
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(registry_ / "fti-certificate.fticert"));
}

// With the built fti's own `fti prove` (once it has one): the certificate
// stored next to the artifact verifies with `fti verify` under the policy.
TEST_F(RegistryHook, RealCertificateStoredNextToTheArtifactVerifies) {
  if (!built_fti_has_prove()) GTEST_SKIP() << "the built fti has no prove verb yet";
  env_["FTI_PROVE_ARGS"] = "--allow-partial";  // the budget is not certifiable yet
  env_["FTI_REQUIRE_CERTIFICATE"] = "true";
  const CommandResult r = run_command_hook(models_.compliant_url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path certificate = registry_ / "fti-certificate.fticert";
  ASSERT_TRUE(fs::is_regular_file(certificate)) << r.err;
  const CommandResult v =
      testing::run_command({fti_binary().string(), "verify", certificate.string(), "--policy",
                            (hooks_ / "registry-hook" / "policy.yaml").string()},
                           ws_.scratch, env_list(env_));
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace fti::ci

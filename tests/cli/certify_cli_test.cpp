// `fti prove` / `fti verify` on the demo models (docs/PROTOCOL.md 10.4): a
// compliant LoRA candidate certifies and verifies with the proven parameters;
// a violating one gets no certificate; another policy, a tampered model
// (--against), a corrupt file, and a certificate made with small test
// parameters through the library are all rejected (exit 4); auditor mode.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

#include "engine/certify/certify.h"
#include "policy/policy_parser.h"
#include "registry/checkpoint.h"
#include "tests/cli/child_process.h"
#include "tests/cli/fti_cli.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;
using testing::TempDir;

constexpr const char* kPolicy = R"(version: 1
preset: llama
rules:
  - name: attention-qv
    match: "model.layers.*.self_attn.{q,v}_proj.weight"
    norm:
      frobenius: {relative: 5%, absolute: 1.0}
  - name: frozen
    match: "**"
    frozen: true
)";

class CertifyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(fti_cli({"demo", "--out", (dir_ / "demo").string()}, dir_).exit_code, 0);
    testing::write_text(dir_ / "policy.yaml", kPolicy);
  }
  std::string demo(const char* name) const { return (dir_ / "demo" / name).string(); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  CommandResult prove(const std::string& candidate, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"prove", "--base", demo("base"), "--candidate", candidate,
                                     "--policy", path("policy.yaml"), "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    return fti_cli(args, dir_);
  }
  CommandResult verify(const std::string& cert, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"verify", cert, "--policy", path("policy.yaml")};
    args.insert(args.end(), extra.begin(), extra.end());
    return fti_cli(args, dir_);
  }
  // One proven certificate for the fixture (the CLI's proven parameters).
  void make_certificate() {
    const CommandResult r = prove(demo("candidate-lora"), path("lora.fticert"));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  TempDir dir_;
};

TEST_F(CertifyCli, CompliantCandidateCertifiesAndVerifiesThenTamperingIsCaught) {
  make_certificate();
  CommandResult r = verify(path("lora.fticert"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: VALID"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("attention-qv"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fixed-point encodings"), std::string::npos) << r.out;

  r = verify(path("lora.fticert"), {"--json", "--report-dir", path("reports")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["partial"], false);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "reports" / "report.json"));

  // --against: the certified candidate matches, the tampered one does not.
  EXPECT_EQ(verify(path("lora.fticert"), {"--against", demo("candidate-lora")}).exit_code, 0);
  r = verify(path("lora.fticert"), {"--against", demo("candidate-tampered")});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("certificate invalid: against:"), std::string::npos) << r.err;

  // Another policy (a different bound).
  std::string other = kPolicy;
  other.replace(other.find("5%"), 2, "4%");
  testing::write_text(dir_ / "other.yaml", other);
  r = fti_cli({"verify", path("lora.fticert"), "--policy", path("other.yaml")}, dir_);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("certificate invalid: policy:"), std::string::npos) << r.err;

  // A flipped byte and a truncated file.
  std::vector<std::uint8_t> bytes = testing::read_bytes(dir_ / "lora.fticert");
  std::vector<std::uint8_t> flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  testing::write_bytes(dir_ / "flipped.fticert", flipped);
  EXPECT_EQ(verify(path("flipped.fticert")).exit_code, 4);
  testing::write_bytes(dir_ / "cut.fticert", std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 1000));
  r = verify(path("cut.fticert"));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("certificate invalid: format:"), std::string::npos) << r.err;

  // Auditor mode: one valid and two invalid files.
  std::filesystem::create_directories(dir_ / "certs");
  std::filesystem::copy_file(dir_ / "lora.fticert", dir_ / "certs" / "a.fticert");
  std::filesystem::copy_file(dir_ / "cut.fticert", dir_ / "certs" / "b.fticert");
  r = verify(path("certs"));
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.out.find("a.fticert: valid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b.fticert: certificate invalid: format"), std::string::npos) << r.out;
  std::filesystem::remove(dir_ / "certs" / "b.fticert");
  EXPECT_EQ(verify(path("certs")).exit_code, 0);
}

TEST_F(CertifyCli, ViolatingCandidateGetsNoCertificate) {
  const CommandResult r = prove(demo("candidate-tampered"), path("bad.fticert"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("model.embed_tokens.weight"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.fticert"));
}

TEST_F(CertifyCli, DemoPolicyIsFullyCertifiedBudgetIncluded) {
  // The demo policy: a rank rule (max 8, residual 1% of ||B||) with a norm
  // rule on q/v, the rest frozen, and a Frobenius budget over attention: all
  // certified (PROTOCOL.md 10.4.3), no --allow-partial needed.
  CommandResult r = fti_cli({"prove", "--base", demo("base"), "--candidate", demo("candidate-lora"), "--policy",
                             demo("policy.yaml"), "--out", path("d.fticert")},
                            dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = fti_cli({"verify", path("d.fticert"), "--policy", demo("policy.yaml")}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("PARTIAL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("budget attention-total ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RANK TENSOR"), std::string::npos) << r.out;
  r = fti_cli({"verify", path("d.fticert"), "--policy", demo("policy.yaml"), "--json"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["not_certified"].empty());
  ASSERT_EQ(j["budgets"].size(), 1u);
  EXPECT_EQ(j["budgets"][0]["name"], "attention-total");
  EXPECT_LE(j["budgets"][0]["relative"].get<double>(), 0.03);
  EXPECT_GT(j["budgets"][0]["relative"].get<double>(), 0.0);
  std::size_t ranks = 0;
  for (const auto& t : j["tensors"]) {
    if (!t.contains("rank")) continue;
    ++ranks;
    EXPECT_EQ(t["rule"], "lora-attention");
    EXPECT_EQ(t["rank"]["max_rank"], 8);
    EXPECT_EQ(t["rank"]["verdict"], "proven");
    EXPECT_LE(t["rank"]["relative"].get<double>(), 0.01) << t.dump();
    EXPECT_GT(t["rank"]["residual"].get<double>(), 0.0) << t.dump();
    EXPECT_EQ(t["rank"]["relative_bound"].get<double>(), 0.01);
  }
  EXPECT_EQ(ranks, 8u);  // q and v of 4 layers
}

TEST_F(CertifyCli, PerHeadRankRulesAreCertifiedAndReported) {
  // The demo's LoRA update has rank 8; each of q's 4 heads (64 rows) then has
  // rank <= 8 too; v under its plain rank rule.
  const std::string policy = "version: 1\npreset: llama\nrules:\n"
                             "  - name: q-heads\n    match: \"model.layers.*.self_attn.q_proj.weight\"\n"
                             "    rank: {max: 8, residual: {relative: 1%}, per_head: {heads: 4}}\n"
                             "  - name: v\n    match: \"model.layers.*.self_attn.v_proj.weight\"\n"
                             "    rank: {max: 8, residual: {relative: 1%}}\n"
                             "  - name: frozen\n    match: \"**\"\n    frozen: true\n";
  testing::write_text(dir_ / "heads.yaml", policy);
  CommandResult r = fti_cli({"prove", "--base", demo("base"), "--candidate", demo("candidate-lora"), "--policy",
                             path("heads.yaml"), "--out", path("h.fticert")},
                            dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = fti_cli({"verify", path("h.fticert"), "--policy", path("heads.yaml")}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("per head: 4 blocks of rows"), std::string::npos) << r.out;
  r = fti_cli({"verify", path("h.fticert"), "--policy", path("heads.yaml"), "--json"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  std::size_t heads = 0, plain = 0;
  for (const auto& t : j["tensors"]) {
    if (!t.contains("rank")) continue;
    if (t["rule"] == "q-heads") {
      ++heads;
      EXPECT_EQ(t["rank"]["heads"], 4) << t.dump();
      EXPECT_EQ(t["rank"]["head_side"], "rows") << t.dump();
    } else {
      ++plain;
      EXPECT_FALSE(t["rank"].contains("heads")) << t.dump();
    }
    EXPECT_LE(t["rank"]["relative"].get<double>(), 0.01) << t.dump();
  }
  EXPECT_EQ(heads, 4u);
  EXPECT_EQ(plain, 4u);
}

TEST_F(CertifyCli, UncertifiableRulesNeedAllowPartial) {
  // The demo policy plus a rank rule on k without a residual bound (numerical rank: not certifiable yet).
  std::string policy = testing::slurp(demo("policy.yaml"));
  const std::string frozen = "  - name: frozen";
  policy.insert(policy.find(frozen), "  - name: heads\n    match: \"model.layers.*.self_attn.k_proj.weight\"\n"
                                     "    rank: {max: 4, per_head: {heads: 4}}\n");
  testing::write_text(dir_ / "heads.yaml", policy);
  const std::vector<std::string> args = {"prove",  "--base",   demo("base"),       "--candidate",
                                         demo("candidate-lora"), "--policy", path("heads.yaml"), "--out",
                                         path("p.fticert")};
  CommandResult r = fti_cli(args, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("heads"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "p.fticert"));
  std::vector<std::string> partial = args;
  partial.push_back("--allow-partial");
  r = fti_cli(partial, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = fti_cli({"verify", path("p.fticert"), "--policy", path("heads.yaml")}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PARTIAL: 1 rule classes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not certified: rule heads (rank"), std::string::npos) << r.out;
  r = fti_cli({"verify", path("p.fticert"), "--policy", path("heads.yaml"), "--json"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["not_certified"].size(), 1u);
  EXPECT_EQ(j["not_certified"][0]["class"], "rank");
}

TEST_F(CertifyCli, SmallTestParametersNeverVerifyThroughTheCli) {
  // Made through the library's test-only path (small Basefold parameters).
  const policy::Policy policy = policy::parse_policy(kPolicy, "policy.yaml");
  certify::ProveOptions o;
  o.params.num_queries = 8;
  o.params.grinding_bits = 0;
  o.enforce_security_floor = false;
  const certify::ProveResult p = certify::prove_certificate(policy, Checkpoint::open_local(demo("base")),
                                                          Checkpoint::open_local(demo("candidate-lora")), nullptr, o);
  ASSERT_EQ(p.outcome, certify::ProveOutcome::kCertified) << p.message;
  testing::write_bytes(dir_ / "small.fticert", p.certificate);
  const CommandResult r = verify(path("small.fticert"));
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.err.find("certificate invalid: parameters:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("insecure_parameters"), std::string::npos) << r.err;

  // The same with rank proofs (the demo policy, partial): the floor holds too.
  const policy::Policy demo_policy = policy::parse_policy_file(demo("policy.yaml"));
  o.allow_partial = true;
  const certify::ProveResult q = certify::prove_certificate(
      demo_policy, Checkpoint::open_local(demo("base")), Checkpoint::open_local(demo("candidate-lora")), nullptr, o);
  ASSERT_EQ(q.outcome, certify::ProveOutcome::kCertified) << q.message;
  testing::write_bytes(dir_ / "small-rank.fticert", q.certificate);
  const CommandResult k = fti_cli({"verify", path("small-rank.fticert"), "--policy", demo("policy.yaml")}, dir_);
  EXPECT_EQ(k.exit_code, 4) << k.out;
  EXPECT_NE(k.err.find("certificate invalid: parameters:"), std::string::npos) << k.err;
}

TEST_F(CertifyCli, UsageAndInputErrors) {
  EXPECT_EQ(fti_cli({"verify", path("missing.fticert"), "--policy", path("policy.yaml")}, dir_).exit_code, 3);
  testing::write_text(dir_ / "broken.yaml", "version: 1\nrules: [\n");
  EXPECT_EQ(fti_cli({"verify", path("missing.fticert"), "--policy", path("broken.yaml")}, dir_).exit_code, 2);
  EXPECT_EQ(fti_cli({"verify", path("missing.fticert")}, dir_).exit_code, 2);
}

// Review finding 4: the certificate carries its own base commitment, so an
// auditor pins the registered base (a commitment file or its root); a
// certificate against any other base is then invalid.
TEST_F(CertifyCli, TrustedBaseIsPinnedByCommitmentOrRoot) {
  make_certificate();
  ASSERT_EQ(fti_cli({"commit", demo("base"), "--out", path("base.fticommit")}, dir_).exit_code, 0);
  const CommandResult other = fti_cli({"commit", demo("candidate-tampered"), "--out", path("other.fticommit")}, dir_);
  ASSERT_EQ(other.exit_code, 0) << other.err;

  CommandResult r = verify(path("lora.fticert"), {"--base-commitment", path("base.fticommit")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = verify(path("lora.fticert"), {"--base-commitment", path("other.fticommit")});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("is not the trusted base"), std::string::npos) << r.err;

  const CommandResult base = fti_cli({"commit", demo("base")}, dir_);
  ASSERT_EQ(base.exit_code, 0);
  const std::size_t at = base.out.find("root:");
  ASSERT_NE(at, std::string::npos) << base.out;
  const std::string root = base.out.substr(base.out.find_first_not_of(' ', at + 5), 64);
  r = verify(path("lora.fticert"), {"--base-root", root});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string wrong = root;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  EXPECT_EQ(verify(path("lora.fticert"), {"--base-root", wrong}).exit_code, 4);
  EXPECT_EQ(verify(path("lora.fticert"), {"--base-root", "zz"}).exit_code, 2);

  // Auditor mode applies the pin to every certificate of the directory.
  std::filesystem::create_directories(dir_ / "certs");
  std::filesystem::copy_file(dir_ / "lora.fticert", dir_ / "certs" / "a.fticert");
  EXPECT_EQ(fti_cli({"verify", path("certs"), "--policy", path("policy.yaml"), "--base-commitment",
                     path("base.fticommit")},
                    dir_)
                .exit_code,
            0);
  EXPECT_EQ(fti_cli({"verify", path("certs"), "--policy", path("policy.yaml"), "--base-commitment",
                     path("other.fticommit")},
                    dir_)
                .exit_code,
            4);
}

// Issue 7, faults: SIGINT or SIGTERM while proving ends the process with
// 128 + the signal, leaves no certificate (not even a partial one) in the
// output directory, and a rerun succeeds.
TEST_F(CertifyCli, InterruptedProvingLeavesNoCertificateAndTheRerunSucceeds) {
  for (const int signo : {SIGINT, SIGTERM}) {
    const std::filesystem::path out_dir = dir_ / ("out-" + std::to_string(signo));
    const std::filesystem::path scratch = dir_ / ("scratch-" + std::to_string(signo));
    std::filesystem::create_directories(out_dir);
    std::filesystem::create_directories(scratch);
    const std::string out = (out_dir / "lora.fticert").string();
    testing::CommandResult r;
    {
      testing::ChildProcess fti({FTI_BINARY, "prove", "--base", demo("base"), "--candidate", demo("candidate-lora"),
                                 "--policy", path("policy.yaml"), "--out", out},
                                scratch);
      // Proving the demo pair takes seconds (commitments first); stop it early.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      fti.signal(signo);
      r = fti.wait();
    }
    EXPECT_EQ(r.exit_code, 128 + signo) << r.out << r.err;
    EXPECT_TRUE(std::filesystem::is_empty(out_dir)) << "a partial file was left in " << out_dir;
    const CommandResult again = prove(demo("candidate-lora"), out);
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(verify(out).exit_code, 0);
  }
}

}  // namespace
}  // namespace fti

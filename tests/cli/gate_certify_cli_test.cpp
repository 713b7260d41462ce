// `fti gate --certify CERT` on the demo models: a compliant candidate gets
// the report and the very certificate `fti prove` writes for the same inputs
// (which `fti verify` accepts); a blocked one gets the report and no
// certificate, with gate's exit code; the options that only make sense with
// --certify are refused without it.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/attest/base64.h"
#include "engine/common/sha256.h"
#include "tests/attest/test_keys.h"
#include "tests/cli/fti_cli.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;

class GateCertifyCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(fti_cli({"demo", "--out", (dir_ / "demo").string()}, dir_).exit_code, 0); }
  std::string demo(const char* name) const { return (dir_ / "demo" / name).string(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  CommandResult gate(const std::string& candidate, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"gate", "--policy", demo("policy.yaml"), "--base", demo("base"), "--candidate",
                                     candidate};
    args.insert(args.end(), extra.begin(), extra.end());
    return fti_cli(args, dir_);
  }

  testing::TempDir dir_;
};

TEST_F(GateCertifyCli, CompliantCandidateGetsReportAndTheCertificateProveWrites) {
  CommandResult g = gate(demo("candidate-lora"), {"--certify", path("gate.fticert"), "--report-dir", path("reports")});
  ASSERT_EQ(g.exit_code, 0) << g.out << g.err;
  EXPECT_NE(g.out.find("verdict: COMPLIANT"), std::string::npos) << g.out;
  EXPECT_NE(g.err.find("wrote certificate " + path("gate.fticert")), std::string::npos) << g.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "reports" / "report.json"));

  const CommandResult v = fti_cli({"verify", path("gate.fticert"), "--policy", demo("policy.yaml")}, dir_);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("verdict: VALID"), std::string::npos) << v.out;

  // One code path: byte for byte what `fti prove` writes for these inputs.
  const CommandResult p = fti_cli({"prove", "--base", demo("base"), "--candidate", demo("candidate-lora"), "--policy",
                                   demo("policy.yaml"), "--out", path("prove.fticert")},
                                  dir_);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(testing::read_bytes(dir_ / "gate.fticert"), testing::read_bytes(dir_ / "prove.fticert"));

  // --json keeps stdout one JSON document: the certificate's note is on stderr.
  g = gate(demo("candidate-lora"), {"--certify", path("json.fticert"), "--json"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(nlohmann::json::parse(g.out)["verdict"], "compliant");
}

TEST_F(GateCertifyCli, BlockedCandidateGetsNoCertificateAndGateExitCode) {
  const CommandResult g =
      gate(demo("candidate-tampered"), {"--certify", path("bad.fticert"), "--report-dir", path("r")});
  EXPECT_EQ(g.exit_code, 1) << g.out << g.err;
  EXPECT_NE(g.out.find("verdict: BLOCKED"), std::string::npos) << g.out;
  EXPECT_NE(g.err.find("no certificate written"), std::string::npos) << g.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.fticert"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "r" / "report.json"));  // the reports are still written
}

TEST_F(GateCertifyCli, AttestationNamesTheReportAndTheCertificate) {
  const testing::PemKeyPair pair = testing::generate_key_pair("ED25519");
  testing::write_text(dir_ / "key.pem", pair.private_pem);
  testing::write_text(dir_ / "key.pub", pair.public_pem);
  const std::string env = path("ft.intoto.jsonl");
  const CommandResult g = gate(demo("candidate-lora"), {"--certify", path("ft.fticert"), "--report-dir",
                                                        path("reports"), "--attest-key", path("key.pem"),
                                                        "--attestation", env});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  const auto payload = attest::base64_decode(nlohmann::json::parse(testing::slurp(env))["payload"].get<std::string>());
  ASSERT_TRUE(payload);
  const nlohmann::json s = nlohmann::json::parse(std::string(payload->begin(), payload->end()));
  EXPECT_EQ(s["predicate"]["command"], "gate");
  EXPECT_EQ(s["predicate"]["report"]["digest"]["sha256"], to_hex(sha256_file(path("reports/report.json"))));
  EXPECT_EQ(s["predicate"]["certificate"]["digest"]["sha256"], to_hex(sha256_file(path("ft.fticert"))));
  const CommandResult v = fti_cli({"verify-attestation", env, "--pubkey", path("key.pub"), "--policy",
                                   demo("policy.yaml"), "--require-compliant"},
                                  dir_);
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

TEST_F(GateCertifyCli, CertifyOnlyOptionsNeedCertify) {
  EXPECT_EQ(gate(demo("candidate-lora"), {"--allow-partial"}).exit_code, 2);
  EXPECT_EQ(gate(demo("candidate-lora"), {"--base-commitment", path("base.fticommit")}).exit_code, 2);
  // An adapter is not a checkpoint a certificate could name.
  const CommandResult r = fti_cli({"gate", "--policy", demo("policy.yaml"), "--base", demo("base"), "--adapter",
                                   path("no-adapter"), "--certify", path("a.fticert")},
                                  dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--certify"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fti

// `fti gate/prove --attestation` and `fti verify-attestation` on the demo
// models (docs/ATTESTATIONS.md): signed with Ed25519 and ECDSA P-256 keys
// generated here, verified, and rejected for a wrong key, a tampered
// statement, a wrong subject file, another policy and an unsigned envelope.
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

class AttestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(fti_cli({"demo", "--out", (dir_ / "demo").string()}, dir_).exit_code, 0);
    for (const char* algorithm : {"ED25519", "P-256"}) {
      const testing::PemKeyPair pair = testing::generate_key_pair(algorithm);
      testing::write_text(dir_ / (std::string(algorithm) + ".pem"), pair.private_pem);
      testing::write_text(dir_ / (std::string(algorithm) + ".pub"), pair.public_pem);
    }
  }
  std::string demo(const char* name) const { return (dir_ / "demo" / name).string(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  CommandResult gate(const std::string& candidate, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"gate", "--policy", demo("policy.yaml"), "--base", demo("base"), "--candidate",
                                     candidate};
    args.insert(args.end(), extra.begin(), extra.end());
    return fti_cli(args, dir_);
  }
  CommandResult verify(const std::string& envelope, const std::string& pub, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"verify-attestation", envelope, "--pubkey", path(pub)};
    args.insert(args.end(), extra.begin(), extra.end());
    return fti_cli(args, dir_);
  }

  testing::TempDir dir_;
};

TEST_F(AttestCli, GateSignsAndVerifyChecksKeySubjectsAndPolicy) {
  const std::string env = path("lora.intoto.jsonl");
  const CommandResult g = gate(demo("candidate-lora"), {"--attest-key", path("ED25519.pem"), "--attestation", env,
                                                        "--report-dir", path("reports")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  // The statement names the candidate's file, the base, the policy and the report written.
  const nlohmann::json e = nlohmann::json::parse(testing::slurp(env));
  const auto payload = attest::base64_decode(e["payload"].get<std::string>());
  ASSERT_TRUE(payload);
  const nlohmann::json s = nlohmann::json::parse(std::string(payload->begin(), payload->end()));
  EXPECT_EQ(s["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(s["predicate"]["verdict"], "compliant");
  const std::string model = demo("candidate-lora") + "/model.safetensors";
  EXPECT_EQ(s["subject"][0]["digest"]["sha256"], to_hex(sha256_file(model)));
  EXPECT_EQ(s["predicate"]["report"]["digest"]["sha256"], to_hex(sha256_file(path("reports/report.json"))));
  EXPECT_EQ(s["predicate"]["base"][0]["uri"], demo("base"));

  CommandResult v = verify(env, "ED25519.pub", {"--subject", model, "--policy", demo("policy.yaml"), "--require-compliant"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("signature: VALID"), std::string::npos) << v.out;

  v = verify(env, "P-256.pub");  // the other key
  EXPECT_EQ(v.exit_code, 4);
  EXPECT_NE(v.err.find("no signature verifies"), std::string::npos) << v.err;
  v = verify(env, "ED25519.pub", {"--subject", demo("candidate-tampered") + "/model.safetensors"});
  EXPECT_EQ(v.exit_code, 4);
  EXPECT_NE(v.err.find("has sha256"), std::string::npos) << v.err;
  testing::write_text(dir_ / "other.yaml", "version: 1\nrules:\n  - name: all\n    match: \"**\"\n    frozen: true\n");
  v = verify(env, "ED25519.pub", {"--policy", path("other.yaml")});
  EXPECT_EQ(v.exit_code, 4);
  EXPECT_NE(v.err.find("policy"), std::string::npos) << v.err;

  // One byte of the statement changed, payload re-encoded: the signature no longer holds.
  std::string tampered(payload->begin(), payload->end());
  tampered[tampered.find("compliant")] = 'k';
  nlohmann::json t = e;
  t["payload"] = attest::base64_encode(tampered);
  testing::write_text(dir_ / "tampered.intoto.jsonl", t.dump() + "\n");
  EXPECT_EQ(verify(path("tampered.intoto.jsonl"), "ED25519.pub").exit_code, 4);

  EXPECT_EQ(verify(path("missing.jsonl"), "ED25519.pub").exit_code, 3);
  EXPECT_EQ(verify(env, "ED25519.pem").exit_code, 2);  // a private key is not a public key
}

TEST_F(AttestCli, ViolationIsAttestedAndUnsignedEnvelopesDoNotVerify) {
  const std::string env = path("bad.intoto.jsonl");
  CommandResult g = gate(demo("candidate-tampered"), {"--attest-key", path("P-256.pem"), "--attestation", env});
  ASSERT_EQ(g.exit_code, 1) << g.err;
  EXPECT_EQ(verify(env, "P-256.pub").exit_code, 0);
  const CommandResult strict = verify(env, "P-256.pub", {"--require-compliant"});
  EXPECT_EQ(strict.exit_code, 4);
  EXPECT_NE(strict.err.find("violation"), std::string::npos) << strict.err;

  const std::string unsigned_env = path("unsigned.intoto.jsonl");
  g = gate(demo("candidate-lora"), {"--attestation", unsigned_env});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_NE(g.err.find("UNSIGNED"), std::string::npos) << g.err;
  EXPECT_EQ(nlohmann::json::parse(testing::slurp(unsigned_env))["signatures"], nlohmann::json::array());
  EXPECT_EQ(verify(unsigned_env, "P-256.pub").exit_code, 4);

  // A bad key fails before any work, and no envelope is written.
  testing::write_text(dir_ / "junk.pem", "junk");
  g = gate(demo("candidate-lora"), {"--attest-key", path("junk.pem"), "--attestation", path("junk.intoto.jsonl")});
  EXPECT_EQ(g.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(path("junk.intoto.jsonl")));
  EXPECT_EQ(gate(demo("candidate-lora"), {"--attest-key", path("P-256.pem")}).exit_code, 2);
}

TEST_F(AttestCli, ProveAttestsTheCertificate) {
  const std::string env = path("cert.intoto.jsonl");
  const CommandResult p = fti_cli({"prove", "--base", demo("base"), "--candidate", demo("candidate-lora"), "--policy",
                                   demo("policy.yaml"), "--out", path("c.fticert"), "--allow-partial",
                                   "--attest-key", path("ED25519.pem"), "--attestation", env},
                                  dir_);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const CommandResult v = verify(env, "ED25519.pub", {"--policy", demo("policy.yaml")});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find(to_hex(sha256_file(path("c.fticert")))), std::string::npos) << v.out;
}

}  // namespace
}  // namespace fti

// fti verify-model-signature (docs/ATTESTATIONS.md, "OpenSSF model
// signing"): a model directory signed the way model_signing's key method
// does, checked through the CLI; a tampered file, an extra file, a wrong key,
// no key, JSON output, and the signature file inside the model directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/attest/dsse.h"
#include "engine/attest/model_signing.h"
#include "engine/attest/signing_key.h"
#include "tests/attest/test_keys.h"
#include "tests/cli/fti_cli.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti::cli {
namespace {

using fti::testing::CommandResult;
using fti::testing::fti_cli;

class ModelSigningCli : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = dir_.path() / "model";
    fti::testing::write_model(model_, fti::testing::make_model_tensors(1, 16, 3), 2);
    const fti::testing::PemKeyPair pair = fti::testing::generate_key_pair("EC");
    fti::testing::write_text(dir_.path() / "signer.pub.pem", pair.public_pem);
    const fti::testing::PemKeyPair other = fti::testing::generate_key_pair("EC");
    fti::testing::write_text(dir_.path() / "other.pub.pem", other.public_pem);
    const attest::SigningKey key = attest::SigningKey::from_pem(pair.private_pem, "signer.pem");
    manifest_ = attest::build_model_signing_manifest(model_, "model");
    attest::DsseEnvelope envelope =
        attest::sign_envelope(attest::kInTotoPayloadType, attest::model_signing_statement_json(manifest_), key);
    envelope.signatures[0].keyid.clear();  // as model_signing's key method writes it
    fti::testing::write_text(dir_.path() / "model.sig", attest::model_signing_bundle_json(envelope, "hint"));
  }
  std::string path(const char* name) const { return (dir_.path() / name).string(); }
  CommandResult verify(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"verify-model-signature", path("model.sig"), "--model", model_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return fti_cli(args, dir_);
  }
  fti::testing::TempDir dir_;
  std::filesystem::path model_;
  attest::ModelSigningManifest manifest_;
};

TEST_F(ModelSigningCli, SignedModelVerifiesWithItsKeyAndFilesOnlyWithout) {
  CommandResult r = verify({"--pubkey", path("signer.pub.pem")});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("root digest:  sha256 " + manifest_.root_sha256), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verified with --pubkey"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: VALID\n"), std::string::npos) << r.out;
  r = verify();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NOT verified: no --pubkey given"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("files only; signer not verified"), std::string::npos) << r.out;
  r = verify({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["root_sha256"], manifest_.root_sha256);
  EXPECT_EQ(j["files_verified"], manifest_.resources.size());
  EXPECT_FALSE(j["signature_verified"].get<bool>());
}

TEST_F(ModelSigningCli, WrongKeyTamperedOrExtraFilesAreRejectedByName) {
  CommandResult r = verify({"--pubkey", path("other.pub.pem")});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("model signature invalid: signature"), std::string::npos) << r.err;
  // One byte of a shard.
  const std::string shard = manifest_.resources.front().path;
  {
    std::fstream f(model_ / shard, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  r = verify({"--pubkey", path("signer.pub.pem")});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("file " + shard + ": sha256"), std::string::npos) << r.err;
  // Restore, then add a file the signature does not list.
  std::filesystem::remove_all(model_);
  fti::testing::write_model(model_, fti::testing::make_model_tensors(1, 16, 3), 2);
  ASSERT_EQ(verify().exit_code, 0);
  fti::testing::write_text(model_ / "extra.bin", "x");
  r = verify();
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("file extra.bin is not listed"), std::string::npos) << r.err;
}

TEST_F(ModelSigningCli, ASignatureInsideTheModelDirectoryIsNotAnExtraFile) {
  std::filesystem::copy_file(dir_.path() / "model.sig", model_ / "model.sig");
  const CommandResult r = fti_cli(
      {"verify-model-signature", (model_ / "model.sig").string(), "--model", model_.string()}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(ModelSigningCli, UnreadableOrMalformedInputs) {
  CommandResult r = fti_cli({"verify-model-signature", path("missing.sig"), "--model", model_.string()}, dir_);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  fti::testing::write_text(dir_.path() / "bad.sig", "{\"mediaType\": 1}");
  r = fti_cli({"verify-model-signature", path("bad.sig"), "--model", model_.string()}, dir_);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = fti_cli({"verify-model-signature", path("model.sig")}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace fti::cli

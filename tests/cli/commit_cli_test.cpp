// `fti commit` as a pipeline runs it on the demo models: the root is printed
// and written, recomputation verifies (exit 0) and a different model fails
// (exit 4) naming the first differing tensor; a corrupt commitment file exits
// 4, an uncommittable model 3, and the thread count does not change the root.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/cli/fti_cli.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;
using testing::TempDir;

class CommitCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(fti_cli({"demo", "--out", (dir_ / "demo").string()}, dir_).exit_code, 0); }
  std::string demo(const char* name) const { return (dir_ / "demo" / name).string(); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  TempDir dir_;
};

TEST_F(CommitCli, CommitsVerifiesAndNamesTheFirstDifferingTensor) {
  CommandResult r = fti_cli({"commit", demo("base"), "--out", path("base.fticommit")}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("root:         "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrote:        " + path("base.fticommit")), std::string::npos) << r.out;
  ASSERT_TRUE(std::filesystem::exists(path("base.fticommit")));

  r = fti_cli({"commit", "--verify", path("base.fticommit"), demo("base")}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verified:     " + path("base.fticommit") + " matches"), std::string::npos) << r.out;

  r = fti_cli({"commit", "--verify", path("base.fticommit"), demo("candidate-tampered")}, dir_);
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("does not match"), std::string::npos) << r.err;
  // The tampered candidate changes the embeddings (first by name) and layer 2's MLP.
  EXPECT_NE(r.err.find("tensor \"model.embed_tokens.weight\": values differ"), std::string::npos) << r.err;

  r = fti_cli({"commit", "--verify", path("base.fticommit"), demo("candidate-lora"), "--json"}, dir_);
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verify"]["matches"], false);
  EXPECT_NE(j["verify"]["tensor"].get<std::string>().find("self_attn"), std::string::npos) << j["verify"];
}

TEST_F(CommitCli, JsonRootIsTheSameForOneThreadAndAll) {
  CommandResult one = fti_cli({"commit", demo("base"), "--json", "--threads", "1"}, dir_);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  CommandResult all = fti_cli({"commit", demo("base"), "--json"}, dir_);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const nlohmann::json a = nlohmann::json::parse(one.out);
  const nlohmann::json b = nlohmann::json::parse(all.out);
  EXPECT_EQ(a["root"], b["root"]);
  EXPECT_EQ(a["root"].get<std::string>().size(), 64u);
  EXPECT_EQ(a["protocol"], "fti.commitment.v1");
  EXPECT_EQ(a["encoding"]["value_bits"], 24);
  EXPECT_GE(a["groups"].size(), 2u);
  EXPECT_EQ(a["files"].size(), 1u);
  for (const auto& t : a["tensors"]) {
    EXPECT_EQ(t["scale_source"], "rule");
    EXPECT_EQ(t["dtype"], "BF16");
  }
}

TEST_F(CommitCli, CandidateAtTheBaseScalesReproducesThroughVerify) {
  ASSERT_EQ(fti_cli({"commit", demo("base"), "--out", path("base.fticommit")}, dir_).exit_code, 0);
  CommandResult r = fti_cli({"commit", demo("candidate-lora"), "--scales-from", path("base.fticommit"), "--out",
                             path("lora.fticommit"), "--json"},
                            dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const auto& t : j["tensors"]) EXPECT_EQ(t["scale_source"], "given");
  r = fti_cli({"commit", "--verify", path("lora.fticommit"), demo("candidate-lora")}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = fti_cli({"commit", "--verify", path("base.fticommit"), demo("base"), "--out", path("x")}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;  // --verify excludes --out

  // A model whose values do not fit the recorded scales cannot be the committed one: exit 4.
  std::vector<TensorData> tensors = testing::make_model_tensors(1, 8, 1);
  testing::write_model(dir_ / "small", tensors, 1);
  ASSERT_EQ(fti_cli({"commit", path("small"), "--out", path("small.fticommit")}, dir_).exit_code, 0);
  const std::uint16_t big = 0x4700;  // bf16 32768
  std::memcpy(tensors[0].bytes.data(), &big, 2);
  testing::write_model(dir_ / "grown", tensors, 1);
  ASSERT_EQ(fti_cli({"commit", path("grown"), "--scales-from", path("small.fticommit"), "--out",
                     path("grown.fticommit")},
                    dir_)
                .exit_code,
            3);
  ASSERT_EQ(fti_cli({"commit", path("small"), "--scales-from", path("small.fticommit"), "--out",
                     path("aligned.fticommit")},
                    dir_)
                .exit_code,
            0);
  r = fti_cli({"commit", "--verify", path("aligned.fticommit"), path("grown")}, dir_);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("does not fit in 24 bits"), std::string::npos) << r.err;
}

TEST_F(CommitCli, CorruptCommitmentFileExitsFour) {
  ASSERT_EQ(fti_cli({"commit", demo("base"), "--out", path("base.fticommit")}, dir_).exit_code, 0);
  std::vector<std::uint8_t> bytes = testing::read_bytes(path("base.fticommit"));
  bytes[bytes.size() / 2] ^= 0x10;
  testing::write_bytes(path("bad.fticommit"), bytes);
  CommandResult r = fti_cli({"commit", "--verify", path("bad.fticommit"), demo("base")}, dir_);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("bad.fticommit: invalid commitment file:"), std::string::npos) << r.err;
  bytes.resize(100);
  testing::write_bytes(path("short.fticommit"), bytes);
  r = fti_cli({"commit", "--verify", path("short.fticommit"), demo("base")}, dir_);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

TEST_F(CommitCli, NanModelExitsThreeAndWritesNothing) {
  std::vector<TensorData> tensors = testing::make_model_tensors(1, 8, 1);
  tensors[2].bytes[1] = 0x7F;  // bf16 0x7Fxx with a high exponent byte: 0x7FC0-ish is NaN
  tensors[2].bytes[0] = 0xC0;
  testing::write_model(dir_ / "nan", tensors, 1);
  CommandResult r = fti_cli({"commit", path("nan"), "--out", path("nan.fticommit")}, dir_);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("\"" + tensors[2].spec.name + "\" (BF16): element 0 is NaN"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("nan.fticommit")));
}

TEST_F(CommitCli, MissingModelIsAnInputError) {
  CommandResult r = fti_cli({"commit", path("nowhere")}, dir_);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = fti_cli({"commit"}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace fti

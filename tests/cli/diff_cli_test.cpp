// `fti diff` as a pipeline runs it: the demo models, table and JSON output,
// report files, and errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli/fti_cli.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::fti_cli;
using testing::TempDir;

class DiffCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(fti_cli({"demo", "--out", (dir_ / "demo").string()}, dir_).exit_code, 0); }
  std::string model(const char* name) const { return (dir_ / "demo" / name).string(); }
  TempDir dir_;
};

TEST_F(DiffCli, TableListsChangedTensors) {
  const CommandResult r = fti_cli({"diff", "--base", model("base"), "--candidate", model("candidate-tampered")}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model.embed_tokens.weight"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model.layers.2.mlp.down_proj.weight"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("model.layers.2.mlp.up_proj.weight"), std::string::npos) << r.out;  // unchanged
  EXPECT_NE(r.out.find("10 of 39 tensors differ"), std::string::npos) << r.out;
}

TEST_F(DiffCli, JsonWithRankAndReportFiles) {
  const CommandResult r = fti_cli({"diff", "--base", model("base"), "--candidate", model("candidate-lora"), "--json",
                                   "--rank", "8", "--report-dir", (dir_ / "reports").string()},
                                  dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "diff");
  EXPECT_EQ(j["summary"]["changed_tensors"], 8);
  for (const auto& t : j["tensors"]) {
    const std::string name = t["name"];
    const bool lora = name.find("q_proj") != std::string::npos || name.find("v_proj") != std::string::npos;
    EXPECT_EQ(t["stats"]["changed"].get<std::uint64_t>() > 0, lora) << name;
    if (lora) {
      // A rank-8 update merged in BF16: beyond rank 8 only rounding remains.
      ASSERT_TRUE(t.contains("rank")) << name;
      EXPECT_LT(t["rank"]["residual_frobenius"].get<double>(), 0.004 * t["stats"]["base_frobenius"].get<double>());
    }
  }
  std::ifstream saved(dir_ / "reports" / "report.json");
  EXPECT_EQ(nlohmann::json::parse(saved)["summary"], j["summary"]);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "reports" / "report.txt"));
}

TEST_F(DiffCli, MissingCandidateExitsThreeAndWritesNoReport) {
  const CommandResult r = fti_cli({"diff", "--base", model("base"), "--candidate", (dir_ / "nope").string(),
                                   "--report-dir", (dir_ / "reports").string()},
                                  dir_);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "reports"));
  EXPECT_EQ(fti_cli({"diff", "--base", model("base")}, dir_).exit_code, 2);
}

}  // namespace
}  // namespace fti

// `fti inspect` and the exit-code contract, run as a separate process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/common/sha256.h"
#include "registry/safetensors_writer.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::CommandResult;
using testing::TempDir;

CommandResult fti_cli(const std::vector<std::string>& args, const TempDir& dir,
                      const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {FTI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> full_env = {"FTI_CACHE_DIR=" + (dir.path() / "cache").string()};
  full_env.insert(full_env.end(), env.begin(), env.end());
  return testing::run_command(argv, dir.path(), full_env);
}

void write_two_tensor_model(const std::filesystem::path& path) {
  std::vector<TensorData> tensors;
  tensors.push_back({{"layer.weight", DType::kBF16, {2, 3}}, std::vector<std::uint8_t>(12, 1)});
  tensors.push_back({{"layer.bias", DType::kF32, {3}}, std::vector<std::uint8_t>(12, 2)});
  write_safetensors(path, tensors);
}

TEST(InspectCli, ListsTensorsAndFileDigest) {
  TempDir dir;
  write_two_tensor_model(dir / "m.safetensors");
  const CommandResult r = fti_cli({"inspect", (dir / "m.safetensors").string()}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("layer.weight"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("BF16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[2, 3]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(to_hex(sha256_file(dir / "m.safetensors"))), std::string::npos) << r.out;
}

TEST(InspectCli, JsonOutput) {
  TempDir dir;
  write_two_tensor_model(dir / "m.safetensors");
  const CommandResult r = fti_cli({"inspect", "--json", (dir / "m.safetensors").string()}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tensor_count"], 2);
  EXPECT_EQ(j["parameters"], 9);
  EXPECT_EQ(j["files"][0]["sha256"], to_hex(sha256_file(dir / "m.safetensors")));
  EXPECT_EQ(j["tensors"][1]["name"], "layer.weight");
  EXPECT_EQ(j["tensors"][1]["shape"], nlohmann::json::array({2, 3}));
}

TEST(InspectCli, MalformedInputExitsThreeWithOneLineNamingTheFile) {
  TempDir dir;
  write_two_tensor_model(dir / "m.safetensors");
  std::filesystem::resize_file(dir / "m.safetensors", 60);
  const CommandResult r = fti_cli({"inspect", (dir / "m.safetensors").string()}, dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find((dir / "m.safetensors").string()), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("fti: error: ", 0), 0u) << r.err;

  const CommandResult missing = fti_cli({"inspect", (dir / "nope").string()}, dir);
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
}

TEST(InspectCli, UsageErrorsExitTwo) {
  TempDir dir;
  EXPECT_EQ(fti_cli({"inspect"}, dir).exit_code, 2);
  EXPECT_EQ(fti_cli({"no-such-verb"}, dir).exit_code, 2);
  EXPECT_EQ(fti_cli({"inspect", "ftp://host/model.safetensors"}, dir).exit_code, 2);
  EXPECT_EQ(fti_cli({"inspect", "hf://bad"}, dir).exit_code, 2);
  const CommandResult help = fti_cli({"inspect", "--help"}, dir);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples"), std::string::npos);
  const CommandResult version = fti_cli({"--version"}, dir);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("fti ", 0), 0u) << version.out;
}

TEST(InspectCli, HeaderLimitIsConfigurable) {
  TempDir dir;
  write_two_tensor_model(dir / "m.safetensors");
  const CommandResult r =
      fti_cli({"inspect", "--max-header-bytes", "16", (dir / "m.safetensors").string()}, dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("exceeds the limit of 16 bytes"), std::string::npos) << r.err;
}

TEST(DemoCli, WritesThreeModelsDeterministically) {
  TempDir dir;
  ASSERT_EQ(fti_cli({"demo", "--out", (dir / "a").string()}, dir).exit_code, 0);
  ASSERT_EQ(fti_cli({"demo", "--out", (dir / "b").string()}, dir).exit_code, 0);
  for (const char* model : {"base", "candidate-lora", "candidate-tampered"}) {
    const auto file = std::filesystem::path(model) / "model.safetensors";
    EXPECT_EQ(to_hex(sha256_file(dir / "a" / file.string())), to_hex(sha256_file(dir / "b" / file.string())))
        << model;
  }
  EXPECT_NE(to_hex(sha256_file(dir / "a" / "base/model.safetensors")),
            to_hex(sha256_file(dir / "a" / "candidate-lora/model.safetensors")));
}

}  // namespace
}  // namespace fti

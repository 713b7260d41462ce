// `fti inspect` and the exit-code contract, run as a separate process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/common/sha256.h"
#include "registry/safetensors_writer.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

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

// The line of `text` that contains `needle`, or "" when none does.
std::string line_with(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) return {};
  const std::size_t start = text.rfind('\n', at);
  const std::size_t end = text.find('\n', at);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end == std::string::npos ? std::string::npos
                                              : end - (start == std::string::npos ? 0 : start + 1));
}

TEST(InspectCli, ShardedModelOverHttp) {
  TempDir dir;
  const std::vector<TensorData> tensors = testing::make_model_tensors(2, 8, 7);
  testing::write_model(dir / "model", tensors, 3);
  test::TestServer server;
  server.serve_directory(dir / "model", "/m/");
  server.start();

  const CommandResult r =
      fti_cli({"inspect", server.url("/m/model.safetensors.index.json")}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model.safetensors.index.json"), std::string::npos) << r.out;
  for (const TensorData& t : tensors) {
    EXPECT_NE(r.out.find(t.spec.name), std::string::npos) << t.spec.name << "\n" << r.out;
  }
  for (const char* shard : {"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                            "model-00003-of-00003.safetensors"}) {
    const std::string digest = to_hex(sha256_file(dir / "model" / shard));
    EXPECT_NE(line_with(r.out, shard).find("sha256:" + digest), std::string::npos)
        << shard << "\n" << r.out;
    EXPECT_EQ(server.count(std::string("/m/") + shard), 1u) << shard;
  }
}

TEST(InspectCli, UrlNotFoundExitsThreeWithOneLineNamingTheUrl) {
  TempDir dir;
  test::TestServer server;  // serves nothing: every path answers 404
  server.start();
  const std::string url = server.url("/m/model.safetensors");
  const CommandResult r = fti_cli({"inspect", url}, dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("fti: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(InspectCli, OfflineWithAnUncachedUrlExitsThreeWithoutTouchingTheNetwork) {
  TempDir dir;
  write_two_tensor_model(dir / "m.safetensors");
  test::TestServer server;
  server.serve_file("/m/model.safetensors",
                    test::ServedFile{.body = test::read_file(dir / "m.safetensors")});
  server.start();
  const std::string url = server.url("/m/model.safetensors");

  const CommandResult r = fti_cli({"inspect", "--offline", url}, dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err.rfind("fti: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("offline"), std::string::npos) << r.err;
  EXPECT_EQ(server.total(), 0u);

  // Once fetched, the same URL works offline, from the cache alone.
  ASSERT_EQ(fti_cli({"inspect", url}, dir).exit_code, 0);
  const std::size_t requests = server.total();
  const CommandResult cached = fti_cli({"inspect", "--offline", url}, dir);
  EXPECT_EQ(cached.exit_code, 0) << cached.err;
  EXPECT_NE(cached.out.find("layer.weight"), std::string::npos) << cached.out;
  EXPECT_EQ(server.total(), requests);
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

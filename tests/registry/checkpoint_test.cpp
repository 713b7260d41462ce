// Checkpoints: single files, directories, sharded models bound by an index,
// and every way an index can disagree with its shards.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "registry/checkpoint.h"
#include "tests/support/model_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::TempDir;

void expect_error(const std::function<void()>& f, const std::string& fragment,
                  ErrorCode code = ErrorCode::kInput) {
  try {
    f();
    FAIL() << "no error; expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

void expect_same_tensors(const Checkpoint& cp, const std::vector<TensorData>& tensors) {
  ASSERT_EQ(cp.tensors().size(), tensors.size());
  std::uint64_t total = 0;
  for (const TensorData& t : tensors) {
    const CheckpointTensor* found = cp.find(t.spec.name);
    ASSERT_NE(found, nullptr) << t.spec.name;
    const auto data = cp.data(*found);
    EXPECT_EQ(std::vector<std::uint8_t>(data.begin(), data.end()), t.bytes) << t.spec.name;
    total += t.bytes.size();
  }
  EXPECT_EQ(cp.total_tensor_bytes(), total);
  for (std::size_t i = 1; i < cp.tensors().size(); ++i) {
    EXPECT_LT(cp.tensors()[i - 1].name(), cp.tensors()[i].name());
  }
}

TEST(Checkpoint, OpensSingleFileAndDirectory) {
  TempDir dir;
  const auto tensors = testing::make_model_tensors(2, 16, 1);
  testing::write_model(dir / "m", tensors, 1);
  expect_same_tensors(Checkpoint::open_local(dir / "m" / "model.safetensors"), tensors);
  const Checkpoint cp = Checkpoint::open_local(dir / "m");
  expect_same_tensors(cp, tensors);
  EXPECT_EQ(cp.file_count(), 1u);
  EXPECT_EQ(to_hex(cp.file_sha256(0)), to_hex(sha256_file(dir / "m" / "model.safetensors")));
  EXPECT_TRUE(cp.warnings().empty());
}

TEST(Checkpoint, OpensShardedModelThroughIndex) {
  TempDir dir;
  const auto tensors = testing::make_model_tensors(3, 16, 2);
  testing::write_model(dir / "m", tensors, 3);
  const Checkpoint cp = Checkpoint::open_local(dir / "m");
  expect_same_tensors(cp, tensors);
  EXPECT_EQ(cp.file_count(), 3u);
  ASSERT_TRUE(cp.index_source());
  EXPECT_TRUE(cp.warnings().empty());
  expect_same_tensors(Checkpoint::open_local(dir / "m" / "model.safetensors.index.json"), tensors);
}

class ShardedIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tensors_ = testing::make_model_tensors(2, 8, 3);
    testing::write_model(dir_ / "m", tensors_, 2);
    const auto bytes = testing::read_bytes(dir_ / "m" / "model.safetensors.index.json");
    index_ = nlohmann::json::parse(bytes.begin(), bytes.end());
  }
  void rewrite_index() {
    testing::write_text(dir_ / "m" / "model.safetensors.index.json", index_.dump());
  }
  TempDir dir_;
  std::vector<TensorData> tensors_;
  nlohmann::json index_;
};

TEST_F(ShardedIndexTest, TensorMappedToWrongShard) {
  index_["weight_map"]["lm_head.weight"] =
      index_["weight_map"]["lm_head.weight"] == "model-00001-of-00002.safetensors"
          ? "model-00002-of-00002.safetensors"
          : "model-00001-of-00002.safetensors";
  rewrite_index();
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "does not contain it");
}

TEST_F(ShardedIndexTest, TensorMissingFromIndex) {
  index_["weight_map"].erase("lm_head.weight");
  rewrite_index();
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "missing from the index");
}

TEST_F(ShardedIndexTest, IndexNamesMissingShardOrUnknownTensor) {
  index_["weight_map"]["ghost.weight"] = "model-00003-of-00003.safetensors";
  rewrite_index();
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "is missing");
  index_["weight_map"]["ghost.weight"] = "model-00001-of-00002.safetensors";
  rewrite_index();
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "ghost.weight");
}

TEST_F(ShardedIndexTest, ShardNameWithPathIsRefused) {
  index_["weight_map"]["lm_head.weight"] = "../outside.safetensors";
  rewrite_index();
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "not a plain file name");
  index_["weight_map"]["lm_head.weight"] = "/etc/passwd";
  rewrite_index();
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "not a plain file name");
}

TEST_F(ShardedIndexTest, MalformedIndexAndDuplicateKeys) {
  testing::write_text(dir_ / "m" / "model.safetensors.index.json", "{\"weight_map\": [1]}");
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "no \"weight_map\" object");
  testing::write_text(dir_ / "m" / "model.safetensors.index.json",
                      R"({"weight_map":{"a":"x.safetensors","a":"y.safetensors"}})");
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "duplicate JSON key");
  testing::write_text(dir_ / "m" / "model.safetensors.index.json", R"({"weight_map":{"a":7}})");
  expect_error([&] { Checkpoint::open_local(dir_ / "m"); }, "not a file name string");
}

TEST_F(ShardedIndexTest, LenientAboutExtrasButWarnsOnTotalSize) {
  index_["metadata"]["total_size"] = 12345;
  index_["metadata"]["format"] = "pt";
  index_["something_else"] = {1, 2, 3};
  rewrite_index();
  const Checkpoint cp = Checkpoint::open_local(dir_ / "m");
  expect_same_tensors(cp, tensors_);
  ASSERT_EQ(cp.warnings().size(), 1u);
  EXPECT_NE(cp.warnings()[0].find("total_size"), std::string::npos);
}

TEST(Checkpoint, TensorInTwoShardsIsRefused) {
  TempDir dir;
  const auto tensors = testing::make_model_tensors(1, 8, 4);
  std::filesystem::create_directories(dir / "m");
  write_safetensors(dir / "m" / "a.safetensors", {tensors[0], tensors[1]});
  write_safetensors(dir / "m" / "b.safetensors", {tensors[1], tensors[2]});
  nlohmann::json index;
  index["weight_map"][tensors[0].spec.name] = "a.safetensors";
  index["weight_map"][tensors[1].spec.name] = "a.safetensors";
  index["weight_map"][tensors[2].spec.name] = "b.safetensors";
  testing::write_text(dir / "m" / "model.safetensors.index.json", index.dump());
  expect_error([&] { Checkpoint::open_local(dir / "m"); }, "appears in both");
}

TEST(Checkpoint, AmbiguousOrEmptyDirectories) {
  TempDir dir;
  std::filesystem::create_directories(dir / "empty");
  expect_error([&] { Checkpoint::open_local(dir / "empty"); }, "no .safetensors file");
  const auto tensors = testing::make_model_tensors(1, 8, 5);
  std::filesystem::create_directories(dir / "two");
  write_safetensors(dir / "two" / "a.safetensors", {tensors[0]});
  write_safetensors(dir / "two" / "b.safetensors", {tensors[1]});
  expect_error([&] { Checkpoint::open_local(dir / "two"); }, "and no index");
  expect_error([&] { Checkpoint::open_local(dir / "nowhere"); }, "no such file");
}

TEST(Checkpoint, KnownDigestDetectsChangedFile) {
  TempDir dir;
  const auto tensors = testing::make_model_tensors(1, 8, 6);
  write_safetensors(dir / "x.safetensors", tensors);
  ModelFiles files;
  files.origin = "https://example.invalid/x.safetensors";
  files.shards.push_back({"x.safetensors", dir / "x.safetensors", files.origin,
                          sha256(std::string_view("something else"))});
  const Checkpoint cp = Checkpoint::open(files);
  expect_error([&] { cp.file_sha256(0); }, "content changed on disk", ErrorCode::kIntegrity);
}

}  // namespace
}  // namespace fti

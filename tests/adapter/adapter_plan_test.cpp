// Malformed adapter weights: each is refused before any merge with one line
// naming the adapter file and the tensor.
#include <gtest/gtest.h>

#include "engine/adapter/adapter_plan.h"
#include "engine/common/error.h"
#include "tests/adapter/adapter_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fti {
namespace {

using testing::make_lora;
using testing::random_tensor;
using testing::TempDir;
using testing::TestLora;
using testing::TestTensor;

constexpr const char* kConfig = R"({"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]})";

class AdapterPlanErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tensors(dir_ / "base" / "model.safetensors",
                           {random_tensor("m.layers.0.q_proj.weight", DType::kBF16, {6, 4}, 1),
                            random_tensor("m.layers.0.k_proj.weight", DType::kBF16, {6, 4}, 2),
                            random_tensor("m.norm.weight", DType::kBF16, {4}, 3)});
  }
  // The error planning this adapter gives ("" if none).
  std::string plan_error(const std::string& config, const std::vector<TestLora>& loras,
                         const std::vector<TestTensor>& extra = {}) {
    testing::write_adapter(dir_ / "ad", config, loras, extra);
    try {
      const LoadedAdapter adapter = load_adapter(locate_adapter_directory(dir_ / "ad", "ad"));
      const Checkpoint base = Checkpoint::open_local(dir_ / "base");
      adapter::plan_adapter(adapter.config, adapter.weights, base);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInput);
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos);
      EXPECT_EQ(message.rfind("ad/adapter_model.safetensors: ", 0), 0u) << message;
      return message;
    }
    return "";
  }
  TestLora q(std::uint64_t rank = 2) { return make_lora("m.layers.0.q_proj", rank, 4, 6, DType::kBF16, 9); }
  TempDir dir_;
};

TEST_F(AdapterPlanErrors, AWellFormedAdapterPlans) { EXPECT_EQ(plan_error(kConfig, {q()}), ""); }

TEST_F(AdapterPlanErrors, UnpairedFactors) {
  TestLora lora = q();
  const std::string only_a = plan_error(kConfig, {}, {lora.a});
  EXPECT_NE(only_a.find("\"base_model.model.m.layers.0.q_proj.lora_A.weight\": has no matching lora_B"), std::string::npos) << only_a;
  const std::string only_b = plan_error(kConfig, {}, {lora.b});
  EXPECT_NE(only_b.find("lora_B.weight\": has no matching lora_A"), std::string::npos) << only_b;
}

TEST_F(AdapterPlanErrors, WrongShapes) {
  TestLora lora = q();
  lora.a = random_tensor(lora.a.name, DType::kBF16, {2, 5}, 4);  // in = 5, base has 4
  const std::string a = plan_error(kConfig, {lora});
  EXPECT_NE(a.find("lora_A.weight\": shape [2, 5], expected [2, 4]"), std::string::npos) << a;
  const std::string rank = plan_error(kConfig, {q(3)});  // r = 3 where the config says 2
  EXPECT_NE(rank.find("shape [3, 4], expected [2, 4] (rank 2 from r"), std::string::npos) << rank;
  TestLora transposed = q();  // shaped for a base stored (in, out)
  transposed.a = random_tensor(transposed.a.name, DType::kBF16, {2, 6}, 4);
  transposed.b = random_tensor(transposed.b.name, DType::kBF16, {4, 2}, 5);
  const std::string fifo = plan_error(kConfig, {transposed});
  EXPECT_NE(fifo.find("the factors fit with fan_in_fan_out true"), std::string::npos) << fifo;
}

TEST_F(AdapterPlanErrors, ModuleNotInBase) {
  const std::string config = R"({"peft_type": "LORA", "r": 2, "target_modules": ["q_proj", "x_proj"]})";
  const std::string e = plan_error(config, {q(), make_lora("m.layers.0.x_proj", 2, 4, 6, DType::kBF16, 5)});
  EXPECT_NE(e.find("module \"m.layers.0.x_proj\" is not in the base (no tensor \"m.layers.0.x_proj.weight\")"),
            std::string::npos) << e;
}

TEST_F(AdapterPlanErrors, ModuleNotTargetedOrTargetWithoutFactors) {
  const std::string untargeted = plan_error(kConfig, {q(), make_lora("m.layers.0.k_proj", 2, 4, 6, DType::kBF16, 5)});
  EXPECT_NE(untargeted.find("module \"m.layers.0.k_proj\" is not selected by target_modules"), std::string::npos) << untargeted;
  const std::string missing = plan_error(R"({"peft_type": "LORA", "r": 2, "target_modules": ["q_proj", "k_proj"]})", {q()});
  EXPECT_NE(missing.find("module \"m.layers.0.k_proj\" is selected by target_modules but has no lora_A/lora_B"),
            std::string::npos) << missing;
}

TEST_F(AdapterPlanErrors, UnknownAndUnsupportedTensors) {
  const std::string stray = plan_error(kConfig, {q()}, {random_tensor("base_model.model.m.norm.weight", DType::kBF16, {4}, 6)});
  EXPECT_NE(stray.find("neither a lora_A/lora_B factor nor a tensor of modules_to_save"), std::string::npos) << stray;
  const std::string dora =
      plan_error(kConfig, {q()}, {random_tensor("base_model.model.m.layers.0.q_proj.lora_magnitude_vector", DType::kBF16, {6}, 6)});
  EXPECT_NE(dora.find("DoRA"), std::string::npos) << dora;
  const std::string prefix = plan_error(kConfig, {q()}, {random_tensor("m.layers.0.q_proj.lora_A.weight", DType::kBF16, {2, 4}, 6)});
  EXPECT_NE(prefix.find("not a peft LoRA tensor"), std::string::npos) << prefix;
  const std::string saved_shape = plan_error(R"({"peft_type": "LORA", "r": 2, "target_modules": ["q_proj"], "modules_to_save": ["norm"]})",
                                             {q()}, {random_tensor("base_model.model.m.norm.weight", DType::kBF16, {5}, 6)});
  EXPECT_NE(saved_shape.find("shape [5] does not match the base tensor's [4]"), std::string::npos) << saved_shape;
}

TEST(AdapterFiles, MissingFilesAndPicklesAreNamed) {
  TempDir dir;
  std::filesystem::create_directories(dir / "ad");
  try {
    locate_adapter_directory(dir / "ad", "ad");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ad/adapter_config.json: missing"), std::string::npos) << e.what();
  }
  testing::write_text(dir / "ad" / "adapter_config.json", kConfig);
  testing::write_text(dir / "ad" / "adapter_model.bin", "pickle");
  try {
    locate_adapter_directory(dir / "ad", "ad");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ad/adapter_model.safetensors: missing (adapter_model.bin is a pickle"),
              std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fti

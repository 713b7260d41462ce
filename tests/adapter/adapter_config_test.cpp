// adapter_config.json: strict types, required fields, unsupported variants
// refused with one line naming the file and the field.
#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "registry/peft_adapter.h"

namespace fti {
namespace {

// The message of the input error parsing `json` gives ("" when it parses).
std::string error_of(const std::string& json) {
  try {
    parse_lora_config(json, "ad/adapter_config.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput);
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_EQ(message.rfind("ad/adapter_config.json: ", 0), 0u) << message;
    return message;
  }
  return "";
}

TEST(LoraConfig, ParsesFieldsAndToleratesUnknownOnes) {
  const LoraConfig c = parse_lora_config(
      R"({"peft_type": "LORA", "r": 8, "lora_alpha": 16.5, "target_modules": ["q_proj", "v_proj"],
          "fan_in_fan_out": false, "use_rslora": true, "bias": "lora_only", "modules_to_save": ["score"],
          "rank_pattern": {"z": 4, "a": 2}, "alpha_pattern": {}, "use_dora": false, "lora_bias": false,
          "layers_to_transform": null, "base_model_name_or_path": "org/base", "revision": null,
          "task_type": "CAUSAL_LM", "inference_mode": true, "new_in_peft_9": [1, 2]})",
      "x.json");
  EXPECT_EQ(c.r, 8u);
  EXPECT_EQ(c.lora_alpha, 16.5);
  EXPECT_EQ(c.target_modules.kind, ModuleSelector::Kind::kList);
  EXPECT_EQ(c.target_modules.names, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_TRUE(c.use_rslora);
  EXPECT_EQ(c.bias, "lora_only");
  EXPECT_EQ(c.modules_to_save, (std::vector<std::string>{"score"}));
  ASSERT_EQ(c.rank_pattern.size(), 2u);  // file order, not sorted
  EXPECT_EQ(c.rank_pattern[0].first, "z");
  EXPECT_EQ(c.rank_pattern[1].first, "a");
  EXPECT_EQ(c.base_model_name_or_path, "org/base");
}

TEST(LoraConfig, DefaultsAndRegexTargets) {
  const LoraConfig c = parse_lora_config(R"({"peft_type": "LORA", "r": 4, "target_modules": ".*\\.q_proj"})", "x");
  EXPECT_EQ(c.lora_alpha, 8.0);  // peft's default
  EXPECT_EQ(c.target_modules.kind, ModuleSelector::Kind::kRegex);
  EXPECT_EQ(c.target_modules.regex, ".*\\.q_proj");
  EXPECT_FALSE(c.fan_in_fan_out);
  EXPECT_EQ(c.bias, "none");
}

TEST(LoraConfig, RejectsMalformedConfigsNamingFileAndField) {
  const std::string ok_tail = R"(, "target_modules": ["q_proj"]})";
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "lora_alpha": 8)" + ok_tail).find("field \"r\": missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": "8")" + ok_tail).find("field \"r\": expected a positive integer, got string"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 0)" + ok_tail).find("field \"r\""), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8.5)" + ok_tail).find("field \"r\""), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "lora_alpha": "16")" + ok_tail).find("field \"lora_alpha\": expected a number"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "target_modules": 3})").find("field \"target_modules\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "target_modules": ["q", 1]})").find("field \"target_modules\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8})").find("field \"target_modules\": missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "fan_in_fan_out": "yes")" + ok_tail).find("field \"fan_in_fan_out\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "bias": "some")" + ok_tail).find("field \"bias\""), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "rank_pattern": {"q": "4"})" + ok_tail).find("field \"rank_pattern.q\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "modules_to_save": "score")" + ok_tail).find("field \"modules_to_save\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"r": 8)" + ok_tail).find("field \"peft_type\": missing"), std::string::npos);
  EXPECT_NE(error_of("[1, 2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "r": 8, "r": 9)" + ok_tail).find("duplicate JSON key"), std::string::npos);
}

TEST(LoraConfig, RefusesOtherPeftTypesAndUnsupportedVariants) {
  const std::string tail = R"(, "r": 8, "target_modules": ["q_proj"]})";
  EXPECT_NE(error_of(R"({"peft_type": "IA3")" + tail).find("field \"peft_type\": \"IA3\" is not supported"), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "ADALORA")" + tail).find("not supported"), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "use_dora": true)" + tail).find("field \"use_dora\": DoRA"), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "lora_bias": true)" + tail).find("field \"lora_bias\""), std::string::npos);
  EXPECT_NE(error_of(R"({"peft_type": "LORA", "layers_to_transform": [0, 1])" + tail).find("field \"layers_to_transform\""),
            std::string::npos);
}

}  // namespace
}  // namespace fti

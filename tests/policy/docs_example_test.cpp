// The policies shown in docs/POLICY.md are valid policies.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "policy/policy_parser.h"

namespace fti::policy {
namespace {

TEST(PolicyDocs, ExamplesCheckCleanly) {
  const std::filesystem::path doc = std::filesystem::path(__FILE__).parent_path() / "../../docs/POLICY.md";
  std::ifstream in(doc);
  ASSERT_TRUE(in) << doc;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::size_t checked = 0;
  for (std::size_t at = text.find("```yaml\n"); at != std::string::npos; at = text.find("```yaml\n", at)) {
    at += 8;
    const std::string block = text.substr(at, text.find("```", at) - at);
    if (block.rfind("version:", 0) != 0) continue;  // a fragment, not a whole policy
    const PolicyCheck check = check_policy(block, "POLICY.md");
    EXPECT_TRUE(check.ok()) << block;
    EXPECT_EQ(check.warning_count(), 0u) << block;
    ++checked;
  }
  EXPECT_GE(checked, 1u);
}

}  // namespace
}  // namespace fti::policy

// Fuzzes the policy parser (YAML, duplicate keys, globs, regexes, numbers,
// presets) and, for policies it accepts, canonicalization and matching.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/common/error.h"
#include "policy/canonical.h"
#include "policy/policy_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const fti::policy::PolicyCheck check = fti::policy::check_policy(text, "fuzz.yaml");
    if (!check.ok()) {
      if (check.error_count() == 0) __builtin_trap();  // rejected without saying why
      return 0;
    }
    const fti::policy::Policy& policy = *check.policy;
    const std::string canonical = fti::policy::canonical_policy(policy);
    (void)fti::policy::policy_digest(policy);
    for (const char* name : {"model.layers.0.self_attn.q_proj.weight", "h.11.attn.c_attn.weight", "", "a..b",
                             "layer1.0.conv1.weight"}) {
      (void)policy.match(name);
      (void)policy.budgets_for(name);
    }
    // A policy that checks must also parse.
    (void)fti::policy::parse_policy(text, "fuzz.yaml");
  } catch (const fti::Error&) {
    // check_policy reports problems as diagnostics; only reading limits throw.
  }
  return 0;
}

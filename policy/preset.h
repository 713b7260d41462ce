// Architecture presets: what the tensors of common model families are
// called, and how to view them as matrices.
//
// A preset names tensor groups (attention, mlp, norms, ...) that rules and
// budgets use as `match: {group: attention}`, and knows the two facts about
// its naming the analysis needs: which 2-D weights are stored transposed
// (GPT-2's Conv1D keeps (in, out)), and along which side of a projection the
// attention heads lie (rows of q/k/v, columns of the output projection).
// Groups are written as globs in the policy language itself (glob.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fti::policy {

class NameMatcher;

// Where attention heads lie in a projection's matrix view (rows = out, cols = in).
enum class HeadAxis : std::uint8_t {
  kPreset,  // in a rule: let the preset decide per tensor (out unless the preset says in)
  kOut,
  kIn,
};

struct PresetGroup {
  std::string name;
  std::string description;
  std::vector<std::string> globs;
};

struct PresetDefinition {
  std::string name;
  std::string description;
  std::uint32_t revision = 1;  // bump whenever groups or views change: policies bind to it
  std::vector<PresetGroup> groups;
  std::vector<std::string> transposed;  // globs of 2-D weights stored as (in, out)
  std::vector<std::string> heads_in;    // globs of projections whose heads lie along the in side
};

class Preset {
 public:
  // Throws Error(kInternal) when a built-in glob does not compile (tests catch it).
  explicit Preset(PresetDefinition definition);
  ~Preset();
  Preset(const Preset&) = delete;
  Preset& operator=(const Preset&) = delete;

  const std::string& name() const noexcept { return definition_.name; }
  const std::string& description() const noexcept { return definition_.description; }
  std::uint32_t revision() const noexcept { return definition_.revision; }
  const std::vector<PresetGroup>& groups() const noexcept { return definition_.groups; }
  const PresetGroup* group(std::string_view name) const noexcept;
  const PresetDefinition& definition() const noexcept { return definition_; }

  bool stored_transposed(std::string_view tensor) const;
  HeadAxis head_axis(std::string_view tensor) const;  // kOut or kIn

 private:
  PresetDefinition definition_;
  std::unique_ptr<NameMatcher> views_;  // set 0: transposed, set 1: heads along in
};

// The built-in presets: llama, gpt2, bert, resnet, mlp.
const Preset* find_preset(std::string_view name);
std::vector<std::string_view> preset_names();

}  // namespace fti::policy

// peft's rules for which modules an adapter config selects, compiled once:
//
//   target_modules / exclude_modules: a list selects module M when M equals an
//     entry or ends with "." + entry; a string is a regular expression that
//     must match all of M (re.fullmatch); "all-linear" selects every module.
//     exclude_modules wins over target_modules.
//   modules_to_save: M ends with an entry (plain suffix, as peft tests it).
//   rank_pattern / alpha_pattern: the first key, in file order, for which
//     "(.*\.)?(KEY)" matches all of M (peft's get_pattern_key); its value
//     replaces r / lora_alpha for M.
//
// Regular expressions run on RE2 (linear time); a pattern RE2 cannot compile
// (look-arounds, back-references) is an input error naming the field.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "registry/peft_adapter.h"

namespace re2 {
class RE2;
}

namespace fti::adapter {

class ModuleSelectorSet {
 public:
  explicit ModuleSelectorSet(const LoraConfig& config);
  ~ModuleSelectorSet();
  ModuleSelectorSet(const ModuleSelectorSet&) = delete;
  ModuleSelectorSet& operator=(const ModuleSelectorSet&) = delete;

  bool targeted(std::string_view module) const;  // target_modules and not exclude_modules
  bool saved(std::string_view module) const;     // modules_to_save
  // Indices into config.rank_pattern / alpha_pattern, or nullopt (then r / lora_alpha).
  std::optional<std::size_t> rank_key(std::string_view module) const;
  std::optional<std::size_t> alpha_key(std::string_view module) const;

 private:
  struct Compiled;
  const LoraConfig& config_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace fti::adapter

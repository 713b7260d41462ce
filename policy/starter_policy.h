// Starter policies for `fti policy init --preset NAME`: a commented policy
// per preset that passes `fti policy check` and shows each drift class on
// that architecture's tensor groups, to be tightened by the team.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fti::policy {

// nullopt for a preset that does not exist.
std::optional<std::string> starter_policy(std::string_view preset_name);

}  // namespace fti::policy

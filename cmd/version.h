// fti's version and the format versions it speaks (cmd/version_command.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace fti::cli {

// "fti 0.1.0" on the first line (scripts match it), then one line per format.
std::string version_text();
// The same as one JSON object.
nlohmann::json version_json();

}  // namespace fti::cli

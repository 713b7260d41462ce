// Reading the environment.
#pragma once

#include <cstdlib>
#include <string>

namespace fti {

// The value of $name, or "" when it is unset or `name` is empty. Callers
// treat an empty value like an unset variable.
inline std::string env_or_empty(const std::string& name) {
  if (name.empty()) return {};
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? std::string(value) : std::string();
}

}  // namespace fti

// Runs the real fti binary (FTI_BINARY, set for fti_cli_tests) in a scratch
// directory with its own cache, as a pipeline would.
#pragma once

#include <string>
#include <vector>

#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace fti::testing {

inline CommandResult fti_cli(const std::vector<std::string>& args, const TempDir& dir) {
  std::vector<std::string> argv = {FTI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, dir.path(), {"FTI_CACHE_DIR=" + (dir.path() / "cache").string()});
}

}  // namespace fti::testing

// fti: the fine-tuning integrity gate. Each verb lives in its own file; this
// one parses the command line and maps errors to the documented exit codes.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <fmt/core.h>

#include "engine/common/error.h"

int main(int argc, char** argv) {
  CLI::App app{"fti: check that a fine-tuned checkpoint stays inside a drift policy"};
  app.set_version_flag("--version", std::string("fti ") + FTI_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : fti::kExitUsage;
  }
  return 0;
}

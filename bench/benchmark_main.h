// main() of a Google Benchmark binary that also has one print-only mode
// (`--print_params_table`, `--print_soundness`): the mode's flag runs `mode`
// instead of the benchmarks.
#pragma once

#include <benchmark/benchmark.h>

#include <cstring>

namespace fti::bench {

inline int benchmark_main_with_mode(int argc, char** argv, const char* flag, void (*mode)()) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], flag) == 0) {
      mode();
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace fti::bench

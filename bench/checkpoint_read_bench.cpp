// Reading a multi-GB checkpoint tensor by tensor, against plain sequential
// read() of the same files, in one run. Prints one JSON object.
//
//   checkpoint_read_bench [--gib 2] [--dir /tmp/fti-bench] [--keep]
//
// Phases (each on warm and on cold page cache; "cold" = the files' pages are
// dropped with posix_fadvise(DONTNEED) first, which needs no privileges):
//   plain_read     read() in 8 MiB blocks, summing bytes (the baseline)
//   stream_touch   Checkpoint + mmap, one tensor at a time, summing bytes
//   stream_convert the same, converting every BF16 element to double
// Peak RSS (VmHWM, reset between phases via /proc/self/clear_refs) shows that
// memory is bounded by a few tensors, not by the model.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/tensor/dtype.h"
#include "registry/checkpoint.h"
#include "registry/safetensors_writer.h"
#include "bench/bench_support.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Phase {
  double seconds = 0;
  std::uint64_t bytes = 0;
  std::uint64_t peak_rss_kib = 0;
  double checksum = 0;
};

Phase plain_read(const std::vector<fs::path>& files) {
  fti::bench::reset_peak_rss();
  Phase phase;
  std::vector<std::uint8_t> buffer(8 << 20);
  std::uint64_t sum = 0;
  const auto start = Clock::now();
  for (const fs::path& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY);
    for (;;) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; i += 64) sum += buffer[static_cast<std::size_t>(i)];
      phase.bytes += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
  }
  phase.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  phase.checksum = static_cast<double>(sum);
  phase.peak_rss_kib = fti::bench::peak_rss_kib();
  return phase;
}

Phase stream(const fs::path& dir, bool convert) {
  fti::bench::reset_peak_rss();
  Phase phase;
  const auto start = Clock::now();
  const fti::Checkpoint cp = fti::Checkpoint::open_local(dir);
  std::vector<double> values;
  std::uint64_t sum = 0;
  double sum_sq = 0;
  for (const fti::CheckpointTensor& t : cp.tensors()) {
    cp.prefetch(t);
    const auto data = cp.data(t);
    if (convert) {
      // Blocks that stay in L1/L2, as the analysis engine does.
      const std::size_t element = fti::dtype_size(t.entry->dtype);
      constexpr std::size_t kBlock = 4096;
      values.resize(kBlock);
      for (std::size_t first = 0; first < t.entry->element_count; first += kBlock) {
        const std::size_t n = std::min<std::size_t>(kBlock, t.entry->element_count - first);
        fti::convert_to_double(t.entry->dtype, data.subspan(first * element, n * element),
                               std::span(values).first(n));
        // Four independent sums: one chain of dependent adds would measure
        // add latency, not reading.
        double acc[4] = {0, 0, 0, 0};
        std::size_t i = 0;
        for (; i + 4 <= n; i += 4) {
          for (std::size_t k = 0; k < 4; ++k) acc[k] += values[i + k] * values[i + k];
        }
        for (; i < n; ++i) acc[0] += values[i] * values[i];
        sum_sq += (acc[0] + acc[1]) + (acc[2] + acc[3]);
      }
    } else {
      for (std::size_t i = 0; i < data.size(); i += 64) sum += data[i];
    }
    phase.bytes += data.size();
    cp.release(t);
  }
  phase.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  phase.checksum = convert ? sum_sq : static_cast<double>(sum);
  phase.peak_rss_kib = fti::bench::peak_rss_kib();
  return phase;
}

nlohmann::json report(const Phase& p, const Phase& baseline) {
  const double gbps = static_cast<double>(p.bytes) / p.seconds / 1e9;
  const double base_gbps = static_cast<double>(baseline.bytes) / baseline.seconds / 1e9;
  return {{"seconds", p.seconds},
          {"bytes", p.bytes},
          {"GB_per_s", gbps},
          {"ratio_to_plain_read", gbps / base_gbps},
          {"peak_rss_MiB", static_cast<double>(p.peak_rss_kib) / 1024.0}};
}

}  // namespace

int main(int argc, char** argv) {
  double gib = 2.0;
  fs::path dir = fs::temp_directory_path() / "fti-read-bench";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--gib" && i + 1 < argc) gib = std::stod(argv[++i]);
    else if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (arg == "--keep") keep = true;
    else {
      std::fprintf(stderr, "usage: %s [--gib N] [--dir DIR] [--keep]\n", argv[0]);
      return 2;
    }
  }
  fs::remove_all(dir);
  const auto gen_start = Clock::now();
  const std::vector<fs::path> files = fti::bench::generate_model(dir, gib);
  const double gen_seconds = std::chrono::duration<double>(Clock::now() - gen_start).count();
  const std::uint64_t largest_tensor = 2ull * 11008 * 4096;

  nlohmann::json out;
  out["generated_GiB"] = gib;
  out["files"] = files.size();
  out["generate_seconds"] = gen_seconds;
  out["largest_tensor_MiB"] = static_cast<double>(largest_tensor) / double(1 << 20);
  for (const bool cold : {false, true}) {
    const char* key = cold ? "cold" : "warm";
    if (cold) fti::bench::drop_page_cache(files);
    else plain_read(files);  // warm the page cache
    const Phase base = plain_read(files);
    if (cold) fti::bench::drop_page_cache(files);
    const Phase touch = stream(dir, false);
    if (cold) fti::bench::drop_page_cache(files);
    const Phase convert = stream(dir, true);
    out[key]["plain_read"] = report(base, base);
    out[key]["stream_touch"] = report(touch, base);
    out[key]["stream_convert"] = report(convert, base);
  }
  std::printf("%s\n", out.dump(2).c_str());
  if (!keep) fs::remove_all(dir);
  return 0;
}

#include "engine/crypto/large_buffer.h"

#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace fti::crypto {
namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kMinBytes = std::size_t{4} << 20;
}  // namespace

void advise_huge_pages(void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (data == nullptr || bytes < kMinBytes) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (last > first) {
    // Advice only: failure (THP disabled, old kernel) leaves normal pages.
    (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
#else
  (void)data;
  (void)bytes;
#endif
}

void touch_pages(void* data, std::size_t bytes) {
  if (data == nullptr || bytes < kMinBytes) return;
  constexpr std::size_t kPage = 4096;
  auto* p = static_cast<volatile unsigned char*>(data);
  // One write per 4 KiB page, 2 MiB per task: the faults (and the kernel's
  // zeroing of the pages) run on every core instead of on the one thread that
  // value-initializes the vector afterwards.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, bytes, kHugePage), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); i += kPage) p[i] = 0;
  });
}

}  // namespace fti::crypto

// Large vectors backed by transparent huge pages where the kernel offers them.
//
// Codewords, folded layers and sumcheck tables run to hundreds of megabytes
// and are written once, front to back, right after allocation. With 4 KiB
// pages every first touch is a page fault: on the reference machine (a VM)
// that costs ~2.6 ms per MiB, more than encoding the data. large_vector()
// reserves the storage, asks for huge pages on it (madvise(MADV_HUGEPAGE),
// Linux only, a no-op elsewhere or below 4 MiB) and only then value-initializes
// it, so the first touch faults 2 MiB at a time; the pages are faulted in from
// every core (touch_pages) before the single-threaded value-initialization
// (the kernel zeroing fresh pages was ~17% of a commitment's profile, all on
// one thread). The result is an ordinary std::vector; nothing else changes.
#pragma once

#include <cstddef>
#include <vector>

namespace fti::crypto {

// Advises huge pages for [data, data + bytes) (rounded inward to 2 MiB).
void advise_huge_pages(void* data, std::size_t bytes) noexcept;

// Faults in the pages of [data, data + bytes) from all threads (nothing below
// 4 MiB): the storage must be allocated and hold no objects yet.
void touch_pages(void* data, std::size_t bytes);

template <typename T>
std::vector<T> large_vector(std::size_t n) {
  std::vector<T> v;
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(T));
  touch_pages(v.data(), n * sizeof(T));
  v.resize(n);
  return v;
}

}  // namespace fti::crypto

#include "engine/crypto/simd.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "engine/crypto/goldilocks_avx512.h"

namespace fti::crypto {
namespace {

bool cpu_has_kernels() noexcept {
#if defined(FTI_HAVE_AVX512_KERNELS)
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

bool switched_off_by_environment() noexcept {
  const char* v = std::getenv("FTI_SIMD");
  return v != nullptr && std::strcmp(v, "0") == 0;
}

std::atomic<bool>& enabled_flag() noexcept {
  static std::atomic<bool> flag{cpu_has_kernels() && !switched_off_by_environment()};
  return flag;
}

}  // namespace

bool simd_available() noexcept {
  static const bool available = cpu_has_kernels();
  return available;
}

bool simd_enabled() noexcept { return enabled_flag().load(std::memory_order_relaxed); }

bool set_simd_enabled(bool on) noexcept {
  return enabled_flag().exchange(on && simd_available(), std::memory_order_relaxed);
}

}  // namespace fti::crypto

// Whether the vector kernels run (AVX-512 on x86-64; see goldilocks_avx512.h).
//
// They compute the same bits as the scalar code (tested lane for lane and
// transform for transform), so this only changes speed. On by default where
// the CPU has AVX-512F; FTI_SIMD=0 in the environment turns them off (to
// compare, or to rule them out), and tests switch them to run both paths.
#pragma once

namespace fti::crypto {

// True when the CPU has the instructions and they are not switched off.
bool simd_enabled() noexcept;

// The CPU has them (whatever the switch says).
bool simd_available() noexcept;

// Switches the kernels on (only where available) or off; returns the previous
// setting. Not for use while transforms run on other threads.
bool set_simd_enabled(bool on) noexcept;

}  // namespace fti::crypto

// Sets the vector-kernel switch (engine/crypto/simd.h) for one scope and
// restores it on the way out, a failed assertion included.
#pragma once

#include "engine/crypto/simd.h"

namespace fti::crypto::testing {

class SimdSetting {
 public:
  explicit SimdSetting(bool on) : previous_(set_simd_enabled(on)) {}
  ~SimdSetting() { set_simd_enabled(previous_); }
  SimdSetting(const SimdSetting&) = delete;
  SimdSetting& operator=(const SimdSetting&) = delete;

 private:
  bool previous_;
};

}  // namespace fti::crypto::testing

#include "engine/crypto/logup_gkr_schedule.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "engine/crypto/logup_gkr_proof.h"

namespace fti::crypto {

Status logup_gkr_check_shape(std::span<const unsigned> instance_vars) noexcept {
  if (instance_vars.empty() || instance_vars.size() > kMaxLogupInstances) return Status::kBadParameters;
  for (const unsigned n : instance_vars) {
    if (n > kMaxLogupVars) return Status::kBadParameters;
  }
  return Status::kOk;
}

LogupGkrSchedule::LogupGkrSchedule(std::span<const unsigned> instance_vars)
    : instance_vars_(instance_vars.begin(), instance_vars.end()) {
  if (logup_gkr_check_shape(instance_vars) != Status::kOk) throw std::invalid_argument("logup: bad instance shape");
  num_vars_ = *std::max_element(instance_vars.begin(), instance_vars.end());
  by_vars_.resize(num_vars_ + 1);
  for (std::size_t i = 0; i < instance_vars.size(); ++i) by_vars_[instance_vars[i]].push_back(i);
}

std::vector<std::size_t> LogupGkrSchedule::layer_order(unsigned layer) const {
  std::vector<std::size_t> out;
  // Step k binds the instances with e_i = k, i.e. n_i = n - layer + k.
  for (unsigned k = 0; k <= layer; ++k) {
    const auto& v = by_vars_[num_vars_ - layer + k];
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

std::size_t LogupGkrSchedule::bound_count(unsigned layer, unsigned step) const noexcept {
  return by_vars_[num_vars_ - layer + step].size();
}

std::size_t LogupGkrSchedule::active_count(unsigned layer) const noexcept {
  std::size_t n = 0;
  for (unsigned k = 0; k <= layer; ++k) n += bound_count(layer, k);
  return n;
}

void logup_gkr_absorb_header(Transcript& t, std::span<const unsigned> instance_vars, std::span<const Fp3> roots) {
  t.absorb_u64(kLogupLabelNumInstances, instance_vars.size());
  const std::vector<std::uint64_t> words(instance_vars.begin(), instance_vars.end());
  t.absorb_u64s(kLogupLabelInstanceVars, words);
  t.absorb_fp3s(kLogupLabelRoots, roots);
}

Fp3 logup_layer_term(std::span<const Fp3> child, const Fp3& mu) {
  const Fp3& p0 = child[0];
  const Fp3& p1 = child[1];
  const Fp3& q0 = child[2];
  const Fp3& q1 = child[3];
  return p0 * q1 + p1 * q0 + mu * (q0 * q1);
}

}  // namespace fti::crypto

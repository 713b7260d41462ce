// The LogUp-GKR schedule prover and verifier share (docs/PROTOCOL.md,
// section 8.4): which instances take part in which layer, the order in which
// their child values are sent and batched, and the transcript header. Both
// sides call exactly these, so the order has one implementation.
//
// Instances are aligned at the leaves: with n = max n_i, instance i joins
// the batched GKR at layer d_i = n - n_i (its root), and at layer j it has
// e_i = j - d_i variables; its point is always the prefix of length e_i of
// the common point. Within layer j the active instances are ordered by e_i
// (the sumcheck round after which they are fully bound), then by index.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/status.h"
#include "engine/crypto/transcript.h"

namespace fti::crypto {

// Bounds on the public shape (a LogUp instance is at most 2^40 fractions;
// the range argument stays far below).
inline constexpr unsigned kMaxLogupVars = 40;
inline constexpr std::size_t kMaxLogupInstances = std::size_t{1} << 17;

// Transcript labels, in the order they are used (section 8.4).
inline constexpr std::string_view kLogupLabelNumInstances = "logup.num_instances";
inline constexpr std::string_view kLogupLabelInstanceVars = "logup.instance_vars";
inline constexpr std::string_view kLogupLabelRoots = "logup.roots";
inline constexpr std::string_view kLogupLabelBatchChallenge = "logup.batch_challenge";
inline constexpr std::string_view kLogupLabelChildValues = "logup.child_values";
inline constexpr std::string_view kLogupLabelRoundPolynomial = "logup.round_polynomial";
inline constexpr std::string_view kLogupLabelRoundChallenge = "logup.round_challenge";
inline constexpr std::string_view kLogupLabelLineChallenge = "logup.line_challenge";

// kOk, or kBadParameters: no instance, more than kMaxLogupInstances, or an
// instance above kMaxLogupVars variables.
Status logup_gkr_check_shape(std::span<const unsigned> instance_vars) noexcept;

class LogupGkrSchedule {
 public:
  // Requires logup_gkr_check_shape(instance_vars) == kOk (throws std::invalid_argument otherwise).
  explicit LogupGkrSchedule(std::span<const unsigned> instance_vars);

  unsigned num_vars() const noexcept { return num_vars_; }  // n = max n_i
  std::size_t num_instances() const noexcept { return instance_vars_.size(); }
  unsigned instance_vars(std::size_t i) const noexcept { return instance_vars_[i]; }
  // e_i at layer j (the instance must be active: n_i >= n - j).
  unsigned bound_at(std::size_t i, unsigned layer) const noexcept { return instance_vars_[i] + layer - num_vars_; }
  // The active instances of layer j, in sending order.
  std::vector<std::size_t> layer_order(unsigned layer) const;
  // How many instances of layer j are bound after `step` rounds (e_i = step).
  std::size_t bound_count(unsigned layer, unsigned step) const noexcept;
  // Sum over layers of the active counts (for size bounds).
  std::size_t active_count(unsigned layer) const noexcept;

 private:
  unsigned num_vars_ = 0;
  std::vector<unsigned> instance_vars_;
  std::vector<std::vector<std::size_t>> by_vars_;  // by_vars_[m]: instances with n_i = m, increasing
};

// "logup.num_instances", "logup.instance_vars", "logup.roots".
void logup_gkr_absorb_header(Transcript& t, std::span<const unsigned> instance_vars, std::span<const Fp3> roots);


// The batched layer identity's summand for one instance (section 8.4):
// p0 q1 + p1 q0 + mu q0 q1 from its child values (p0, p1, q0, q1).
Fp3 logup_layer_term(std::span<const Fp3> child, const Fp3& mu);

}  // namespace fti::crypto

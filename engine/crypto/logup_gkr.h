// LogUp-GKR: fractional sums by a GKR protocol over a binary tree of
// fraction additions (docs/PROTOCOL.md, section 8.4; after Papini and Haböck,
// "Improving logarithmic derivative lookups using GKR", ePrint 2023/1284).
//
// An instance is a table of 2^n fractions p(x) / q(x) with q(x) = (alpha -
// shift) - a(x): a(x) and p(x) in the base field (p = 1 when no numerators
// are given), alpha the caller's challenge in Fp3. Layer n is the input;
// layer k has 2^k fractions, entry y the sum of entries y and y + 2^k of
// layer k + 1 (p = p0 q1 + p1 q0, q = q0 q1): the top variable is summed, so
// the point of every layer is a prefix-extension of the one above. Layer 0
// is the root (P, Q), P / Q = sum_x p(x) / q(x) when no q(x) is zero.
//
// The prover sends every instance's root, then, layer by layer, reduces the
// claims on layer j to claims on layer j + 1 with one sumcheck batched over
// all active instances. Instances of different sizes are aligned at the
// leaves, so the final claims are at prefixes of one point r: instance i
// ends with a claim (p_i(r_<n_i), q_i(r_<n_i)) on its input, which the
// caller checks against its commitments. The caller also checks the roots
// (for LogUp: the fractions balance and no Q_i is zero).
//
// Prover: linear in the total number of fractions, TBB-parallel. Verifier:
// O(n^2 + I n) field operations for I instances.
#pragma once

#include <span>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/logup_gkr_proof.h"
#include "engine/crypto/logup_gkr_schedule.h"
#include "engine/crypto/status.h"
#include "engine/crypto/transcript.h"

namespace fti::crypto {

// One instance's input layer (borrowed): 2^n entries, n <= kMaxLogupVars.
struct LogupInput {
  std::span<const Fp> numerators;  // p(x); empty: every numerator is 1
  std::span<const Fp> values;      // a(x)
  Fp shift;                        // q(x) = (alpha - shift) - a(x)
};

struct LogupFraction {
  Fp3 numerator;
  Fp3 denominator;
  friend bool operator==(const LogupFraction&, const LogupFraction&) = default;
};

struct LogupGkrProverOutput {
  LogupGkrProof proof;
  std::vector<Fp3> point;  // r, n = max n_i coordinates
};

// Runs the schedule of section 8.4 on the caller's transcript (which must
// already hold alpha's dependencies and alpha's draw). Throws
// std::invalid_argument for sizes that are not powers of two, numerators of
// the wrong size, or a shape logup_gkr_check_shape rejects.
LogupGkrProverOutput logup_gkr_prove(const Fp3& alpha, std::span<const LogupInput> instances, Transcript& transcript);

// What the verifier is left with: the roots, the point r and one claim per
// instance on its input layer at r_<n_i (for n_i = 0, the root itself).
struct LogupGkrClaims {
  std::vector<LogupFraction> roots;
  std::vector<Fp3> point;
  std::vector<LogupFraction> inputs;
};

// kOk only if every layer's sumcheck and final check pass; the caller must
// then check `out.roots` and `out.inputs`. Never throws on adversarial input.
[[nodiscard]] Status logup_gkr_verify(std::span<const unsigned> instance_vars, const LogupGkrProof& proof,
                                      Transcript& transcript, LogupGkrClaims& out);

}  // namespace fti::crypto

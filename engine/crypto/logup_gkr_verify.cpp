// LogUp-GKR verifier (docs/PROTOCOL.md, section 8.4, "Verifier checks").
#include <new>
#include <vector>

#include "engine/crypto/logup_gkr.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/sumcheck.h"

namespace fti::crypto {

Status logup_gkr_verify(std::span<const unsigned> instance_vars, const LogupGkrProof& proof, Transcript& transcript,
                        LogupGkrClaims& out) {
  if (const Status s = logup_gkr_check_shape(instance_vars); s != Status::kOk) return s;
  try {
    const LogupGkrSchedule schedule(instance_vars);
    const std::size_t num = instance_vars.size();
    const unsigned n_max = schedule.num_vars();
    if (proof.roots.size() != 2 * num) return Status::kWrongLength;
    if (proof.layers.size() != n_max) return Status::kMalformed;
    for (unsigned j = 0; j < n_max; ++j) {
      if (proof.layers[j].round_polynomials.size() != j) return Status::kMalformed;
      if (proof.layers[j].child_values.size() != kLogupChildValues * schedule.active_count(j)) {
        return Status::kWrongLength;
      }
    }

    logup_gkr_absorb_header(transcript, instance_vars, proof.roots);
    LogupGkrClaims result;
    for (std::size_t i = 0; i < num; ++i) result.roots.push_back({proof.roots[2 * i], proof.roots[2 * i + 1]});
    std::vector<LogupFraction> claims = result.roots;
    std::vector<Fp3> rho;
    std::vector<Fp3> inv_two_pow{Fp3::one()};
    const Fp3 inv2 = Fp3(Fp::from_u64(2).inverse());
    for (unsigned k = 0; k < n_max; ++k) inv_two_pow.push_back(inv_two_pow.back() * inv2);

    for (unsigned j = 0; j < n_max; ++j) {
      const LogupGkrLayerProof& layer = proof.layers[j];
      const std::vector<std::size_t> order = schedule.layer_order(j);
      const Fp3 mu = transcript.challenge_fp3(kLogupLabelBatchChallenge);
      const Fp3 mu2 = mu * mu;
      // C_0 = sum_t mu^(2t) (p_t + mu q_t) over the active claims.
      Fp3 claim = Fp3::zero();
      Fp3 w = Fp3::one();
      for (const std::size_t i : order) {
        claim += w * (claims[i].numerator + mu * claims[i].denominator);
        w *= mu2;
      }
      std::vector<Fp3> s_pts;
      std::size_t sent = 0;
      for (unsigned k = 0; k <= j; ++k) {
        const std::size_t count = kLogupChildValues * schedule.bound_count(j, k);
        if (count != 0) {
          transcript.absorb_fp3s(kLogupLabelChildValues, std::span<const Fp3>(layer.child_values).subspan(sent, count));
          sent += count;
        }
        if (k == j) break;
        const std::vector<Fp3>& h = layer.round_polynomials[k];
        // Exactly 4 values: the degree bound is the count, never inferred.
        if (h.size() != kLogupRoundValues) return Status::kWrongDegree;
        // Both h(0) and h(1) come from the prover.
        if (h[0] + h[1] != claim) return Status::kSumMismatch;
        transcript.absorb_fp3s(kLogupLabelRoundPolynomial, h);
        const Fp3 s = transcript.challenge_fp3(kLogupLabelRoundChallenge);
        claim = interpolate_at(h, s);
        s_pts.push_back(s);
      }
      // eq(rho_<e, s_<e) for every e <= j, by prefix products.
      std::vector<Fp3> eq_prefix{Fp3::one()};
      for (unsigned k = 0; k < j; ++k) eq_prefix.push_back(eq_prefix.back() * eq1(rho[k], s_pts[k]));
      Fp3 expected = Fp3::zero();
      w = Fp3::one();
      for (std::size_t t = 0; t < order.size(); ++t) {
        const unsigned e = schedule.bound_at(order[t], j);
        const std::span<const Fp3> child = std::span<const Fp3>(layer.child_values).subspan(kLogupChildValues * t, 4);
        expected += w * inv_two_pow[j - e] * eq_prefix[e] * logup_layer_term(child, mu);
        w *= mu2;
      }
      if (expected != claim) return Status::kFinalClaimMismatch;
      const Fp3 lambda = transcript.challenge_fp3(kLogupLabelLineChallenge);
      for (std::size_t t = 0; t < order.size(); ++t) {
        const unsigned e = schedule.bound_at(order[t], j);
        const Fp3 l = e < j ? s_pts[e] : lambda;
        const Fp3* c = &layer.child_values[kLogupChildValues * t];
        claims[order[t]] = {c[0] + l * (c[1] - c[0]), c[2] + l * (c[3] - c[2])};
      }
      rho = std::move(s_pts);
      rho.push_back(lambda);
    }
    result.point = std::move(rho);
    result.inputs = std::move(claims);
    out = std::move(result);
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

}  // namespace fti::crypto

// The Basefold verifier (docs/PROTOCOL.md, section 7.7).
#include <algorithm>
#include <exception>
#include <new>
#include <utility>

#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_fold.h"
#include "engine/crypto/basefold_pow.h"
#include "engine/crypto/basefold_schedule.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/ntt.h"
#include "engine/crypto/sumcheck.h"

namespace fti::crypto {
namespace {

std::vector<Fp> flatten(std::span<const Fp3> v) {
  std::vector<Fp> out;
  out.reserve(3 * v.size());
  for (const Fp3& x : v) out.insert(out.end(), x.coeffs().begin(), x.coeffs().end());
  return out;
}

// One batch's verifier: groups with equal (n, M), one stacked point, their
// stacked polynomials combined with powers of alpha.
class BatchVerifier {
 public:
  BatchVerifier(const BasefoldParams& params, std::vector<const BasefoldGroupClaim*> claims,
                std::span<const Fp3> point, const BasefoldGroupProof& proof)
      : claims_(std::move(claims)),
        layout_(BasefoldLayout::make(params, claims_.front()->commitment.num_vars,
                                     claims_.front()->commitment.num_polys)),
        z_(basefold_group_point(point, claims_.front()->commitment.num_vars)),
        proof_(proof) {}

  // Section 7.7, checks on the proof's shape (before any transcript operation).
  Status check_shape() const {
    const std::size_t folded = layout_.layers.size() - 1;
    if (proof_.round_polynomials.size() != layout_.num_rounds || proof_.layer_caps.size() != folded ||
        proof_.layer_openings.size() != folded || proof_.commitment_openings.size() != claims_.size()) {
      return Status::kMalformed;
    }
    for (std::size_t j = 0; j < folded; ++j) {
      if (proof_.layer_caps[j].nodes.size() != (std::size_t{1} << layout_.layers[j + 1].cap_log)) {
        return Status::kWrongLength;
      }
    }
    if (proof_.final_polynomial.size() != layout_.final_size()) return Status::kWrongLength;
    return Status::kOk;
  }

  Status commit_phase(Transcript& t) {
    const std::vector<Fp3> rho = basefold_draw_stack_point(t, layout_.stack_vars);
    powers_ = basefold_draw_batch_powers(t, claims_.size());
    point_ = basefold_stacked_point(rho, z_);
    Fp3 claim = Fp3::zero();
    for (std::size_t g = 0; g < claims_.size(); ++g) {
      claim += powers_[g] * basefold_stack_claim(rho, claims_[g]->values);
    }
    Fp3 eqp = Fp3::one();
    for (unsigned i = 0; i < layout_.num_rounds; ++i) {
      const std::vector<Fp3>& h = proof_.round_polynomials[i];
      // Exactly 3 values: the degree bound is the count, never inferred.
      if (h.size() != kBasefoldRoundValues) return Status::kWrongDegree;
      // Both h(0) and h(1) come from the prover.
      if (h[0] + h[1] != claim) return Status::kSumMismatch;
      t.absorb_fp3s(kBasefoldLabelRoundPolynomial, h);
      const Fp3 r = t.challenge_fp3(kBasefoldLabelRoundChallenge);
      claim = interpolate_at(h, r);
      eqp *= eq1(r, point_[i]);
      r_.push_back(r);
      if (const std::size_t next = basefold_layer_completed_by(layout_, i); next != 0) {
        t.absorb_digests(kBasefoldLabelLayerCommitment, proof_.layer_caps[next - 1].nodes);
      }
    }
    t.absorb_fp3s(kBasefoldLabelFinalPolynomial, proof_.final_polynomial);
    // Last claim = eq(r, p_{<R}) * F(r, p_{R..}), F(r, .) the final polynomial, p = (rho, z).
    const Fp3 expected =
        eqp * monomial_evaluate(proof_.final_polynomial, std::span<const Fp3>(point_).subspan(layout_.num_rounds));
    if (expected != claim) return Status::kFinalClaimMismatch;
    return Status::kOk;
  }

  Status query_phase(Transcript& t) const {
    const BasefoldLayer& l0 = layout_.layers.front();
    std::vector<std::size_t> positions = basefold_query_indices(t, layout_);
    const std::size_t width = std::size_t{1} << l0.log_arity;
    std::vector<Fp3> leaf(std::size_t{1} << kMaxBasefoldLogArity);
    if (width > leaf.size()) return Status::kBadParameters;  // the layout caps a0; never write past the buffer
    for (std::size_t g = 0; g < claims_.size(); ++g) {
      const BasefoldCommitmentOpening& o0 = proof_.commitment_openings[g];
      if (o0.leaf_values.size() != positions.size() * width) return Status::kWrongLength;
      const MerkleCap& cap = claims_[g]->commitment.cap;
      if (const Status s = merkle_verify(layout_.commitment_shape(), cap, positions, o0.leaf_values, o0.paths);
          s != Status::kOk) {
        return s;
      }
    }
    // Combine each opened leaf over the batch and fold it by the layer's
    // rounds: values[t] is the folded codeword at positions[t].
    std::vector<Fp3> values(positions.size());
    const std::span<const Fp3> r0(r_.data(), l0.log_arity);
    for (std::size_t q = 0; q < positions.size(); ++q) {
      std::fill(leaf.begin(), leaf.end(), Fp3::zero());
      for (std::size_t g = 0; g < claims_.size(); ++g) {
        const Fp* src = proof_.commitment_openings[g].leaf_values.data() + q * width;
        for (std::size_t k = 0; k < width; ++k) leaf[k] += powers_[g] * src[k];
      }
      values[q] = basefold_fold_leaf(std::span<Fp3>(leaf.data(), width), l0.log_domain, positions[q], r0);
    }
    for (std::size_t j = 1; j < layout_.layers.size(); ++j) {
      const BasefoldLayer& l = layout_.layers[j];
      const std::size_t w = std::size_t{1} << l.log_arity;
      std::vector<std::size_t> leaves;  // distinct, increasing (positions are)
      for (const std::size_t p : positions) {
        if (leaves.empty() || leaves.back() != (p >> l.log_arity)) leaves.push_back(p >> l.log_arity);
      }
      const BasefoldLayerOpening& o = proof_.layer_openings[j - 1];
      if (o.leaf_values.size() != leaves.size() * w) return Status::kWrongLength;
      if (const Status s =
              merkle_verify(layout_.layer_shape(j), proof_.layer_caps[j - 1], leaves, flatten(o.leaf_values), o.paths);
          s != Status::kOk) {
        return s;
      }
      // Every queried value must be the one the layer committed to.
      std::size_t k = 0;
      for (std::size_t q = 0; q < positions.size(); ++q) {
        while (leaves[k] != (positions[q] >> l.log_arity)) ++k;
        if (o.leaf_values[k * w + (positions[q] & (w - 1))] != values[q]) return Status::kFoldMismatch;
      }
      const std::span<const Fp3> rj(r_.data() + l.first_round, l.log_arity);
      std::vector<Fp3> next(leaves.size());
      for (std::size_t i = 0; i < leaves.size(); ++i) {
        std::copy_n(o.leaf_values.begin() + static_cast<std::ptrdiff_t>(i * w), w, leaf.begin());
        next[i] = basefold_fold_leaf(std::span<Fp3>(leaf.data(), w), l.log_domain, leaves[i], rj);
      }
      positions = std::move(leaves);
      values = std::move(next);
    }
    // The last fold must land on the final polynomial.
    const unsigned log_final = layout_.final_log_domain();
    for (std::size_t q = 0; q < positions.size(); ++q) {
      const Fp y = domain_point(log_final, positions[q]);
      Fp3 acc = Fp3::zero();
      for (std::size_t k = proof_.final_polynomial.size(); k-- > 0;) acc = acc * y + proof_.final_polynomial[k];
      if (acc != values[q]) return Status::kFoldMismatch;
    }
    return Status::kOk;
  }

 private:
  std::vector<const BasefoldGroupClaim*> claims_;
  BasefoldLayout layout_;
  std::span<const Fp3> z_;
  const BasefoldGroupProof& proof_;
  std::vector<Fp3> powers_;
  std::vector<Fp3> point_;  // (rho, z)
  std::vector<Fp3> r_;
};

}  // namespace

Status basefold_verify(const BasefoldParams& params, std::span<const BasefoldGroupClaim> groups,
                       std::span<const Fp3> point, const BasefoldProof& proof, Transcript& transcript) {
  if (params.check() != Status::kOk || groups.empty() || groups.size() > kMaxBasefoldGroups) {
    return Status::kBadParameters;
  }
  for (const BasefoldGroupClaim& g : groups) {
    const BasefoldCommitment& c = g.commitment;
    if (params.check_shape(c.num_vars, c.num_polys) != Status::kOk || c.num_vars > point.size()) {
      return Status::kBadParameters;
    }
    const BasefoldLayout layout = BasefoldLayout::make(params, c.num_vars, c.num_polys);
    if (c.cap.nodes.size() != (std::size_t{1} << layout.layers.front().cap_log)) return Status::kBadParameters;
    if (g.values.size() != c.num_polys) return Status::kWrongLength;
  }
  try {
    const std::vector<BasefoldGroupShape> shapes = basefold_shapes(groups);
    const std::vector<std::vector<std::size_t>> batches = basefold_batches(shapes);
    if (proof.groups.size() != batches.size()) return Status::kMalformed;
    std::vector<BatchVerifier> verifiers;
    verifiers.reserve(batches.size());
    for (std::size_t b = 0; b < batches.size(); ++b) {
      std::vector<const BasefoldGroupClaim*> claims;
      for (const std::size_t g : batches[b]) claims.push_back(&groups[g]);
      verifiers.emplace_back(params, std::move(claims), point, proof.groups[b]);
      if (const Status s = verifiers.back().check_shape(); s != Status::kOk) return s;
    }
    basefold_absorb_header(transcript, params, groups.size(), point);
    for (const BasefoldGroupClaim& g : groups) {
      basefold_absorb_group(transcript, g.commitment.num_vars, g.commitment.num_polys, g.commitment.cap, g.values);
    }
    for (BatchVerifier& v : verifiers) {
      if (const Status s = v.commit_phase(transcript); s != Status::kOk) return s;
    }
    // Proof of work first, then (and only then) the query indices.
    if (!basefold_pow_check(transcript.state(), params.grinding_bits, proof.pow_nonce)) {
      return Status::kInvalidProofOfWork;
    }
    transcript.absorb_u64(kBasefoldLabelPowNonce, proof.pow_nonce);
    for (const BatchVerifier& v : verifiers) {
      if (const Status s = v.query_phase(transcript); s != Status::kOk) return s;
    }
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  } catch (const std::exception&) {
    // Only shape checks below the parser throw; a verifier answers, never throws.
    return Status::kBadParameters;
  }
}

Status basefold_verify(const BasefoldParams& params, const BasefoldGroupClaim& group, std::span<const Fp3> point,
                       const BasefoldProof& proof, Transcript& transcript) {
  return basefold_verify(params, std::span<const BasefoldGroupClaim>(&group, 1), point, proof, transcript);
}

}  // namespace fti::crypto

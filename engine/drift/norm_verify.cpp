// The norm verifier (docs/PROTOCOL.md, section 10.3.5). Reads no weights.
#include <exception>

#include "engine/commitment/commitment_hash.h"
#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/norm.h"
#include "engine/drift/norm_sumcheck.h"
#include "engine/drift/norm_transcript.h"

namespace fti::drift {
namespace {

using crypto::Fp3;
using crypto::Status;

// Checks one class: the sumcheck, whose final check compares E with eq at
// the block point and every table's evaluation with the opened values, then
// verifies the opening on the same transcript.
DriftResult verify_class(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                         const NormLayout& layout, std::size_t c, const NormDisclosure& disclosure,
                         std::span<const Fp3> block_point, const crypto::BasefoldCommitment& block_commitment,
                         const NormClassProof& proof, crypto::Transcript& t) {
  const NormClassLayout& cl = layout.classes[c];
  const std::vector<crypto::BasefoldGroupShape> shapes = norm_opening_shapes(base, candidate, layout, c);
  if (proof.opened_values.size() != shapes.size()) return {DriftStatus::kMalformed, Status::kWrongLength};
  for (std::size_t g = 0; g < shapes.size(); ++g) {
    if (proof.opened_values[g].size() != shapes[g].num_polys) return {DriftStatus::kMalformed, Status::kWrongLength};
  }
  const std::size_t nb = cl.base_groups.size();
  const std::size_t nc = cl.candidate_groups.size();
  std::vector<crypto::BasefoldGroupClaim> claims;
  for (std::size_t g = 0; g < nb; ++g) claims.push_back({base.groups[cl.base_groups[g]], proof.opened_values[g]});
  for (std::size_t g = 0; g < nc; ++g) {
    claims.push_back({candidate.groups[cl.candidate_groups[g]], proof.opened_values[nb + g]});
  }
  claims.push_back({block_commitment, proof.opened_values[nb + nc]});
  const std::vector<Fp3>& block_values = proof.opened_values[nb + nc];

  DriftResult result;
  const crypto::SumcheckFinalCheck final_check = [&](std::span<const Fp3> point, std::span<const Fp3> evals) {
    if (evals[kNormEqPoly] != crypto::eq_eval(block_point.first(cl.block_vars), point.first(cl.block_vars))) {
      result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
      return Status::kEvaluationMismatch;
    }
    for (const std::size_t ti : cl.tensors) {
      const NormTensorLayout& tl = layout.tensors[ti];
      const OpenedModelValues opened = opened_model_values(proof.opened_values, cl, tl);
      if (evals[norm_base_poly(tl.position)] != opened.base ||
          evals[norm_candidate_poly(tl.position)] != opened.candidate) {
        result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
        return Status::kEvaluationMismatch;
      }
    }
    for (std::size_t q = 0; q < cl.num_block_polys(); ++q) {
      if (evals[norm_block_poly(cl, q)] != block_values[q]) {
        result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
        return Status::kEvaluationMismatch;
      }
    }
    const Status s = crypto::basefold_verify(base.params, claims, point, proof.opening, t);
    if (s != Status::kOk) result = {DriftStatus::kOpeningRejected, s};
    return s;
  };
  const crypto::SumcheckStatement st = norm_class_statement(layout, c, disclosure);
  const Status s = crypto::sumcheck_verify(st, proof.sumcheck, t, final_check);
  if (s == Status::kOk) return {};
  if (result.ok()) result = {DriftStatus::kSumcheckRejected, s};
  return result;
}

}  // namespace

bool norm_commitment_consistent(const commitment::ModelCommitment& commitment) {
  try {
    commitment::ModelCommitment copy = commitment;
    commitment::compute_roots(copy);
    return copy.tensors_root == commitment.tensors_root && copy.files_digest == commitment.files_digest &&
           copy.root == commitment.root;
  } catch (const std::exception&) {
    return false;
  }
}

Status norm_check_security(const crypto::BasefoldParams& params, const NormLayout& layout,
                           const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                           const NormStatement& statement, unsigned min_bits) {
  if (min_bits == 0) return Status::kOk;
  auto check = [&](unsigned n, std::size_t m) { return crypto::basefold_check_security(params, n, m, min_bits); };
  for (const NormClassLayout& cl : layout.classes) {
    for (const std::uint32_t g : cl.base_groups) {
      if (const Status s = check(base.groups[g].num_vars, base.groups[g].num_polys); s != Status::kOk) return s;
    }
    for (const std::uint32_t g : cl.candidate_groups) {
      if (const Status s = check(candidate.groups[g].num_vars, candidate.groups[g].num_polys); s != Status::kOk) {
        return s;
      }
    }
    if (const Status s = check(cl.block_vars, cl.num_block_polys()); s != Status::kOk) return s;
    const std::size_t most = crypto::basefold_max_polys(params, cl.block_vars);
    if (const Status s = check(cl.block_vars, most); s != Status::kOk) return s;
  }
  return check(statement.range_limb_bits, 1);
}

DriftResult verify_norms(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                         const NormStatement& statement, const NormDisclosure& disclosure, const NormProof& proof,
                         crypto::Transcript& transcript, const NormVerifyOptions& options) {
  try {
    if (!norm_commitment_consistent(base) || !norm_commitment_consistent(candidate)) {
      return {DriftStatus::kIncompatibleCommitments, Status::kOk};
    }
    NormLayout layout;
    if (const DriftStatus s = NormLayout::make(base, candidate, statement, layout); s != DriftStatus::kOk) {
      return {s, Status::kOk};
    }
    // The parameters travel with the commitments, which the prover chose:
    // below the proven floor nothing else means anything (review finding 1).
    if (const Status s = norm_check_security(base.params, layout, base, candidate, statement, options.min_security_bits);
        s != Status::kOk) {
      return {DriftStatus::kInsecureParameters, s};
    }
    // The disclosed statistics: one per item, within the bounds that keep
    // every sum below p (section 10.3.1).
    if (disclosure.items.size() != layout.items.size()) return {DriftStatus::kStatisticOutOfRange, Status::kWrongLength};
    for (std::size_t i = 0; i < layout.items.size(); ++i) {
      const unsigned m = layout.classes[layout.items[i].size_class].block_vars;
      if (disclosure.items[i].high > norm_max_high(m) || disclosure.items[i].low > norm_max_low(m)) {
        return {DriftStatus::kStatisticOutOfRange, Status::kOk};
      }
    }
    // The proof's shape (parse() guarantees it; a NormProof built in memory may not).
    if (proof.block_commitments.size() != layout.classes.size() || proof.classes.size() != layout.classes.size()) {
      return {DriftStatus::kMalformed, Status::kMalformed};
    }
    for (std::size_t c = 0; c < layout.classes.size(); ++c) {
      const crypto::BasefoldCommitment& b = proof.block_commitments[c];
      // (The cap's size is basefold_verify's check.)
      if (b.num_vars != layout.classes[c].block_vars || b.num_polys != layout.classes[c].num_block_polys()) {
        return {DriftStatus::kMalformed, Status::kWrongLength};
      }
    }

    norm_absorb_statement(transcript, base, candidate, statement, layout);
    norm_absorb_blocks(transcript, layout, proof.block_commitments, disclosure);
    const std::vector<Fp3> block_point = norm_block_point(transcript, layout);
    for (std::size_t c = 0; c < layout.classes.size(); ++c) {
      const DriftResult r = verify_class(base, candidate, layout, c, disclosure, block_point,
                                         proof.block_commitments[c], proof.classes[c], transcript);
      if (!r.ok()) return r;
    }
    const crypto::RangeStatement range_statement = norm_range_statement(layout, statement);
    const std::vector<crypto::RangeValueBinding> bindings = norm_range_bindings(layout, proof.block_commitments);
    if (const Status s = crypto::range_verify(base.params, range_statement, bindings, proof.range, transcript);
        s != Status::kOk) {
      return {DriftStatus::kRangeRejected, s};
    }
    // Proven: S and Q as integers. Now the statement's bounds.
    for (std::size_t i = 0; i < layout.tensors.size(); ++i) {
      const std::size_t first = layout.tensors[i].first_item;
      const uint128 s = disclosure.items[first].value();
      const uint128 q = statement.tensors[i].base_squares ? disclosure.items[first + 1].value() : 0;
      if (!norm_bound_holds(statement.tensors[i].bound, s, q)) return {DriftStatus::kBoundExceeded, Status::kOk};
    }
    return {};
  } catch (const std::exception&) {
    // Allocation failure (or a shape a crypto routine refuses): never an acceptance.
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

DriftResult verify_norms_bytes(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                               const NormStatement& statement, const NormDisclosure& disclosure,
                               std::span<const std::uint8_t> proof, crypto::Transcript& transcript,
                               const NormVerifyOptions& options) {
  return verify_from_bytes<NormLayout, NormProof>(base, candidate, statement, proof, [&](const NormProof& parsed) {
    return verify_norms(base, candidate, statement, disclosure, parsed, transcript, options);
  });
}

}  // namespace fti::drift

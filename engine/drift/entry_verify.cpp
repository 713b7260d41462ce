// The entrywise verifier (docs/PROTOCOL.md, section 10.6.5). Reads no weights.
#include <algorithm>
#include <exception>

#include "engine/crypto/basefold.h"
#include "engine/crypto/multilinear.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/entry.h"
#include "engine/drift/entry_protocol.h"
#include "engine/drift/norm.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;
using crypto::Status;

// Class c: the zero-check (if the class has count claims) whose final check
// compares Eq with eq(rho, sigma) and B, C, m with the opened values, then
// every max_abs identity at sigma and the opening, on the same transcript.
DriftResult verify_class(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                         const EntryLayout& layout, std::size_t c,
                         std::span<const std::uint64_t> changed, const crypto::BasefoldCommitment& witness,
                         const EntryClassProof& proof, crypto::Transcript& t) {
  const EntryClassLayout& cl = layout.classes[c];
  const std::vector<crypto::BasefoldGroupShape> shapes = entry_opening_shapes(base, candidate, layout, c);
  if (proof.opened_values.size() != shapes.size()) return {DriftStatus::kMalformed, Status::kWrongLength};
  for (std::size_t g = 0; g < shapes.size(); ++g) {
    if (proof.opened_values[g].size() != shapes[g].num_polys) return {DriftStatus::kMalformed, Status::kWrongLength};
  }
  const std::size_t nb = cl.base_groups.size();
  const std::size_t nc = cl.candidate_groups.size();
  const auto b_value = [&](std::size_t i) { return opened_model_values(proof.opened_values, cl, layout.claims[i]).base; };
  const auto c_value = [&](std::size_t i) {
    return opened_model_values(proof.opened_values, cl, layout.claims[i]).candidate;
  };
  const std::vector<Fp3>& w_values = proof.opened_values[nb + nc];
  std::vector<crypto::BasefoldGroupClaim> claims;
  for (std::size_t g = 0; g < nb; ++g) claims.push_back({base.groups[cl.base_groups[g]], proof.opened_values[g]});
  for (std::size_t g = 0; g < nc; ++g) {
    claims.push_back({candidate.groups[cl.candidate_groups[g]], proof.opened_values[nb + g]});
  }
  claims.push_back({witness, w_values});

  DriftResult result;
  const auto mismatch = [&] {
    result = {DriftStatus::kEvaluationMismatch, Status::kEvaluationMismatch};
    return Status::kEvaluationMismatch;
  };
  // At sigma: a = M' + C - B and a' = M' - C + B for each max_abs claim, then the opening.
  const auto check_point = [&](std::span<const Fp3> point) -> Status {
    for (const std::size_t i : cl.claims) {
      const EntryClaimLayout& l = layout.claims[i];
      if (!l.has_max_abs()) continue;
      const Fp3 m(Fp::from_u64(l.abs_bound));
      if (w_values[l.abs_poly] != m + c_value(i) - b_value(i) || w_values[l.abs_poly + 1] != m - c_value(i) + b_value(i)) {
        return mismatch();
      }
    }
    const Status s = crypto::basefold_verify(base.params, claims, point, proof.opening, t);
    if (s != Status::kOk) result = {DriftStatus::kOpeningRejected, s};
    return s;
  };
  if (cl.count_claims.empty()) {
    const std::vector<Fp3> point = entry_point(t, cl.num_vars, kEntryLabelPoint);
    check_point(point);
    return result;
  }
  const std::vector<Fp3> rho = entry_point(t, cl.num_vars, kEntryLabelZeroPoint);
  const crypto::SumcheckFinalCheck final_check = [&](std::span<const Fp3> point, std::span<const Fp3> evals) {
    if (evals[kEntryEqPoly] != crypto::eq_eval(rho, point)) return mismatch();
    for (std::size_t j = 0; j < cl.count_claims.size(); ++j) {
      const std::size_t i = cl.count_claims[j];
      if (evals[entry_base_poly(j)] != b_value(i) || evals[entry_candidate_poly(j)] != c_value(i) ||
          evals[entry_mask_poly(j)] != w_values[layout.claims[i].mask_poly]) {
        return mismatch();
      }
    }
    return check_point(point);
  };
  const Status s = crypto::sumcheck_verify(entry_count_statement(layout, c, changed), proof.sumcheck, t, final_check);
  if (s == Status::kOk) return {};
  return result.ok() ? DriftResult{DriftStatus::kSumcheckRejected, s} : result;
}

}  // namespace

Status entry_check_security(const crypto::BasefoldParams& params, const EntryLayout& layout,
                            const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                            const EntryStatement& statement, unsigned min_bits) {
  if (min_bits == 0) return Status::kOk;
  auto check = [&](unsigned n, std::size_t m) { return crypto::basefold_check_security(params, n, m, min_bits); };
  for (const EntryClassLayout& cl : layout.classes) {
    for (const std::uint32_t g : cl.base_groups) {
      if (const Status s = check(base.groups[g].num_vars, base.groups[g].num_polys); s != Status::kOk) return s;
    }
    for (const std::uint32_t g : cl.candidate_groups) {
      if (const Status s = check(candidate.groups[g].num_vars, candidate.groups[g].num_polys); s != Status::kOk) {
        return s;
      }
    }
    if (const Status s = check(cl.num_vars, cl.witness_polys); s != Status::kOk) return s;
    if (layout.abs_claims > 0) {
      const std::size_t most = crypto::basefold_max_polys(params, cl.num_vars);
      if (const Status s = check(cl.num_vars, most); s != Status::kOk) return s;
    }
  }
  return layout.abs_claims > 0 ? check(statement.range_limb_bits, 1) : Status::kOk;
}

DriftResult verify_entries(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                           const EntryStatement& statement, std::span<const std::uint64_t> changed,
                           const EntryProof& proof, crypto::Transcript& transcript, const EntryVerifyOptions& options) {
  try {
    if (!norm_commitment_consistent(base) || !norm_commitment_consistent(candidate)) {
      return {DriftStatus::kIncompatibleCommitments, Status::kOk};
    }
    EntryLayout layout;
    if (const DriftStatus s = EntryLayout::make(base, candidate, statement, layout); s != DriftStatus::kOk) {
      return {s, Status::kOk};
    }
    if (const Status s =
            entry_check_security(base.params, layout, base, candidate, statement, options.min_security_bits);
        s != Status::kOk) {
      return {DriftStatus::kInsecureParameters, s};
    }
    // One count per claim: at most 2^n with a count claim, 0 without.
    if (changed.size() != layout.claims.size()) return {DriftStatus::kStatisticOutOfRange, Status::kWrongLength};
    for (std::size_t i = 0; i < layout.claims.size(); ++i) {
      const bool bad = statement.claims[i].count ? changed[i] > (std::uint64_t{1} << layout.claims[i].num_vars)
                                                 : changed[i] != 0;
      if (bad) return {DriftStatus::kStatisticOutOfRange, Status::kOk};
    }
    // The proof's shape (parse() guarantees it; an EntryProof built in memory may not).
    if (proof.witness_commitments.size() != layout.classes.size() || proof.classes.size() != layout.classes.size()) {
      return {DriftStatus::kMalformed, Status::kMalformed};
    }
    for (std::size_t c = 0; c < layout.classes.size(); ++c) {
      const crypto::BasefoldCommitment& w = proof.witness_commitments[c];
      if (w.num_vars != layout.classes[c].num_vars || w.num_polys != layout.classes[c].witness_polys) {
        return {DriftStatus::kMalformed, Status::kWrongLength};
      }
    }

    entry_absorb_statement(transcript, base, candidate, statement, layout);
    entry_absorb_witnesses(transcript, layout, proof.witness_commitments, changed);
    for (std::size_t c = 0; c < layout.classes.size(); ++c) {
      const DriftResult r = verify_class(base, candidate, layout, c, changed, proof.witness_commitments[c],
                                         proof.classes[c], transcript);
      if (!r.ok()) return r;
    }
    if (layout.abs_claims > 0) {
      if (const Status s = crypto::range_verify(base.params, entry_range_statement(layout, statement),
                                                entry_range_bindings(layout, proof.witness_commitments), proof.range,
                                                transcript);
          s != Status::kOk) {
        return {DriftStatus::kRangeRejected, s};
      }
    }
    for (std::size_t i = 0; i < layout.claims.size(); ++i) {
      if (statement.claims[i].count && changed[i] > statement.claims[i].max_changed) {
        return {DriftStatus::kBoundExceeded, Status::kOk};
      }
    }
    return {};
  } catch (const std::exception&) {
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

DriftResult verify_entries_bytes(const commitment::ModelCommitment& base,
                                 const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                                 std::span<const std::uint64_t> changed, std::span<const std::uint8_t> proof,
                                 crypto::Transcript& transcript, const EntryVerifyOptions& options) {
  return verify_from_bytes<EntryLayout, EntryProof>(base, candidate, statement, proof, [&](const EntryProof& parsed) {
    return verify_entries(base, candidate, statement, changed, parsed, transcript, options);
  });
}

}  // namespace fti::drift

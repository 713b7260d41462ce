#include "engine/drift/entry_protocol.h"

#include <array>

#include "engine/drift/drift_shared.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;

crypto::SumcheckTerm term(const Fp3& c, std::vector<std::uint32_t> factors) { return {c, std::move(factors)}; }

}  // namespace

void entry_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                            const commitment::ModelCommitment& candidate, const EntryStatement& st,
                            const EntryLayout& layout) {
  absorb_drift_header(t, {kEntryLabelProtocol, kEntryLabelParams, kEntryLabelBaseRoot, kEntryLabelCandidateRoot},
                      kEntryProtocolId, st.range_limb_bits, base, candidate);
  t.absorb_u64(kEntryLabelNumClaims, st.claims.size());
  for (std::size_t i = 0; i < st.claims.size(); ++i) {
    const EntryClaim& claim = st.claims[i];
    const EntryClaimLayout& l = layout.claims[i];
    const commitment::TensorRecord& b = base.tensors[l.base_index];
    t.absorb_bytes(kEntryLabelTensorName, text_bytes(b.name));
    const std::uint64_t fields[] = {l.base_index,
                                    l.candidate_index,
                                    b.log_rows,
                                    b.log_cols,
                                    static_cast<std::uint64_t>(static_cast<std::int64_t>(b.scale)),
                                    claim.max_abs ? 1u : 0u,
                                    claim.max_abs_bound,
                                    l.abs_bound,
                                    l.abs_bits,
                                    claim.count ? 1u : 0u,
                                    claim.max_changed};
    t.absorb_u64s(kEntryLabelClaim, fields);
  }
}

void entry_absorb_witnesses(crypto::Transcript& t, const EntryLayout& layout,
                            std::span<const crypto::BasefoldCommitment> witnesses,
                            std::span<const std::uint64_t> changed) {
  for (std::size_t c = 0; c < layout.classes.size(); ++c) {
    const std::uint64_t shape[] = {layout.classes[c].num_vars, layout.classes[c].witness_polys};
    t.absorb_u64s(kEntryLabelWitnessGroup, shape);
    t.absorb_digests(kEntryLabelWitnessCommitment, witnesses[c].cap.nodes);
  }
  t.absorb_u64s(kEntryLabelChanged, changed);
}

std::vector<Fp3> entry_point(crypto::Transcript& t, unsigned num_vars, std::string_view label) {
  std::vector<Fp3> r(num_vars);
  for (Fp3& x : r) x = t.challenge_fp3(label);
  return r;
}

crypto::SumcheckStatement entry_count_statement(const EntryLayout& layout, std::size_t c,
                                                std::span<const std::uint64_t> changed) {
  const EntryClassLayout& cl = layout.classes[c];
  crypto::SumcheckStatement st;
  st.num_vars = cl.num_vars;
  st.num_polys = static_cast<std::uint32_t>(1 + 3 * cl.count_claims.size());
  const std::uint32_t e = kEntryEqPoly;
  for (std::size_t j = 0; j < cl.count_claims.size(); ++j) {
    const std::uint32_t b = entry_base_poly(j), cand = entry_candidate_poly(j), m = entry_mask_poly(j);
    // Eq (C - B)(1 - m) = Eq C - Eq B - Eq C m + Eq B m: zero on every entry
    // iff d != 0 implies m = 1.
    st.claims.push_back({{term(Fp3::one(), {e, cand}), term(-Fp3::one(), {e, b}), term(-Fp3::one(), {e, cand, m}),
                          term(Fp3::one(), {e, b, m})},
                         Fp3::zero()});
    // Eq (m - m^2): m is boolean.
    st.claims.push_back({{term(Fp3::one(), {e, m}), term(-Fp3::one(), {e, m, m})}, Fp3::zero()});
    // sum m = c: with m boolean an integer below 2^n < p, so exact.
    st.claims.push_back({{term(Fp3::one(), {m})}, Fp3(Fp::from_u64(changed[cl.count_claims[j]]))});
  }
  return st;
}

}  // namespace fti::drift

#include "engine/drift/entry_protocol.h"

#include <array>

#include "engine/drift/drift_shared.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

crypto::SumcheckTerm term(const Fp3& c, std::vector<std::uint32_t> factors) { return {c, std::move(factors)}; }

}  // namespace

void entry_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                            const commitment::ModelCommitment& candidate, const EntryStatement& st,
                            const EntryLayout& layout) {
  t.absorb_bytes(kEntryLabelProtocol, bytes_of(kEntryProtocolId));
  const std::array<std::uint64_t, 12> params = block_limb_params(st.range_limb_bits, base.params);
  t.absorb_u64s(kEntryLabelParams, params);
  t.absorb_digest(kEntryLabelBaseRoot, base.root);
  t.absorb_digest(kEntryLabelCandidateRoot, candidate.root);
  const commitment::TensorRecord& b = base.tensors[layout.base_index];
  t.absorb_bytes(kEntryLabelTensorName, bytes_of(b.name));
  const std::uint64_t fields[] = {layout.base_index,
                                  layout.candidate_index,
                                  b.log_rows,
                                  b.log_cols,
                                  static_cast<std::uint64_t>(static_cast<std::int64_t>(b.scale)),
                                  st.max_abs ? 1u : 0u,
                                  st.max_abs_bound,
                                  layout.abs_bound,
                                  layout.abs_bits,
                                  st.count ? 1u : 0u,
                                  st.max_changed};
  t.absorb_u64s(kEntryLabelTensor, fields);
}

void entry_absorb_witness(crypto::Transcript& t, const EntryLayout& layout,
                          const crypto::BasefoldCommitment& witness, std::uint64_t changed) {
  const std::uint64_t shape[] = {layout.num_vars, layout.witness_polys};
  t.absorb_u64s(kEntryLabelWitnessGroup, shape);
  t.absorb_digests(kEntryLabelWitnessCommitment, witness.cap.nodes);
  t.absorb_u64(kEntryLabelChanged, changed);
}

std::vector<Fp3> entry_point(crypto::Transcript& t, const EntryLayout& layout, std::string_view label) {
  std::vector<Fp3> r(layout.num_vars);
  for (Fp3& x : r) x = t.challenge_fp3(label);
  return r;
}

crypto::SumcheckStatement entry_count_statement(const EntryLayout& layout, std::uint64_t changed) {
  crypto::SumcheckStatement st;
  st.num_vars = layout.num_vars;
  st.num_polys = 4;
  const std::uint32_t e = kEntryEqPoly, b = kEntryBasePoly, c = kEntryCandidatePoly, m = kEntryMaskPoly;
  // Eq (C - B)(1 - m) = Eq C - Eq B - Eq C m + Eq B m: zero on every entry iff
  // d != 0 implies m = 1.
  st.claims.push_back({{term(Fp3::one(), {e, c}), term(-Fp3::one(), {e, b}), term(-Fp3::one(), {e, c, m}),
                        term(Fp3::one(), {e, b, m})},
                       Fp3::zero()});
  // Eq (m - m^2): m is boolean.
  st.claims.push_back({{term(Fp3::one(), {e, m}), term(-Fp3::one(), {e, m, m})}, Fp3::zero()});
  // sum m = c: with m boolean an integer below 2^n < p, so exact.
  st.claims.push_back({{term(Fp3::one(), {m})}, Fp3(Fp::from_u64(changed))});
  return st;
}

}  // namespace fti::drift

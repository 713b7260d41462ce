#include "engine/drift/rank_protocol.h"

#include <array>
#include <cstdint>

#include "engine/crypto/multilinear.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;
using crypto::SumcheckTerm;

SumcheckTerm term(Fp coefficient, std::vector<std::uint32_t> factors) { return {Fp3(coefficient), std::move(factors)}; }

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

void rank_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const RankStatement& st,
                           const RankLayout& layout) {
  t.absorb_bytes(kRankLabelProtocol, bytes_of(kRankProtocolId));
  const crypto::BasefoldParams& p = base.params;
  const std::array<std::uint64_t, 12> params = block_limb_params(st.range_limb_bits, p);
  t.absorb_u64s(kRankLabelParams, params);
  t.absorb_digest(kRankLabelBaseRoot, base.root);
  t.absorb_digest(kRankLabelCandidateRoot, candidate.root);
  t.absorb_bytes(kRankLabelTensorName, bytes_of(base.tensors[layout.base_index].name));
  const std::uint64_t fields[] = {layout.base_index,
                                  layout.candidate_index,
                                  layout.log_rows,
                                  layout.log_cols,
                                  static_cast<std::uint64_t>(static_cast<std::int64_t>(base.tensors[layout.base_index].scale)),
                                  st.rank,
                                  layout.rank_vars,
                                  st.factor_bits,
                                  st.shift,
                                  layout.block_size_vars,
                                  layout.block_vars,
                                  static_cast<std::uint64_t>(st.bound),
                                  static_cast<std::uint64_t>(st.max_residual_squares >> 64),
                                  static_cast<std::uint64_t>(st.max_residual_squares)};
  t.absorb_u64s(kRankLabelTensor, fields);
}

std::vector<Fp3> rank_absorb_commitments(crypto::Transcript& t, const RankLayout& layout,
                                         const crypto::BasefoldCommitment& u, const crypto::BasefoldCommitment& v,
                                         const crypto::BasefoldCommitment& blocks, const NormStatistic& disclosure) {
  const std::uint64_t factor_shape[] = {layout.u_vars(), 1, layout.v_vars(), 1};
  t.absorb_u64s(kRankLabelFactorGroups, factor_shape);
  t.absorb_digests(kRankLabelUCommitment, u.cap.nodes);
  t.absorb_digests(kRankLabelVCommitment, v.cap.nodes);
  const std::uint64_t block_shape[] = {layout.num_vars, layout.block_vars, 2};
  t.absorb_u64s(kRankLabelBlockGroup, block_shape);
  t.absorb_digests(kRankLabelBlockCommitment, blocks.cap.nodes);
  const std::uint64_t disclosed[] = {disclosure.high, disclosure.low};
  t.absorb_u64s(kRankLabelDisclosed, disclosed);
  std::vector<Fp3> r(layout.block_vars);
  for (Fp3& x : r) x = t.challenge_fp3(kRankLabelBlockPoint);
  return r;
}

crypto::SumcheckStatement rank_residual_statement(const RankLayout& layout, const RankStatement& st,
                                                  const NormStatistic& disclosure) {
  crypto::SumcheckStatement s;
  s.num_vars = layout.num_vars;
  s.num_polys = 6;
  const Fp copies = Fp::from_u64(std::uint64_t{1} << (layout.num_vars - layout.block_vars));  // 2^(n-m)
  const Fp c_inv = copies.inverse();
  const Fp two = Fp::from_u64(2);
  const Fp t1 = Fp::from_u64(std::uint64_t{1} << st.shift);  // 2^t
  const Fp t2 = t1 * t1;
  const std::uint32_t e = kRankEqPoly, b = kRankBasePoly, c = kRankCandidatePoly, w = kRankProductPoly,
                      hi = kRankHiPoly, lo = kRankLoPoly;
  // Eq (2^t (C - B) - W)^2 = 2^2t Eq (C^2 - 2 C B + B^2) - 2^(t+1) Eq (C - B) W + Eq W^2.
  crypto::SumcheckClaim a;
  a.terms.push_back(term(t2, {e, c, c}));
  a.terms.push_back(term(-(two * t2), {e, c, b}));
  a.terms.push_back(term(t2, {e, b, b}));
  a.terms.push_back(term(-(two * t1), {e, c, w}));
  a.terms.push_back(term(two * t1, {e, b, w}));
  a.terms.push_back(term(Fp::one(), {e, w, w}));
  a.terms.push_back(term(-(c_inv * Fp::from_u64(std::uint64_t{1} << kNormLimbShift)), {e, hi}));
  a.terms.push_back(term(-c_inv, {e, lo}));
  a.sum = Fp3::zero();
  s.claims.push_back(std::move(a));
  s.claims.push_back({{term(Fp::one(), {hi})}, Fp3(copies * Fp::from_u64(disclosure.high))});
  s.claims.push_back({{term(Fp::one(), {lo})}, Fp3(copies * Fp::from_u64(disclosure.low))});
  return s;
}

crypto::SumcheckStatement rank_factor_statement(const RankLayout& layout, const Fp3& product_value) {
  crypto::SumcheckStatement s;
  s.num_vars = layout.rank_vars;
  s.num_polys = 3;
  crypto::SumcheckClaim a;
  a.terms.push_back(term(Fp::one(), {kRankUPoly, kRankVPoly, kRankIndicatorPoly}));
  a.sum = product_value;
  s.claims.push_back(std::move(a));
  return s;
}

Fp3 rank_indicator_eval(std::uint32_t rank, std::span<const Fp3> kappa) {
  const std::vector<Fp3> eq = crypto::eq_table(kappa);
  Fp3 s = Fp3::zero();
  for (std::size_t k = 0; k < rank && k < eq.size(); ++k) s += eq[k];
  return s;
}

std::vector<Fp> rank_indicator_table(const RankLayout& layout, std::uint32_t rank) {
  std::vector<Fp> t(std::size_t{1} << layout.rank_vars, Fp::zero());
  for (std::size_t k = 0; k < rank && k < t.size(); ++k) t[k] = Fp::one();
  return t;
}

std::vector<Fp3> rank_u_point(const RankLayout& layout, std::span<const Fp3> kappa, std::span<const Fp3> rho) {
  std::vector<Fp3> z(kappa.begin(), kappa.end());
  z.insert(z.end(), rho.begin() + layout.log_cols, rho.end());
  return z;
}

std::vector<Fp3> rank_v_point(const RankLayout& layout, std::span<const Fp3> kappa, std::span<const Fp3> rho) {
  std::vector<Fp3> z(kappa.begin(), kappa.end());
  z.insert(z.end(), rho.begin(), rho.begin() + layout.log_cols);
  return z;
}

}  // namespace fti::drift

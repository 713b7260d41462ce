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

}  // namespace

void rank_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, RankClaims claims,
                           const RankBatchLayout& layout) {
  absorb_drift_header(t, {kRankLabelProtocol, kRankLabelParams, kRankLabelBaseRoot, kRankLabelCandidateRoot},
                      kRankProtocolId, claims[0].range_limb_bits, base, candidate);
  const std::uint64_t counts[] = {claims.size(), layout.classes.size()};
  t.absorb_u64s(kRankLabelClaims, counts);
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const RankStatement& st = claims[i];
    const RankLayout& l = layout.claims[i];
    t.absorb_bytes(kRankLabelTensorName, text_bytes(base.tensors[l.base_index].name));
    const std::uint64_t fields[] = {l.base_index,
                                    l.candidate_index,
                                    l.log_rows,
                                    l.log_cols,
                                    static_cast<std::uint64_t>(static_cast<std::int64_t>(base.tensors[l.base_index].scale)),
                                    st.rank,
                                    l.rank_vars,
                                    st.factor_bits,
                                    st.shift,
                                    static_cast<std::uint64_t>(st.head_axis),
                                    st.head_block_vars,
                                    l.head_vars,
                                    l.size_class,
                                    l.position,
                                    static_cast<std::uint64_t>(st.bound),
                                    static_cast<std::uint64_t>(st.max_residual_squares >> 64),
                                    static_cast<std::uint64_t>(st.max_residual_squares)};
    t.absorb_u64s(kRankLabelTensor, fields);
  }
}

void rank_absorb_commitments(crypto::Transcript& t, const RankBatchLayout& layout,
                             std::span<const crypto::BasefoldCommitment> u,
                             std::span<const crypto::BasefoldCommitment> v,
                             std::span<const crypto::BasefoldCommitment> blocks,
                             std::span<const NormStatistic> disclosures) {
  for (std::size_t c = 0; c < layout.classes.size(); ++c) {
    const RankClassLayout& cl = layout.classes[c];
    const std::uint64_t shape[] = {cl.log_rows,  cl.log_cols, cl.rank_vars,
                                   static_cast<std::uint64_t>(cl.head_axis), cl.head_vars, cl.num_vars,
                                   cl.block_size_vars, cl.block_vars, cl.size()};
    t.absorb_u64s(kRankLabelClass, shape);
    const std::uint64_t factor_shape[] = {cl.u_vars(), cl.size(), cl.v_vars(), cl.size()};
    t.absorb_u64s(kRankLabelFactorGroups, factor_shape);
    t.absorb_digests(kRankLabelUCommitment, u[c].cap.nodes);
    t.absorb_digests(kRankLabelVCommitment, v[c].cap.nodes);
    const std::uint64_t block_shape[] = {cl.num_vars, cl.block_vars, 2 * cl.size()};
    t.absorb_u64s(kRankLabelBlockGroup, block_shape);
    t.absorb_digests(kRankLabelBlockCommitment, blocks[c].cap.nodes);
  }
  std::vector<std::uint64_t> disclosed;
  for (const NormStatistic& d : disclosures) {
    disclosed.push_back(d.high);
    disclosed.push_back(d.low);
  }
  t.absorb_u64s(kRankLabelDisclosed, disclosed);
}

std::vector<Fp3> rank_block_point(crypto::Transcript& t, const RankClassLayout& cls) {
  std::vector<Fp3> r(cls.block_vars);
  for (Fp3& x : r) x = t.challenge_fp3(kRankLabelBlockPoint);
  return r;
}

crypto::SumcheckStatement rank_residual_statement(const RankClassLayout& cls,
                                                  std::span<const NormStatistic> disclosures) {
  crypto::SumcheckStatement s;
  s.num_vars = cls.num_vars;
  s.num_polys = rank_residual_poly(cls.size(), 0);
  const Fp copies = Fp::from_u64(std::uint64_t{1} << (cls.num_vars - cls.block_vars));  // 2^(n-m)
  const Fp c_inv = copies.inverse();
  const std::uint32_t e = kRankEqPoly;
  for (std::size_t j = 0; j < cls.size(); ++j) {
    const NormStatistic& d = disclosures[cls.claims[j]];
    const std::uint32_t r = rank_residual_poly(j, kRankResidualPoly), hi = rank_residual_poly(j, kRankHiPoly),
                        lo = rank_residual_poly(j, kRankLoPoly);
    crypto::SumcheckClaim a;
    a.terms.push_back(term(Fp::one(), {e, r, r}));
    a.terms.push_back(term(-(c_inv * Fp::from_u64(std::uint64_t{1} << kNormLimbShift)), {e, hi}));
    a.terms.push_back(term(-c_inv, {e, lo}));
    a.sum = Fp3::zero();
    s.claims.push_back(std::move(a));
    s.claims.push_back({{term(Fp::one(), {hi})}, Fp3(copies * Fp::from_u64(d.high))});
    s.claims.push_back({{term(Fp::one(), {lo})}, Fp3(copies * Fp::from_u64(d.low))});
  }
  return s;
}

std::vector<Fp3> rank_product_values(const RankBatchLayout& layout, const RankClassLayout& cls, RankClaims claims,
                                     std::span<const std::vector<Fp3>> opened,
                                     std::span<const Fp3> residual_evaluations) {
  std::vector<Fp3> out;
  for (std::size_t j = 0; j < cls.size(); ++j) {
    const std::size_t i = cls.claims[j];
    const OpenedModelValues v = opened_model_values(opened, cls, layout.claims[i]);
    const Fp3 shift(Fp::from_u64(std::uint64_t{1} << claims[i].shift));
    out.push_back(shift * (v.candidate - v.base) - residual_evaluations[rank_residual_poly(j, kRankResidualPoly)]);
  }
  return out;
}

crypto::SumcheckStatement rank_factor_statement(const RankClassLayout& cls, std::span<const Fp3> product_values) {
  crypto::SumcheckStatement s;
  s.num_vars = cls.factor_vars();
  s.num_polys = rank_factor_poly(cls, cls.size(), 0);
  for (std::size_t j = 0; j < cls.size(); ++j) {
    std::vector<std::uint32_t> factors = {rank_factor_poly(cls, j, kRankUPoly), rank_factor_poly(cls, j, kRankVPoly),
                                          rank_factor_poly(cls, j, kRankIndicatorPoly)};
    if (cls.head_vars > 0) factors.push_back(rank_factor_poly(cls, j, kRankHeadPoly));
    crypto::SumcheckClaim a;
    a.terms.push_back(term(Fp::one(), std::move(factors)));
    a.sum = product_values[j];
    s.claims.push_back(std::move(a));
  }
  return s;
}

Fp3 rank_indicator_eval(std::uint32_t rank, std::span<const Fp3> kappa) {
  const std::vector<Fp3> eq = crypto::eq_table(kappa);
  Fp3 s = Fp3::zero();
  for (std::size_t k = 0; k < rank && k < eq.size(); ++k) s += eq[k];
  return s;
}

std::vector<Fp> rank_indicator_table(const RankClassLayout& cls, std::uint32_t rank) {
  const std::size_t kw = std::size_t{1} << cls.rank_vars;
  std::vector<Fp> t(std::size_t{1} << cls.factor_vars(), Fp::zero());
  for (std::size_t x = 0; x < t.size(); ++x) t[x] = (x & (kw - 1)) < rank ? Fp::one() : Fp::zero();
  return t;
}

std::span<const Fp3> rank_head_point(const RankClassLayout& cls, std::span<const Fp3> rho) {
  if (cls.head_axis == RankHeadAxis::kCols) return rho.subspan(cls.log_cols - cls.head_vars, cls.head_vars);
  return rho.subspan(cls.log_cols + cls.log_rows - cls.head_vars, cls.head_vars);  // kRows, or empty
}

std::vector<Fp3> rank_head_table(const RankClassLayout& cls, std::span<const Fp3> rho_h) {
  const std::vector<Fp3> eq = crypto::eq_table(rho_h);
  const std::size_t kw = std::size_t{1} << cls.rank_vars;
  std::vector<Fp3> t(std::size_t{1} << cls.factor_vars());
  for (std::size_t x = 0; x < t.size(); ++x) t[x] = eq[x / kw];
  return t;
}

std::vector<Fp3> rank_u_point(const RankClassLayout& cls, std::span<const Fp3> factor_point, std::span<const Fp3> rho) {
  const std::span<const Fp3> kappa = factor_point.first(cls.rank_vars), eta = factor_point.subspan(cls.rank_vars);
  const std::span<const Fp3> rho_row = rho.subspan(cls.log_cols, cls.log_rows);
  std::vector<Fp3> z(kappa.begin(), kappa.end());
  if (cls.head_axis == RankHeadAxis::kCols) {
    z.insert(z.end(), eta.begin(), eta.end());
    z.insert(z.end(), rho_row.begin(), rho_row.end());
  } else {
    z.insert(z.end(), rho_row.begin(), rho_row.end() - cls.head_vars);
    z.insert(z.end(), eta.begin(), eta.end());
  }
  return z;
}

std::vector<Fp3> rank_v_point(const RankClassLayout& cls, std::span<const Fp3> factor_point, std::span<const Fp3> rho) {
  const std::span<const Fp3> kappa = factor_point.first(cls.rank_vars), eta = factor_point.subspan(cls.rank_vars);
  const std::span<const Fp3> rho_col = rho.first(cls.log_cols);
  std::vector<Fp3> z(kappa.begin(), kappa.end());
  if (cls.head_axis == RankHeadAxis::kCols) {
    z.insert(z.end(), rho_col.begin(), rho_col.end() - cls.head_vars);
    z.insert(z.end(), eta.begin(), eta.end());
  } else {
    z.insert(z.end(), eta.begin(), eta.end());
    z.insert(z.end(), rho_col.begin(), rho_col.end());
  }
  return z;
}

}  // namespace fti::drift

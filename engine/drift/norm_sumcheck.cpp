#include "engine/drift/norm_sumcheck.h"

#include <cstdint>

#include "engine/crypto/multilinear.h"

namespace fti::drift {
namespace {

using crypto::Fp;
using crypto::Fp3;
using crypto::SumcheckTerm;

SumcheckTerm term(Fp3 coefficient, std::vector<std::uint32_t> factors) { return {coefficient, std::move(factors)}; }

std::uint32_t u32(std::size_t x) { return static_cast<std::uint32_t>(x); }

}  // namespace

crypto::SumcheckStatement norm_class_statement(const NormLayout& layout, std::size_t c,
                                               const NormDisclosure& disclosure) {
  const NormClassLayout& cl = layout.classes[c];
  crypto::SumcheckStatement st;
  st.num_vars = cl.num_vars;
  st.num_polys = u32(1 + 2 * cl.tensors.size() + cl.num_block_polys());
  const Fp copies = Fp::from_u64(std::uint64_t{1} << (cl.num_vars - cl.block_vars));  // 2^(n-m)
  const Fp c_inv = copies.inverse();
  const Fp shift = Fp::from_u64(std::uint64_t{1} << kNormLimbShift);
  const std::uint32_t e = u32(kNormEqPoly);
  for (const std::size_t i : cl.items) {
    const NormItemLayout& item = layout.items[i];
    const std::size_t pos = layout.tensors[item.tensor].position;
    const std::uint32_t b = u32(norm_base_poly(pos));
    const std::uint32_t cand = u32(norm_candidate_poly(pos));
    const std::uint32_t hi = u32(norm_block_poly(cl, item.block_poly));
    const std::uint32_t lo = hi + 1;
    crypto::SumcheckClaim a;
    if (item.claim == NormClaim::kDeltaSquares) {
      a.terms.push_back(term(Fp3::one(), {e, cand, cand}));
      a.terms.push_back(term(-Fp3(Fp::from_u64(2)), {e, cand, b}));
    }
    a.terms.push_back(term(Fp3::one(), {e, b, b}));
    a.terms.push_back(term(-Fp3(c_inv * shift), {e, hi}));
    a.terms.push_back(term(-Fp3(c_inv), {e, lo}));
    a.sum = Fp3::zero();
    st.claims.push_back(std::move(a));
    const NormStatistic& s = disclosure.items[i];
    st.claims.push_back({{term(Fp3::one(), {hi})}, Fp3(copies * Fp::from_u64(s.high))});
    st.claims.push_back({{term(Fp3::one(), {lo})}, Fp3(copies * Fp::from_u64(s.low))});
  }
  return st;
}

void norm_class_tables(const NormLayout& layout, std::size_t c, std::span<const Fp3> block_point,
                       std::span<const std::span<const Fp>> base_tables,
                       std::span<const std::span<const Fp>> candidate_tables, std::span<const std::vector<Fp>> hi,
                       std::span<const std::vector<Fp>> lo, NormClassTables& out) {
  const NormClassLayout& cl = layout.classes[c];
  const std::size_t size = std::size_t{1} << cl.num_vars;
  const std::size_t mask = (std::size_t{1} << cl.block_vars) - 1;
  const std::vector<Fp3> eq = crypto::eq_table(block_point.first(cl.block_vars));
  out.eq.resize(size);
  for (std::size_t x = 0; x < size; ++x) out.eq[x] = eq[x & mask];
  out.limbs.clear();
  for (const std::size_t i : cl.items) {
    for (const std::vector<Fp>* limb : {&hi[i], &lo[i]}) {
      std::vector<Fp> ext(size);
      for (std::size_t x = 0; x < size; ++x) ext[x] = (*limb)[x & mask];
      out.limbs.push_back(std::move(ext));
    }
  }
  out.refs.clear();
  out.refs.emplace_back(std::span<const Fp3>(out.eq));
  for (const std::size_t t : cl.tensors) {
    out.refs.emplace_back(base_tables[t]);
    out.refs.emplace_back(candidate_tables[t]);
  }
  for (const std::vector<Fp>& limb : out.limbs) out.refs.emplace_back(std::span<const Fp>(limb));
}

}  // namespace fti::drift

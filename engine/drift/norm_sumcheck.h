// The sumcheck of one size class (docs/PROTOCOL.md, section 10.3.4).
//
// Over the class's n variables, polynomials (index order):
//   0                 E(x) = eq(r_blk[0..m), x_<m)      (the block point, periodically extended)
//   1 + 2p, 2 + 2p    B_p, C_p: base and candidate tables of the class's p-th tensor
//   1 + 2T + q, +1    hi_q(x_<m), lo_q(x_<m): block-sum limbs of the class's items (q = block_poly)
// and per item, with c = 2^-(n-m), three claims:
//   (a) sum_x E (C - B)^2 - c 2^32 E hi - c E lo = 0     (S item; E B^2 for a Q item)
//   (b) sum_x hi = 2^(n-m) H
//   (c) sum_x lo = 2^(n-m) L
// (a) is sum_j eq(r_blk, j) (s_j - 2^32 hi_j - lo_j) = 0 with s_j the true
// block sums: a multilinear polynomial in r_blk that is zero only if every
// block identity holds (or r_blk hits a root). Degree 3.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/norm_disclosure.h"
#include "engine/drift/norm_layout.h"

namespace fti::drift {

inline constexpr std::size_t kNormEqPoly = 0;
inline std::size_t norm_base_poly(std::size_t position) { return 1 + 2 * position; }
inline std::size_t norm_candidate_poly(std::size_t position) { return 2 + 2 * position; }
inline std::size_t norm_block_poly(const NormClassLayout& cl, std::size_t block_poly) {
  return 1 + 2 * cl.tensors.size() + block_poly;
}

// The statement of class c, claimed sums from the disclosed H and L.
crypto::SumcheckStatement norm_class_statement(const NormLayout& layout, std::size_t c,
                                               const NormDisclosure& disclosure);

// The prover's tables of class c for sumcheck_prove_with, the same round
// polynomials (hence proof bytes) as sumcheck_prove over the periodically
// extended tables at a fraction of the work and memory (tests compare the two): E and the limbs depend on the block
// variables x_0..x_{m-1} only and stay at 2^m entries; the a-claims' squares
// are summed in the base field at round 0, per tensor and residue class of
// the pair index, before their weights and E multiply the 2^m sums.
class NormClassSumcheck final : public crypto::SumcheckTables {
 public:
  // B and C per statement tensor (borrowed until the first bind); hi and lo
  // per item, 2^m entries each.
  NormClassSumcheck(const NormLayout& layout, std::size_t c, std::span<const crypto::Fp3> block_point,
                    std::span<const std::span<const crypto::Fp>> base_tables,
                    std::span<const std::span<const crypto::Fp>> candidate_tables,
                    std::span<const std::vector<crypto::Fp>> hi, std::span<const std::vector<crypto::Fp>> lo);

  std::vector<crypto::Fp3> round_values(unsigned round, std::span<const crypto::Fp3> claim_weights) override;
  void bind(const crypto::Fp3& r) override;
  std::vector<crypto::Fp3> final_evaluations() const override;

 private:
  struct Item {
    std::size_t position = 0;  // the tensor's position in the class
    bool delta = true;         // (C - B)^2, else B^2
    std::vector<crypto::Fp3> hi, lo;
  };
  unsigned num_vars_ = 0, bound_ = 0;
  crypto::Fp limb_weight_hi_, limb_weight_lo_;  // shift / 2^(n-m), 1 / 2^(n-m)
  std::vector<crypto::Fp3> eq_;                  // 2^max(m - bound, 0) entries
  std::vector<Item> items_;
  std::vector<std::span<const crypto::Fp>> base_in_, candidate_in_;  // before the first bind
  std::vector<std::vector<crypto::Fp3>> base_, candidate_;           // after it
};

}  // namespace fti::drift

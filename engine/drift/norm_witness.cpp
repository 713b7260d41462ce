#include "engine/drift/norm_witness.h"

#include <oneapi/tbb/parallel_for.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "engine/commitment/fixed_point.h"
#include "engine/common/error.h"
#include "engine/drift/drift_shared.h"

namespace fti::drift {
namespace {

using crypto::Fp;

}  // namespace

NormTables norm_tables(const commitment::ModelCommitment& base,
                       std::span<const crypto::BasefoldProverData* const> base_groups,
                       const commitment::ModelCommitment& candidate,
                       std::span<const crypto::BasefoldProverData* const> candidate_groups, const NormLayout& layout) {
  NormTables out;
  for (const NormTensorLayout& t : layout.tensors) {
    out.base.push_back(committed_table(base, base_groups, t.base_group, t.base_poly, "norm proof", "base"));
    out.candidate.push_back(committed_table(candidate, candidate_groups, t.candidate_group, t.candidate_poly, "norm proof", "candidate"));
  }
  return out;
}

NormWitness norm_witness(const commitment::ModelCommitment& base, const NormLayout& layout, const NormTables& tables) {
  NormWitness w;
  w.items.resize(layout.items.size());
  w.disclosure.items.resize(layout.items.size());
  for (std::size_t i = 0; i < layout.items.size(); ++i) {
    const NormItemLayout& item = layout.items[i];
    const NormTensorLayout& tl = layout.tensors[item.tensor];
    const unsigned m = layout.classes[item.size_class].block_vars;
    const std::size_t blocks = std::size_t{1} << m;
    const std::size_t per_block = std::size_t{1} << (tl.num_vars - m);
    const std::span<const Fp> b = tables.base[item.tensor];
    const std::span<const Fp> c = tables.candidate[item.tensor];
    const bool delta = item.claim == NormClaim::kDeltaSquares;
    NormItemWitness& iw = w.items[i];
    iw.hi.resize(blocks);
    iw.lo.resize(blocks);
    std::atomic<std::size_t> bad{SIZE_MAX};
    tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t j) {
      // s_j < 2^15 * 2^48 = 2^63: exact in 64 bits.
      std::uint64_t s = 0;
      for (std::size_t k = 0; k < per_block; ++k) {
        const std::size_t x = j + (k << m);
        std::int64_t vb = 0, vc = 0;
        if (!encoded_value(b[x], vb) || (delta && !encoded_value(c[x], vc))) {
          std::size_t expected = SIZE_MAX;
          bad.compare_exchange_strong(expected, x);
          return;
        }
        const std::int64_t d = delta ? vc - vb : vb;
        s += static_cast<std::uint64_t>(d * d);
      }
      iw.hi[j] = Fp::from_u64(s >> kNormLimbShift);
      iw.lo[j] = Fp::from_u64(s & ((std::uint64_t{1} << kNormLimbShift) - 1));
    });
    if (bad.load() != SIZE_MAX) {
      throw Error(ErrorCode::kInput, "norm proof: tensor " + quote_untrusted(base.tensors[tl.base_index].name) +
                                         ": table entry " + std::to_string(bad.load()) +
                                         " is not an encoded value (|v| < 2^23)");
    }
    NormStatistic& st = w.disclosure.items[i];
    for (std::size_t j = 0; j < blocks; ++j) {
      st.high += iw.hi[j].value();
      st.low += iw.lo[j].value();
    }
  }
  return w;
}

std::vector<crypto::BasefoldProverData> norm_commit_blocks(const crypto::BasefoldParams& params,
                                                           const NormLayout& layout, const NormWitness& witness) {
  std::vector<crypto::BasefoldProverData> out;
  for (const NormClassLayout& cl : layout.classes) {
    std::vector<std::vector<Fp>> tables;
    for (const std::size_t i : cl.items) {
      tables.push_back(witness.items[i].hi);
      tables.push_back(witness.items[i].lo);
    }
    out.push_back(crypto::basefold_commit(params, std::move(tables)));
  }
  return out;
}

}  // namespace fti::drift

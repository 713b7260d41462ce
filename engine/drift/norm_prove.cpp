// The norm prover (docs/PROTOCOL.md, section 10.3.8): steps 1-8 of 10.3.3.
#include <string>

#include "engine/common/error.h"
#include "engine/crypto/basefold.h"
#include "engine/crypto/range.h"
#include "engine/crypto/sumcheck.h"
#include "engine/drift/norm.h"
#include "engine/drift/norm_sumcheck.h"
#include "engine/drift/norm_transcript.h"

namespace fti::drift {

std::vector<crypto::RangeValueSource> norm_range_sources(const NormLayout& layout,
                                                         std::span<const crypto::BasefoldProverData> block_groups) {
  std::vector<crypto::RangeValueSource> out;
  for (const NormItemLayout& item : layout.items) {
    out.push_back({&block_groups[item.size_class], item.block_poly});
    out.push_back({&block_groups[item.size_class], item.block_poly + 1});
  }
  return out;
}

NormProverOutput prove_norms(const commitment::ModelCommitment& base,
                             std::span<const crypto::BasefoldProverData* const> base_groups,
                             const commitment::ModelCommitment& candidate,
                             std::span<const crypto::BasefoldProverData* const> candidate_groups,
                             const NormStatement& statement, crypto::Transcript& transcript) {
  const NormLayout layout = layout_or_throw<NormLayout>(base, candidate, statement, "norm proof");
  const NormTables tables = norm_tables(base, base_groups, candidate, candidate_groups, layout);
  const NormWitness witness = norm_witness(base, layout, tables);
  const std::vector<crypto::BasefoldProverData> blocks = norm_commit_blocks(base.params, layout, witness);
  const std::vector<crypto::RangeValueSource> sources = norm_range_sources(layout, blocks);
  const crypto::RangeProverData range =
      crypto::range_commit(base.params, norm_range_statement(layout, statement), sources);
  return prove_norms_with(base, base_groups, candidate, candidate_groups, statement, layout, tables, witness, blocks,
                          range, transcript);
}

NormProverOutput prove_norms_with(const commitment::ModelCommitment& base,
                                  std::span<const crypto::BasefoldProverData* const> base_groups,
                                  const commitment::ModelCommitment& candidate,
                                  std::span<const crypto::BasefoldProverData* const> candidate_groups,
                                  const NormStatement& statement, const NormLayout& layout, const NormTables& tables,
                                  const NormWitness& witness,
                                  std::span<const crypto::BasefoldProverData> block_groups,
                                  const crypto::RangeProverData& range, crypto::Transcript& transcript) {
  NormProverOutput out;
  out.disclosure = witness.disclosure;
  for (const crypto::BasefoldProverData& b : block_groups) out.proof.block_commitments.push_back(b.commitment());

  norm_absorb_statement(transcript, base, candidate, statement, layout);
  norm_absorb_blocks(transcript, layout, out.proof.block_commitments, out.disclosure);
  const std::vector<crypto::Fp3> block_point = norm_block_point(transcript, layout);

  std::vector<std::vector<crypto::Fp>> hi, lo;
  for (const NormItemWitness& iw : witness.items) {
    hi.push_back(iw.hi);
    lo.push_back(iw.lo);
  }
  for (std::size_t c = 0; c < layout.classes.size(); ++c) {
    const NormClassLayout& cl = layout.classes[c];
    NormClassProof cp;
    const crypto::SumcheckStatement st = norm_class_statement(layout, c, out.disclosure);
    NormClassSumcheck sumcheck_tables(layout, c, block_point, tables.base, tables.candidate, hi, lo);
    crypto::SumcheckProverOutput sc = crypto::sumcheck_prove_with(st, sumcheck_tables, transcript);
    cp.sumcheck = std::move(sc.proof);
    std::vector<const crypto::BasefoldProverData*> groups;
    for (const std::uint32_t g : cl.base_groups) groups.push_back(base_groups[g]);
    for (const std::uint32_t g : cl.candidate_groups) groups.push_back(candidate_groups[g]);
    groups.push_back(&block_groups[c]);
    crypto::BasefoldOpening opening = crypto::basefold_open(groups, sc.point, transcript);
    cp.opened_values = std::move(opening.values);
    cp.opening = std::move(opening.proof);
    out.proof.classes.push_back(std::move(cp));
  }
  out.proof.range = crypto::range_prove(range, transcript);
  return out;
}

}  // namespace fti::drift

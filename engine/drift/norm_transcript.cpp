#include "engine/drift/norm_transcript.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "engine/drift/drift_shared.h"

namespace fti::drift {

void norm_absorb_statement(crypto::Transcript& t, const commitment::ModelCommitment& base,
                           const commitment::ModelCommitment& candidate, const NormStatement& statement,
                           const NormLayout& layout) {
  const auto* id = reinterpret_cast<const std::uint8_t*>(kNormProtocolId.data());
  t.absorb_bytes(kNormLabelProtocol, std::span(id, kNormProtocolId.size()));
  const crypto::BasefoldParams& p = base.params;
  // The block size first, then what every drift proof absorbs (drift_shared.h).
  const std::array<std::uint64_t, 12> shared = block_limb_params(statement.range_limb_bits, p);
  std::array<std::uint64_t, 13> params{kNormBlockVars};
  std::copy(shared.begin(), shared.end(), params.begin() + 1);
  t.absorb_u64s(kNormLabelParams, params);
  t.absorb_digest(kNormLabelBaseRoot, base.root);
  t.absorb_digest(kNormLabelCandidateRoot, candidate.root);
  t.absorb_u64(kNormLabelNumTensors, statement.tensors.size());
  for (std::size_t i = 0; i < statement.tensors.size(); ++i) {
    const NormTensor& nt = statement.tensors[i];
    const NormTensorLayout& tl = layout.tensors[i];
    const std::string& name = base.tensors[tl.base_index].name;
    t.absorb_bytes(kNormLabelTensorName,
                   std::span(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()));
    const std::uint64_t fields[] = {tl.base_index,
                                    tl.candidate_index,
                                    tl.num_vars,
                                    static_cast<std::uint64_t>(static_cast<std::int64_t>(base.tensors[tl.base_index].scale)),
                                    nt.base_squares ? 1u : 0u,
                                    static_cast<std::uint64_t>(nt.bound.kind),
                                    static_cast<std::uint64_t>(nt.bound.max_delta_squares >> 64),
                                    static_cast<std::uint64_t>(nt.bound.max_delta_squares),
                                    nt.bound.num,
                                    nt.bound.den};
    t.absorb_u64s(kNormLabelTensor, fields);
  }
}

void norm_absorb_blocks(crypto::Transcript& t, const NormLayout& layout,
                        std::span<const crypto::BasefoldCommitment> block_commitments,
                        const NormDisclosure& disclosure) {
  for (std::size_t c = 0; c < layout.classes.size(); ++c) {
    const NormClassLayout& cl = layout.classes[c];
    const std::uint64_t shape[] = {cl.num_vars, cl.block_vars, cl.num_block_polys()};
    t.absorb_u64s(kNormLabelBlockGroup, shape);
    t.absorb_digests(kNormLabelBlockCommitment, block_commitments[c].cap.nodes);
  }
  std::vector<std::uint64_t> disclosed;
  disclosed.reserve(2 * disclosure.items.size());
  for (const NormStatistic& s : disclosure.items) {
    disclosed.push_back(s.high);
    disclosed.push_back(s.low);
  }
  t.absorb_u64s(kNormLabelDisclosed, disclosed);
}

std::vector<crypto::Fp3> norm_block_point(crypto::Transcript& t, const NormLayout& layout) {
  std::vector<crypto::Fp3> r(layout.max_block_vars);
  for (crypto::Fp3& x : r) x = t.challenge_fp3(kNormLabelBlockPoint);
  return r;
}

}  // namespace fti::drift

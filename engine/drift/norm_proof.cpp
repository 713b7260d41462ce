#include "engine/drift/norm_proof.h"

#include <exception>

#include "engine/crypto/bytes.h"
#include "engine/crypto/proof_reader.h"
#include "engine/drift/drift_shared.h"

namespace fti::drift {
namespace {

using crypto::ByteWriter;
using crypto::ProofReader;
using crypto::Status;

DriftResult malformed(Status detail) { return {DriftStatus::kMalformed, detail}; }

}  // namespace

std::vector<crypto::BasefoldGroupShape> norm_opening_shapes(const commitment::ModelCommitment& base,
                                                            const commitment::ModelCommitment& candidate,
                                                            const NormLayout& layout, std::size_t c) {
  const NormClassLayout& cl = layout.classes[c];
  std::vector<crypto::BasefoldGroupShape> shapes = model_group_shapes(base, candidate, cl.base_groups, cl.candidate_groups);
  shapes.push_back({cl.block_vars, cl.num_block_polys()});
  return shapes;
}

std::vector<crypto::RangeValueBinding> norm_range_bindings(const NormLayout& layout,
                                                           std::span<const crypto::BasefoldCommitment> blocks) {
  std::vector<crypto::RangeValueBinding> out;
  for (const NormItemLayout& item : layout.items) {
    out.push_back({blocks[item.size_class], item.block_poly});
    out.push_back({blocks[item.size_class], item.block_poly + 1});
  }
  return out;
}

std::vector<std::uint8_t> NormProof::serialize() const {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(block_commitments.size()));
  for (const crypto::BasefoldCommitment& b : block_commitments) crypto::write_blob(w, b.serialize());
  for (const NormClassProof& c : classes) {
    crypto::write_blob(w, c.sumcheck.serialize());
    write_opening(w, c.opened_values, c.opening);
  }
  crypto::write_blob(w, range.serialize());
  return std::move(w).take();
}

DriftResult NormProof::parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                             const commitment::ModelCommitment& candidate, const NormStatement& statement,
                             const NormLayout& layout, NormProof& out) {
  try {
    out = NormProof{};
    const crypto::BasefoldParams& params = base.params;
    ProofReader r(bytes);
    const std::size_t classes = layout.classes.size();
    if (!r.exact_count(classes, Status::kMalformed)) return malformed(r.status());
    for (std::size_t c = 0; c < classes; ++c) {
      const auto blob = r.blob(r.remaining());
      if (!blob) return malformed(r.status());
      crypto::BasefoldCommitment b;
      if (const Status s = crypto::BasefoldCommitment::parse(*blob, params, b); s != Status::kOk) return malformed(s);
      const NormClassLayout& cl = layout.classes[c];
      if (b.num_vars != cl.block_vars || b.num_polys != cl.num_block_polys()) return malformed(Status::kWrongLength);
      out.block_commitments.push_back(std::move(b));
    }
    for (std::size_t c = 0; c < classes; ++c) {
      NormClassProof cp;
      const auto sum_blob = r.blob(r.remaining());
      if (!sum_blob) return malformed(r.status());
      if (const Status s = crypto::SumcheckProof::parse(*sum_blob, cp.sumcheck); s != Status::kOk) return malformed(s);
      const std::vector<crypto::BasefoldGroupShape> shapes = norm_opening_shapes(base, candidate, layout, c);
      if (const Status s = read_opening(r, params, shapes, cp.opened_values, cp.opening); s != Status::kOk) {
        return malformed(s);
      }
      out.classes.push_back(std::move(cp));
    }
    const auto range_blob = r.blob(r.remaining());
    if (!range_blob) return malformed(r.status());
    const crypto::RangeStatement range_statement = norm_range_statement(layout, statement);
    const std::vector<crypto::RangeValueBinding> bindings = norm_range_bindings(layout, out.block_commitments);
    if (const Status s = crypto::RangeProof::parse(*range_blob, params, range_statement, bindings, out.range);
        s != Status::kOk) {
      return malformed(s);
    }
    if (!r.done()) return malformed(Status::kMalformed);
    return {};
  } catch (const std::exception&) {
    // Allocation failure or a nested routine refusing a shape: never an acceptance.
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

}  // namespace fti::drift

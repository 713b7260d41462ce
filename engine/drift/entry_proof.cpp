#include "engine/drift/entry_proof.h"

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

std::vector<crypto::BasefoldGroupShape> entry_opening_shapes(const commitment::ModelCommitment& base,
                                                             const commitment::ModelCommitment& candidate,
                                                             const EntryLayout& layout, std::size_t c) {
  const EntryClassLayout& cl = layout.classes[c];
  std::vector<crypto::BasefoldGroupShape> shapes = model_group_shapes(base, candidate, cl.base_groups, cl.candidate_groups);
  shapes.push_back({cl.num_vars, cl.witness_polys});
  return shapes;
}

std::vector<crypto::RangeValueBinding> entry_range_bindings(const EntryLayout& layout,
                                                            std::span<const crypto::BasefoldCommitment> witnesses) {
  std::vector<crypto::RangeValueBinding> out;
  for (const EntryClaimLayout& l : layout.claims) {
    if (!l.has_max_abs()) continue;
    out.push_back({witnesses[l.size_class], l.abs_poly});
    out.push_back({witnesses[l.size_class], l.abs_poly + 1});
  }
  return out;
}

std::vector<std::uint8_t> EntryProof::serialize(const EntryLayout& layout) const {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(witness_commitments.size()));
  for (const crypto::BasefoldCommitment& c : witness_commitments) crypto::write_blob(w, c.serialize());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const EntryClassProof& p = classes[c];
    if (c < layout.classes.size() && !layout.classes[c].count_claims.empty()) {
      crypto::write_blob(w, p.sumcheck.serialize());
    }
    write_opening(w, p.opened_values, p.opening);
  }
  if (layout.abs_claims > 0) crypto::write_blob(w, range.serialize());
  return std::move(w).take();
}

DriftResult EntryProof::parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                              const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                              const EntryLayout& layout, EntryProof& out) {
  try {
    out = EntryProof{};
    const crypto::BasefoldParams& params = base.params;
    ProofReader r(bytes);
    if (!r.exact_count(layout.classes.size(), Status::kWrongLength)) return malformed(r.status());
    for (const EntryClassLayout& cl : layout.classes) {
      const auto blob = r.blob(r.remaining());
      if (!blob) return malformed(r.status());
      crypto::BasefoldCommitment c;
      if (const Status s = crypto::BasefoldCommitment::parse(*blob, params, c); s != Status::kOk) return malformed(s);
      if (c.num_vars != cl.num_vars || c.num_polys != cl.witness_polys) return malformed(Status::kWrongLength);
      out.witness_commitments.push_back(std::move(c));
    }
    for (std::size_t c = 0; c < layout.classes.size(); ++c) {
      EntryClassProof p;
      if (!layout.classes[c].count_claims.empty()) {
        const auto blob = r.blob(r.remaining());
        if (!blob) return malformed(r.status());
        if (const Status s = crypto::SumcheckProof::parse(*blob, p.sumcheck); s != Status::kOk) return malformed(s);
      }
      const std::vector<crypto::BasefoldGroupShape> shapes = entry_opening_shapes(base, candidate, layout, c);
      if (const Status s = read_opening(r, params, shapes, p.opened_values, p.opening); s != Status::kOk) {
        return malformed(s);
      }
      out.classes.push_back(std::move(p));
    }
    if (layout.abs_claims > 0) {
      const auto blob = r.blob(r.remaining());
      if (!blob) return malformed(r.status());
      if (const Status s = crypto::RangeProof::parse(*blob, params, entry_range_statement(layout, statement),
                                                     entry_range_bindings(layout, out.witness_commitments), out.range);
          s != Status::kOk) {
        return malformed(s);
      }
    }
    if (!r.done()) return malformed(Status::kMalformed);
    return {};
  } catch (const std::exception&) {
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

}  // namespace fti::drift

#include "engine/drift/entry_proof.h"

#include <exception>

#include "engine/crypto/bytes.h"
#include "engine/crypto/proof_reader.h"

namespace fti::drift {
namespace {

using crypto::ByteWriter;
using crypto::ProofReader;
using crypto::Status;

DriftResult malformed(Status detail) { return {DriftStatus::kMalformed, detail}; }

}  // namespace

std::vector<crypto::BasefoldGroupShape> entry_opening_shapes(const commitment::ModelCommitment& base,
                                                             const commitment::ModelCommitment& candidate,
                                                             const EntryLayout& layout) {
  return {{base.groups[layout.base_group].num_vars, base.groups[layout.base_group].num_polys},
          {candidate.groups[layout.candidate_group].num_vars, candidate.groups[layout.candidate_group].num_polys},
          {layout.num_vars, layout.witness_polys}};
}

std::vector<crypto::RangeValueBinding> entry_range_bindings(const crypto::BasefoldCommitment& witness) {
  return {{witness, 0}, {witness, 1}};
}

std::vector<std::uint8_t> EntryProof::serialize(const EntryStatement& statement) const {
  ByteWriter w;
  crypto::write_blob(w, witness_commitment.serialize());
  if (statement.count) crypto::write_blob(w, sumcheck.serialize());
  w.u32(static_cast<std::uint32_t>(opened_values.size()));
  for (const std::vector<crypto::Fp3>& v : opened_values) crypto::write_counted_fp3s(w, v);
  crypto::write_blob(w, opening.serialize());
  if (statement.max_abs) crypto::write_blob(w, range.serialize());
  return std::move(w).take();
}

DriftResult EntryProof::parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                              const commitment::ModelCommitment& candidate, const EntryStatement& statement,
                              const EntryLayout& layout, EntryProof& out) {
  try {
    out = EntryProof{};
    const crypto::BasefoldParams& params = base.params;
    ProofReader r(bytes);
    {
      const auto blob = r.blob(r.remaining());
      if (!blob) return malformed(r.status());
      if (const Status s = crypto::BasefoldCommitment::parse(*blob, params, out.witness_commitment); s != Status::kOk) {
        return malformed(s);
      }
      if (out.witness_commitment.num_vars != layout.num_vars ||
          out.witness_commitment.num_polys != layout.witness_polys) {
        return malformed(Status::kWrongLength);
      }
    }
    if (statement.count) {
      const auto blob = r.blob(r.remaining());
      if (!blob) return malformed(r.status());
      if (const Status s = crypto::SumcheckProof::parse(*blob, out.sumcheck); s != Status::kOk) return malformed(s);
    }
    const std::vector<crypto::BasefoldGroupShape> shapes = entry_opening_shapes(base, candidate, layout);
    if (!r.exact_count(shapes.size(), Status::kWrongLength)) return malformed(r.status());
    for (const crypto::BasefoldGroupShape& shape : shapes) {
      std::vector<crypto::Fp3> values;
      if (!r.counted_fp3s(shape.num_polys, Status::kWrongLength, values)) return malformed(r.status());
      out.opened_values.push_back(std::move(values));
    }
    {
      const auto blob = r.blob(r.remaining());
      if (!blob) return malformed(r.status());
      if (const Status s = crypto::BasefoldProof::parse(*blob, params, shapes, out.opening); s != Status::kOk) {
        return malformed(s);
      }
    }
    if (statement.max_abs) {
      const auto blob = r.blob(r.remaining());
      if (!blob) return malformed(r.status());
      if (const Status s = crypto::RangeProof::parse(*blob, params, entry_range_statement(layout, statement),
                                                     entry_range_bindings(out.witness_commitment), out.range);
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

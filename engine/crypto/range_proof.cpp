#include "engine/crypto/range_proof.h"

#include <new>
#include <utility>

#include "engine/crypto/bytes.h"
#include "engine/crypto/proof_reader.h"

namespace fti::crypto {

std::vector<std::uint8_t> RangeReductionProof::serialize() const {
  ByteWriter w;
  write_blob(w, gkr.serialize());
  write_counted_fp3s(w, value_evaluations);
  write_counted_fp3s(w, limb_evaluations);
  const Fp3 m[1] = {multiplicity_evaluation};
  write_counted_fp3s(w, m);
  return std::move(w).take();
}

namespace {

// The reduction's fields from a reader positioned at its start.
Status read_reduction(ProofReader& r, const RangeStatement& statement, RangeReductionProof& out) {
  const RangeLayout layout = RangeLayout::make(statement);
  const auto gkr = r.blob(r.remaining());
  if (!gkr) return r.status();
  if (const Status s = LogupGkrProof::parse(*gkr, layout.instance_vars, out.gkr); s != Status::kOk) return s;
  std::vector<Fp3> m;
  if (!r.counted_fp3s(statement.vectors.size(), Status::kWrongLength, out.value_evaluations) ||
      !r.counted_fp3s(layout.num_committed_limbs, Status::kWrongLength, out.limb_evaluations) ||
      !r.counted_fp3s(1, Status::kWrongLength, m)) {
    return r.status();
  }
  out.multiplicity_evaluation = m[0];
  return Status::kOk;
}

}  // namespace

Status RangeReductionProof::parse(std::span<const std::uint8_t> bytes, const RangeStatement& statement,
                                  RangeReductionProof& out) {
  if (statement.check() != Status::kOk) return Status::kBadParameters;
  try {
    ProofReader r(bytes);
    RangeReductionProof p;
    if (const Status s = read_reduction(r, statement, p); s != Status::kOk) return s;
    if (!r.done()) return r.ok() ? Status::kMalformed : r.status();
    out = std::move(p);
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

RangeValueGroups range_value_groups(std::span<const BasefoldCommitment> commitments) {
  RangeValueGroups g;
  for (std::size_t j = 0; j < commitments.size(); ++j) {
    std::size_t found = g.first_vector.size();
    for (std::size_t u = 0; u < g.first_vector.size(); ++u) {
      if (commitments[g.first_vector[u]] == commitments[j]) {
        found = u;
        break;
      }
    }
    if (found == g.first_vector.size()) g.first_vector.push_back(j);
    g.group_of.push_back(found);
  }
  return g;
}

namespace {

std::vector<BasefoldCommitment> commitments_of(std::span<const RangeValueBinding> bindings) {
  std::vector<BasefoldCommitment> out;
  for (const RangeValueBinding& b : bindings) out.push_back(b.commitment);
  return out;
}

}  // namespace

std::vector<BasefoldGroupShape> range_opening_shapes(const RangeStatement& statement,
                                                     std::span<const RangeValueBinding> bindings) {
  const RangeLayout layout = RangeLayout::make(statement);
  std::vector<BasefoldGroupShape> shapes;
  const RangeValueGroups groups = range_value_groups(commitments_of(bindings));
  for (const std::size_t j : groups.first_vector) {
    shapes.push_back({bindings[j].commitment.num_vars, bindings[j].commitment.num_polys});
  }
  for (const RangeLimbGroup& g : layout.limb_groups) shapes.push_back({g.num_vars, g.num_polys});
  shapes.push_back({statement.limb_bits, 1});
  return shapes;
}

std::vector<std::uint8_t> RangeProof::serialize() const {
  ByteWriter w;
  write_blob(w, commitment.serialize());
  write_blob(w, reduction.serialize());
  w.u32(static_cast<std::uint32_t>(value_group_values.size()));
  for (const auto& v : value_group_values) write_counted_fp3s(w, v);
  write_blob(w, opening.serialize());
  return std::move(w).take();
}

Status RangeProof::parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params,
                         const RangeStatement& statement, std::span<const RangeValueBinding> bindings,
                         RangeProof& out) {
  if (statement.check() != Status::kOk || params.check() != Status::kOk ||
      bindings.size() != statement.vectors.size()) {
    return Status::kBadParameters;
  }
  for (const RangeValueBinding& b : bindings) {
    if (b.commitment.num_polys == 0 || b.commitment.num_polys > kMaxBasefoldPolys) return Status::kBadParameters;
  }
  try {
    ProofReader r(bytes);
    RangeProof p;
    const auto commitment = r.blob(r.remaining());
    if (!commitment) return r.status();
    if (const Status s = RangeCommitment::parse(*commitment, params, statement, p.commitment); s != Status::kOk) {
      return s;
    }
    const auto reduction = r.blob(r.remaining());
    if (!reduction) return r.status();
    if (const Status s = RangeReductionProof::parse(*reduction, statement, p.reduction); s != Status::kOk) return s;
    const RangeValueGroups groups = range_value_groups(commitments_of(bindings));
    if (!r.exact_count(groups.first_vector.size(), Status::kMalformed)) return r.status();
    p.value_group_values.resize(groups.first_vector.size());
    for (std::size_t u = 0; u < groups.first_vector.size(); ++u) {
      const std::size_t m = bindings[groups.first_vector[u]].commitment.num_polys;
      if (!r.counted_fp3s(m, Status::kWrongLength, p.value_group_values[u])) return r.status();
    }
    const auto opening = r.blob(r.remaining());
    if (!opening) return r.status();
    if (!r.done()) return r.ok() ? Status::kMalformed : r.status();
    const std::vector<BasefoldGroupShape> shapes = range_opening_shapes(statement, bindings);
    if (shapes.size() > kMaxBasefoldGroups) return Status::kBadParameters;
    if (const Status s = BasefoldProof::parse(*opening, params, shapes, p.opening); s != Status::kOk) return s;
    out = std::move(p);
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

}  // namespace fti::crypto

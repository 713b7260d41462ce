#include "engine/drift/rank_proof.h"

#include <exception>

#include "engine/crypto/bytes.h"
#include "engine/crypto/proof_reader.h"
#include "engine/drift/drift_shared.h"
#include "engine/drift/rank_layout.h"

namespace fti::drift {
namespace {

using crypto::ByteWriter;
using crypto::ProofReader;
using crypto::Status;

DriftResult malformed(Status detail) { return {DriftStatus::kMalformed, detail}; }

}  // namespace

std::vector<crypto::BasefoldGroupShape> rank_opening_shapes(const commitment::ModelCommitment& base,
                                                            const commitment::ModelCommitment& candidate,
                                                            const RankClassLayout& cls) {
  std::vector<crypto::BasefoldGroupShape> shapes = model_group_shapes(base, candidate, cls.base_groups,
                                                                      cls.candidate_groups);
  shapes.push_back({cls.block_vars, 2 * cls.size()});
  return shapes;
}

std::vector<crypto::RangeValueBinding> rank_range_bindings(const RankBatchLayout& layout,
                                                           std::span<const RankClassProof> classes) {
  std::vector<crypto::RangeValueBinding> out;
  for (const RankLayout& l : layout.claims) {
    const RankClassProof& c = classes[l.size_class];
    out.push_back({c.block_commitment, 2 * l.position});
    out.push_back({c.block_commitment, 2 * l.position + 1});
    out.push_back({c.u_commitment, l.position});
    out.push_back({c.v_commitment, l.position});
  }
  return out;
}

std::vector<std::uint8_t> RankProof::serialize() const {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(classes.size()));
  for (const RankClassProof& c : classes) {
    crypto::write_blob(w, c.u_commitment.serialize());
    crypto::write_blob(w, c.v_commitment.serialize());
    crypto::write_blob(w, c.block_commitment.serialize());
    crypto::write_blob(w, c.residual_sumcheck.serialize());
    write_opening(w, c.opened_values, c.residual_opening);
    crypto::write_blob(w, c.factor_sumcheck.serialize());
    crypto::write_blob(w, c.u_opening.serialize());
    crypto::write_blob(w, c.v_opening.serialize());
  }
  crypto::write_blob(w, range.serialize());
  return std::move(w).take();
}

DriftResult RankProof::parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                             const commitment::ModelCommitment& candidate, RankClaims claims,
                             const RankBatchLayout& layout, RankProof& out) {
  try {
    out = RankProof{};
    const crypto::BasefoldParams& params = base.params;
    ProofReader r(bytes);
    auto commitment = [&](crypto::BasefoldCommitment& c, unsigned n, std::size_t m) -> Status {
      const auto blob = r.blob(r.remaining());
      if (!blob) return r.status();
      if (const Status s = crypto::BasefoldCommitment::parse(*blob, params, c); s != Status::kOk) return s;
      if (c.num_vars != n || c.num_polys != m) return Status::kWrongLength;
      return Status::kOk;
    };
    auto sumcheck = [&](crypto::SumcheckProof& p) -> Status {
      const auto blob = r.blob(r.remaining());
      if (!blob) return r.status();
      return crypto::SumcheckProof::parse(*blob, p);
    };
    auto opening = [&](crypto::BasefoldProof& p, std::span<const crypto::BasefoldGroupShape> shapes) -> Status {
      const auto blob = r.blob(r.remaining());
      if (!blob) return r.status();
      return crypto::BasefoldProof::parse(*blob, params, shapes, p);
    };
    if (!r.exact_count(layout.classes.size(), Status::kWrongLength)) return malformed(r.status());
    out.classes.resize(layout.classes.size());
    for (std::size_t k = 0; k < layout.classes.size(); ++k) {
      const RankClassLayout& cl = layout.classes[k];
      RankClassProof& c = out.classes[k];
      if (const Status s = commitment(c.u_commitment, cl.u_vars(), cl.size()); s != Status::kOk) return malformed(s);
      if (const Status s = commitment(c.v_commitment, cl.v_vars(), cl.size()); s != Status::kOk) return malformed(s);
      if (const Status s = commitment(c.block_commitment, cl.block_vars, 2 * cl.size()); s != Status::kOk) {
        return malformed(s);
      }
      if (const Status s = sumcheck(c.residual_sumcheck); s != Status::kOk) return malformed(s);
      const std::vector<crypto::BasefoldGroupShape> shapes = rank_opening_shapes(base, candidate, cl);
      if (const Status s = read_opening(r, params, shapes, c.opened_values, c.residual_opening); s != Status::kOk) {
        return malformed(s);
      }
      if (const Status s = sumcheck(c.factor_sumcheck); s != Status::kOk) return malformed(s);
      const crypto::BasefoldGroupShape u_shape[] = {{cl.u_vars(), cl.size()}};
      const crypto::BasefoldGroupShape v_shape[] = {{cl.v_vars(), cl.size()}};
      if (const Status s = opening(c.u_opening, u_shape); s != Status::kOk) return malformed(s);
      if (const Status s = opening(c.v_opening, v_shape); s != Status::kOk) return malformed(s);
    }
    const auto range_blob = r.blob(r.remaining());
    if (!range_blob) return malformed(r.status());
    const crypto::RangeStatement range_statement = rank_range_statement(layout, claims);
    const std::vector<crypto::RangeValueBinding> bindings = rank_range_bindings(layout, out.classes);
    if (const Status s = crypto::RangeProof::parse(*range_blob, params, range_statement, bindings, out.range);
        s != Status::kOk) {
      return malformed(s);
    }
    if (!r.done()) return malformed(Status::kMalformed);
    return {};
  } catch (const std::exception&) {
    return {DriftStatus::kMalformed, Status::kBadParameters};
  }
}

}  // namespace fti::drift

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
                                                            const RankLayout& layout) {
  return {{base.groups[layout.base_group].num_vars, base.groups[layout.base_group].num_polys},
          {candidate.groups[layout.candidate_group].num_vars, candidate.groups[layout.candidate_group].num_polys},
          {layout.block_vars, 2}};
}

std::vector<crypto::RangeValueBinding> rank_range_bindings(const crypto::BasefoldCommitment& blocks,
                                                           const crypto::BasefoldCommitment& u,
                                                           const crypto::BasefoldCommitment& v) {
  return {{blocks, 0}, {blocks, 1}, {u, 0}, {v, 0}};
}

std::vector<std::uint8_t> RankProof::serialize() const {
  ByteWriter w;
  crypto::write_blob(w, u_commitment.serialize());
  crypto::write_blob(w, v_commitment.serialize());
  crypto::write_blob(w, block_commitment.serialize());
  crypto::write_blob(w, residual_sumcheck.serialize());
  write_opening(w, opened_values, residual_opening);
  crypto::write_blob(w, factor_sumcheck.serialize());
  crypto::write_blob(w, u_opening.serialize());
  crypto::write_blob(w, v_opening.serialize());
  crypto::write_blob(w, range.serialize());
  return std::move(w).take();
}

DriftResult RankProof::parse(std::span<const std::uint8_t> bytes, const commitment::ModelCommitment& base,
                             const commitment::ModelCommitment& candidate, const RankStatement& statement,
                             const RankLayout& layout, RankProof& out) {
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
    if (const Status s = commitment(out.u_commitment, layout.u_vars(), 1); s != Status::kOk) return malformed(s);
    if (const Status s = commitment(out.v_commitment, layout.v_vars(), 1); s != Status::kOk) return malformed(s);
    if (const Status s = commitment(out.block_commitment, layout.block_vars, 2); s != Status::kOk) return malformed(s);
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
    if (const Status s = sumcheck(out.residual_sumcheck); s != Status::kOk) return malformed(s);
    const std::vector<crypto::BasefoldGroupShape> shapes = rank_opening_shapes(base, candidate, layout);
    if (const Status s = read_opening(r, params, shapes, out.opened_values, out.residual_opening); s != Status::kOk) {
      return malformed(s);
    }
    if (const Status s = sumcheck(out.factor_sumcheck); s != Status::kOk) return malformed(s);
    const crypto::BasefoldGroupShape u_shape[] = {{layout.u_vars(), 1}};
    const crypto::BasefoldGroupShape v_shape[] = {{layout.v_vars(), 1}};
    if (const Status s = opening(out.u_opening, u_shape); s != Status::kOk) return malformed(s);
    if (const Status s = opening(out.v_opening, v_shape); s != Status::kOk) return malformed(s);
    const auto range_blob = r.blob(r.remaining());
    if (!range_blob) return malformed(r.status());
    const crypto::RangeStatement range_statement = rank_range_statement(layout, statement);
    const std::vector<crypto::RangeValueBinding> bindings =
        rank_range_bindings(out.block_commitment, out.u_commitment, out.v_commitment);
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

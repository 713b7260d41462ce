#include "engine/drift/drift_shared.h"

#include <algorithm>
#include <string>

#include "engine/commitment/fixed_point.h"
#include "engine/common/error.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {

bool encoded_value(crypto::Fp x, std::int64_t& v) {
  const std::uint64_t u = x.value();
  v = u <= crypto::Fp::kModulus / 2 ? static_cast<std::int64_t>(u)
                                    : -static_cast<std::int64_t>(crypto::Fp::kModulus - u);
  return v < commitment::kValueBound && v > -commitment::kValueBound;
}

std::vector<std::int64_t> encoded_delta(std::span<const crypto::Fp> base, std::span<const crypto::Fp> candidate,
                                        std::string_view proof) {
  std::vector<std::int64_t> d(base.size());
  for (std::size_t x = 0; x < d.size(); ++x) {
    std::int64_t b = 0, c = 0;
    if (!encoded_value(base[x], b) || !encoded_value(candidate[x], c)) {
      throw Error(ErrorCode::kInput, std::string(proof) + ": table entry " + std::to_string(x) +
                                         " is not an encoded value (|v| < 2^23)");
    }
    d[x] = c - b;
  }
  return d;
}

const commitment::TensorRecord* paired_candidate(const commitment::ModelCommitment& base,
                                                 const commitment::ModelCommitment& candidate,
                                                 const commitment::TensorRecord& b) {
  const commitment::TensorRecord* c = candidate.find(b.name);
  if (c == nullptr || c->shape != b.shape || c->log_rows != b.log_rows || c->log_cols != b.log_cols ||
      c->scale != b.scale || !group_holds(base, b) || !group_holds(candidate, *c)) {
    return nullptr;
  }
  const auto bound = static_cast<std::uint64_t>(commitment::kValueBound);
  if (b.max_abs >= bound || c->max_abs >= bound) return nullptr;
  return c;
}

std::vector<crypto::BasefoldGroupShape> model_group_shapes(const commitment::ModelCommitment& base,
                                                           const commitment::ModelCommitment& candidate,
                                                           std::span<const std::uint32_t> base_groups,
                                                           std::span<const std::uint32_t> candidate_groups) {
  std::vector<crypto::BasefoldGroupShape> shapes;
  for (const std::uint32_t g : base_groups) shapes.push_back({base.groups[g].num_vars, base.groups[g].num_polys});
  for (const std::uint32_t g : candidate_groups) {
    shapes.push_back({candidate.groups[g].num_vars, candidate.groups[g].num_polys});
  }
  return shapes;
}

void write_opening(crypto::ByteWriter& w, std::span<const std::vector<crypto::Fp3>> values,
                   const crypto::BasefoldProof& opening) {
  w.u32(static_cast<std::uint32_t>(values.size()));
  for (const std::vector<crypto::Fp3>& v : values) crypto::write_counted_fp3s(w, v);
  crypto::write_blob(w, opening.serialize());
}

crypto::Status read_opening(crypto::ProofReader& r, const crypto::BasefoldParams& params,
                            std::span<const crypto::BasefoldGroupShape> shapes,
                            std::vector<std::vector<crypto::Fp3>>& values, crypto::BasefoldProof& opening) {
  using crypto::Status;
  if (!r.exact_count(shapes.size(), Status::kWrongLength)) return r.status();
  values.clear();
  for (const crypto::BasefoldGroupShape& shape : shapes) {
    std::vector<crypto::Fp3> v;
    if (!r.counted_fp3s(shape.num_polys, Status::kWrongLength, v)) return r.status();
    values.push_back(std::move(v));
  }
  const auto blob = r.blob(r.remaining());
  if (!blob) return r.status();
  return crypto::BasefoldProof::parse(*blob, params, shapes, opening);
}

void insert_group(std::vector<std::uint32_t>& groups, std::uint32_t g) {
  const auto it = std::lower_bound(groups.begin(), groups.end(), g);
  if (it == groups.end() || *it != g) groups.insert(it, g);
}

std::size_t group_position(std::span<const std::uint32_t> groups, std::uint32_t g) {
  return static_cast<std::size_t>(std::lower_bound(groups.begin(), groups.end(), g) - groups.begin());
}

void throw_statement_refused(std::string_view proof, DriftStatus status) {
  throw Error(ErrorCode::kInput, std::string(proof) + ": the statement does not fit the commitments (" +
                                     std::string(drift_status_name(status)) + ")");
}

bool group_holds(const commitment::ModelCommitment& c, const commitment::TensorRecord& t) {
  return t.group < c.groups.size() && c.groups[t.group].num_vars == t.num_vars() &&
         t.index < c.groups[t.group].num_polys;
}

std::span<const crypto::Fp> committed_table(const commitment::ModelCommitment& c,
                                            std::span<const crypto::BasefoldProverData* const> groups,
                                            std::uint32_t group, std::uint32_t poly, std::string_view proof,
                                            std::string_view side) {
  if (group >= groups.size() || groups[group] == nullptr || !(groups[group]->commitment() == c.groups[group]) ||
      !(groups[group]->params() == c.params)) {
    throw Error(ErrorCode::kIntegrity, std::string(proof) + ": " + std::string(side) + " group " +
                                           std::to_string(group) + " is missing or not the committed one");
  }
  return groups[group]->tables()[poly];
}

std::array<std::uint64_t, 12> block_limb_params(unsigned range_limb_bits, const crypto::BasefoldParams& params) {
  const std::array<std::uint64_t, 8> w = params.words();
  return {kNormLimbShift, kNormHiBits, kNormLoBits, range_limb_bits, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]};
}

void absorb_drift_header(crypto::Transcript& t, const DriftHeaderLabels& labels, std::string_view protocol_id,
                         unsigned range_limb_bits, const commitment::ModelCommitment& base,
                         const commitment::ModelCommitment& candidate) {
  t.absorb_bytes(labels.protocol, text_bytes(protocol_id));
  t.absorb_u64s(labels.params, block_limb_params(range_limb_bits, base.params));
  t.absorb_digest(labels.base_root, base.root);
  t.absorb_digest(labels.candidate_root, candidate.root);
}

}  // namespace fti::drift

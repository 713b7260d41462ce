#include "engine/crypto/range_commit.h"

#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/crypto/bytes.h"
#include "engine/crypto/proof_reader.h"
#include "engine/crypto/range_limbs.h"

namespace fti::crypto {

std::vector<std::uint8_t> RangeCommitment::serialize() const {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(limbs.size()));
  for (const BasefoldCommitment& c : limbs) write_blob(w, c.serialize());
  write_blob(w, multiplicities.serialize());
  return std::move(w).take();
}

Status RangeCommitment::parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params,
                              const RangeStatement& statement, RangeCommitment& out) {
  if (statement.check() != Status::kOk || params.check() != Status::kOk) return Status::kBadParameters;
  try {
    const RangeLayout layout = RangeLayout::make(statement);
    ProofReader r(bytes);
    RangeCommitment c;
    auto one = [&](unsigned num_vars, std::size_t num_polys, BasefoldCommitment& dest) {
      const auto blob = r.blob(r.remaining());
      if (!blob) return false;
      if (const Status s = BasefoldCommitment::parse(*blob, params, dest); s != Status::kOk) {
        r.fail(s);
        return false;
      }
      if (dest.num_vars != num_vars || dest.num_polys != num_polys) {
        r.fail(Status::kMalformed);
        return false;
      }
      return true;
    };
    if (!r.exact_count(layout.num_limb_groups, Status::kMalformed)) return r.status();
    c.limbs.resize(layout.num_limb_groups);
    for (std::size_t g = 0; g < layout.num_limb_groups; ++g) {
      if (!one(layout.limb_groups[g].num_vars, layout.limb_groups[g].num_polys, c.limbs[g])) return r.status();
    }
    if (!one(statement.limb_bits, 1, c.multiplicities)) return r.status();
    if (!r.done()) return r.ok() ? Status::kMalformed : r.status();
    out = std::move(c);
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

RangeProverData::RangeProverData(const BasefoldParams& params, const RangeStatement& statement,
                                 std::span<const RangeValueSource> sources)
    : params_(params),
      statement_(statement),
      layout_(RangeLayout::make(statement)),
      sources_(sources.begin(), sources.end()) {
  if (sources_.size() != statement.vectors.size()) throw std::invalid_argument("range: one source per vector expected");
  if (params.check_size(statement.limb_bits) != Status::kOk) throw std::invalid_argument("range: bad parameters");
  for (std::size_t j = 0; j < sources_.size(); ++j) {
    const RangeValueSource& s = sources_[j];
    if (s.group == nullptr || s.index >= s.group->num_polys() || s.group->num_vars() != statement.vectors[j].num_vars ||
        !(s.group->params() == params)) {
      throw std::invalid_argument("range: source of vector " + std::to_string(j) +
                                  " is not a polynomial of n_j variables committed under these parameters");
    }
  }
  table_.resize(std::size_t{1} << statement.limb_bits);
  for (std::size_t t = 0; t < table_.size(); ++t) table_[t] = Fp::from_u64(t);
}

void RangeProverData::commit_parts(std::vector<std::vector<std::vector<Fp>>> lower_limbs,
                                   std::vector<std::vector<Fp>> tops, std::vector<Fp> multiplicities) {
  tops_ = std::move(tops);
  std::vector<std::vector<std::vector<Fp>>> grouped(layout_.num_limb_groups);
  for (std::size_t j = 0; j < layout_.vectors.size(); ++j) {
    const RangeVectorLayout& v = layout_.vectors[j];
    if (v.limb_group == kRangeNoGroup) continue;
    for (std::vector<Fp>& limb : lower_limbs[j]) grouped[v.limb_group].push_back(std::move(limb));
  }
  for (std::vector<std::vector<Fp>>& tables : grouped) limb_groups_.push_back(basefold_commit(params_, std::move(tables)));
  std::vector<std::vector<Fp>> m;
  m.push_back(std::move(multiplicities));
  multiplicity_group_.emplace(basefold_commit(params_, std::move(m)));
}

std::span<const Fp> RangeProverData::values(std::size_t vector) const {
  const RangeValueSource& s = sources_[vector];
  return s.group->tables()[s.index];
}

std::span<const std::vector<Fp>> RangeProverData::lower_limbs(std::size_t vector) const {
  const RangeVectorLayout& v = layout_.vectors[vector];
  if (v.limb_group == kRangeNoGroup) return {};
  return limb_groups_[v.limb_group].tables().subspan(v.limb_offset, v.committed_limbs());
}

RangeCommitment RangeProverData::commitment() const {
  RangeCommitment c;
  for (const BasefoldProverData& g : limb_groups_) c.limbs.push_back(g.commitment());
  c.multiplicities = multiplicity_group_->commitment();
  return c;
}

std::vector<const BasefoldProverData*> RangeProverData::groups() const {
  std::vector<const BasefoldProverData*> out;
  for (const BasefoldProverData& g : limb_groups_) out.push_back(&g);
  out.push_back(&*multiplicity_group_);
  return out;
}

std::vector<RangeValueBinding> RangeProverData::bindings() const {
  std::vector<RangeValueBinding> out;
  for (const RangeValueSource& s : sources_) out.push_back({s.group->commitment(), s.index});
  return out;
}

RangeProverData RangeProverData::from_parts_unchecked(const BasefoldParams& params, const RangeStatement& statement,
                                                      std::span<const RangeValueSource> sources,
                                                      std::vector<std::vector<std::vector<Fp>>> lower_limbs,
                                                      std::vector<Fp> multiplicities) {
  RangeProverData d(params, statement, sources);
  if (lower_limbs.size() != statement.vectors.size() || multiplicities.size() != d.table_.size()) {
    throw std::invalid_argument("range: wrong number of limbs or multiplicities");
  }
  std::vector<std::vector<Fp>> tops;
  for (std::size_t j = 0; j < statement.vectors.size(); ++j) {
    tops.push_back(range_top_limb(statement, j, d.values(j), lower_limbs[j]));
  }
  d.commit_parts(std::move(lower_limbs), std::move(tops), std::move(multiplicities));
  return d;
}

RangeProverData range_commit(const BasefoldParams& params, const RangeStatement& statement,
                             std::span<const RangeValueSource> sources) {
  RangeProverData d(params, statement, sources);
  std::vector<std::span<const Fp>> values;
  for (std::size_t j = 0; j < sources.size(); ++j) values.push_back(d.values(j));
  RangeLimbs limbs = range_decompose(statement, values);
  d.commit_parts(std::move(limbs.lower), std::move(limbs.tops), std::move(limbs.multiplicities));
  return d;
}

std::vector<BasefoldProverData> range_commit_values(const BasefoldParams& params, std::vector<std::vector<Fp>> tables) {
  std::vector<BasefoldProverData> out;
  out.reserve(tables.size());
  for (auto& t : tables) {
    std::vector<std::vector<Fp>> one;
    one.push_back(std::move(t));
    out.push_back(basefold_commit(params, std::move(one)));
  }
  return out;
}

std::vector<RangeValueSource> range_sources(std::span<const BasefoldProverData> groups) {
  std::vector<RangeValueSource> out;
  for (const BasefoldProverData& g : groups) out.push_back({&g, 0});
  return out;
}

}  // namespace fti::crypto

#include "engine/crypto/basefold_proof.h"

#include <algorithm>
#include <new>
#include <optional>
#include <utility>

#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/bytes.h"
#include "engine/crypto/proof_reader.h"

namespace fti::crypto {
namespace {

// Leaf values: a multiple of `width`, at most `max_leaves` leaves.
std::optional<std::size_t> leaf_value_count(ProofReader& r, std::size_t width, std::size_t max_leaves) {
  const auto n = r.count();
  if (!n) return std::nullopt;
  if (*n % width != 0 || *n / width > max_leaves) {
    r.fail(Status::kWrongLength);
    return std::nullopt;
  }
  return *n;
}

// Sibling digests: at most one per opened leaf per level below the cap.
bool read_paths(ProofReader& r, std::size_t max_siblings, MerkleMultiProof& out) {
  const auto n = r.count();
  if (!n) return false;
  if (*n > max_siblings) {
    r.fail(Status::kMalformed);
    return false;
  }
  return r.digests(*n, out.siblings);
}

bool read_group(ProofReader& r, const BasefoldParams& params, const BasefoldGroupShape& shape, std::size_t batch_size,
                BasefoldGroupProof& g) {
  const BasefoldLayout layout = BasefoldLayout::make(params, shape.num_vars, shape.num_polys);
  const std::size_t q = layout.num_queries;
  if (!r.exact_count(layout.num_rounds, Status::kMalformed)) return false;
  g.round_polynomials.resize(layout.num_rounds);
  for (auto& p : g.round_polynomials) {
    if (!r.exact_count(kBasefoldRoundValues, Status::kWrongDegree) || !r.fp3s(kBasefoldRoundValues, p)) {
      return false;
    }
  }
  const std::size_t folded_layers = layout.layers.size() - 1;
  if (!r.exact_count(folded_layers, Status::kMalformed)) return false;
  g.layer_caps.resize(folded_layers);
  for (std::size_t j = 0; j < folded_layers; ++j) {
    const std::size_t cap_size = std::size_t{1} << layout.layers[j + 1].cap_log;
    if (!r.exact_count(cap_size, Status::kWrongLength) || !r.digests(cap_size, g.layer_caps[j].nodes)) return false;
  }
  if (!r.exact_count(layout.final_size(), Status::kWrongLength) || !r.fp3s(layout.final_size(), g.final_polynomial)) {
    return false;
  }
  const BasefoldLayer& l0 = layout.layers.front();
  const std::size_t width0 = std::size_t{1} << l0.log_arity;
  g.commitment_openings.resize(batch_size);
  for (BasefoldCommitmentOpening& o : g.commitment_openings) {
    const auto n0 = leaf_value_count(r, width0, q);
    if (!n0 || !r.fps(*n0, o.leaf_values) || !read_paths(r, q * (l0.log_leaves - l0.cap_log), o.paths)) return false;
  }
  g.layer_openings.resize(folded_layers);
  for (std::size_t j = 0; j < folded_layers; ++j) {
    const BasefoldLayer& l = layout.layers[j + 1];
    const auto n = leaf_value_count(r, std::size_t{1} << l.log_arity, q);
    if (!n || !r.fp3s(*n, g.layer_openings[j].leaf_values) ||
        !read_paths(r, q * (l.log_leaves - l.cap_log), g.layer_openings[j].paths)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::vector<std::size_t>> basefold_batches(std::span<const BasefoldGroupShape> shapes) {
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t g = 0; g < shapes.size(); ++g) {
    auto same = [&](const std::vector<std::size_t>& b) {
      return shapes[b.front()].num_vars == shapes[g].num_vars && shapes[b.front()].num_polys == shapes[g].num_polys;
    };
    const auto it = std::find_if(out.begin(), out.end(), same);
    if (it == out.end()) {
      out.push_back({g});
    } else {
      it->push_back(g);
    }
  }
  return out;
}

std::vector<std::uint8_t> BasefoldProof::serialize() const {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(groups.size()));
  for (const BasefoldGroupProof& g : groups) {
    w.u32(static_cast<std::uint32_t>(g.round_polynomials.size()));
    for (const auto& p : g.round_polynomials) write_counted_fp3s(w, p);
    w.u32(static_cast<std::uint32_t>(g.layer_caps.size()));
    for (const MerkleCap& c : g.layer_caps) write_counted_digests(w, c.nodes);
    write_counted_fp3s(w, g.final_polynomial);
    for (const BasefoldCommitmentOpening& o : g.commitment_openings) {
      write_counted_fps(w, o.leaf_values);
      write_counted_digests(w, o.paths.siblings);
    }
    for (const BasefoldLayerOpening& o : g.layer_openings) {
      write_counted_fp3s(w, o.leaf_values);
      write_counted_digests(w, o.paths.siblings);
    }
  }
  w.u64(pow_nonce);
  return std::move(w).take();
}

Status BasefoldProof::parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params,
                            std::span<const BasefoldGroupShape> shapes, BasefoldProof& out) {
  if (params.check() != Status::kOk || shapes.empty() || shapes.size() > kMaxBasefoldGroups) {
    return Status::kBadParameters;
  }
  for (const BasefoldGroupShape& s : shapes) {
    if (params.check_shape(s.num_vars, s.num_polys) != Status::kOk) {
      return Status::kBadParameters;
    }
  }
  try {
    ProofReader r(bytes);
    BasefoldProof proof;
    const std::vector<std::vector<std::size_t>> batches = basefold_batches(shapes);
    if (!r.exact_count(batches.size(), Status::kMalformed)) return r.status();
    proof.groups.resize(batches.size());
    for (std::size_t i = 0; i < batches.size(); ++i) {
      if (!read_group(r, params, shapes[batches[i].front()], batches[i].size(), proof.groups[i])) return r.status();
    }
    const auto nonce = r.u64();
    if (!nonce) return r.status();
    if (!r.done()) return Status::kMalformed;
    proof.pow_nonce = *nonce;
    out = std::move(proof);
    return Status::kOk;
  } catch (const std::bad_alloc&) {
    return Status::kBadParameters;
  }
}

}  // namespace fti::crypto

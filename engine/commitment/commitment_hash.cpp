#include "engine/commitment/commitment_hash.h"

#include <bit>
#include <stdexcept>

#include "engine/commitment/fixed_point.h"
#include "engine/crypto/sha256.h"

namespace fti::commitment {
namespace {

void put_bytes(crypto::Sha256& h, std::string_view text) {
  h.update_u64_le(text.size());
  h.update(text.data(), text.size());
}

void put_group(crypto::Sha256& h, const crypto::BasefoldCommitment& g) {
  h.update_u64_le(g.num_vars);
  h.update_u64_le(g.num_polys);
  h.update_u64_le(g.cap.nodes.size());
  for (const crypto::Digest& d : g.cap.nodes) h.update(d.data(), d.size());
}

Sha256Digest finish(crypto::Sha256& h) {
  const crypto::Digest d = h.finish();
  Sha256Digest out;
  std::copy(d.begin(), d.end(), out.begin());
  return out;
}

Sha256Digest tree_root(std::span<const Sha256Digest> leaves) {
  if (leaves.size() == 1) return leaves.front();
  // The largest power of two strictly below the count.
  const std::size_t split = std::bit_floor(leaves.size() - 1);
  return tensor_node_hash(tree_root(leaves.first(split)), tree_root(leaves.subspan(split)));
}

}  // namespace

Sha256Digest tensor_leaf_hash(const TensorRecord& t, const crypto::BasefoldCommitment& group) {
  crypto::Sha256 h;
  h.update_byte(kTensorLeafTag);
  put_bytes(h, t.name);
  put_bytes(h, dtype_name(t.dtype));
  h.update_u64_le(t.shape.size());
  for (const std::uint64_t d : t.shape) h.update_u64_le(d);
  h.update_u64_le(t.log_rows);
  h.update_u64_le(t.log_cols);
  h.update_u64_le(static_cast<std::uint64_t>(static_cast<std::int64_t>(t.scale)));  // two's complement
  h.update_u64_le(static_cast<std::uint64_t>(t.scale_source));
  h.update_u64_le(t.max_abs);
  h.update_u64_le(t.inexact);
  h.update(t.data_sha256.data(), t.data_sha256.size());
  h.update_u64_le(t.group);
  h.update_u64_le(t.index);
  put_group(h, group);
  return finish(h);
}

Sha256Digest tensor_node_hash(const Sha256Digest& left, const Sha256Digest& right) {
  crypto::Sha256 h;
  h.update_byte(kTensorNodeTag);
  h.update(left.data(), left.size());
  h.update(right.data(), right.size());
  return finish(h);
}

Sha256Digest tensor_tree_root(std::span<const Sha256Digest> leaves) {
  if (leaves.empty()) throw std::invalid_argument("tensor_tree_root: no leaves");
  return tree_root(leaves);
}

Sha256Digest files_digest(std::span<const FileRecord> files) {
  crypto::Sha256 h;
  h.update_byte(kFilesTag);
  h.update_u64_le(files.size());
  for (const FileRecord& f : files) {
    put_bytes(h, f.name);
    h.update_u64_le(static_cast<std::uint64_t>(f.role));
    h.update_u64_le(f.size);
    h.update(f.sha256.data(), f.sha256.size());
  }
  return finish(h);
}

Sha256Digest commitment_root(const crypto::BasefoldParams& params, std::span<const crypto::BasefoldCommitment> groups,
                             std::uint64_t tensor_count, const Sha256Digest& tensors_root, std::uint64_t file_count,
                             const Sha256Digest& files) {
  crypto::Sha256 h;
  h.update_byte(kRootTag);
  put_bytes(h, kCommitmentProtocolId);
  h.update_u64_le(kValueBits);
  h.update_u64_le(kHeadroomBits);
  h.update_u64_le(kRoundingHalfEven);
  h.update_u64_le(kLayoutMatrix2d);
  for (const std::uint64_t w : params.words()) h.update_u64_le(w);
  h.update_u64_le(groups.size());
  for (const crypto::BasefoldCommitment& g : groups) put_group(h, g);
  h.update_u64_le(tensor_count);
  h.update(tensors_root.data(), tensors_root.size());
  h.update_u64_le(file_count);
  h.update(files.data(), files.size());
  return finish(h);
}

void compute_roots(ModelCommitment& c) {
  std::vector<Sha256Digest> leaves;
  leaves.reserve(c.tensors.size());
  for (const TensorRecord& t : c.tensors) leaves.push_back(tensor_leaf_hash(t, c.groups.at(t.group)));
  c.tensors_root = tensor_tree_root(leaves);
  c.files_digest = files_digest(c.files);
  c.root = commitment_root(c.params, c.groups, c.tensors.size(), c.tensors_root, c.files.size(), c.files_digest);
}

}  // namespace fti::commitment

#include "engine/crypto/basefold_layout.h"

#include <algorithm>
#include <stdexcept>

namespace fti::crypto {

BasefoldLayout BasefoldLayout::make(const BasefoldParams& params, unsigned num_vars, std::size_t num_polys) {
  if (params.check_shape(num_vars, num_polys) != Status::kOk) {
    throw std::invalid_argument("BasefoldLayout: parameters invalid for this group shape");
  }
  BasefoldLayout out;
  out.num_vars = num_vars;
  out.num_polys = num_polys;
  out.stack_vars = basefold_stack_vars(num_polys);
  // Capped at the largest folding arity: the verifier folds a leaf in a
  // buffer of 2^kMaxBasefoldLogArity values (L may be up to 8).
  const unsigned commit_arity = std::min(kMaxBasefoldLogArity, params.commit_leaf_log_size);
  const unsigned total = out.total_vars();
  out.log_blowup = params.log_blowup;
  out.final_log_size = std::min(params.final_log_size, total);
  out.num_rounds = total - out.final_log_size;
  unsigned log_domain = total + params.log_blowup;
  unsigned round = 0;
  do {
    const unsigned arity = std::min(out.layers.empty() ? commit_arity : params.fold_log_arity, out.num_rounds - round);
    BasefoldLayer layer;
    layer.log_domain = log_domain;
    layer.log_arity = arity;
    layer.log_leaves = log_domain - arity;
    layer.cap_log = std::min(params.cap_log, layer.log_leaves);
    layer.first_round = round;
    out.layers.push_back(layer);
    round += arity;
    log_domain -= arity;
  } while (round < out.num_rounds);
  const std::size_t leaves = std::size_t{1} << out.layers.front().log_leaves;
  out.num_queries = static_cast<unsigned>(std::min<std::size_t>(params.num_queries, leaves));
  return out;
}

MerkleShape BasefoldLayout::commitment_shape() const {
  const BasefoldLayer& l = layers.front();
  return MerkleShape{l.log_leaves, std::size_t{1} << l.log_arity, l.cap_log};
}

MerkleShape BasefoldLayout::layer_shape(std::size_t j) const {
  const BasefoldLayer& l = layers.at(j);
  return MerkleShape{l.log_leaves, std::size_t{3} << l.log_arity, l.cap_log};
}

}  // namespace fti::crypto

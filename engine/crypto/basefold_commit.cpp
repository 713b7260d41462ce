#include "engine/crypto/basefold_commit.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <utility>

#include "engine/crypto/bytes.h"
#include "engine/crypto/large_buffer.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/reed_solomon.h"

namespace fti::crypto {
namespace {

unsigned checked_num_vars(const BasefoldParams& params, std::span<const std::vector<Fp>> tables) {
  if (tables.empty() || tables.size() > kMaxBasefoldPolys) {
    throw std::invalid_argument("basefold_commit: between 1 and 2^16 polynomials");
  }
  const std::size_t n = tables.front().size();
  if (n == 0 || (n & (n - 1)) != 0) throw std::invalid_argument("basefold_commit: table size is not a power of two");
  for (const auto& t : tables) {
    if (t.size() != n) throw std::invalid_argument("basefold_commit: tables of different sizes");
  }
  const auto num_vars = static_cast<unsigned>(std::countr_zero(n));
  if (params.check_size(num_vars) != Status::kOk) {
    throw std::invalid_argument("basefold_commit: parameters invalid for this size");
  }
  return num_vars;
}

MerkleTree build_tree(const BasefoldLayout& layout, std::span<const std::vector<Fp>> words) {
  std::vector<std::span<const Fp>> columns(words.begin(), words.end());
  const BasefoldLayer& l = layout.layers.front();
  return MerkleTree::commit(std::span<const std::span<const Fp>>(columns), std::size_t{1} << l.log_arity, l.cap_log);
}

}  // namespace

std::vector<std::uint8_t> BasefoldCommitment::serialize() const {
  ByteWriter w;
  w.u32(num_vars);
  w.u32(static_cast<std::uint32_t>(num_polys));
  w.u32(static_cast<std::uint32_t>(cap.nodes.size()));
  for (const Digest& d : cap.nodes) w.raw(d);
  return std::move(w).take();
}

Status BasefoldCommitment::parse(std::span<const std::uint8_t> bytes, const BasefoldParams& params,
                                 BasefoldCommitment& out) {
  ByteReader r(bytes);
  const auto n = r.u32();
  const auto m = r.u32();
  const auto count = r.u32();
  if (!count) return Status::kMalformed;
  if (*n > kMaxBasefoldVars || params.check_size(*n) != Status::kOk || *m == 0 || *m > kMaxBasefoldPolys) {
    return Status::kBadParameters;
  }
  const BasefoldLayout layout = BasefoldLayout::make(params, *n, *m);
  if (*count != (std::uint32_t{1} << layout.layers.front().cap_log)) return Status::kWrongLength;
  if (r.remaining() != std::size_t{*count} * 32) return Status::kMalformed;
  BasefoldCommitment c;
  c.num_vars = *n;
  c.num_polys = *m;
  c.cap.nodes.resize(*count);
  for (Digest& d : c.cap.nodes) {
    const auto b = r.take(32);
    std::copy(b->begin(), b->end(), d.begin());
  }
  if (!r.done()) return Status::kMalformed;
  out = std::move(c);
  return Status::kOk;
}

BasefoldProverData::BasefoldProverData(const BasefoldParams& params, BasefoldLayout layout,
                                       std::vector<std::vector<Fp>> tables, std::vector<std::vector<Fp>> codewords,
                                       MerkleTree tree)
    : params_(params),
      layout_(std::move(layout)),
      tables_(std::move(tables)),
      codewords_(std::move(codewords)),
      tree_(std::move(tree)) {}

BasefoldCommitment BasefoldProverData::commitment() const {
  return BasefoldCommitment{layout_.num_vars, tables_.size(), tree_.cap()};
}

BasefoldProverData BasefoldProverData::from_words_unchecked(const BasefoldParams& params,
                                                            std::vector<std::vector<Fp>> tables,
                                                            std::vector<std::vector<Fp>> words) {
  const unsigned num_vars = checked_num_vars(params, tables);
  BasefoldLayout layout = BasefoldLayout::make(params, num_vars, tables.size());
  const std::size_t length = std::size_t{1} << layout.layers.front().log_domain;
  if (words.size() != tables.size()) throw std::invalid_argument("from_words_unchecked: one word per table");
  for (const auto& w : words) {
    if (w.size() != length) throw std::invalid_argument("from_words_unchecked: word of the wrong length");
  }
  MerkleTree tree = build_tree(layout, words);
  return BasefoldProverData(params, std::move(layout), std::move(tables), std::move(words), std::move(tree));
}

std::vector<Fp> basefold_encode(std::span<const Fp> table, unsigned log_blowup) {
  std::vector<Fp> coeffs(table.begin(), table.end());
  moebius_transform(coeffs);
  std::vector<Fp> word = large_vector<Fp>(table.size() << log_blowup);
  rs_encode_into(coeffs, log_blowup, Fp::one(), word);
  return word;
}

BasefoldProverData basefold_commit(const BasefoldParams& params, std::vector<std::vector<Fp>> tables) {
  const unsigned num_vars = checked_num_vars(params, tables);
  BasefoldLayout layout = BasefoldLayout::make(params, num_vars, tables.size());
  const std::size_t n = tables.front().size();
  std::vector<Fp> coeffs = large_vector<Fp>(n);  // scratch, reused for every polynomial
  std::vector<std::vector<Fp>> codewords;
  codewords.reserve(tables.size());
  for (const auto& t : tables) {
    std::copy(t.begin(), t.end(), coeffs.begin());
    moebius_transform(coeffs);
    std::vector<Fp> word = large_vector<Fp>(n << params.log_blowup);
    rs_encode_into(coeffs, params.log_blowup, Fp::one(), word);
    codewords.push_back(std::move(word));
  }
  MerkleTree tree = build_tree(layout, codewords);
  return BasefoldProverData(params, std::move(layout), std::move(tables), std::move(codewords), std::move(tree));
}

}  // namespace fti::crypto

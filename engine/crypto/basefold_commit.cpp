#include "engine/crypto/basefold_commit.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/crypto/basefold_windows.h"
#include "engine/crypto/bytes.h"
#include "engine/crypto/large_buffer.h"
#include "engine/crypto/moebius.h"
#include "engine/crypto/ntt.h"
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
  if (params.check_shape(num_vars, tables.size()) != Status::kOk) {
    throw std::invalid_argument("basefold_commit: parameters invalid for this size");
  }
  return num_vars;
}

// The prover holds the codeword, so the tree leaves out its lowest levels
// (kBasefoldTreeDroppedLevels) and an opening recomputes them from it.
MerkleTree build_tree(const BasefoldLayout& layout, std::span<const Fp> word) {
  const std::span<const Fp> columns[1] = {word};
  const BasefoldLayer& l = layout.layers.front();
  return MerkleTree::commit(std::span<const std::span<const Fp>>(columns), std::size_t{1} << l.log_arity, l.cap_log,
                            kBasefoldTreeDroppedLevels);
}

// basefold_encode into `out` (2^b times the table's size), the monomial
// coefficients in the caller's scratch (the table's size).
void rs_encode_from_table(std::span<const Fp> table, unsigned log_blowup, std::span<Fp> coeffs, std::span<Fp> out) {
  std::copy(table.begin(), table.end(), coeffs.begin());
  moebius_transform(coeffs);
  rs_encode_into(coeffs, log_blowup, Fp::one(), out);
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
  if (params.check_shape(*n, *m) != Status::kOk) {
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
                                       std::vector<std::vector<Fp>> tables, std::vector<Fp> codeword,
                                       MerkleTree tree)
    : params_(params),
      layout_(std::move(layout)),
      tables_(std::move(tables)),
      codeword_(std::move(codeword)),
      tree_(std::move(tree)) {}

MerkleMultiProof BasefoldProverData::open_paths(std::span<const std::size_t> leaves) const {
  const std::span<const Fp> columns[1] = {codeword_};
  return tree_.open(leaves, std::span<const std::span<const Fp>>(columns),
                    std::size_t{1} << layout_.layers.front().log_arity);
}

BasefoldProverData::LeafOpening BasefoldProverData::open_leaves(std::span<const std::size_t> leaves) const {
  const std::size_t width = std::size_t{1} << layout_.layers.front().log_arity;
  LeafOpening out;
  out.values.reserve(leaves.size() * width);
  if (holds_codeword()) {
    for (const std::size_t m : leaves) {
      const auto first = codeword_.begin() + static_cast<std::ptrdiff_t>(m * width);
      out.values.insert(out.values.end(), first, first + static_cast<std::ptrdiff_t>(width));
    }
    out.paths = open_paths(leaves);
    return out;
  }
  // Without the codeword: the values of every queried subtree of the stored
  // level's 2^h leaves, from the tables.
  const unsigned h = tree_.first_level();
  const std::vector<std::size_t> subtrees = tree_.opened_subtrees(leaves);
  const unsigned window_log = layout_.layers.front().log_arity + h;
  const std::vector<Fp> windows =
      basefold_codeword_windows(tables_, layout_.stack_vars, layout_.log_blowup, window_log, subtrees);
  std::size_t w = 0;
  for (const std::size_t m : leaves) {
    while (subtrees[w] != (m >> h)) ++w;
    const auto first = windows.begin() + static_cast<std::ptrdiff_t>((w << window_log) + (m - (subtrees[w] << h)) * width);
    out.values.insert(out.values.end(), first, first + static_cast<std::ptrdiff_t>(width));
  }
  out.paths = tree_.open_windows(leaves, windows, width);
  return out;
}

unsigned basefold_window_tree_level(const BasefoldLayout& layout) noexcept {
  const BasefoldLayer& l0 = layout.layers.front();
  return std::min(kBasefoldWindowTreeLevel, l0.log_leaves - l0.cap_log);
}

BasefoldProverData BasefoldProverData::without_codeword(const BasefoldParams& params,
                                                        std::vector<std::vector<Fp>> tables, MerkleTree tree) {
  const unsigned num_vars = checked_num_vars(params, tables);
  BasefoldLayout layout = BasefoldLayout::make(params, num_vars, tables.size());
  const unsigned level = basefold_window_tree_level(layout);
  if (level == 0 || !(tree.shape() == layout.commitment_shape()) || tree.first_level() != level) {
    throw std::invalid_argument("without_codeword: a tree of another shape or level");
  }
  return BasefoldProverData(params, std::move(layout), std::move(tables), {}, std::move(tree));
}

BasefoldCommitment BasefoldProverData::commitment() const {
  return BasefoldCommitment{layout_.num_vars, tables_.size(), tree_.cap()};
}

BasefoldProverData BasefoldProverData::from_word_unchecked(const BasefoldParams& params,
                                                           std::vector<std::vector<Fp>> tables, std::vector<Fp> word) {
  const unsigned num_vars = checked_num_vars(params, tables);
  BasefoldLayout layout = BasefoldLayout::make(params, num_vars, tables.size());
  if (word.size() != std::size_t{1} << layout.layers.front().log_domain) {
    throw std::invalid_argument("from_word_unchecked: word of the wrong length");
  }
  MerkleTree tree = build_tree(layout, word);
  return BasefoldProverData(params, std::move(layout), std::move(tables), std::move(word), std::move(tree));
}

std::vector<Fp> basefold_encode(std::span<const Fp> table, unsigned log_blowup) {
  std::vector<Fp> coeffs = large_vector<Fp>(table.size());
  std::vector<Fp> word = large_vector<Fp>(table.size() << log_blowup);
  rs_encode_from_table(table, log_blowup, coeffs, word);
  return word;
}

namespace {

// S[x 2^l + y] = tables[y][x] into `out` (2^l times a table's size), zero for
// the padding members y >= M; each x's 2^l values are written together.
void write_stacked_table(std::span<const std::vector<Fp>> tables, unsigned l, std::span<Fp> out) {
  const std::size_t members = std::size_t{1} << l;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tables.front().size(), std::size_t{1} << 12),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t x = r.begin(); x < r.end(); ++x) {
                        for (std::size_t y = 0; y < members; ++y) {
                          out[(x << l) + y] = y < tables.size() ? tables[y][x] : Fp::zero();
                        }
                      }
                    });
}

}  // namespace

std::vector<Fp> basefold_stacked_table(std::span<const std::vector<Fp>> tables) {
  if (tables.empty()) throw std::invalid_argument("basefold_stacked_table: no tables");
  const unsigned l = basefold_stack_vars(tables.size());
  std::vector<Fp> out = large_vector<Fp>(tables.front().size() << l);
  write_stacked_table(tables, l, out);
  return out;
}

void basefold_stack_blocks(std::span<Fp> values, unsigned stack_vars, unsigned log_domain, std::size_t first) {
  const std::size_t width = std::size_t{1} << stack_vars;
  const std::size_t count = values.size() >> stack_vars;
  if (stack_vars > log_domain || count == 0 || (count & (count - 1)) != 0 || (count << stack_vars) != values.size() ||
      first % count != 0 || first + count > (std::size_t{1} << (log_domain - stack_vars))) {
    throw std::invalid_argument("basefold_stack_blocks: blocks outside the domain");
  }
  if (width == 1) return;
  // Block m is the coset w_0(m) <zeta>, w_0(m) = w^bitrev(m) over log_domain - l
  // bits (w of order 2^log_domain). first is aligned to count, so
  // bitrev(first + k) = bitrev(first) + bitrev(k): one table over k.
  const unsigned member_bits = log_domain - stack_vars;
  const Fp root = Fp::root_of_unity(log_domain);
  std::vector<Fp> shifts(count);
  shifts[0] = root.pow(bit_reverse(first, member_bits));
  for (unsigned i = 0; (std::size_t{1} << i) < count; ++i) {
    const Fp step = root.pow(std::uint64_t{1} << (member_bits - 1 - i));
    for (std::size_t k = 0; k < (std::size_t{1} << i); ++k) shifts[k + (std::size_t{1} << i)] = shifts[k] * step;
  }
  // Each block: the Moebius transform over the layer variables, then the
  // coset NTT of size 2^l at w_0(m) (coefficients times w_0^i, a radix-2 DIF
  // transform: natural order in, bit-reversed order out).
  const SerialCosetNtt coset_ntt(stack_vars);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, std::max<std::size_t>(1, 4096 >> stack_vars)),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t m = r.begin(); m < r.end(); ++m) {
                        const std::span<Fp> block = values.subspan(m * width, width);
                        moebius_transform(block);
                        coset_ntt(block, shifts[m]);
                      }
                    });
}

BasefoldProverData basefold_commit(const BasefoldParams& params, std::vector<std::vector<Fp>> tables) {
  const unsigned num_vars = checked_num_vars(params, tables);
  BasefoldLayout layout = BasefoldLayout::make(params, num_vars, tables.size());
  // The stacked table goes into the first 2^(n+l) values of the word, is
  // turned into its coefficients there and encoded in place: no buffer but
  // the word, and large transforms instead of one per member and block
  // (tested equal to basefold_encode(basefold_stacked_table(tables))).
  const std::size_t stacked_size = tables.front().size() << layout.stack_vars;
  std::vector<Fp> word = large_vector<Fp>(stacked_size << params.log_blowup);
  const std::span<Fp> coefficients = std::span<Fp>(word).first(stacked_size);
  write_stacked_table(tables, layout.stack_vars, coefficients);
  moebius_transform(coefficients);
  rs_encode_in_place(word, params.log_blowup);
  MerkleTree tree = build_tree(layout, word);
  return BasefoldProverData(params, std::move(layout), std::move(tables), std::move(word), std::move(tree));
}

BasefoldProverData basefold_commit_without_codeword(const BasefoldParams& params,
                                                    std::vector<std::vector<Fp>> tables) {
  BasefoldProverData full = basefold_commit(params, std::move(tables));
  const unsigned level = basefold_window_tree_level(full.layout());
  if (level == 0) return full;
  const BasefoldLayer& l0 = full.layout().layers.front();
  const std::span<const Fp> columns[1] = {full.codeword()};
  MerkleTree tree = MerkleTree::commit(std::span<const std::span<const Fp>>(columns), std::size_t{1} << l0.log_arity,
                                       l0.cap_log, level);
  std::vector<std::vector<Fp>> kept(full.tables().begin(), full.tables().end());
  return BasefoldProverData::without_codeword(params, std::move(kept), std::move(tree));
}

}  // namespace fti::crypto

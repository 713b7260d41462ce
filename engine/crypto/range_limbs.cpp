#include "engine/crypto/range_limbs.h"

#include <stdexcept>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "engine/crypto/large_buffer.h"

namespace fti::crypto {
namespace {

constexpr std::size_t kGrain = std::size_t{1} << 13;

void check_sizes(const RangeStatement& statement, std::span<const std::span<const Fp>> values) {
  if (statement.check() != Status::kOk) throw std::invalid_argument("range: invalid statement");
  if (values.size() != statement.vectors.size()) throw std::invalid_argument("range: one table per vector expected");
  for (std::size_t j = 0; j < values.size(); ++j) {
    if (values[j].size() != (std::size_t{1} << statement.vectors[j].num_vars)) {
      throw std::invalid_argument("range: vector " + std::to_string(j) + " is not of size 2^num_vars");
    }
  }
}

// u = v + o as an integer if it is below 2^b, else nothing (the index of a violation).
inline bool shifted_value(Fp v, std::uint64_t offset, unsigned bits, std::uint64_t& u) {
  u = (v + Fp::from_u64(offset)).value();
  return u < (std::uint64_t{1} << bits);
}

}  // namespace

std::optional<RangeViolation> range_find_violation(const RangeStatement& statement,
                                                   std::span<const std::span<const Fp>> values) {
  check_sizes(statement, values);
  const RangeLayout layout = RangeLayout::make(statement);
  for (std::size_t j = 0; j < values.size(); ++j) {
    const std::span<const Fp> v = values[j];
    const std::uint64_t offset = layout.vectors[j].offset;
    const unsigned bits = statement.vectors[j].bits;
    // The smallest violating index (parallel, deterministic).
    const std::size_t first = tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, v.size(), kGrain), v.size(),
        [&](const tbb::blocked_range<std::size_t>& r, std::size_t best) {
          for (std::size_t x = r.begin(); x < r.end() && x < best; ++x) {
            std::uint64_t u = 0;
            if (!shifted_value(v[x], offset, bits, u)) return x;
          }
          return best;
        },
        [](std::size_t a, std::size_t b) { return a < b ? a : b; });
    if (first < v.size()) return RangeViolation{j, first, v[first]};
  }
  return std::nullopt;
}

RangeLimbs range_decompose(const RangeStatement& statement, std::span<const std::span<const Fp>> values) {
  if (const auto bad = range_find_violation(statement, values)) {
    throw std::invalid_argument("range: vector " + std::to_string(bad->vector) + " entry " +
                                std::to_string(bad->index) + " (field element " + std::to_string(bad->value.value()) +
                                ") is outside its range");
  }
  const RangeLayout layout = RangeLayout::make(statement);
  const unsigned bits_l = statement.limb_bits;
  const std::size_t table_size = std::size_t{1} << bits_l;
  const std::uint64_t mask = table_size - 1;
  RangeLimbs out;
  // Per-thread histograms, allocated once per thread, summed at the end.
  tbb::enumerable_thread_specific<std::vector<std::uint64_t>> counts(std::vector<std::uint64_t>(table_size, 0));
  for (std::size_t j = 0; j < values.size(); ++j) {
    const RangeVectorLayout& vl = layout.vectors[j];
    const std::span<const Fp> v = values[j];
    std::vector<std::vector<Fp>> lower(vl.committed_limbs());
    for (auto& l : lower) l = large_vector<Fp>(v.size());
    std::vector<Fp> top = large_vector<Fp>(v.size());
    const unsigned top_shift = bits_l * (vl.num_limbs - 1);
    const std::uint64_t shift_add = table_size - (std::uint64_t{1} << vl.top_bits);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, v.size(), kGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        std::vector<std::uint64_t>& c = counts.local();
                        for (std::size_t x = r.begin(); x < r.end(); ++x) {
                          const std::uint64_t u = (v[x] + Fp::from_u64(vl.offset)).value();
                          for (std::size_t k = 0; k < lower.size(); ++k) {
                            const std::uint64_t limb = (u >> (bits_l * k)) & mask;
                            lower[k][x] = Fp::from_u64(limb);
                            ++c[limb];
                          }
                          const std::uint64_t t = u >> top_shift;
                          top[x] = Fp::from_u64(t);
                          ++c[t];
                          if (vl.top_shifted) ++c[t + shift_add];
                        }
                      });
    out.lower.push_back(std::move(lower));
    out.tops.push_back(std::move(top));
  }
  out.multiplicities.assign(table_size, Fp::zero());
  std::vector<std::uint64_t> total(table_size, 0);
  for (const auto& c : counts) {
    for (std::size_t t = 0; t < table_size; ++t) total[t] += c[t];
  }
  // Counts are below 2^40 < p (RangeStatement::check), so they are exact field elements.
  for (std::size_t t = 0; t < table_size; ++t) out.multiplicities[t] = Fp::from_u64(total[t]);
  return out;
}

std::vector<Fp> range_top_limb(const RangeStatement& statement, std::size_t vector, std::span<const Fp> values,
                               std::span<const std::vector<Fp>> lower) {
  const RangeLayout layout = RangeLayout::make(statement);
  if (vector >= layout.vectors.size()) throw std::invalid_argument("range_top_limb: no such vector");
  const RangeVectorLayout& vl = layout.vectors[vector];
  if (lower.size() != vl.committed_limbs()) throw std::invalid_argument("range_top_limb: wrong number of limbs");
  for (const auto& l : lower) {
    if (l.size() != values.size()) throw std::invalid_argument("range_top_limb: limb of the wrong size");
  }
  std::vector<Fp> weights;  // 2^(L k)
  for (std::size_t k = 0; k < lower.size(); ++k)
    weights.push_back(Fp::from_u64(std::uint64_t{1} << (statement.limb_bits * k)));
  const Fp inv = Fp::from_u64(std::uint64_t{1} << (statement.limb_bits * (vl.num_limbs - 1))).inverse();
  const Fp offset = Fp::from_u64(vl.offset);
  std::vector<Fp> top(values.size());
  for (std::size_t x = 0; x < values.size(); ++x) {
    Fp u = values[x] + offset;
    for (std::size_t k = 0; k < lower.size(); ++k) u -= weights[k] * lower[k][x];
    top[x] = u * inv;
  }
  return top;
}

}  // namespace fti::crypto

// Shared helpers for the range-argument tests: in-range random vectors with
// their edge values, a standalone honest round trip, and a CHEATING prover
// that skips the range check (for soundness tests only).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/crypto/range.h"
#include "engine/crypto/range_limbs.h"
#include "engine/crypto/transcript.h"
#include "tests/crypto/basefold_helpers.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto::testing {

// Entries of vector `spec` in its range, uniformly random except that the
// range's two ends (and 0, -1 when signed) appear at fixed positions.
inline std::vector<Fp> in_range_values(TestRng& rng, const RangeVectorSpec& spec) {
  const std::size_t n = std::size_t{1} << spec.num_vars;
  const std::uint64_t span = std::uint64_t{1} << spec.bits;
  const std::int64_t low = spec.is_signed ? -static_cast<std::int64_t>(span / 2) : 0;
  std::vector<Fp> v(n);
  for (auto& x : v) x = Fp::from_i64(low + static_cast<std::int64_t>(rng.below(span)));
  const std::int64_t edges[4] = {low, low + static_cast<std::int64_t>(span) - 1, 0,
                                 spec.is_signed ? -1 : static_cast<std::int64_t>(span / 2)};
  for (std::size_t i = 0; i < 4 && i < n; ++i) v[(i * 7919) % n] = Fp::from_i64(edges[i]);
  return v;
}

inline Transcript range_transcript(std::uint64_t public_input = 7) {
  Transcript t("fti.test.range");
  t.absorb_u64("test.public_input", public_input);
  return t;
}

// An honest standalone prover and everything its verifier needs.
struct RangeFixture {
  BasefoldParams params = test_params();
  RangeStatement statement;
  std::vector<BasefoldProverData> value_groups;
  std::vector<RangeValueBinding> bindings;
  RangeProof proof;
  std::vector<std::uint8_t> bytes;

  Status verify_bytes(std::span<const std::uint8_t> b, std::uint64_t prefix = 7) const {
    RangeProof p;
    if (const Status s = RangeProof::parse(b, params, statement, bindings, p); s != Status::kOk) return s;
    Transcript t = range_transcript(prefix);
    return range_verify(params, statement, bindings, p, t);
  }
  Status verify(const RangeProof& p, std::uint64_t prefix = 7) const {
    Transcript t = range_transcript(prefix);
    return range_verify(params, statement, bindings, p, t);
  }
};

inline RangeFixture prove_standalone(RangeStatement statement, std::vector<std::vector<Fp>> tables,
                                     BasefoldParams params = test_params()) {
  RangeFixture f;
  f.params = params;
  f.statement = std::move(statement);
  f.value_groups = range_commit_values(f.params, std::move(tables));
  const std::vector<RangeValueSource> sources = range_sources(f.value_groups);
  const RangeProverData data = range_commit(f.params, f.statement, sources);
  f.bindings = data.bindings();
  Transcript t = range_transcript();
  f.proof = range_prove(data, t);
  f.bytes = f.proof.serialize();
  return f;
}

// CHEATING prover data: limbs by masking the integer value of v + o (whatever
// it is), the top limb as the verifier defines it, and multiplicities that
// count only the lookups that land in the table (the others cannot be
// counted). `tamper` may then change the lower limbs before the counts.
template <typename Tamper>
RangeProverData cheat_commit(const BasefoldParams& params, const RangeStatement& statement,
                             std::span<const RangeValueSource> sources, const Tamper& tamper) {
  const RangeLayout layout = RangeLayout::make(statement);
  const unsigned bits_l = statement.limb_bits;
  const std::uint64_t table = std::uint64_t{1} << bits_l;
  std::vector<std::vector<std::vector<Fp>>> lower(statement.vectors.size());
  std::vector<std::uint64_t> counts(table, 0);
  auto count = [&](Fp x) {
    if (x.value() < table) ++counts[x.value()];
  };
  for (std::size_t j = 0; j < statement.vectors.size(); ++j) {
    const RangeVectorLayout& vl = layout.vectors[j];
    const std::span<const Fp> v = sources[j].group->tables()[sources[j].index];
    lower[j].assign(vl.committed_limbs(), std::vector<Fp>(v.size()));
    for (std::size_t x = 0; x < v.size(); ++x) {
      const std::uint64_t u = (v[x] + Fp::from_u64(vl.offset)).value();
      for (std::size_t k = 0; k < vl.committed_limbs(); ++k) {
        lower[j][k][x] = Fp::from_u64((u >> (bits_l * k)) & (table - 1));
      }
    }
    tamper(j, lower[j]);
    const std::vector<Fp> top = range_top_limb(statement, j, v, lower[j]);
    for (const auto& limb : lower[j]) {
      for (const Fp x : limb) count(x);
    }
    for (const Fp t : top) {
      count(t);
      if (vl.top_shifted) count(t + Fp::from_u64(table - (std::uint64_t{1} << vl.top_bits)));
    }
  }
  std::vector<Fp> m(table);
  for (std::size_t t = 0; t < table; ++t) m[t] = Fp::from_u64(counts[t]);
  return RangeProverData::from_parts_unchecked(params, statement, sources, std::move(lower), std::move(m));
}

inline RangeProverData cheat_commit(const BasefoldParams& params, const RangeStatement& statement,
                                    std::span<const RangeValueSource> sources) {
  return cheat_commit(params, statement, sources, [](std::size_t, std::vector<std::vector<Fp>>&) {});
}

}  // namespace fti::crypto::testing

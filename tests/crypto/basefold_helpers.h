// Shared helpers for the Basefold tests: random tables, small parameter sets
// that keep the tests fast while exercising every code path, and an honest
// commit + open + verify round trip.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/crypto/basefold.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/transcript.h"
#include "tests/crypto/test_rng.h"

namespace fti::crypto::testing {

inline std::vector<std::vector<Fp>> random_tables(TestRng& rng, unsigned num_vars, std::size_t count) {
  std::vector<std::vector<Fp>> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(rng.fps(std::size_t{1} << num_vars));
  return out;
}

// Fast parameters for tests that do not measure soundness: rate 1/4,
// commitment leaves of ~4 values, folded layers of arity 2, final polynomial
// of 4 coefficients,
// 24 queries, 4 bits of grinding (the PoW path runs, cheaply).
inline BasefoldParams test_params() {
  BasefoldParams p;
  p.log_blowup = 2;
  p.commit_leaf_log_size = 2;
  p.fold_log_arity = 1;
  p.final_log_size = 2;
  p.num_queries = 24;
  p.grinding_bits = 4;
  p.cap_log = 1;
  return p;
}

inline Transcript prefix_transcript(std::uint64_t public_input = 7) {
  Transcript t("fti.test.basefold");
  t.absorb_u64("test.public_input", public_input);
  return t;
}

// The claims a verifier would hold for honest groups and their opened values.
inline std::vector<BasefoldGroupClaim> claims_for(std::span<const BasefoldProverData* const> groups,
                                                  const BasefoldOpening& opening) {
  std::vector<BasefoldGroupClaim> out;
  for (std::size_t g = 0; g < groups.size(); ++g) out.push_back({groups[g]->commitment(), opening.values[g]});
  return out;
}

}  // namespace fti::crypto::testing

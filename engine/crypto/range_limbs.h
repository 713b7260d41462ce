// The prover's limb decomposition and lookup multiplicities (docs/PROTOCOL.md,
// section 8.2). Only the honest prover calls these; nothing here is trusted
// by the verifier.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "engine/crypto/goldilocks.h"
#include "engine/crypto/range_statement.h"

namespace fti::crypto {

// The first entry outside its vector's range (vectors in order, then indices).
struct RangeViolation {
  std::size_t vector = 0;
  std::size_t index = 0;
  Fp value;
};

// Checks every entry: unsigned, value < 2^b; signed, value + 2^(b-1) < 2^b
// (both as canonical integers in [0, p)). Throws std::invalid_argument if the
// statement is invalid or a vector's size is not 2^(n_j).
std::optional<RangeViolation> range_find_violation(const RangeStatement& statement,
                                                   std::span<const std::span<const Fp>> values);

struct RangeLimbs {
  std::vector<std::vector<std::vector<Fp>>> lower;  // lower[j][k], k < K_j - 1: the committed limbs
  std::vector<std::vector<Fp>> tops;                // tops[j]: the top limb (not committed)
  std::vector<Fp> multiplicities;                   // m_t, t < 2^L: how often t is looked up
};

// The decomposition of section 8.2 and the multiplicities of every lookup
// (lower limbs, top limbs, shifted top limbs). Linear, TBB-parallel. Throws
// std::invalid_argument (naming the vector and index) if an entry is out of
// range: an honest prover refuses rather than produce a proof that fails.
RangeLimbs range_decompose(const RangeStatement& statement, std::span<const std::span<const Fp>> values);

// The top limb as the verifier defines it, (v + o - sum_k 2^(L k) l_k) / 2^(L (K-1))
// in the field, from arbitrary lower limbs (equal to the decomposition's top
// limb for honest ones). For callers that build limbs themselves (tests).
std::vector<Fp> range_top_limb(const RangeStatement& statement, std::size_t vector, std::span<const Fp> values,
                               std::span<const std::vector<Fp>> lower);

}  // namespace fti::crypto

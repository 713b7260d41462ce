// What the drift proofs (Frobenius norm, section 10.3; low rank, section
// 10.5) share: reading the committed integers, finding a tensor's table in
// the prover's groups, the block-limb parameters every transcript absorbs,
// and the byte-level verifier entry point.
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <span>
#include <string_view>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/goldilocks.h"
#include "engine/drift/drift_status.h"

namespace fti::drift {

// Options of every drift verifier. min_security_bits: the proven soundness
// floor, in bits, every Basefold group the proof opens must meet
// (crypto::basefold_check_security, PROTOCOL.md 7.7): the parameters come
// with the commitments, which the prover chose. 0 turns the floor off: ONLY
// for tests and benchmarks that use small parameters; no command-line path
// sets it.
struct DriftVerifyOptions {
  unsigned min_security_bits = crypto::kBasefoldTargetBits;
};

// The signed integer a committed field element encodes (section 9.2.1);
// false if |v| >= 2^23 (not an honest encoding).
bool encoded_value(crypto::Fp x, std::int64_t& v);

// d = C - B as integers over two committed tables (same size); throws
// Error(kInput) naming `proof` for an entry that is not an honest encoding.
std::vector<std::int64_t> encoded_delta(std::span<const crypto::Fp> base, std::span<const crypto::Fp> candidate,
                                        std::string_view proof);

// Whether tensor record `t` names a polynomial that exists in its group, of
// the tensor's own number of variables.
bool group_holds(const commitment::ModelCommitment& c, const commitment::TensorRecord& t);

// The table of polynomial `poly` in the prover's data for `group`, which
// must be the committed group (same commitment and parameters). Throws
// Error(kIntegrity) naming `proof` ("norm proof") and `side` ("base")
// otherwise.
std::span<const crypto::Fp> committed_table(const commitment::ModelCommitment& c,
                                            std::span<const crypto::BasefoldProverData* const> groups,
                                            std::uint32_t group, std::uint32_t poly, std::string_view proof,
                                            std::string_view side);

// The parameter words a drift transcript absorbs first: the block-sum limb
// constants (shift, hi bits, lo bits), the range argument's limb size L, then
// the Basefold parameters (BasefoldParams::words(), section 7.5).
std::array<std::uint64_t, 12> block_limb_params(unsigned range_limb_bits, const crypto::BasefoldParams& params);

// Layout::make, Proof::parse, then `verify(parsed)`; any exception (an
// allocation failure, a shape a crypto routine refuses) is kMalformed, never
// an acceptance.
template <typename Layout, typename Proof, typename Statement, typename Verify>
DriftResult verify_from_bytes(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                              const Statement& statement, std::span<const std::uint8_t> bytes, const Verify& verify) {
  try {
    Layout layout;
    if (const DriftStatus s = Layout::make(base, candidate, statement, layout); s != DriftStatus::kOk) {
      return {s, crypto::Status::kOk};
    }
    Proof parsed;
    if (const DriftResult r = Proof::parse(bytes, base, candidate, statement, layout, parsed); !r.ok()) return r;
    return verify(parsed);
  } catch (const std::exception&) {
    return {DriftStatus::kMalformed, crypto::Status::kBadParameters};
  }
}

}  // namespace fti::drift

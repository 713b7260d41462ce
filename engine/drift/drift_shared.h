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
#include "engine/crypto/basefold_proof.h"
#include "engine/crypto/bytes.h"
#include "engine/crypto/proof_reader.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/transcript.h"
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

// The candidate's tensor paired with base tensor `b`: same name, shape,
// matrix layout and scale, both held by their groups, both recorded
// max_abs below 2^23 (the no-wrap arguments rest on |v| < 2^23, section
// 9.2.5; the records are bound by the roots). Null when there is none.
const commitment::TensorRecord* paired_candidate(const commitment::ModelCommitment& base,
                                                 const commitment::ModelCommitment& candidate,
                                                 const commitment::TensorRecord& b);

// The Basefold shapes of a class opening's model groups: the listed base
// groups, then the listed candidate groups.
std::vector<crypto::BasefoldGroupShape> model_group_shapes(const commitment::ModelCommitment& base,
                                                           const commitment::ModelCommitment& candidate,
                                                           std::span<const std::uint32_t> base_groups,
                                                           std::span<const std::uint32_t> candidate_groups);

// A drift proof's opening as bytes (10.3.6, 10.5.6, 10.6.6):
//   LE32(G) || G times (LE32(M_g) || M_g Fp3) || LE32(len) || BasefoldProof
// the values of every polynomial of each group at the point, then the
// opening. read_opening takes exactly `shapes`; kOk or the first failure.
void write_opening(crypto::ByteWriter& w, std::span<const std::vector<crypto::Fp3>> values,
                   const crypto::BasefoldProof& opening);
crypto::Status read_opening(crypto::ProofReader& r, const crypto::BasefoldParams& params,
                            std::span<const crypto::BasefoldGroupShape> shapes,
                            std::vector<std::vector<crypto::Fp3>>& values, crypto::BasefoldProof& opening);

// Adds group `g` to an ascending list of distinct groups.
void insert_group(std::vector<std::uint32_t>& groups, std::uint32_t g);
// The position of group `g` in an ascending list of groups.
std::size_t group_position(std::span<const std::uint32_t> groups, std::uint32_t g);

// A tensor's base and candidate values at a class opening's point: the
// opening lists the class's base groups, then its candidate groups (both
// ascending); Class has base_groups and candidate_groups, Tensor its group
// and polynomial on each side (the norm, rank and entry layouts all do).
struct OpenedModelValues {
  crypto::Fp3 base, candidate;
};
template <typename Class, typename Tensor>
OpenedModelValues opened_model_values(std::span<const std::vector<crypto::Fp3>> values, const Class& cls,
                                      const Tensor& t) {
  return {values[group_position(cls.base_groups, t.base_group)][t.base_poly],
          values[cls.base_groups.size() + group_position(cls.candidate_groups, t.candidate_group)][t.candidate_poly]};
}

// Error(kInput): "PROOF: the statement does not fit the commitments (STATUS)".
[[noreturn]] void throw_statement_refused(std::string_view proof, DriftStatus status);

// Layout::make or Error(kInput) naming `proof` and the DriftStatus.
template <typename Layout, typename Statement>
Layout layout_or_throw(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                       const Statement& statement, std::string_view proof) {
  Layout layout;
  if (const DriftStatus s = Layout::make(base, candidate, statement, layout); s != DriftStatus::kOk) {
    throw_statement_refused(proof, s);
  }
  return layout;
}

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

// The bytes of a text (a protocol id, a tensor name) for absorb_bytes.
inline std::span<const std::uint8_t> text_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The labels of a drift transcript's first absorptions.
struct DriftHeaderLabels {
  std::string_view protocol, params, base_root, candidate_root;
};
// What the rank and entry transcripts absorb first (10.5.3, 10.6.3 steps 1-2):
// the protocol id, block_limb_params, the base root, the candidate root.
void absorb_drift_header(crypto::Transcript& t, const DriftHeaderLabels& labels, std::string_view protocol_id,
                         unsigned range_limb_bits, const commitment::ModelCommitment& base,
                         const commitment::ModelCommitment& candidate);

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

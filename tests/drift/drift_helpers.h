// Shared helpers for the drift-proof tests: in-memory model commitments over
// chosen integer tensors (so every edge value and shape can be set exactly),
// the exact reference sums in 128-bit integers, small Basefold parameters,
// and the round trip prove -> bytes -> verify.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/common/int128.h"
#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/transcript.h"
#include "engine/drift/norm.h"

namespace fti::drift::testing {

struct TestTensor {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::vector<std::int64_t> values;  // row-major, |v| < 2^23
};

// A committed in-memory model: the commitment (tensors as I32 at scale 0,
// grouped by size as commit_model does) and the prover data of every group.
struct TestModel {
  std::vector<TestTensor> tensors;  // sorted by name, as in the commitment
  commitment::ModelCommitment commitment;
  std::vector<crypto::BasefoldProverData> groups;

  std::vector<const crypto::BasefoldProverData*> group_pointers() const;
  const TestTensor& tensor(const std::string& name) const;
};

// Small parameters: fast, every code path (rounds, layers, caps, grinding).
crypto::BasefoldParams small_params();
// Tiny parameters for the byte-flip test: no rounds below 2^4 and 2 queries.
crypto::BasefoldParams tiny_params();

TestModel make_model(std::vector<TestTensor> tensors, const crypto::BasefoldParams& params, bool given_scales);

// Uniform values in [-bound, bound] for a shape.
TestTensor random_tensor(std::uint64_t seed, std::string name, std::vector<std::uint64_t> shape, std::int64_t bound);
// `base` with every entry moved by a uniform value in [-step, step], clamped to |v| <= 2^23 - 1.
TestTensor perturbed(const TestTensor& base, std::uint64_t seed, std::int64_t step);

uint128 exact_delta_squares(const TestTensor& base, const TestTensor& candidate);
uint128 exact_base_squares(const TestTensor& base);

crypto::Transcript test_transcript(std::uint64_t context = 1);

struct Proven {
  NormProverOutput out;
  std::vector<std::uint8_t> bytes;
};
Proven prove(const TestModel& base, const TestModel& candidate, const NormStatement& statement,
             std::uint64_t context = 1);
// Verifies with the security floor OFF: the test models use small parameters
// (NormSecurityFloor tests the floor itself).
DriftResult verify(const TestModel& base, const TestModel& candidate, const NormStatement& statement,
                   const NormDisclosure& disclosure, std::span<const std::uint8_t> bytes, std::uint64_t context = 1);

// The positions i at which flipping bit 0 of bytes[i] gives bytes that
// `accepts` still accepts (a strict proof format has none).
template <typename Accepts>
std::vector<std::size_t> accepted_byte_flips(std::vector<std::uint8_t> bytes, const Accepts& accepts) {
  std::vector<std::size_t> accepted;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] ^= 0x01;
    if (accepts(std::span<const std::uint8_t>(bytes))) accepted.push_back(i);
    bytes[i] ^= 0x01;
  }
  return accepted;
}

}  // namespace fti::drift::testing

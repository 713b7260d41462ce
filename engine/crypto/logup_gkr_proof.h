// The LogUp-GKR proof and its byte format (docs/PROTOCOL.md, section 8.4).
//
// Per instance the root fraction (P_i, Q_i); per layer j = 0 .. n-1 of the
// batched GKR, j sumcheck round polynomials of 4 values (degree 3) and the
// child values (4 per active instance) in the order they were sent.
//
//   proof = LE32(2I) || 2I Fp3                                   -- P_0, Q_0, P_1, Q_1, ..
//        || LE32(n)  || per layer j: LE32(j) || j times (LE32(4) || 4 Fp3)
//                                 || LE32(4 a_j) || 4 a_j Fp3    -- a_j active instances
//
// parse() is strict and bounded: every count must be exactly the one the
// instance sizes prescribe (kMalformed for layer and round counts,
// kWrongDegree for a round polynomial without exactly 4 values, kWrongLength
// for the roots and child values), is checked against the bytes left before
// allocating, and every element must be canonical (kNonCanonical).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/status.h"

namespace fti::crypto {

// Values per round polynomial: h(0), h(1), h(2), h(3) (degree 3: eq times a product of two).
inline constexpr std::size_t kLogupRoundValues = 4;
// Values per active instance and layer: p(.., 0), p(.., 1), q(.., 0), q(.., 1).
inline constexpr std::size_t kLogupChildValues = 4;

struct LogupGkrLayerProof {
  std::vector<std::vector<Fp3>> round_polynomials;  // j rounds of h(0..3)
  std::vector<Fp3> child_values;                    // 4 per active instance, in sending order
};

struct LogupGkrProof {
  std::vector<Fp3> roots;                  // P_0, Q_0, P_1, Q_1, ...
  std::vector<LogupGkrLayerProof> layers;  // n = max instance size, layer 0 first

  std::vector<std::uint8_t> serialize() const;
  // instance_vars: n_i for every instance (the public shape).
  static Status parse(std::span<const std::uint8_t> bytes, std::span<const unsigned> instance_vars, LogupGkrProof& out);
};

}  // namespace fti::crypto

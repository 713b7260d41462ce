// The Basefold commitment of one group, computed in bounded memory
// (docs/PROTOCOL.md, section 9.4.2).
//
// The result is bit for bit the commitment basefold_commit(params, tables)
// would return (tested against it), but the M codewords are never held
// together: basefold_commit keeps every table and codeword (8 (1 + 2^b) bytes
// per padded entry of every polynomial, ~40 bytes at rate 1/4), which for the
// larger groups of a real model exceeds the machine. Here each commitment
// leaf's SHA-256 state is kept instead, and the polynomials are streamed
// through it one at a time: a leaf holds positions [m 2^a0, (m+1) 2^a0) of
// every codeword (merkle.h), so feeding the codewords in polynomial order
// produces exactly the leaf's byte string. When the states of all leaves do
// not fit in the memory budget, the codeword is processed in 2^sigma slabs
// (aligned ranges of positions: cosets of a subgroup), each slab streaming
// every polynomial again; a slab's subtree is reduced to its root as soon as
// its leaves are final. Memory: one SHA-256 state (112 bytes) per leaf of a
// slab, plus one table and one slab of codeword.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/goldilocks.h"

namespace fti::commitment {

// Writes the evaluation table of polynomial j (2^n entries) into `table`.
// Called once per polynomial and slab, in polynomial order within a slab.
using TableSource = std::function<void(std::size_t j, std::span<crypto::Fp> table)>;

struct GroupCommitOptions {
  // Bound on the leaf states of one slab (not on the table and codeword
  // buffers of the polynomial being streamed).
  std::size_t memory_budget = std::size_t{512} << 20;
};

struct GroupCommitStats {
  unsigned slabs_log = 0;         // the codeword was streamed in 2^slabs_log slabs
  std::size_t state_bytes = 0;    // leaf states of one slab
  std::size_t buffer_bytes = 0;   // table + codeword slab
};

// Bytes of state per commitment leaf held during a slab.
std::size_t group_commit_bytes_per_leaf() noexcept;

// The commitment to M tables in n variables. Throws std::invalid_argument if
// params.check_size(n) fails or M is 0 or above kMaxBasefoldPolys.
crypto::BasefoldCommitment commit_group(const crypto::BasefoldParams& params, unsigned num_vars,
                                        std::size_t num_polys, const TableSource& source,
                                        const GroupCommitOptions& options = {}, GroupCommitStats* stats = nullptr);

}  // namespace fti::commitment

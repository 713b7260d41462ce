// Every shape of an entrywise proof, derived by prover and verifier alike
// from the two commitments and the statement (docs/PROTOCOL.md, section
// 10.6.2).
//
// The witness group W holds, in n variables (the tensor's own):
//   max_abs:  a = M' + d  and  a' = M' - d   (polynomials 0 and 1)
//   count:    the mask m, 1 where d != 0     (the last polynomial)
// with M' = min(M, 2^24): |d| < 2^24 for honest encodings (section 9.2.5),
// so a larger M says nothing more. a and a' are range-proven in [0, 2^b),
// b = bit_width(2 M') (at least 1).
#pragma once

#include <cstdint>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/range_statement.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/entry_statement.h"

namespace fti::drift {

// |d| < 2^24 always (both sides |v| < 2^23): the cap on M.
inline constexpr std::uint64_t kEntryAbsCap = std::uint64_t{1} << 24;

struct EntryLayout {
  std::uint32_t base_index = 0, candidate_index = 0;
  std::uint32_t base_group = 0, base_poly = 0;
  std::uint32_t candidate_group = 0, candidate_poly = 0;
  unsigned num_vars = 0;          // n
  std::uint64_t abs_bound = 0;    // M' (max_abs only)
  unsigned abs_bits = 0;          // b (max_abs only)
  std::uint32_t witness_polys = 0;  // 2 (max_abs) + 1 (count)
  std::uint32_t mask_poly = 0;      // index of m in W (count only)

  // kOk and `out`, or kBadStatement (unknown tensor, neither claim, a limb
  // size the range argument refuses), or kIncompatibleCommitments
  // (different Basefold parameters, a candidate without the tensor, another
  // shape, layout or scale, a group record that does not hold the tensor, a
  // max_abs record at or above 2^23).
  static DriftStatus make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                          const EntryStatement& statement, EntryLayout& out);
};

// The range statement (max_abs only): a and a', n variables, b bits, unsigned; limb size L.
crypto::RangeStatement entry_range_statement(const EntryLayout& layout, const EntryStatement& statement);

}  // namespace fti::drift

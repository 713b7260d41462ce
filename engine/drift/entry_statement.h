// What an entrywise drift proof states (docs/PROTOCOL.md, section 10.6).
//
// For each claim, on one tensor t (by its index in the base commitment; the
// candidate's tensor of the same name is paired with it), over the encoded
// integers d(x) = C_t(x) - B_t(x) at the shared scale:
//   max_abs   |d(x)| <= max_abs_bound for every entry      (the caller
//             converts a policy bound beta to floor(beta 2^s), less one when
//             an encoding rounded, section 10.6.1)
//   count     the number of entries with d(x) != 0 is at most the disclosed
//             count c, and c <= max_changed (kNoCountBound: disclosed only,
//             for a budget that sums counts over tensors)
// Either or both per claim; claims in ascending tensor order, one per
// tensor. One proof covers every claim (batched by size class). The weights
// and the support of d are not disclosed.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/crypto/range_statement.h"

namespace fti::drift {

inline constexpr std::uint64_t kNoCountBound = std::numeric_limits<std::uint64_t>::max();
// Two range vectors (a, a') per max_abs claim, at most kMaxRangeVectors.
inline constexpr std::size_t kMaxEntryClaims = crypto::kMaxRangeVectors / 2;

struct EntryClaim {
  std::uint32_t tensor = 0;  // index into the base commitment's tensors (name order)
  bool max_abs = false;
  std::uint64_t max_abs_bound = 0;  // M: |d| <= M
  bool count = false;
  std::uint64_t max_changed = kNoCountBound;  // c <= this
  friend bool operator==(const EntryClaim&, const EntryClaim&) = default;
};

struct EntryStatement {
  std::vector<EntryClaim> claims;
  // L of the range argument on M' + d and M' - d (table [0, 2^L)).
  unsigned range_limb_bits = crypto::kDefaultRangeLimbBits;
  friend bool operator==(const EntryStatement&, const EntryStatement&) = default;
};

}  // namespace fti::drift

// Every shape of an entrywise proof, derived by prover and verifier alike
// from the two commitments and the statement (docs/PROTOCOL.md, section
// 10.6.2).
//
// Size classes: the distinct table sizes n of the claims' tensors,
// ascending. Class c has one witness group W_c in n variables holding, per
// claim of the class in order,
//   max_abs:  a = M' + d  and  a' = M' - d
//   count:    the mask m, 1 where d != 0
// with M' = min(M, 2^24) (|d| < 2^24 for honest encodings, section 9.2.5),
// one zero-check sumcheck over its count claims, and one Basefold opening of
// the base and candidate groups holding its tensors and of W_c. One range
// argument covers every a, a' in [0, 2^b), b = bit_width(2 M') (at least 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/commitment/model_commitment.h"
#include "engine/crypto/range_statement.h"
#include "engine/drift/drift_status.h"
#include "engine/drift/entry_statement.h"

namespace fti::drift {

// |d| < 2^24 always (both sides |v| < 2^23): the cap on M.
inline constexpr std::uint64_t kEntryAbsCap = std::uint64_t{1} << 24;

struct EntryClaimLayout {
  std::uint32_t base_index = 0, candidate_index = 0;
  std::uint32_t base_group = 0, base_poly = 0;
  std::uint32_t candidate_group = 0, candidate_poly = 0;
  unsigned num_vars = 0;        // n
  std::uint64_t abs_bound = 0;  // M' (max_abs only)
  unsigned abs_bits = 0;        // b (max_abs only)
  std::size_t size_class = 0;
  std::uint32_t abs_poly = 0;   // a in W_c (a' is abs_poly + 1), max_abs only
  std::uint32_t mask_poly = 0;  // m in W_c, count only
  std::size_t count_position = 0;  // among its class's count claims (count only)

  bool has_max_abs() const noexcept { return abs_bits != 0; }  // b >= 1 for every max_abs claim
};

struct EntryClassLayout {
  unsigned num_vars = 0;
  std::vector<std::size_t> claims;        // statement positions, in order
  std::vector<std::size_t> count_claims;  // those with a count, in order
  std::vector<std::uint32_t> base_groups;       // distinct model groups opened, ascending
  std::vector<std::uint32_t> candidate_groups;  // likewise in the candidate
  std::uint32_t witness_polys = 0;
};

struct EntryLayout {
  std::vector<EntryClaimLayout> claims;  // one per statement claim
  std::vector<EntryClassLayout> classes;  // by n ascending
  std::size_t abs_claims = 0;             // claims with max_abs

  // kOk and `out`, or kBadStatement (no claim or more than kMaxEntryClaims, a
  // claim with neither bound, tensors unknown or not strictly ascending, a
  // limb size the range argument refuses), or kIncompatibleCommitments
  // (different Basefold parameters, a candidate without the tensor, another
  // shape, layout or scale, a group record that does not hold the tensor, a
  // max_abs record at or above 2^23).
  static DriftStatus make(const commitment::ModelCommitment& base, const commitment::ModelCommitment& candidate,
                          const EntryStatement& statement, EntryLayout& out);
};

// The range statement: per max_abs claim in order, a then a' (n variables,
// b bits, unsigned); limb size L. No vector when no claim has max_abs.
crypto::RangeStatement entry_range_statement(const EntryLayout& layout, const EntryStatement& statement);

}  // namespace fti::drift

// What a range argument proves, and how each vector is split into limbs
// (docs/PROTOCOL.md, sections 8.1-8.2).
//
// A statement lists vectors v_j of 2^(n_j) entries, each with a range
// [0, 2^b_j) or, signed, [-2^(b_j - 1), 2^(b_j - 1)), 1 <= b_j <= 32, and one
// limb size L for the whole argument (one lookup table [0, 2^L)). With
// u = v + o (o = 2^(b-1) when signed, 0 otherwise), K = ceil(b / L) limbs:
//   u = sum_{k < K-1} 2^(L k) l_k + 2^(L (K-1)) top,
// the lower limbs l_k in [0, 2^L) and the top limb in [0, 2^c),
// c = b - L (K - 1) in [1, L]. The lower limbs are committed; the top limb
// is not: it is *defined* as (u - sum 2^(L k) l_k) / 2^(L (K-1)) in the field,
// so the decomposition recomposes by construction. Lookups into [0, 2^L):
// every lower limb, the top limb, and when c < L also top + 2^L - 2^c (the
// shifted lookup that bounds top by 2^c).
//
// RangeLayout turns a statement into these numbers and into the list of
// LogUp instances (section 8.3): for each vector its K - 1 lower limbs, its
// top limb and its shifted top limb (if c < L), in that order, each of
// 2^(n_j) lookups; then the table, 2^L fractions m_t / (alpha - t).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/crypto/status.h"

namespace fti::crypto {

inline constexpr unsigned kMaxRangeBits = 32;
inline constexpr unsigned kMinRangeLimbBits = 1;
inline constexpr unsigned kMaxRangeLimbBits = 20;
inline constexpr unsigned kDefaultRangeLimbBits = 16;
// 4096: a 1B-parameter model of small layers (141 x 768^2 attention) has 282
// q/v tensors under relative norm bounds, 564 norm items, 1128 vectors.
inline constexpr std::size_t kMaxRangeVectors = 4096;
inline constexpr unsigned kMaxRangeVectorVars = 30;  // kMaxBasefoldVars: every vector is a Basefold polynomial
// Lookups plus table entries stay below 2^40 < p: the LogUp identity holds
// over the integers only if no multiplicity can reach the characteristic.
inline constexpr unsigned kMaxRangeLogLookups = 40;

struct RangeVectorSpec {
  unsigned num_vars = 0;  // n_j: 2^(n_j) entries
  unsigned bits = 0;      // b_j in [1, 32]
  bool is_signed = false;
  friend bool operator==(const RangeVectorSpec&, const RangeVectorSpec&) = default;
};

struct RangeStatement {
  unsigned limb_bits = kDefaultRangeLimbBits;  // L
  std::vector<RangeVectorSpec> vectors;

  // kOk, or kBadParameters: L outside [1, 20], no vector or more than 4096,
  // a vector above 30 variables, b outside [1, 32], or 2^40 lookups and
  // table entries or more.
  Status check() const noexcept;
  friend bool operator==(const RangeStatement&, const RangeStatement&) = default;
};

inline constexpr std::size_t kRangeNoGroup = static_cast<std::size_t>(-1);

struct RangeVectorLayout {
  unsigned num_limbs = 0;                  // K = ceil(b / L)
  unsigned top_bits = 0;                   // c = b - L (K - 1)
  bool top_shifted = false;                // c < L: the shifted lookup top + 2^L - 2^c
  std::uint64_t offset = 0;                // o: 2^(b-1) when signed
  std::size_t bundle = 0;                  // its LogUp instances are slots of this bundle,
  std::size_t first_slot = 0;              // consecutive from this one
  std::size_t first_limb = 0;              // index of l_0 in the flat list of committed limbs
  std::size_t limb_group = kRangeNoGroup;  // Basefold group of the lower limbs (K >= 2)
  std::size_t limb_offset = 0;             // index of l_0 among that group's polynomials

  unsigned committed_limbs() const noexcept { return num_limbs - 1; }
  std::size_t num_instances() const noexcept { return num_limbs + (top_shifted ? 1 : 0); }
};

// One Basefold group per distinct n_j among the vectors with K_j >= 2 (in
// order of first use): the lower limbs of those vectors, vector order.
struct RangeLimbGroup {
  unsigned num_vars = 0;
  std::size_t num_polys = 0;
  friend bool operator==(const RangeLimbGroup&, const RangeLimbGroup&) = default;
};

// The LogUp instances of one size n merged into one (section 8.3): slot s
// holds instance s's 2^n entries at s 2^n + x, the shift folded into its
// values; the 2^k - members padding slots have numerator 0. The GKR then
// costs per layer one set of child values per bundle, not per instance.
struct RangeBundle {
  unsigned num_vars = 0;    // n
  unsigned stack_vars = 0;  // k = ceil(log2 members)
  std::size_t members = 0;  // real instances
  friend bool operator==(const RangeBundle&, const RangeBundle&) = default;
};

struct RangeLayout {
  unsigned limb_bits = 0;
  std::vector<RangeVectorLayout> vectors;
  std::vector<RangeBundle> bundles;     // by n, in order of first use
  std::vector<unsigned> instance_vars;  // every LogUp instance: the bundles (n + k), then the table
  std::size_t table_instance = 0;       // bundles.size()
  std::vector<RangeLimbGroup> limb_groups;  // by n_j, in order of first use; a new one when a group's
                                            // stacked size would pass 2^30 entries
  std::size_t num_limb_groups = 0;          // limb_groups.size()
  std::size_t num_committed_limbs = 0;  // sum of K_j - 1
  unsigned num_vars = 0;                // max(n_j, L): the length of the final point
  std::uint64_t num_lookups = 0;        // sum_j (K_j + shifted_j) 2^(n_j)
  std::uint64_t num_leaves = 0;         // sum over bundles of 2^(n + k): lookups and padding

  // Throws std::invalid_argument if statement.check() fails.
  static RangeLayout make(const RangeStatement& statement);
};

}  // namespace fti::crypto

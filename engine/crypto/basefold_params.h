// Basefold parameters and their soundness (docs/PROTOCOL.md, sections 7.1 and 7.8).
//
// One BasefoldParams value fixes everything both parties must agree on before
// a commitment: the code rate 2^-log_blowup, the folding arities, the size of
// the final polynomial, the number of queries, the proof-of-work bits and the
// Merkle cap. It is absorbed into the transcript at the start of every
// opening, so a proof made under one parameter set never verifies under
// another.
//
// Soundness. basefold_soundness() evaluates the bound derived in section 7.8
// term by term. kUniqueDecoding (the default, and the only regime the CLI
// picks) uses proven bounds only: proximity parameter delta = (1 - rho)/2,
// correlated agreement in the unique-decoding regime [BCIKS20, DG24] and the
// Basefold/FRI-Binius bad-event analysis [DP24]. kConjectured is an explicitly
// labelled option that counts each query as rho (the "up to capacity"
// conjecture, which is disproven near capacity for smooth RS domains); it
// exists to report what such parameters would give, never as a default.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/crypto/status.h"

namespace fti::crypto {

enum class BasefoldSecurity : std::uint8_t {
  kUniqueDecoding = 1,  // proven: per-query error (1 + rho) / 2
  kConjectured = 2,     // NOT proven: per-query error rho ("up to capacity")
};

// Security target of the default parameters, in bits.
inline constexpr unsigned kBasefoldTargetBits = 100;
// Largest polynomial: 2^30 coefficients (DESIGN section 6: per-tensor
// polynomials, Goldilocks 2-adicity 32 bounds the codeword at 2^32).
inline constexpr unsigned kMaxBasefoldVars = 30;
// Bounds on every size an untrusted proof or parameter set can name.
inline constexpr std::size_t kMaxBasefoldPolys = std::size_t{1} << 16;
inline constexpr std::size_t kMaxBasefoldGroups = 4096;
inline constexpr unsigned kMaxBasefoldLogArity = 6;
inline constexpr unsigned kMaxBasefoldLeafLogSize = 8;
inline constexpr unsigned kMaxBasefoldFinalLogSize = 12;
inline constexpr unsigned kMaxBasefoldQueries = 1024;
inline constexpr unsigned kMaxBasefoldGrindingBits = 32;
inline constexpr unsigned kMaxBasefoldCapLog = 12;
inline constexpr unsigned kMaxBasefoldLogBlowup = 8;

// l = ceil(log2 M): the layer variables that index the M polynomials of a
// stacked group (section 7.2). 0 for one polynomial.
unsigned basefold_stack_vars(std::size_t num_polys) noexcept;

struct BasefoldParams;
// The most polynomials a group in num_vars variables can stack under
// `params` (check_shape passes), 0 if none: min(2^16, 2^(max - n)). The
// norm, entry and rank verifiers check the security floor of groups whose
// size the prover picks (the range argument's limb groups) at this worst case.
std::size_t basefold_max_polys(const BasefoldParams& params, unsigned num_vars) noexcept;

struct BasefoldParams {
  BasefoldSecurity security = BasefoldSecurity::kUniqueDecoding;
  unsigned log_blowup = 2;            // rate rho = 2^-log_blowup
  unsigned commit_leaf_log_size = 4;  // L: a commitment leaf holds 2^a0 positions of the stacked
                                      // codeword, a0 = min(L, 6, R)
  unsigned fold_log_arity = 3;        // later layers fold 2^a positions per leaf
  unsigned final_log_size = 8;        // the final polynomial has 2^min(f, n) coefficients
  unsigned num_queries = 124;         // query phase repetitions (capped at the number of leaves)
  unsigned grinding_bits = 16;        // proof-of-work before the query indices are drawn
  unsigned cap_log = 0;               // Merkle caps of 2^cap_log nodes (capped at the tree height)

  // kOk, or kBadParameters for a field out of range (log_blowup in [1, 8],
  // commit_leaf_log_size in [1, 8], fold_log_arity in [1, 6], final_log_size <= 12, num_queries in [1, 1024],
  // grinding_bits <= 32, cap_log <= 12, security a known value).
  Status check() const noexcept;
  // check(), and num_vars <= 30 and num_vars + log_blowup <= 32 (the largest
  // NTT domain of Goldilocks).
  Status check_size(unsigned num_vars) const noexcept;
  // A group of num_polys polynomials in num_vars variables is committed as one
  // stacked polynomial in num_vars + basefold_stack_vars(num_polys) variables
  // (section 7.2): kOk if 1 <= num_polys <= kMaxBasefoldPolys and
  // check_size() accepts the stacked size.
  Status check_shape(unsigned num_vars, std::size_t num_polys) const noexcept;
  // The words absorbed as "basefold.params" (section 7.5):
  // security, log_blowup, commit_leaf_log_size, fold_log_arity, final_log_size,
  // num_queries, grinding_bits, cap_log.
  std::array<std::uint64_t, 8> words() const noexcept;
  bool proven() const noexcept { return security == BasefoldSecurity::kUniqueDecoding; }

  friend bool operator==(const BasefoldParams&, const BasefoldParams&) = default;
};

// The proven defaults (section 7.8, parameter table): rate 1/4, 124 queries,
// 16 bits of grinding, commitment leaves of ~16 values, arity 8 in the folded
// layers, final polynomial of 256 coefficients. Valid for
// every n <= 30, >= 100 bits for every n <= 30 and up to 2^16 polynomials.
BasefoldParams basefold_default_params() noexcept;
// LABELLED CONJECTURED: the same shape with the query count of the disproven
// "up to capacity" conjecture (42 queries). For comparison only.
BasefoldParams basefold_conjectured_params() noexcept;

// Each error term of section 7.8 as bits (-log2 of the probability); +inf
// for a term that is zero (no rounds, one polynomial, all leaves queried).
struct BasefoldSoundness {
  double sumcheck_bits = 0;  // 2 R / |F|
  double batching_bits = 0;  // stacking: l / |F| (l = ceil(log2 M) layer variables)
  double folding_bits = 0;   // sum over layers of a_j N_{j+1} / |F|
  double query_bits = 0;     // ((1 + rho)/2)^q 2^-g  (kConjectured: rho^q 2^-g)
  double total_bits = 0;     // -log2 of the sum of the four terms
  unsigned effective_queries = 0;
  bool proven = true;
};

// The bound for one group of `num_polys` polynomials in `num_vars`
// variables. Throws std::invalid_argument if params.check_shape(num_vars,
// num_polys) fails.
BasefoldSoundness basefold_soundness(const BasefoldParams& params, unsigned num_vars, std::size_t num_polys);

// The security floor a verifier of stored proofs enforces (section 7.8):
// kOk if params.check_shape(num_vars, num_polys) passes, the regime is proven
// (kUniqueDecoding) and the group's total soundness is at least min_bits;
// kInsecureParameters for conjectured or too-weak parameters (a prover must
// not be able to choose them); kBadParameters for invalid ones. Never throws.
// basefold_verify itself accepts any valid parameters (tests use small
// ones); every verifier of a certificate calls this for each group first.
[[nodiscard]] Status basefold_check_security(const BasefoldParams& params, unsigned num_vars, std::size_t num_polys,
                                             unsigned min_bits = kBasefoldTargetBits) noexcept;

// The smallest num_queries with query_bits >= target_bits under `params`'
// regime, rate and grinding (the rule behind the parameter table).
unsigned basefold_min_queries(const BasefoldParams& params, unsigned target_bits);

}  // namespace fti::crypto

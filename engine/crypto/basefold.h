// Basefold multilinear polynomial commitment: opening and verification
// (docs/PROTOCOL.md, section 7).
//
// An opening proves, for one or more committed groups (each a batch of M_g
// polynomials in n_g variables, committed as one stacked polynomial S_g in
// n_g + l_g variables, basefold_commit.h), that every polynomial P_{g,j}
// evaluates to v_{g,j} at the group's point. All groups share one random
// point z (length >= max n_g) and one transcript: group g is opened at the
// prefix z_g = (z_0, .., z_{n_g - 1}) (section 7.5: a table in fewer
// variables is the same polynomial as its periodic extension to more
// variables, whose evaluation at z is P(z_g)).
//
// Per group: after the claimed values are absorbed, the verifier draws the
// layer point rho (l_g challenges) and the claims become one claim on the
// stacked polynomial, S_g(rho, z_g) = sum_j eq(rho, j) v_{g,j}. The sumcheck
// for sum_b S_g(b) eq(b, (rho, z_g)) runs interleaved with the folding of the
// stacked codeword by the same challenges, layer variables first; every 2^a
// folds the folded codeword is committed; after R = n + l - f rounds the
// prover sends the folded polynomial as a final polynomial of 2^f
// coefficients and the verifier checks the last sumcheck claim against it.
// Then one proof-of-work for the whole opening, and per group the query
// phase: num_queries distinct leaves of the commitment, each folded through
// every layer down to the final polynomial.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "engine/crypto/basefold_commit.h"
#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/basefold_proof.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/status.h"
#include "engine/crypto/transcript.h"

namespace fti::crypto {

// Transcript labels, in the order they are used (section 7.5).
inline constexpr std::string_view kBasefoldLabelParams = "basefold.params";
inline constexpr std::string_view kBasefoldLabelNumGroups = "basefold.num_groups";
inline constexpr std::string_view kBasefoldLabelPoint = "basefold.point";
inline constexpr std::string_view kBasefoldLabelNumVars = "basefold.num_vars";
inline constexpr std::string_view kBasefoldLabelNumPolys = "basefold.num_polys";
inline constexpr std::string_view kBasefoldLabelCommitment = "basefold.commitment";
inline constexpr std::string_view kBasefoldLabelClaimedValues = "basefold.claimed_values";
inline constexpr std::string_view kBasefoldLabelStackPoint = "basefold.stack_point";
inline constexpr std::string_view kBasefoldLabelBatchChallenge = "basefold.batch_challenge";
inline constexpr std::string_view kBasefoldLabelRoundPolynomial = "basefold.round_polynomial";
inline constexpr std::string_view kBasefoldLabelRoundChallenge = "basefold.round_challenge";
inline constexpr std::string_view kBasefoldLabelLayerCommitment = "basefold.layer_commitment";
inline constexpr std::string_view kBasefoldLabelFinalPolynomial = "basefold.final_polynomial";
inline constexpr std::string_view kBasefoldLabelPowNonce = "basefold.pow_nonce";
inline constexpr std::string_view kBasefoldLabelQueryIndices = "basefold.query_indices";

// What the verifier knows about one group: the commitment and the claimed
// values v_{g,j} = P_{g,j}(z_g), one per polynomial.
struct BasefoldGroupClaim {
  BasefoldCommitment commitment;
  std::vector<Fp3> values;
};

struct BasefoldOpening {
  BasefoldProof proof;
  std::vector<std::vector<Fp3>> values;  // values[g][j] = P_{g,j}(z_g)
};

// The point of group g: z_g = point[0, num_vars).
std::span<const Fp3> basefold_group_point(std::span<const Fp3> point, unsigned num_vars);

// Opens every group at its prefix of `point` on the caller's transcript
// (which already holds whatever the caller's protocol absorbed). All groups
// must have been committed under the same parameters; point.size() >= every
// n_g. Computes the values itself and returns them with the proof. Throws
// std::invalid_argument on inconsistent inputs (a programming error).
BasefoldOpening basefold_open(std::span<const BasefoldProverData* const> groups, std::span<const Fp3> point,
                              Transcript& transcript);
BasefoldOpening basefold_open(const BasefoldProverData& group, std::span<const Fp3> point, Transcript& transcript);

// kOk only if every check of section 7.7 passes. Never throws on adversarial
// input; kBadParameters for parameters or shapes it cannot accept.
[[nodiscard]] Status basefold_verify(const BasefoldParams& params, std::span<const BasefoldGroupClaim> groups,
                                     std::span<const Fp3> point, const BasefoldProof& proof, Transcript& transcript);
[[nodiscard]] Status basefold_verify(const BasefoldParams& params, const BasefoldGroupClaim& group,
                                     std::span<const Fp3> point, const BasefoldProof& proof, Transcript& transcript);

// The query phase's leaf indices for one group (section 7.5, step 7):
// num_queries distinct indices into the commitment tree, increasing, drawn
// with challenge_distinct_indices. Prover and verifier both call this.
std::vector<std::size_t> basefold_query_indices(Transcript& transcript, const BasefoldLayout& layout);

// The shapes parse() needs, read off the claims.
std::vector<BasefoldGroupShape> basefold_shapes(std::span<const BasefoldGroupClaim> groups);

}  // namespace fti::crypto

// The Basefold transcript schedule pieces shared by prover and verifier
// (docs/PROTOCOL.md, section 7.5): the opening header, the per-group record,
// the layer point, the one-variable eq factor and the position of the
// layer commitments among the rounds. Both sides call exactly these, so the
// absorption order has one implementation.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/basefold_params.h"
#include "engine/crypto/fp3.h"
#include "engine/crypto/merkle.h"
#include "engine/crypto/transcript.h"

namespace fti::crypto {

// Step 1: "basefold.params", "basefold.num_groups", "basefold.point".
void basefold_absorb_header(Transcript& t, const BasefoldParams& params, std::size_t num_groups,
                            std::span<const Fp3> point);
// Step 2, one group: "basefold.num_vars", "basefold.num_polys",
// "basefold.commitment", "basefold.claimed_values".
void basefold_absorb_group(Transcript& t, unsigned num_vars, std::size_t num_polys, const MerkleCap& cap,
                           std::span<const Fp3> values);
// Step 3, one batch: the layer point rho (l challenges "basefold.stack_point",
// none for one polynomial).
std::vector<Fp3> basefold_draw_stack_point(Transcript& t, unsigned stack_vars);
// Step 3, one batch of G groups: 1, alpha, .., alpha^(G-1) with alpha =
// challenge "basefold.batch_challenge", drawn only when G >= 2 ({1} otherwise).
std::vector<Fp3> basefold_draw_batch_powers(Transcript& t, std::size_t num_groups);
// The stacked polynomial's claimed value at (rho, z): sum_j eq(rho, j) v_j.
Fp3 basefold_stack_claim(std::span<const Fp3> rho, std::span<const Fp3> values);
// The stacked point (rho, z_g): layer variables first.
std::vector<Fp3> basefold_stacked_point(std::span<const Fp3> rho, std::span<const Fp3> group_point);
// The index j >= 1 of the layer committed right after round `round` (whose
// first round is round + 1), or 0 if none.
std::size_t basefold_layer_completed_by(const BasefoldLayout& layout, unsigned round);

}  // namespace fti::crypto

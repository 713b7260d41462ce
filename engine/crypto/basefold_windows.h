// The parts of a stacked Basefold codeword an opening reads, computed from
// the members' tables, for a prover that does not hold the codeword
// (docs/PROTOCOL.md, section 7.10).
//
// An opening reads the committed codeword twice: whole, folded by the first
// a0 challenges into the first folded layer, and at the query leaves (with
// the tree's dropped levels around them). Holding the codeword costs
// 8 * 2^b bytes per stacked entry (32 at rate 1/4), four times the tables;
// at a billion parameters that alone exceeds the machine. Both reads have
// exact table-side equivalents:
//
// * The fold of the codeword of f by r is the codeword of f_e + r f_o
//   (basefold_fold.h), i.e. of the stacked polynomial with its lowest
//   variable fixed at r. So the first folded layer is the Reed-Solomon
//   encoding (over Fp3) of the tables folded by the first a0 challenges and
//   combined over the groups: 2^(n+l-a0) extension values encoded once.
//
// * The codeword on a coset x <w_L> of member positions is the coset NTT of
//   f mod (X^L - x^L), and on that coset X^(2^j) = x^(2^j) for 2^j >= L:
//   the reduction is the table with its variables j >= log L fixed at
//   x^(2^j) (a multilinear fold), then the Moebius transform. Cosets whose
//   x agree in their top powers share the top folds: the folds form a tree,
//   walked depth first, whose levels below the root have at most 2^(b+2),
//   2^(b+3), .. nodes whatever the number of queries (the root's step fixes
//   two variables and reads every table once per node: 2^(b+2) = 16 reads
//   of the tables at rate 1/4), so all the windows of an opening cost a few
//   passes over the tables, not one per query. Buffers: about half the
//   tables' size along the path.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/crypto/fp3.h"
#include "engine/crypto/goldilocks.h"

namespace fti::crypto {

// Positions [k 2^w, (k+1) 2^w) of the stacked codeword basefold_commit
// computes for `tables` (M >= 1 tables of 2^n entries, l = stack_vars with
// M <= 2^l, rate 2^-log_blowup), for every k in `windows` (strictly
// increasing, inside the domain of 2^(n+l+b) positions), concatenated in
// that order. w = window_log <= n + l + b. Throws std::invalid_argument on
// inconsistent sizes.
std::vector<Fp> basefold_codeword_windows(std::span<const std::vector<Fp>> tables, unsigned stack_vars,
                                          unsigned log_blowup, unsigned window_log,
                                          std::span<const std::size_t> windows);

// What basefold_fold_commitment computes from the groups' stacked codewords
// (sum_g powers[g] codeword_g folded by the a = challenges.size() challenges),
// from their tables instead: groups[g] holds group g's M_g tables (all of
// 2^n entries, M_g <= 2^stack_vars); `out` has 2^(n + l + b - a) values,
// a <= n + l. Throws std::invalid_argument on inconsistent sizes.
void basefold_fold_tables(std::span<const std::span<const std::vector<Fp>>> groups, unsigned stack_vars,
                          unsigned log_blowup, std::span<const Fp3> powers, std::span<const Fp3> challenges,
                          std::span<Fp3> out);

}  // namespace fti::crypto

#include "engine/crypto/basefold_params.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <stdexcept>

#include "engine/crypto/basefold_layout.h"
#include "engine/crypto/goldilocks.h"
#include "engine/crypto/ntt.h"

namespace fti::crypto {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log2 |Fp3| = 3 log2 p, p = 2^64 (1 - 2^-32 + 2^-64).
double log2_field_size() {
  const double log2_p = 64.0 + std::log1p(-std::ldexp(1.0, -32) + std::ldexp(1.0, -64)) / std::log(2.0);
  return 3.0 * log2_p;
}

// log2 of the per-query acceptance probability alpha.
double log2_query_alpha(const BasefoldParams& params) {
  const double rho = std::ldexp(1.0, -static_cast<int>(params.log_blowup));
  return params.security == BasefoldSecurity::kUniqueDecoding ? std::log2((1.0 + rho) / 2.0) : std::log2(rho);
}

// -log2(sum_i 2^-bits_i); +inf terms contribute nothing.
double combine_bits(std::initializer_list<double> bits) {
  double sum = 0;
  for (const double b : bits) {
    if (b != kInf) sum += std::exp2(-b);
  }
  return sum == 0 ? kInf : -std::log2(sum);
}

}  // namespace

Status BasefoldParams::check() const noexcept {
  const bool known = security == BasefoldSecurity::kUniqueDecoding || security == BasefoldSecurity::kConjectured;
  if (!known || log_blowup < 1 || log_blowup > kMaxBasefoldLogBlowup || commit_leaf_log_size < 1 ||
      commit_leaf_log_size > kMaxBasefoldLeafLogSize || fold_log_arity < 1 || fold_log_arity > kMaxBasefoldLogArity ||
      final_log_size > kMaxBasefoldFinalLogSize || num_queries < 1 || num_queries > kMaxBasefoldQueries ||
      grinding_bits > kMaxBasefoldGrindingBits || cap_log > kMaxBasefoldCapLog) {
    return Status::kBadParameters;
  }
  return Status::kOk;
}

Status BasefoldParams::check_size(unsigned num_vars) const noexcept {
  if (const Status s = check(); s != Status::kOk) return s;
  if (num_vars > kMaxBasefoldVars || num_vars + log_blowup > kMaxLogNttSize) return Status::kBadParameters;
  return Status::kOk;
}

unsigned basefold_stack_vars(std::size_t num_polys) noexcept {
  return num_polys <= 1 ? 0 : static_cast<unsigned>(std::bit_width(num_polys - 1));
}

Status BasefoldParams::check_shape(unsigned num_vars, std::size_t num_polys) const noexcept {
  if (num_polys == 0 || num_polys > kMaxBasefoldPolys || num_vars > kMaxBasefoldVars) return Status::kBadParameters;
  return check_size(num_vars + basefold_stack_vars(num_polys));
}

std::size_t basefold_max_polys(const BasefoldParams& params, unsigned num_vars) noexcept {
  if (params.check_size(num_vars) != Status::kOk) return 0;
  unsigned stack = 0;
  while (stack < 16 && params.check_size(num_vars + stack + 1) == Status::kOk) ++stack;
  return std::size_t{1} << stack;
}

std::array<std::uint64_t, 8> BasefoldParams::words() const noexcept {
  return {static_cast<std::uint64_t>(security),
          log_blowup,
          commit_leaf_log_size,
          fold_log_arity,
          final_log_size,
          num_queries,
          grinding_bits,
          cap_log};
}

BasefoldParams basefold_default_params() noexcept { return BasefoldParams{}; }

BasefoldParams basefold_conjectured_params() noexcept {
  BasefoldParams p;
  p.security = BasefoldSecurity::kConjectured;
  p.num_queries = basefold_min_queries(p, kBasefoldTargetBits);
  return p;
}

Status basefold_check_security(const BasefoldParams& params, unsigned num_vars, std::size_t num_polys,
                               unsigned min_bits) noexcept {
  if (params.check_shape(num_vars, num_polys) != Status::kOk) return Status::kBadParameters;
  if (!params.proven()) return Status::kInsecureParameters;
  try {
    const BasefoldSoundness s = basefold_soundness(params, num_vars, num_polys);
    return s.total_bits >= static_cast<double>(min_bits) ? Status::kOk : Status::kInsecureParameters;
  } catch (const std::exception&) {
    return Status::kBadParameters;
  }
}

unsigned basefold_min_queries(const BasefoldParams& params, unsigned target_bits) {
  if (params.grinding_bits >= target_bits) return 1;
  const double per_query = -log2_query_alpha(params);
  const double needed = static_cast<double>(target_bits - params.grinding_bits) / per_query;
  return static_cast<unsigned>(std::max(1.0, std::ceil(needed - 1e-9)));
}

BasefoldSoundness basefold_soundness(const BasefoldParams& params, unsigned num_vars, std::size_t num_polys) {
  if (num_polys == 0 || num_polys > kMaxBasefoldPolys) {
    throw std::invalid_argument("basefold_soundness: number of polynomials out of range");
  }
  const BasefoldLayout layout = BasefoldLayout::make(params, num_vars, num_polys);
  const double log_f = log2_field_size();
  BasefoldSoundness s;
  s.proven = params.proven();
  s.effective_queries = layout.num_queries;
  const unsigned rounds = layout.num_rounds;
  s.sumcheck_bits = rounds == 0 ? kInf : log_f - std::log2(2.0 * rounds);
  // A wrong claimed value makes sum_j eq(rho, j) (v_j - P_j(z)) a non-zero
  // multilinear polynomial in the l layer challenges rho (section 7.8).
  const unsigned stack_vars = basefold_stack_vars(num_polys);
  s.batching_bits = stack_vars == 0 ? kInf : log_f - std::log2(static_cast<double>(stack_vars));
  double fold = 0;
  for (const BasefoldLayer& l : layout.layers) {
    fold += l.log_arity * std::ldexp(1.0, static_cast<int>(l.log_domain - l.log_arity));
  }
  s.folding_bits = fold == 0 ? kInf : log_f - std::log2(fold);
  const std::size_t leaves = std::size_t{1} << layout.layers.front().log_leaves;
  // Querying every leaf of the commitment checks every fold: a cheating
  // prover is then rejected unless a commit-phase event occurred.
  s.query_bits =
      layout.num_queries == leaves ? kInf : -log2_query_alpha(params) * layout.num_queries + params.grinding_bits;
  s.total_bits = combine_bits({s.sumcheck_bits, s.batching_bits, s.folding_bits, s.query_bits});
  return s;
}

}  // namespace fti::crypto

#include "engine/crypto/range_soundness.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/crypto/goldilocks.h"
#include "engine/crypto/logup_gkr_schedule.h"

namespace fti::crypto {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log2 |Fp3| = 3 log2 p.
double log2_field() { return 3.0 * std::log2(static_cast<double>(Fp::kModulus)); }

}  // namespace

RangeSoundness range_soundness(const BasefoldParams& params, const RangeStatement& statement,
                               std::size_t value_group_polys) {
  const RangeLayout layout = RangeLayout::make(statement);
  if (params.check_size(statement.limb_bits) != Status::kOk) throw std::invalid_argument("range: bad parameters");
  RangeSoundness s;
  s.num_lookups = layout.num_lookups;
  s.num_instances = layout.instance_vars.size();
  const LogupGkrSchedule schedule(layout.instance_vars);
  s.num_vars = schedule.num_vars();

  const double table = std::ldexp(1.0, static_cast<int>(statement.limb_bits));
  // Every leaf of the merged instances counts, padding included (section 8.8).
  s.lookup_bits = log2_field() - std::log2(static_cast<double>(layout.num_leaves) + table);
  double gkr = 0;
  for (unsigned j = 0; j < schedule.num_vars(); ++j) {
    gkr += 3.0 * static_cast<double>(schedule.active_count(j)) - 1.0 + 3.0 * j;
  }
  s.gkr_bits = gkr > 0 ? log2_field() - std::log2(gkr) : kInf;

  s.opening_bits = kInf;
  for (std::size_t j = 0; j < statement.vectors.size(); ++j) {
    const unsigned n = statement.vectors[j].num_vars;
    s.opening_bits = std::min(s.opening_bits, basefold_soundness(params, n, value_group_polys).total_bits);
  }
  for (const RangeLimbGroup& g : layout.limb_groups) {
    s.opening_bits = std::min(s.opening_bits, basefold_soundness(params, g.num_vars, g.num_polys).total_bits);
  }
  s.opening_bits = std::min(s.opening_bits, basefold_soundness(params, statement.limb_bits, 1).total_bits);

  auto prob = [](double bits) { return std::isinf(bits) ? 0.0 : std::exp2(-bits); };
  const double total = prob(s.lookup_bits) + prob(s.gkr_bits) + prob(s.opening_bits);
  s.total_bits = total > 0 ? -std::log2(total) : kInf;
  return s;
}

}  // namespace fti::crypto

#include "engine/drift/drift_shared.h"

#include <string>

#include "engine/commitment/fixed_point.h"
#include "engine/common/error.h"
#include "engine/drift/norm_statement.h"

namespace fti::drift {

bool encoded_value(crypto::Fp x, std::int64_t& v) {
  const std::uint64_t u = x.value();
  v = u <= crypto::Fp::kModulus / 2 ? static_cast<std::int64_t>(u)
                                    : -static_cast<std::int64_t>(crypto::Fp::kModulus - u);
  return v < commitment::kValueBound && v > -commitment::kValueBound;
}

std::vector<std::int64_t> encoded_delta(std::span<const crypto::Fp> base, std::span<const crypto::Fp> candidate,
                                        std::string_view proof) {
  std::vector<std::int64_t> d(base.size());
  for (std::size_t x = 0; x < d.size(); ++x) {
    std::int64_t b = 0, c = 0;
    if (!encoded_value(base[x], b) || !encoded_value(candidate[x], c)) {
      throw Error(ErrorCode::kInput, std::string(proof) + ": table entry " + std::to_string(x) +
                                         " is not an encoded value (|v| < 2^23)");
    }
    d[x] = c - b;
  }
  return d;
}

bool group_holds(const commitment::ModelCommitment& c, const commitment::TensorRecord& t) {
  return t.group < c.groups.size() && c.groups[t.group].num_vars == t.num_vars() &&
         t.index < c.groups[t.group].num_polys;
}

std::span<const crypto::Fp> committed_table(const commitment::ModelCommitment& c,
                                            std::span<const crypto::BasefoldProverData* const> groups,
                                            std::uint32_t group, std::uint32_t poly, std::string_view proof,
                                            std::string_view side) {
  if (group >= groups.size() || groups[group] == nullptr || !(groups[group]->commitment() == c.groups[group]) ||
      !(groups[group]->params() == c.params)) {
    throw Error(ErrorCode::kIntegrity, std::string(proof) + ": " + std::string(side) + " group " +
                                           std::to_string(group) + " is missing or not the committed one");
  }
  return groups[group]->tables()[poly];
}

std::array<std::uint64_t, 12> block_limb_params(unsigned range_limb_bits, const crypto::BasefoldParams& params) {
  const std::array<std::uint64_t, 8> w = params.words();
  return {kNormLimbShift, kNormHiBits, kNormLoBits, range_limb_bits, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]};
}

}  // namespace fti::drift

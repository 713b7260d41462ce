#include "engine/commitment/grouping.h"

#include <algorithm>
#include <bit>
#include <map>
#include <stdexcept>

#include "engine/crypto/ntt.h"

namespace fti::commitment {
namespace {

// How many of `remaining` members the next chunk takes (grouping.h).
std::size_t next_chunk(std::size_t remaining, std::size_t limit) {
  if (remaining <= limit && 8 * remaining >= 5 * std::bit_ceil(remaining)) return remaining;
  return std::bit_floor(std::min(remaining, limit));
}

}  // namespace

unsigned max_group_vars(const crypto::BasefoldParams& params) noexcept {
  const unsigned blowup = std::min(params.log_blowup, crypto::kMaxLogNttSize);
  return std::min(crypto::kMaxBasefoldVars, crypto::kMaxLogNttSize - blowup);
}

std::vector<GroupPlan> plan_groups(std::span<const unsigned> num_vars, std::size_t max_polys,
                                   unsigned max_group_vars) {
  if (max_polys == 0) throw std::invalid_argument("plan_groups: max_polys must be positive");
  std::map<unsigned, std::vector<std::size_t>> by_size;
  for (std::size_t i = 0; i < num_vars.size(); ++i) {
    if (num_vars[i] > max_group_vars) throw std::invalid_argument("plan_groups: a table above the largest group");
    by_size[num_vars[i]].push_back(i);
  }
  std::vector<GroupPlan> groups;
  for (auto& [n, members] : by_size) {
    const unsigned spare = std::min(max_group_vars - n, 16u);
    const std::size_t limit = std::min(max_polys, std::size_t{1} << spare);
    for (std::size_t first = 0; first < members.size();) {
      const std::size_t take = next_chunk(members.size() - first, limit);
      GroupPlan g;
      g.num_vars = n;
      g.members.assign(members.begin() + static_cast<std::ptrdiff_t>(first),
                       members.begin() + static_cast<std::ptrdiff_t>(first + take));
      groups.push_back(std::move(g));
      first += take;
    }
  }
  return groups;
}

}  // namespace fti::commitment

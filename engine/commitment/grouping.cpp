#include "engine/commitment/grouping.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace fti::commitment {

std::vector<GroupPlan> plan_groups(std::span<const unsigned> num_vars, std::size_t max_polys) {
  if (max_polys == 0) throw std::invalid_argument("plan_groups: max_polys must be positive");
  std::map<unsigned, std::vector<std::size_t>> by_size;
  for (std::size_t i = 0; i < num_vars.size(); ++i) by_size[num_vars[i]].push_back(i);
  std::vector<GroupPlan> groups;
  for (auto& [n, members] : by_size) {
    for (std::size_t first = 0; first < members.size(); first += max_polys) {
      GroupPlan g;
      g.num_vars = n;
      const std::size_t last = std::min(members.size(), first + max_polys);
      g.members.assign(members.begin() + static_cast<std::ptrdiff_t>(first),
                       members.begin() + static_cast<std::ptrdiff_t>(last));
      groups.push_back(std::move(g));
    }
  }
  return groups;
}

}  // namespace fti::commitment

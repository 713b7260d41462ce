#include "reports/heatmap_grid.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <utility>

#include "reports/layer_name.h"

namespace fti::reports {
namespace {

struct RowKeyLess {
  bool operator()(const std::pair<std::string, std::uint64_t>& a, const std::pair<std::string, std::uint64_t>& b) const {
    if (a.first != b.first) {
      if (natural_less(a.first, b.first)) return true;
      if (natural_less(b.first, a.first)) return false;
      return a.first < b.first;  // "01" and "1": any fixed order
    }
    return a.second < b.second;
  }
};

struct Candidate {
  std::size_t order = 0;  // position in display order
  std::size_t tensors = 0;
  bool violation = false;
};

// Up to `cap` of `candidates` (given in display order): those with a
// violation first, then the most populated, then the earliest; returned as a
// keep-mask in display order.
std::vector<bool> choose(const std::vector<Candidate>& candidates, std::size_t cap) {
  std::vector<bool> keep(candidates.size(), candidates.size() <= cap);
  if (candidates.size() <= cap) return keep;
  std::vector<std::size_t> by_priority(candidates.size());
  std::iota(by_priority.begin(), by_priority.end(), std::size_t{0});
  std::stable_sort(by_priority.begin(), by_priority.end(), [&](std::size_t a, std::size_t b) {
    if (candidates[a].violation != candidates[b].violation) return candidates[a].violation;
    return candidates[a].tensors > candidates[b].tensors;
  });
  for (std::size_t k = 0; k < cap; ++k) keep[by_priority[k]] = true;
  return keep;
}

}  // namespace

HeatmapGrid build_heatmap_grid(const Report& report, const HeatmapLimits& limits) {
  using RowKey = std::pair<std::string, std::uint64_t>;
  struct Placed {
    std::size_t tensor;
    RowKey row;
    std::size_t column;  // first-appearance order of the module
  };
  std::map<RowKey, Candidate, RowKeyLess> rows;
  std::map<std::string, std::size_t> column_of;
  std::vector<Candidate> columns;
  std::vector<std::string> column_names;
  std::vector<Placed> placed;
  HeatmapGrid grid;

  for (std::size_t i = 0; i < report.tensors.size(); ++i) {
    const TensorReport& t = report.tensors[i];
    LayerName where = parse_layer_name(t.name);
    const bool violation = t.verdict == Verdict::kViolation;
    if (!where.in_layer) {
      if (grid.non_layer.size() < limits.max_non_layer) {
        grid.non_layer.push_back(i);
      } else {
        ++grid.tensors_left_out;
      }
      continue;
    }
    RowKey key{std::move(where.stack), where.index};
    Candidate& row = rows[key];
    ++row.tensors;
    row.violation = row.violation || violation;
    auto [it, added] = column_of.try_emplace(where.module, columns.size());
    if (added) {
      columns.push_back({columns.size(), 0, false});
      column_names.push_back(where.module);
    }
    ++columns[it->second].tensors;
    columns[it->second].violation = columns[it->second].violation || violation;
    placed.push_back({i, std::move(key), it->second});
  }

  // Rows in stack and index order; columns in order of first appearance.
  std::vector<Candidate> row_candidates;
  std::vector<RowKey> row_keys;
  for (auto& [key, candidate] : rows) {
    candidate.order = row_candidates.size();
    row_candidates.push_back(candidate);
    row_keys.push_back(key);
  }
  const std::vector<bool> keep_row = choose(row_candidates, limits.max_rows);
  const std::vector<bool> keep_column = choose(columns, limits.max_columns);

  std::vector<std::size_t> row_position(row_keys.size()), column_position(columns.size());
  for (std::size_t r = 0; r < row_keys.size(); ++r) {
    if (!keep_row[r]) {
      ++grid.rows_left_out;
      continue;
    }
    row_position[r] = grid.rows.size();
    const auto& [stack, index] = row_keys[r];
    grid.rows.push_back({stack, index, stack.empty() ? std::to_string(index) : stack + "." + std::to_string(index)});
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (!keep_column[c]) {
      ++grid.columns_left_out;
      continue;
    }
    column_position[c] = grid.columns.size();
    grid.columns.push_back(column_names[c]);
  }
  for (const Placed& p : placed) {
    const std::size_t r = rows.at(p.row).order;
    if (!keep_row[r] || !keep_column[p.column]) {
      ++grid.tensors_left_out;
      continue;
    }
    grid.cells.push_back({p.tensor, row_position[r], column_position[p.column]});
  }
  return grid;
}

}  // namespace fti::reports

#include "engine/gate/policy_suggestion.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <fmt/core.h>

#include "policy/matrix_view.h"

namespace fti::gate {
namespace {

using analysis::TensorDrift;

constexpr double kLowRankGap = 4.0;  // sigma_r / sigma_{r+1} that counts as a clear low-rank structure

bool is_number(std::string_view segment) {
  return !segment.empty() && std::all_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         (segment.size() == 1 || segment[0] != '0') && segment.size() <= 9;
}

std::vector<std::string_view> segments(std::string_view name) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', start)) {
    out.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
  out.push_back(name.substr(start));
  return out;
}

// Glob text matching `segment` literally.
std::string escape_glob(std::string_view segment) {
  std::string out;
  for (const char c : segment) {
    if (std::string_view("*?[]{}\\,").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// A tensor family: the name with numeric segments abstracted.
struct Family {
  std::vector<std::string_view> literal;  // the first member's segments
  std::vector<bool> numeric;
  std::vector<const TensorDrift*> members;
};

// "2", "{0..3}", "{1,4,{6..9}}": a set of numbers as a glob, runs of three
// or more as ranges.
std::string number_set_glob(const std::vector<std::uint64_t>& sorted) {
  std::vector<std::string> items;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (j - i >= 2) {
      items.push_back(fmt::format("{{{}..{}}}", sorted[i], sorted[j]));
    } else {
      for (std::size_t k = i; k <= j; ++k) items.push_back(std::to_string(sorted[k]));
    }
    i = j + 1;
  }
  if (items.size() == 1) return items.front();
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "}";
}

// A glob for `members` of family f: literal segments as they are, each
// numeric segment the set of numbers these members have there (with several
// numeric segments, each set on its own, so the glob may cover a few more
// names; those are unchanged and pass any bound).
std::string family_glob(const Family& f, const std::vector<const TensorDrift*>& members) {
  std::string out;
  for (std::size_t i = 0; i < f.literal.size(); ++i) {
    if (i) out += '.';
    if (!f.numeric[i]) {
      out += escape_glob(f.literal[i]);
      continue;
    }
    std::vector<std::uint64_t> numbers;
    for (const TensorDrift* t : members) numbers.push_back(std::stoull(std::string(segments(t->name)[i])));
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    out += number_set_glob(numbers);
  }
  return out;
}

std::string yaml_single_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The smallest rank with a clear gap below it, and the residual beyond it
// relative to ||Base|| (an estimate; the gate re-measures it).
struct LowRank {
  unsigned rank = 0;
  double relative_residual = 0;
};

std::optional<LowRank> low_rank(const TensorDrift& t) {
  if (t.rank.size() != 1 || !t.stats) return std::nullopt;
  const analysis::RankResult& r = t.rank.front();
  const std::vector<double>& sigma = r.singular_values;
  if (sigma.size() < 2 || sigma[0] <= 0) return std::nullopt;
  // Probe up to the analysed rank: the largest gap wins.
  const std::size_t limit = std::min<std::size_t>(r.max_rank, sigma.size() - 1);
  std::size_t best = 0;
  double best_gap = 0;
  for (std::size_t i = 1; i <= limit; ++i) {
    const double gap = sigma[i] > 0 ? sigma[i - 1] / sigma[i] : std::numeric_limits<double>::infinity();
    if (gap > best_gap) {
      best_gap = gap;
      best = i;
    }
  }
  if (best == 0 || best_gap < kLowRankGap) return std::nullopt;
  // Energy beyond `best`: the analysed residual beyond max_rank plus the
  // singular values between best and max_rank.
  double energy = r.residual_energy + r.residual_energy_error;
  for (std::size_t i = best; i < std::min<std::size_t>(r.max_rank, sigma.size()); ++i) energy += sigma[i] * sigma[i];
  const double base = t.stats->base_squares.to_double();
  if (base <= 0) return std::nullopt;
  return LowRank{static_cast<unsigned>(best), std::sqrt(energy / base)};
}

}  // namespace

std::string round_up_decimal(double value) {
  if (!(value > 0)) return "0";
  if (!std::isfinite(value)) return "1e300";
  // Three significant digits d.dd * 10^e, rounded up, written as decimal
  // text; the policy reads the text back to the nearest double, so step up
  // until that double is not below value.
  int exponent = static_cast<int>(std::floor(std::log10(value))) - 2;
  auto digits = static_cast<std::uint64_t>(std::ceil(value / std::pow(10.0, exponent)));
  for (;;) {
    if (digits >= 1000) {
      digits = (digits + 9) / 10;
      ++exponent;
    }
    const std::string text = fmt::format("{}e{}", digits, exponent);
    const double read_back = std::strtod(text.c_str(), nullptr);
    if (read_back >= value) {
      char buffer[64];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, read_back).ptr;  // shortest: "0.0319"
      return std::string(buffer, end);
    }
    ++digits;
  }
}

analysis::DriftOptions suggestion_drift_options(const SuggestOptions& options) {
  analysis::DriftOptions drift_options;
  drift_options.rank_request = [options](const TensorDrift& t) -> std::optional<analysis::RankRequest> {
    if (!t.stats || t.stats->changed == 0 || t.stats->has_nonfinite() || t.base_shape.size() < 2) return std::nullopt;
    const policy::MatrixView view = policy::matrix_view(options.preset, t.name, t.base_shape);
    if (!view.ok) return std::nullopt;
    const std::uint64_t min_dim = std::min(view.rows, view.cols);
    if (min_dim < 8) return std::nullopt;  // too small for a rank rule to say much
    analysis::RankRequest request;
    request.view = {t.base_shape[0], 1};
    for (std::size_t i = 1; i < t.base_shape.size(); ++i) request.view.cols *= t.base_shape[i];
    request.options.max_rank = static_cast<unsigned>(std::min<std::uint64_t>(options.probe_rank, min_dim / 4));
    return request;
  };
  return drift_options;
}

Suggestion suggest_policy(const analysis::DriftAnalysis& drift, const SuggestOptions& options,
                          const std::vector<std::string>& provenance) {
  Suggestion out;
  std::map<std::string, Family> families;
  std::vector<const TensorDrift*> nonfinite;
  for (const TensorDrift& t : drift.tensors) {
    if (!t.stats) {
      out.problems.push_back(fmt::format("{}: {}", t.name, analysis::pair_status_name(t.status)));
      continue;
    }
    if (t.stats->nonfinite_changed > 0) {
      nonfinite.push_back(&t);
      continue;
    }
    const std::vector<std::string_view> parts = segments(t.name);
    std::string key;
    for (const std::string_view p : parts) key += (is_number(p) ? std::string("#") : std::string(p)) + '\x1f';
    Family& f = families[key];
    if (f.members.empty()) {
      f.literal = parts;
      for (const std::string_view p : parts) f.numeric.push_back(is_number(p));
    }
    f.members.push_back(&t);
  }

  const double grow = 1 + options.margin;
  std::string rules;
  std::size_t changed_families = 0, frozen_tensors = 0;
  analysis::ExactSum total_delta, total_base;
  for (const TensorDrift& t : drift.tensors) {
    if (t.stats && t.stats->nonfinite_changed == 0) {
      total_delta.add(t.stats->delta_squares);
      total_base.add(t.stats->base_squares);
    }
  }
  for (const auto& [key, f] : families) {
    double relative = 0, max_abs = 0, fraction = 0;
    std::vector<const TensorDrift*> changed;
    bool all_low_rank = true;
    unsigned rank = 0;
    double residual = 0;
    for (const TensorDrift* t : f.members) {
      const analysis::TensorStats& s = *t->stats;
      if (s.changed == 0) continue;
      changed.push_back(t);
      const double base = s.base_norm();
      relative = std::max(relative, base > 0 ? s.delta_norm() / base : std::numeric_limits<double>::infinity());
      max_abs = std::max(max_abs, s.max_abs_delta);
      fraction = std::max(fraction, static_cast<double>(s.changed) / static_cast<double>(s.elements));
      const std::optional<LowRank> lr = low_rank(*t);
      if (!lr) {
        all_low_rank = false;
      } else {
        rank = std::max(rank, lr->rank);
        residual = std::max(residual, lr->relative_residual);
      }
    }
    frozen_tensors += f.members.size() - changed.size();
    if (changed.empty()) continue;
    ++changed_families;
    const std::string glob = family_glob(f, changed);
    rules += fmt::format("  - name: {}\n", yaml_single_quoted(glob));
    rules += fmt::format("    match: {}\n", yaml_single_quoted(glob));
    rules += fmt::format("    # {} changed tensor{}; largest ||Delta||/||Base|| {:.3g}, max |Delta| {:.3g}, "
                         "changed fraction {:.3g}\n",
                         changed.size(), changed.size() == 1 ? "" : "s", relative, max_abs, fraction);
    std::string norm = "    norm:\n";
    if (std::isfinite(relative)) norm += fmt::format("      frobenius: {{relative: {}}}\n", round_up_decimal(relative * grow));
    if (max_abs > 0 && std::isfinite(max_abs)) norm += fmt::format("      max_abs: {}\n", round_up_decimal(max_abs * grow));
    if (norm != "    norm:\n") rules += norm;
    if (all_low_rank && rank > 0) {
      rules += fmt::format("    rank:\n      max: {}\n      residual: {{relative: {}}}\n", rank,
                           round_up_decimal(std::max(residual, 1e-12) * grow));
    }
    if (fraction <= 0.5) {
      rules += fmt::format("    sparsity: {{max_fraction: {}}}\n", round_up_decimal(std::min(1.0, fraction * grow)));
    }
  }
  for (const TensorDrift* t : nonfinite) {
    rules += fmt::format("  - name: {}\n    match: {}\n    # NaN or infinity introduced: only allow admits it\n"
                         "    allow: true\n",
                         yaml_single_quoted("nonfinite " + t->name), yaml_single_quoted(escape_glob(t->name)));
  }
  if (frozen_tensors > 0) {
    rules += fmt::format("  - name: frozen\n    match: '**'\n    # {} tensors are bit-identical to the base\n"
                         "    frozen: true\n",
                         frozen_tensors);
  }

  std::string& y = out.yaml;
  y += "# Suggested by fti policy suggest: the tightest policy this candidate satisfies,\n";
  y += fmt::format("# with a margin of {}%. Review it before use.\n", round_up_decimal(options.margin * 100));
  for (const std::string& line : provenance) y += "#   " + line + "\n";
  for (const std::string& p : out.problems) y += "# NOT ADMISSIBLE by any policy: " + p + "\n";
  y += "version: 1\n";
  if (options.preset) y += "preset: " + options.preset->name() + "\n";
  y += "default: violation\n";
  y += rules.empty() ? "rules: []\n" : "rules:\n" + rules;
  // A budget over every tensor would include the non-finite ones, which no
  // budget admits: none then.
  if (changed_families > 0 && nonfinite.empty()) {
    const double total_base_norm = std::sqrt(total_base.to_double());
    const double total_relative =
        total_base_norm > 0 ? std::sqrt(total_delta.to_double()) / total_base_norm : 0.0;
    if (total_relative > 0 && std::isfinite(total_relative)) {
      y += fmt::format("budgets:\n  - name: total\n    over: '**'\n    # whole-model ||Delta||/||Base|| {:.3g}\n"
                       "    norm:\n      frobenius: {{relative: {}}}\n",
                       total_relative, round_up_decimal(total_relative * grow));
    }
  }
  return out;
}

}  // namespace fti::gate

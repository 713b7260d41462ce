#include "policy/policy.h"

#include <algorithm>

#include "policy/glob.h"
#include "policy/name_matcher.h"

namespace fti::policy {

std::string_view default_action_name(DefaultAction action) noexcept {
  switch (action) {
    case DefaultAction::kViolation: return "violation";
    case DefaultAction::kAllow: return "allow";
    case DefaultAction::kFrozen: return "frozen";
  }
  return "violation";
}

std::string MatchSpec::to_string() const {
  const auto item_text = [](const MatchItem& item) {
    switch (item.kind) {
      case MatchItem::Kind::kGlob: return item.text;
      case MatchItem::Kind::kRegex: return "{regex: " + item.text + "}";
      case MatchItem::Kind::kGroup: return "{group: " + item.text + "}";
    }
    return item.text;
  };
  if (items.size() == 1) return item_text(items.front());
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    out += item_text(items[i]);
  }
  return out + "]";
}

struct Policy::Compiled {
  NameMatcher rules;
  NameMatcher budgets;
  std::vector<std::string> group_names;
  NameMatcher groups;
};

namespace {

std::vector<MatcherPattern> preset_group_patterns(const PresetGroup& group) {
  std::vector<MatcherPattern> out;
  for (const std::string& g : group.globs) out.push_back(to_matcher_pattern({PatternKind::kGlob, g}));
  return out;
}

}  // namespace

Policy::Policy(PolicyContent content) : content_(std::make_shared<const PolicyContent>(std::move(content))) {
  try {
    std::vector<std::vector<MatcherPattern>> rule_sets;
    for (const Rule& r : content_->rules) rule_sets.push_back(to_matcher_patterns(r.match.patterns));
    std::vector<std::vector<MatcherPattern>> budget_sets;
    for (const Budget& b : content_->budgets) budget_sets.push_back(to_matcher_patterns(b.over.patterns));
    std::vector<std::string> names;
    std::vector<std::vector<MatcherPattern>> group_sets;
    if (content_->preset != nullptr) {
      for (const PresetGroup& g : content_->preset->groups()) {
        names.push_back(g.name);
        group_sets.push_back(preset_group_patterns(g));
      }
    }
    for (const auto& [name, spec] : content_->groups) {
      names.push_back(name);
      group_sets.push_back(to_matcher_patterns(spec.patterns));
    }
    compiled_ = std::make_shared<const Compiled>(
        Compiled{NameMatcher(rule_sets), NameMatcher(budget_sets), std::move(names), NameMatcher(group_sets)});
  } catch (const PatternError& e) {
    throw Error(ErrorCode::kPolicy, content_->file_name + ": pattern does not compile: " + e.what());
  }
}

const Rule* Policy::match(std::string_view tensor_name) const {
  const std::optional<std::size_t> hit = compiled_->rules.first(tensor_name);
  return hit ? &content_->rules[*hit] : nullptr;
}

std::vector<std::size_t> Policy::budgets_for(std::string_view tensor_name) const {
  return compiled_->budgets.all(tensor_name);
}

bool Policy::in_budget(const Budget& budget, std::string_view tensor_name) const {
  return compiled_->budgets.matches(budget.index, tensor_name);
}

std::vector<std::string> Policy::group_names() const { return compiled_->group_names; }

bool Policy::has_group(std::string_view group) const {
  const auto& names = compiled_->group_names;
  return std::find(names.begin(), names.end(), group) != names.end();
}

bool Policy::in_group(std::string_view group, std::string_view tensor_name) const {
  const auto& names = compiled_->group_names;
  const auto it = std::find(names.begin(), names.end(), group);
  return it != names.end() &&
         compiled_->groups.matches(static_cast<std::size_t>(it - names.begin()), tensor_name);
}

std::vector<std::string> Policy::groups_of(std::string_view tensor_name) const {
  std::vector<std::string> out;
  for (std::size_t i : compiled_->groups.all(tensor_name)) out.push_back(compiled_->group_names[i]);
  return out;
}

MatrixView Policy::matrix_view(std::string_view tensor_name, std::span<const std::uint64_t> shape) const {
  return policy::matrix_view(content_->preset, tensor_name, shape);
}

}  // namespace fti::policy

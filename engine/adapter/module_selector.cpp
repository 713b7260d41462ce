#include "engine/adapter/module_selector.h"

#include <re2/re2.h>

#include "engine/common/error.h"

namespace fti::adapter {

namespace {

std::unique_ptr<re2::RE2> compile(const std::string& pattern, const LoraConfig& config, std::string_view field) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) {
    throw Error(ErrorCode::kInput, config.file + ": field \"" + std::string(field) + "\": regular expression " +
                                       quote_untrusted(pattern, 100) + " does not compile (" +
                                       escape_untrusted(re->error(), 120) + "; fti uses RE2 syntax)");
  }
  return re;
}

bool full_match(const re2::RE2& re, std::string_view text) {
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), re);
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

struct ModuleSelectorSet::Compiled {
  std::unique_ptr<re2::RE2> target, exclude;
  std::vector<std::unique_ptr<re2::RE2>> rank, alpha;
};

namespace {

bool selects(const ModuleSelector& selector, const re2::RE2* re, std::string_view module) {
  switch (selector.kind) {
    case ModuleSelector::Kind::kNone:
      return false;
    case ModuleSelector::Kind::kAllLinear:
      return true;
    case ModuleSelector::Kind::kRegex:
      return full_match(*re, module);
    case ModuleSelector::Kind::kList:
      for (const std::string& name : selector.names) {
        if (module == name || (ends_with(module, name) && module.size() > name.size() &&
                               module[module.size() - name.size() - 1] == '.')) {
          return true;
        }
      }
      return false;
  }
  return false;
}

}  // namespace

ModuleSelectorSet::ModuleSelectorSet(const LoraConfig& config)
    : config_(config), compiled_(std::make_unique<Compiled>()) {
  if (config.target_modules.kind == ModuleSelector::Kind::kRegex) {
    compiled_->target = compile(config.target_modules.regex, config, "target_modules");
  }
  if (config.exclude_modules.kind == ModuleSelector::Kind::kRegex) {
    compiled_->exclude = compile(config.exclude_modules.regex, config, "exclude_modules");
  }
  for (const auto& [key, r] : config.rank_pattern) {
    compiled_->rank.push_back(compile("(?:.*\\.)?(?:" + key + ")", config, "rank_pattern." + key));
  }
  for (const auto& [key, alpha] : config.alpha_pattern) {
    compiled_->alpha.push_back(compile("(?:.*\\.)?(?:" + key + ")", config, "alpha_pattern." + key));
  }
}

ModuleSelectorSet::~ModuleSelectorSet() = default;

bool ModuleSelectorSet::targeted(std::string_view module) const {
  if (selects(config_.exclude_modules, compiled_->exclude.get(), module)) return false;
  return selects(config_.target_modules, compiled_->target.get(), module);
}

bool ModuleSelectorSet::saved(std::string_view module) const {
  for (const std::string& name : config_.modules_to_save) {
    if (ends_with(module, name)) return true;
  }
  return false;
}

std::optional<std::size_t> ModuleSelectorSet::rank_key(std::string_view module) const {
  for (std::size_t i = 0; i < compiled_->rank.size(); ++i) {
    if (full_match(*compiled_->rank[i], module)) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> ModuleSelectorSet::alpha_key(std::string_view module) const {
  for (std::size_t i = 0; i < compiled_->alpha.size(); ++i) {
    if (full_match(*compiled_->alpha[i], module)) return i;
  }
  return std::nullopt;
}

}  // namespace fti::adapter

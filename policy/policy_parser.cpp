#include "policy/policy_parser.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "policy/glob.h"
#include "policy/name_matcher.h"
#include "policy/shadowing.h"
#include "policy/yaml_values.h"

namespace fti::policy {

std::size_t PolicyCheck::error_count() const noexcept {
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Severity::kError;
  }));
}

std::size_t PolicyCheck::warning_count() const noexcept { return diagnostics.size() - error_count(); }

namespace {

constexpr std::string_view kTopKeys[] = {"version", "preset", "default", "groups", "rules", "budgets"};
constexpr std::string_view kRuleKeys[] = {"name", "match", "frozen", "allow", "norm", "rank", "sparsity"};
constexpr std::string_view kBudgetKeys[] = {"name", "over", "norm", "sparsity"};
constexpr std::string_view kNormKeys[] = {"frobenius", "max_abs"};
constexpr std::string_view kBoundKeys[] = {"absolute", "relative"};
constexpr std::string_view kRankKeys[] = {"max", "residual", "per_head"};
constexpr std::string_view kPerHeadKeys[] = {"heads", "axis"};
constexpr std::string_view kSparsityKeys[] = {"max_changed", "max_fraction"};
constexpr std::string_view kMatchKeys[] = {"glob", "regex", "group"};
constexpr std::string_view kPresetKeys[] = {"name", "revision"};
constexpr std::string_view kDefaults[] = {"violation", "allow", "frozen"};

constexpr std::size_t kMaxRegexBytes = 4096;
// RE2 instructions of every pattern as used (a group counts wherever it is
// used). Real policies need a few thousand; the limit keeps each compiled
// set well inside RE2's memory budget (name_matcher.h).
constexpr std::int64_t kMaxPolicyInstructions = 100'000;

constexpr KeyHint kNoHints[] = {{"", ""}};
constexpr KeyHint kTopHints[] = {
    {"match", "rules are listed under rules:, each with a name and a match"},
    {"name", "names belong to rules and budgets"},
    {"frozen", "drift classes belong to rules, e.g. rules: [{name: x, match: '**', frozen: true}]"},
};
constexpr KeyHint kRuleHints[] = {
    {"over", "rules select tensors with match; over is for budgets"},
    {"frobenius", "put it under norm, e.g. norm: {frobenius: {relative: 0.01}}"},
    {"max_abs", "put it under norm, e.g. norm: {max_abs: 0.01}"},
    {"residual", "put it under rank, e.g. rank: {max: 16, residual: {relative: 0.01}}"},
    {"max_rank", "write rank: {max: 16}"},
    {"per_head", "put it under rank, e.g. rank: {max: 4, per_head: {heads: 32}}"},
    {"max_changed", "put it under sparsity, e.g. sparsity: {max_changed: 1000}"},
    {"max_fraction", "put it under sparsity, e.g. sparsity: {max_fraction: 0.001}"},
    {"glob", "write match: PATTERN"},
    {"regex", "write match: {regex: ...}"},
    {"group", "write match: {group: ...}"},
};
constexpr KeyHint kBudgetHints[] = {
    {"match", "budgets select tensors with over"},
    {"changed_fraction", "write sparsity: {max_fraction: ...}"},
    {"max_changed", "write sparsity: {max_changed: ...}"},
    {"max_fraction", "write sparsity: {max_fraction: ...}"},
    {"frobenius", "write norm: {frobenius: {absolute: ...}}"},
    {"max_abs", "write norm: {max_abs: ...}"},
    {"rank", "a budget bounds norms and changed entries over a set of tensors; put rank on a rule"},
    {"frozen", "put frozen on a rule"},
    {"allow", "put allow on a rule"},
};
constexpr KeyHint kNormHints[] = {
    {"absolute", "put it under frobenius, e.g. frobenius: {absolute: 0.5}"},
    {"relative", "put it under frobenius, e.g. frobenius: {relative: 0.01}"},
};
constexpr KeyHint kRankHints[] = {
    {"rank", "write max: N"},
    {"heads", "put it under per_head, e.g. per_head: {heads: 32}"},
    {"absolute", "put it under residual, e.g. residual: {absolute: 0.1}"},
    {"relative", "put it under residual, e.g. residual: {relative: 0.01}"},
};

bool valid_group_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

// Walks the YAML tree along the schema, collecting every problem.
class PolicyParser : private YamlValues {
 public:
  PolicyParser(std::string_view text, std::string file_name, DiagnosticList& diagnostics)
      : YamlValues(text, diagnostics), file_name_(std::move(file_name)) {}

  std::optional<PolicyContent> run(const YamlNode& root) {
    if (root.is_null()) {
      error({1, 1}, "the policy is empty", "start with 'version: 1'; `fti policy init --preset NAME` writes a starter");
      return std::nullopt;
    }
    if (!root.is_map()) {
      error(root.location,
            "a policy is a mapping (version, rules, ...), not " + std::string(yaml_kind_name(root)));
      return std::nullopt;
    }
    check_keys(root, kTopKeys, "the policy", kTopHints);
    if (!version(root)) return std::nullopt;  // another version's schema: the rest would be noise

    if (const Entry* e = root.find("preset")) preset(*e);
    if (const Entry* e = root.find("default")) default_action(*e);
    if (const Entry* e = root.find("groups")) groups(*e);
    resolve_groups();
    if (const Entry* e = root.find("rules")) rules(*e);
    if (const Entry* e = root.find("budgets")) budgets(*e);
    check_unique_names();
    if (diagnostics_.has_errors()) return std::nullopt;

    for (Diagnostic& w : shadowed_rule_warnings(content_.rules)) diagnostics_.add(std::move(w));
    content_.file_name = file_name_;
    for (const Diagnostic& d : diagnostics_.sorted()) {
      if (d.severity == Severity::kWarning) content_.warnings.push_back(d);
    }
    return std::move(content_);
  }

 private:
  // ---- top level ----

  bool version(const YamlNode& root) {
    const Entry* e = root.find("version");
    if (e == nullptr) {
      error(root.location, "the policy has no version", "add 'version: 1' as the first line");
      return true;
    }
    const std::optional<std::uint64_t> v = whole(*e);
    if (!v) return true;
    if (*v != static_cast<std::uint64_t>(kPolicyVersion)) {
      error(where(*e), "unsupported policy version " + std::to_string(*v),
            "this fti reads version " + std::to_string(kPolicyVersion) + " policies");
      return false;
    }
    return true;
  }

  void preset(const Entry& e) {
    std::optional<std::string> name;
    const Entry* revision = nullptr;
    SourceLocation name_at = where(e);
    if (e.value->is_map()) {
      check_keys(*e.value, kPresetKeys, "preset", kNoHints);
      const Entry* n = e.value->find("name");
      if (n == nullptr) {
        error(where(e), "preset needs a name", "write preset: llama, or preset: {name: llama, revision: 1}");
        return;
      }
      name = text(*n, "the preset name");
      name_at = where(*n);
      revision = e.value->find("revision");
    } else {
      name = text(e, "preset");
    }
    if (!name) return;
    const Preset* p = find_preset(*name);
    if (p == nullptr) {
      const std::vector<std::string_view> names = preset_names();
      const std::string_view close = closest_spelling(*name, names);
      error(name_at, "unknown preset " + quote_untrusted(*name),
            close.empty() ? "the presets are " + join_alternatives(names)
                          : "did you mean \"" + std::string(close) + "\"?");
      return;
    }
    if (revision != nullptr) {
      const std::optional<std::uint64_t> r = whole(*revision);
      if (r && *r != p->revision()) {
        error(where(*revision),
              "the policy pins preset " + p->name() + " revision " + std::to_string(*r) + ", this fti has revision " +
                  std::to_string(p->revision()),
              "the preset's groups or views changed; review the policy, then update the revision");
        return;
      }
    }
    content_.preset = p;
  }

  void default_action(const Entry& e) {
    const std::optional<std::string> value = text(e, "default");
    if (!value) return;
    content_.default_location = where(e);
    if (*value == "violation") {
      content_.default_action = DefaultAction::kViolation;
    } else if (*value == "allow") {
      content_.default_action = DefaultAction::kAllow;
    } else if (*value == "frozen") {
      content_.default_action = DefaultAction::kFrozen;
    } else {
      const std::string_view close = closest_spelling(*value, kDefaults);
      error(where(e), "default must be violation, allow or frozen, not " + quote_untrusted(*value),
            close.empty() ? "it says what happens to tensors that no rule matches"
                          : "did you mean \"" + std::string(close) + "\"?");
    }
  }

  // ---- patterns ----

  bool glob_item(const YamlNode& node, MatchItem::Kind kind_written, std::vector<MatchItem>& out) {
    if (!usable_text(node, "a pattern", GlobLimits{}.max_length)) return false;
    try {
      const Glob glob = Glob::parse(node.text);
      // An exact name is looked up, not compiled (name_matcher.h).
      const std::optional<RegexCheck> compiled =
          glob.is_literal() ? RegexCheck{} : compile({PatternKind::kGlob, node.text}, glob.to_regex(), node.location);
      if (!compiled) return false;
      if (compiled->error) {
        error(node.location, "glob " + quote_untrusted(node.text) + " is too complex: " + *compiled->error,
              "split it into several simpler patterns");
        return false;
      }
    } catch (const PatternError& e) {
      error(inside_scalar(node, e.offset()), "invalid glob " + quote_untrusted(node.text) + ": " + e.what(),
            e.hint());
      return false;
    }
    out.push_back({kind_written, node.text, node.location});
    return true;
  }

  bool regex_item(const YamlNode& node, std::vector<MatchItem>& out) {
    if (!usable_text(node, "a regular expression", kMaxRegexBytes)) return false;
    const std::optional<RegexCheck> compiled = compile({PatternKind::kRegex, node.text}, node.text, node.location);
    if (!compiled) return false;
    if (compiled->error) {
      error(node.location, "invalid regular expression " + quote_untrusted(node.text) + ": " + *compiled->error,
            "regexes use RE2 syntax (no backreferences or lookaround) and must match the whole name");
      return false;
    }
    out.push_back({MatchItem::Kind::kRegex, node.text, node.location});
    return true;
  }

  bool match_item(const YamlNode& node, std::vector<MatchItem>& out) {
    switch (node.kind) {
      case YamlNode::Kind::kScalar:
        return glob_item(node, MatchItem::Kind::kGlob, out);
      case YamlNode::Kind::kSequence:
        error(node.location, "lists of patterns cannot be nested");
        return false;
      case YamlNode::Kind::kNull:
        error(node.location, "a pattern is empty");
        return false;
      case YamlNode::Kind::kMap:
        break;
    }
    check_keys(node, kMatchKeys, "a match", kNoHints);
    const Entry* chosen = nullptr;
    std::size_t known = 0;
    for (const Entry& e : node.entries) {
      if (std::find(std::begin(kMatchKeys), std::end(kMatchKeys), e.key->text) != std::end(kMatchKeys)) {
        chosen = &e;
        ++known;
      }
    }
    if (known != 1) {
      if (known > 1) {
        error(node.location, "a match mapping holds exactly one of glob, regex or group",
              "use a list for several, e.g. [a.*, {regex: b}]");
      } else if (node.entries.empty()) {
        error(node.location, "a match mapping is empty", "write {glob: ...}, {regex: ...} or {group: ...}");
      }
      return false;
    }
    const std::string& key = chosen->key->text;
    if (chosen->value->is_null()) {
      error(where(*chosen), key + " is empty");
      return false;
    }
    if (key == "glob") return glob_item(*chosen->value, MatchItem::Kind::kGlob, out);
    if (key == "regex") return regex_item(*chosen->value, out);
    if (!usable_text(*chosen->value, "a group name", kMaxNameBytes)) return false;
    out.push_back({MatchItem::Kind::kGroup, chosen->value->text, chosen->value->location});
    return true;
  }

  // The match as written; groups are expanded by expand().
  std::optional<MatchSpec> match_spec(const Entry& e, std::string_view what) {
    MatchSpec spec;
    spec.location = where(e);
    const YamlNode& v = *e.value;
    if (v.is_null()) {
      error(where(e), std::string(what) + " is empty",
            "write a tensor name, a glob, {regex: ...}, {group: ...} or a list of them");
      return std::nullopt;
    }
    bool ok = true;
    if (v.is_sequence()) {
      if (v.items.empty()) {
        error(where(e), std::string(what) + " is an empty list");
        return std::nullopt;
      }
      for (const auto& item : v.items) ok = match_item(*item, spec.items) && ok;
    } else {
      ok = match_item(v, spec.items);
    }
    if (!ok) return std::nullopt;
    return spec;
  }

  void over_budget(SourceLocation at) {
    if (over_budget_reported_) return;
    over_budget_reported_ = true;
    error(at,
          "the policy's patterns together compile to more than " + std::to_string(kMaxPolicyInstructions) +
              " regular-expression instructions",
          "a policy needs far fewer; simplify or merge the largest patterns");
  }

  // Compiles each distinct pattern once, to check it and learn its size.
  // Once the document's patterns are over the budget nothing more is
  // compiled (nullopt, reported once), so compiling stays bounded too.
  std::optional<RegexCheck> compile(const Pattern& pattern, const std::string& regex, SourceLocation at) {
    if (const auto it = program_sizes_.find(pattern); it != program_sizes_.end()) return RegexCheck{{}, it->second};
    if (compiled_instructions_ > kMaxPolicyInstructions) {
      over_budget(at);
      return std::nullopt;
    }
    RegexCheck check = check_regex(regex);
    if (!check.error) {
      compiled_instructions_ += check.program_size;
      program_sizes_.emplace(pattern, check.program_size);
    }
    return check;
  }

  // Adds a match's compiled size, as used, to the policy's total (a group
  // counts wherever it is used); false once the total is over the budget.
  bool charge(const MatchSpec& spec) {
    for (const Pattern& p : spec.patterns) {
      auto it = program_sizes_.find(p);
      if (it == program_sizes_.end()) {  // a preset's glob, or an exact name
        const MatcherPattern compiled = to_matcher_pattern(p);
        it = program_sizes_.emplace(p, compiled.exact ? 0 : check_regex(compiled.text).program_size).first;
      }
      used_instructions_ += it->second;
    }
    if (used_instructions_ <= kMaxPolicyInstructions) return true;
    over_budget(spec.location);
    return false;
  }

  // ---- groups ----

  struct UserGroup {
    MatchSpec spec;
    SourceLocation location;
    enum class State : std::uint8_t { kPending, kExpanding, kDone, kFailed } state = State::kPending;
    std::vector<Pattern> patterns;
  };

  void groups(const Entry& e) {
    if (e.value->is_null()) return;
    const YamlNode* map = mapping(e, "groups", "e.g. groups: {adapters: ['model.layers.*.self_attn.{q,v}_proj.weight']}");
    if (map == nullptr) return;
    for (const Entry& g : map->entries) {
      const std::string& name = g.key->text;
      if (!valid_group_name(name)) {
        error(g.key->location, "invalid group name " + quote_untrusted(name),
              "use letters, digits, '_', '-' and '.', at most 64 characters");
        continue;
      }
      if (content_.preset != nullptr && content_.preset->group(name) != nullptr) {
        error(g.key->location, "group " + quote_untrusted(name) + " is already defined by preset " +
                                   content_.preset->name(),
              "choose another name; {group: " + name + "} already means the preset's group");
        continue;
      }
      std::optional<MatchSpec> spec = match_spec(g, "group " + quote_untrusted(name));
      if (!spec) {
        failed_groups_.insert(name);
        continue;
      }
      UserGroup group;
      group.spec = std::move(*spec);
      group.location = g.key->location;
      user_groups_.emplace(name, std::move(group));
    }
  }

  std::vector<std::string_view> known_group_names() const {
    std::vector<std::string_view> names;
    if (content_.preset != nullptr) {
      for (const PresetGroup& g : content_.preset->groups()) names.push_back(g.name);
    }
    for (const auto& [name, group] : user_groups_) names.push_back(name);
    return names;
  }

  void unknown_group(const MatchItem& item) {
    if (failed_groups_.contains(item.text)) return;  // already reported where it is defined
    const std::vector<std::string_view> names = known_group_names();
    std::string hint;
    if (const std::string_view close = closest_spelling(item.text, names); !close.empty()) {
      hint = "did you mean \"" + std::string(close) + "\"?";
    } else if (content_.preset == nullptr) {
      for (std::string_view p : preset_names()) {
        if (find_preset(p)->group(item.text) != nullptr) {
          hint = "group " + item.text + " comes with a preset; add e.g. 'preset: " + std::string(p) + "'";
          break;
        }
      }
    }
    if (hint.empty()) {
      hint = names.empty() ? "define it under groups:, or choose a preset"
                           : "known groups: " + join_alternatives(names);
    }
    error(item.location, "unknown group " + quote_untrusted(item.text), hint);
  }

  // Patterns of a group; nullopt when it is unknown or broken (reported).
  std::optional<std::vector<Pattern>> group_patterns(const MatchItem& item, std::vector<std::string>& chain) {
    if (content_.preset != nullptr) {
      if (const PresetGroup* g = content_.preset->group(item.text)) {
        std::vector<Pattern> out;
        for (const std::string& glob : g->globs) out.push_back({PatternKind::kGlob, glob});
        return out;
      }
    }
    const auto it = user_groups_.find(item.text);
    if (it == user_groups_.end()) {
      unknown_group(item);
      return std::nullopt;
    }
    UserGroup& group = it->second;
    switch (group.state) {
      case UserGroup::State::kDone: return group.patterns;
      case UserGroup::State::kFailed: return std::nullopt;
      case UserGroup::State::kExpanding: {
        std::string cycle;
        const auto from = std::find(chain.begin(), chain.end(), item.text);
        for (auto c = from; c != chain.end(); ++c) cycle += *c + " -> ";
        cycle += item.text;
        error(group.location, "group " + quote_untrusted(item.text) + " refers to itself (" + cycle + ")");
        group.state = UserGroup::State::kFailed;
        return std::nullopt;
      }
      case UserGroup::State::kPending: break;
    }
    group.state = UserGroup::State::kExpanding;
    chain.push_back(item.text);
    const bool ok = expand(group.spec, chain);
    chain.pop_back();
    if (group.state == UserGroup::State::kFailed || !ok) {
      group.state = UserGroup::State::kFailed;
      return std::nullopt;
    }
    group.state = UserGroup::State::kDone;
    group.patterns = group.spec.patterns;
    return group.patterns;
  }

  bool expand(MatchSpec& spec, std::vector<std::string>& chain) {
    bool ok = true;
    std::vector<Pattern> patterns;
    for (const MatchItem& item : spec.items) {
      switch (item.kind) {
        case MatchItem::Kind::kGlob: patterns.push_back({PatternKind::kGlob, item.text}); break;
        case MatchItem::Kind::kRegex: patterns.push_back({PatternKind::kRegex, item.text}); break;
        case MatchItem::Kind::kGroup:
          if (std::optional<std::vector<Pattern>> g = group_patterns(item, chain)) {
            patterns.insert(patterns.end(), g->begin(), g->end());
          } else {
            ok = false;
          }
          break;
      }
    }
    std::sort(patterns.begin(), patterns.end());
    patterns.erase(std::unique(patterns.begin(), patterns.end()), patterns.end());
    spec.patterns = std::move(patterns);
    return ok;
  }

  bool expand(MatchSpec& spec) {
    std::vector<std::string> chain;
    return expand(spec, chain);
  }

  void resolve_groups() {
    for (auto& [name, group] : user_groups_) {
      std::vector<std::string> chain;
      group_patterns(MatchItem{MatchItem::Kind::kGroup, name, group.location}, chain);
    }
    for (auto& [name, group] : user_groups_) {
      if (group.state == UserGroup::State::kDone && charge(group.spec)) content_.groups.emplace(name, group.spec);
    }
  }

  // ---- drift classes ----

  std::optional<Bound> bound(const Entry& e, std::string zero_hint) {
    const std::string key = key_of(e);
    const YamlNode* map = mapping(e, key, "write " + key + ": {absolute: 0.5}, {relative: 0.01} or both");
    if (map == nullptr) return std::nullopt;
    check_keys(*map, kBoundKeys, key, kNoHints);
    Bound b;
    bool ok = true;
    if (const Entry* a = map->find("absolute")) {
      b.absolute = positive(*a, false, zero_hint);
      ok = ok && b.absolute.has_value();
    }
    if (const Entry* r = map->find("relative")) {
      b.relative = positive(*r, true, zero_hint);
      ok = ok && b.relative.has_value();
    }
    if (map->find("absolute") == nullptr && map->find("relative") == nullptr) {
      error(where(e), key + " needs absolute, relative or both");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    return b;
  }

  std::optional<NormClass> norm(const Entry& e) {
    const YamlNode* map = mapping(e, "norm", "e.g. norm: {frobenius: {relative: 0.01}, max_abs: 0.01}");
    if (map == nullptr) return std::nullopt;
    check_keys(*map, kNormKeys, "norm", kNormHints);
    NormClass n;
    bool ok = true;
    const Entry* f = map->find("frobenius");
    const Entry* m = map->find("max_abs");
    if (f != nullptr) {
      n.frobenius = bound(*f, "a zero bound allows no change: use frozen: true");
      ok = ok && n.frobenius.has_value();
    }
    if (m != nullptr) {
      n.max_abs = positive(*m, false, "a zero bound allows no change: use frozen: true");
      ok = ok && n.max_abs.has_value();
    }
    if (f == nullptr && m == nullptr) {
      error(where(e), "norm needs frobenius, max_abs or both");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    return n;
  }

  std::optional<PerHead> per_head(const Entry& e) {
    const YamlNode* map = mapping(e, "per_head", "e.g. per_head: {heads: 32}");
    if (map == nullptr) return std::nullopt;
    check_keys(*map, kPerHeadKeys, "per_head", kNoHints);
    PerHead p;
    bool ok = true;
    if (const Entry* h = map->find("heads")) {
      const std::optional<std::uint64_t> heads = whole(*h);
      if (heads && *heads == 0) {
        error(where(*h), "heads must be at least 1");
        ok = false;
      } else if (!heads) {
        ok = false;
      } else {
        p.heads = *heads;
      }
    } else {
      error(where(e), "per_head needs heads (the number of attention heads)");
      ok = false;
    }
    if (const Entry* a = map->find("axis")) {
      const std::optional<std::string> axis = text(*a, "axis");
      if (axis == "out") {
        p.axis = HeadAxis::kOut;
      } else if (axis == "in") {
        p.axis = HeadAxis::kIn;
      } else {
        if (axis) {
          error(where(*a), "axis must be out or in, not " + quote_untrusted(*axis),
                "out splits rows (q/k/v projections), in splits columns (the output projection)");
        }
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return p;
  }

  std::optional<RankClass> rank(const Entry& e) {
    const YamlNode* map = mapping(e, "rank", "e.g. rank: {max: 16, residual: {relative: 0.01}}");
    if (map == nullptr) return std::nullopt;
    check_keys(*map, kRankKeys, "rank", kRankHints);
    RankClass r;
    bool ok = true;
    if (const Entry* m = map->find("max")) {
      const std::optional<std::uint64_t> max = whole(*m);
      ok = max.has_value();
      if (max) r.max_rank = *max;
    } else {
      error(where(e), "rank needs max, the largest rank the change may have", "e.g. rank: {max: 16}");
      ok = false;
    }
    if (const Entry* res = map->find("residual")) {
      r.residual = bound(*res, "omit residual to require the rank bound without slack");
      ok = ok && r.residual.has_value();
    }
    if (const Entry* p = map->find("per_head")) {
      r.per_head = per_head(*p);
      ok = ok && r.per_head.has_value();
    }
    if (!ok) return std::nullopt;
    return r;
  }

  std::optional<SparsityClass> sparsity(const Entry& e) {
    const YamlNode* map = mapping(e, "sparsity", "e.g. sparsity: {max_changed: 1000} or {max_fraction: 0.001}");
    if (map == nullptr) return std::nullopt;
    check_keys(*map, kSparsityKeys, "sparsity", kNoHints);
    SparsityClass s;
    bool ok = true;
    const Entry* c = map->find("max_changed");
    const Entry* f = map->find("max_fraction");
    if (c != nullptr) {
      s.max_changed = whole(*c);
      ok = ok && s.max_changed.has_value();
    }
    if (f != nullptr) {
      s.max_fraction = fraction(*f);
      ok = ok && s.max_fraction.has_value();
    }
    if (c == nullptr && f == nullptr) {
      error(where(e), "sparsity needs max_changed, max_fraction or both");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    return s;
  }

  // ---- rules and budgets ----

  std::optional<std::string> item_name(const YamlNode& map, std::string_view what) {
    const Entry* n = map.find("name");
    if (n == nullptr) {
      error(map.location, std::string(what) + " has no name", "add name: ..., used in reports");
      return std::nullopt;
    }
    return text(*n, "name");
  }

  bool exclusive_flag(const YamlNode& map, std::string_view key, bool& out) {
    const Entry* e = map.find(key);
    if (e == nullptr) return true;
    const std::optional<bool> value = flag(*e);
    if (!value) return false;
    if (!*value) {
      error(where(*e), std::string(key) + ": false has no effect",
            "remove it; a rule's drift classes say what may change");
      return false;
    }
    out = true;
    return true;
  }

  void rule(const YamlNode& map, std::size_t index) {
    const std::size_t unknown_keys = check_keys(map, kRuleKeys, "a rule", kRuleHints);
    Rule r;
    r.index = index;
    r.location = map.location;
    const std::optional<std::string> name = item_name(map, "a rule");
    bool ok = name.has_value();
    if (name) r.name = *name;
    if (const Entry* m = map.find("match")) {
      std::optional<MatchSpec> spec = match_spec(*m, "match");
      ok = spec && expand(*spec) && charge(*spec) && ok;
      if (spec) r.match = std::move(*spec);
    } else {
      error(map.location, "rule " + quote_untrusted(r.name) + " has no match", "add match: PATTERN");
      ok = false;
    }
    ok = exclusive_flag(map, "frozen", r.frozen) && ok;
    ok = exclusive_flag(map, "allow", r.allow) && ok;
    if (const Entry* e = map.find("norm")) {
      r.norm = norm(*e);
      ok = ok && r.norm;
    }
    if (const Entry* e = map.find("rank")) {
      r.rank = rank(*e);
      ok = ok && r.rank;
    }
    if (const Entry* e = map.find("sparsity")) {
      r.sparsity = sparsity(*e);
      ok = ok && r.sparsity;
    }
    const bool has_frozen = map.find("frozen") != nullptr;
    const bool has_allow = map.find("allow") != nullptr;
    const bool has_bounds = map.find("norm") != nullptr || map.find("rank") != nullptr || map.find("sparsity") != nullptr;
    if (!has_frozen && !has_allow && !has_bounds) {
      if (unknown_keys == 0) {  // a misspelled class is already reported
        error(map.location, "rule " + quote_untrusted(r.name) + " has no drift class",
              "add frozen: true, allow: true, norm, rank or sparsity");
      }
      ok = false;
    } else if (r.frozen && (has_allow || has_bounds)) {
      error(map.find("frozen")->key->location, "frozen excludes every other drift class",
            "a frozen tensor cannot change at all; remove frozen, or the other classes");
      ok = false;
    } else if (r.allow && has_bounds) {
      error(map.find("allow")->key->location, "allow: true permits any change, so the other classes would not be checked",
            "remove allow, or the other classes");
      ok = false;
    }
    if (ok) content_.rules.push_back(std::move(r));
  }

  void rules(const Entry& e) {
    if (e.value->is_null()) return;
    if (!e.value->is_sequence()) {
      error(where(e), "rules must be a list, not " + std::string(yaml_kind_name(*e.value)),
            "write each rule as a list item: '- name: ...'");
      return;
    }
    std::size_t index = 0;
    for (const auto& item : e.value->items) {
      if (!item->is_map()) {
        error(item->location, "a rule is a mapping with name, match and drift classes, not " +
                                  std::string(yaml_kind_name(*item)));
        continue;
      }
      rule(*item, index++);
    }
  }

  void budget(const YamlNode& map, std::size_t index) {
    const std::size_t unknown_keys = check_keys(map, kBudgetKeys, "a budget", kBudgetHints);
    Budget b;
    b.index = index;
    b.location = map.location;
    const std::optional<std::string> name = item_name(map, "a budget");
    bool ok = name.has_value();
    if (name) b.name = *name;
    if (const Entry* o = map.find("over")) {
      std::optional<MatchSpec> spec = match_spec(*o, "over");
      ok = spec && expand(*spec) && charge(*spec) && ok;
      if (spec) b.over = std::move(*spec);
    } else {
      error(map.location, "budget " + quote_untrusted(b.name) + " has no over",
            "add over: PATTERN, the tensors the budget is shared by");
      ok = false;
    }
    if (const Entry* e = map.find("norm")) {
      b.norm = norm(*e);
      ok = ok && b.norm;
    }
    if (const Entry* e = map.find("sparsity")) {
      b.sparsity = sparsity(*e);
      ok = ok && b.sparsity;
    }
    if (map.find("norm") == nullptr && map.find("sparsity") == nullptr) {
      if (unknown_keys == 0) {
        error(map.location, "budget " + quote_untrusted(b.name) + " bounds nothing", "add norm, sparsity or both");
      }
      ok = false;
    }
    if (ok) content_.budgets.push_back(std::move(b));
  }

  void budgets(const Entry& e) {
    if (e.value->is_null()) return;
    if (!e.value->is_sequence()) {
      error(where(e), "budgets must be a list, not " + std::string(yaml_kind_name(*e.value)),
            "write each budget as a list item: '- name: ...'");
      return;
    }
    std::size_t index = 0;
    for (const auto& item : e.value->items) {
      if (!item->is_map()) {
        error(item->location, "a budget is a mapping with name, over and bounds, not " +
                                  std::string(yaml_kind_name(*item)));
        continue;
      }
      budget(*item, index++);
    }
  }

  // Names identify verdicts in reports, so they must be unique.
  void check_unique_names() {
    std::map<std::string, SourceLocation, std::less<>> seen;
    const auto check = [&](const std::string& name, SourceLocation at, std::string_view what) {
      const auto [it, inserted] = seen.emplace(name, at);
      if (!inserted) {
        error(at, std::string(what) + " name " + quote_untrusted(name) + " is already used at line " +
                      std::to_string(it->second.line),
              "rules and budgets need distinct names; reports identify them by name");
      }
    };
    for (const Rule& r : content_.rules) check(r.name, r.location, "rule");
    for (const Budget& b : content_.budgets) check(b.name, b.location, "budget");
  }

  std::string file_name_;
  PolicyContent content_;
  std::map<std::string, UserGroup, std::less<>> user_groups_;
  std::set<std::string, std::less<>> failed_groups_;
  std::map<Pattern, std::int64_t> program_sizes_;
  std::int64_t compiled_instructions_ = 0;  // distinct patterns
  std::int64_t used_instructions_ = 0;      // patterns as used
  bool over_budget_reported_ = false;
};

std::string read_policy_text(const std::filesystem::path& path, std::size_t max_bytes, bool& too_large,
                             std::uintmax_t& size) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec)) {
    const bool missing = !std::filesystem::exists(path, ec);
    throw Error(ErrorCode::kPolicy, escape_untrusted(path.string(), 400) + ": cannot read policy: " +
                                        (missing ? "no such file" : "not a readable file"));
  }
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw Error(ErrorCode::kPolicy, escape_untrusted(path.string(), 400) + ": cannot read policy");
  text.resize(static_cast<std::size_t>(in.gcount()));
  too_large = text.size() > max_bytes;
  size = too_large ? std::filesystem::file_size(path, ec) : text.size();
  return text;
}

}  // namespace

PolicyCheck check_policy(std::string_view text, std::string_view file_name, const YamlLimits& limits) {
  PolicyCheck check;
  check.file_name = std::string(file_name);
  const YamlDocument document = read_yaml(text, limits);
  DiagnosticList diagnostics;
  for (const Diagnostic& d : document.diagnostics) diagnostics.add(d);
  if (document.complete) {
    PolicyParser parser(text, std::string(file_name), diagnostics);
    std::optional<PolicyContent> content = parser.run(*document.root);
    if (content && !diagnostics.has_errors()) {
      try {
        check.policy.emplace(std::move(*content));
      } catch (const Error& e) {
        diagnostics.error({1, 1}, e.what());
      }
    }
  }
  check.diagnostics = diagnostics.sorted();
  return check;
}

PolicyCheck check_policy_file(const std::filesystem::path& path, const YamlLimits& limits) {
  bool too_large = false;
  std::uintmax_t size = 0;
  const std::string text = read_policy_text(path, limits.max_bytes, too_large, size);
  if (too_large) {
    PolicyCheck check;
    check.file_name = path.string();
    check.diagnostics.push_back({Severity::kError,
                                 {1, 1},
                                 "the policy is " + (size != 0 ? std::to_string(size) + " bytes" : "larger") +
                                     ", more than the limit of " + std::to_string(limits.max_bytes),
                                 "a policy is a few kilobytes; is this the right file?"});
    return check;
  }
  return check_policy(text, path.string(), limits);
}

Policy parse_policy(std::string_view text, std::string_view file_name) {
  PolicyCheck check = check_policy(text, file_name);
  if (!check.policy) throw PolicyError(check.file_name, check.diagnostics);
  return std::move(*check.policy);
}

Policy parse_policy_file(const std::filesystem::path& path) {
  PolicyCheck check = check_policy_file(path);
  if (!check.policy) throw PolicyError(check.file_name, check.diagnostics);
  return std::move(*check.policy);
}

}  // namespace fti::policy

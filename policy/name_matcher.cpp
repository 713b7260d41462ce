#include "policy/name_matcher.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "engine/common/error.h"

namespace fti::policy {

namespace {

RE2::Options options_with(std::int64_t max_mem) {
  RE2::Options options;
  options.set_log_errors(false);  // errors are reported as diagnostics, not on stderr
  options.set_max_mem(max_mem);
  return options;
}

// The set's expressions as one alternation; empty when it has none.
std::string union_of(const std::vector<MatcherPattern>& patterns) {
  std::string out;
  for (const MatcherPattern& p : patterns) {
    if (p.exact) continue;
    if (!out.empty()) out += '|';
    out += "(?:" + p.text + ")";
  }
  return out;
}

void merge_into(std::vector<std::size_t>& out, const std::vector<std::size_t>* more) {
  if (more == nullptr) return;
  out.insert(out.end(), more->begin(), more->end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace

struct NameMatcher::SetImpl {
  explicit SetImpl(const RE2::Options& options) : set(options, RE2::ANCHOR_BOTH) {}
  RE2::Set set;
  std::vector<std::size_t> set_of;  // RE2::Set index -> our set index
};

NameMatcher::NameMatcher() = default;
NameMatcher::~NameMatcher() = default;
NameMatcher::NameMatcher(NameMatcher&&) noexcept = default;
NameMatcher& NameMatcher::operator=(NameMatcher&&) noexcept = default;

NameMatcher::NameMatcher(const std::vector<std::vector<MatcherPattern>>& sets, NameMatcherOptions options)
    : size_(sets.size()) {
  std::vector<std::string> unions;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (const MatcherPattern& p : sets[i]) {
      if (!p.exact) continue;
      std::vector<std::size_t>& owners = exact_[p.text];
      if (owners.empty() || owners.back() != i) owners.push_back(i);
    }
    unions.push_back(union_of(sets[i]));
    if (unions.back().empty()) {
      singles_.push_back(nullptr);
      continue;
    }
    auto re = std::make_unique<RE2>(unions.back(), options_with(options.pattern_max_mem));
    if (!re->ok()) throw Error(ErrorCode::kPolicy, "pattern does not compile: " + re->error());
    singles_.push_back(std::move(re));
  }
  if (!options.use_set) return;
  auto impl = std::make_unique<SetImpl>(options_with(options.set_max_mem));
  for (std::size_t i = 0; i < unions.size(); ++i) {
    if (unions[i].empty()) continue;
    std::string error;
    if (impl->set.Add(unions[i], &error) < 0) throw Error(ErrorCode::kPolicy, "pattern does not compile: " + error);
    impl->set_of.push_back(i);
  }
  if (impl->set_of.empty() || !impl->set.Compile()) return;  // nothing to share, or too big: one by one
  set_ = std::move(impl);
}

const std::vector<std::size_t>* NameMatcher::exact_sets(std::string_view name) const {
  if (exact_.empty()) return nullptr;
  const auto it = exact_.find(std::string(name));
  return it == exact_.end() ? nullptr : &it->second;
}

bool NameMatcher::regex_matches(std::size_t set, std::string_view name) const {
  const std::unique_ptr<RE2>& re = singles_.at(set);
  return re && RE2::FullMatch(re2::StringPiece(name.data(), name.size()), *re);
}

std::vector<std::size_t> NameMatcher::regex_all(std::string_view name) const {
  std::vector<std::size_t> out;
  if (set_) {
    std::vector<int> hits;
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    if (set_->set.Match(re2::StringPiece(name.data(), name.size()), &hits, &info)) {
      for (int h : hits) out.push_back(set_->set_of[static_cast<std::size_t>(h)]);
      std::sort(out.begin(), out.end());
      return out;
    }
    if (info.kind == RE2::Set::kNoError) return out;  // no match; otherwise the DFA gave up: one by one
  }
  for (std::size_t i = 0; i < singles_.size(); ++i) {
    if (regex_matches(i, name)) out.push_back(i);
  }
  return out;
}

std::vector<std::size_t> NameMatcher::all(std::string_view name) const {
  std::vector<std::size_t> out = regex_all(name);
  merge_into(out, exact_sets(name));
  return out;
}

std::optional<std::size_t> NameMatcher::first(std::string_view name) const {
  const std::vector<std::size_t>* exact = exact_sets(name);
  std::size_t best = exact != nullptr ? exact->front() : size_;
  if (set_) {
    const std::vector<std::size_t> hits = regex_all(name);
    if (!hits.empty()) best = std::min(best, hits.front());
  } else {
    for (std::size_t i = 0; i < best; ++i) {  // only sets before the exact hit can win
      if (regex_matches(i, name)) {
        best = i;
        break;
      }
    }
  }
  if (best == size_) return std::nullopt;
  return best;
}

bool NameMatcher::matches(std::size_t set, std::string_view name) const {
  if (set >= size_) return false;
  if (const std::vector<std::size_t>* exact = exact_sets(name)) {
    if (std::binary_search(exact->begin(), exact->end(), set)) return true;
  }
  return regex_matches(set, name);
}

RegexCheck check_regex(const std::string& pattern, std::int64_t max_mem) {
  const RE2 re(pattern, options_with(max_mem));
  RegexCheck check;
  if (re.ok()) {
    check.program_size = re.ProgramSize();
  } else {
    check.error = re.error();
  }
  return check;
}

}  // namespace fti::policy

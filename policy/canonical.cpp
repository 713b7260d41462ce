#include "policy/canonical.h"

#include <algorithm>

#include "policy/policy_number.h"

namespace fti::policy {

namespace {

// Builds one JSON object; keys must be added in bytewise order.
class JsonObject {
 public:
  JsonObject& raw(std::string_view key, const std::string& value) {
    out_ += out_.empty() ? "{" : ",";
    out_ += quote(key) + ":" + value;
    return *this;
  }
  JsonObject& text(std::string_view key, std::string_view value) { return raw(key, quote(value)); }
  JsonObject& number(std::string_view key, double value) { return raw(key, format_decimal(value)); }
  JsonObject& whole(std::string_view key, std::uint64_t value) { return raw(key, std::to_string(value)); }
  std::string done() const { return out_.empty() ? "{}" : out_ + "}"; }

  static std::string quote(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : s) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (byte < 0x20 || byte == 0x7F) {
        out += "\\u00";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xF];
      } else {
        out += c;
      }
    }
    return out + "\"";
  }

 private:
  std::string out_;
};

std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    out += items[i];
  }
  return out + "]";
}

std::string bound(const Bound& b) {
  JsonObject o;
  if (b.absolute) o.number("absolute", *b.absolute);
  if (b.relative) o.number("relative", *b.relative);
  return o.done();
}

std::string norm(const NormClass& n) {
  JsonObject o;
  if (n.frobenius) o.raw("frobenius", bound(*n.frobenius));
  if (n.max_abs) o.number("max_abs", *n.max_abs);
  return o.done();
}

std::string rank(const RankClass& r) {
  JsonObject o;
  o.whole("max", r.max_rank);
  if (r.per_head) {
    JsonObject p;
    if (r.per_head->axis != HeadAxis::kPreset) p.text("axis", r.per_head->axis == HeadAxis::kOut ? "out" : "in");
    p.whole("heads", r.per_head->heads);
    o.raw("per_head", p.done());
  }
  if (r.residual) o.raw("residual", bound(*r.residual));
  return o.done();
}

std::string sparsity(const SparsityClass& s) {
  JsonObject o;
  if (s.max_changed) o.whole("max_changed", *s.max_changed);
  if (s.max_fraction) o.number("max_fraction", *s.max_fraction);
  return o.done();
}

std::string patterns(const MatchSpec& spec) {
  std::vector<std::string> items;
  for (const Pattern& p : spec.patterns) {  // already sorted and unique
    items.push_back(JsonObject().text(p.kind == PatternKind::kGlob ? "glob" : "regex", p.text).done());
  }
  return array(items);
}

std::string rule(const Rule& r) {
  JsonObject o;
  if (r.allow) o.raw("allow", "true");
  if (r.frozen) o.raw("frozen", "true");
  o.raw("match", patterns(r.match));
  o.text("name", r.name);
  if (r.norm) o.raw("norm", norm(*r.norm));
  if (r.rank) o.raw("rank", rank(*r.rank));
  if (r.sparsity) o.raw("sparsity", sparsity(*r.sparsity));
  return o.done();
}

std::string budget(const Budget& b) {
  JsonObject o;
  o.text("name", b.name);
  if (b.norm) o.raw("norm", norm(*b.norm));
  o.raw("over", patterns(b.over));
  if (b.sparsity) o.raw("sparsity", sparsity(*b.sparsity));
  return o.done();
}

}  // namespace

std::string canonical_policy(const Policy& policy) {
  std::vector<const Budget*> budgets;
  for (const Budget& b : policy.budgets()) budgets.push_back(&b);
  std::sort(budgets.begin(), budgets.end(), [](const Budget* a, const Budget* b) { return a->name < b->name; });
  std::vector<std::string> budget_items;
  for (const Budget* b : budgets) budget_items.push_back(budget(*b));
  std::vector<std::string> rule_items;
  for (const Rule& r : policy.rules()) rule_items.push_back(rule(r));

  JsonObject o;
  o.raw("budgets", array(budget_items));
  o.text("default", default_action_name(policy.default_action()));
  if (const Preset* p = policy.preset()) {
    o.raw("preset", JsonObject().text("name", p->name()).whole("revision", p->revision()).done());
  }
  o.raw("rules", array(rule_items));
  o.whole("version", static_cast<std::uint64_t>(policy.version()));
  return o.done();
}

Sha256Digest policy_digest(const Policy& policy) { return sha256(canonical_policy(policy)); }

}  // namespace fti::policy

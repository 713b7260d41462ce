#include "reports/junit_report.h"

#include <fmt/core.h>

#include <cmath>
#include <map>

#include "reports/display_text.h"
#include "reports/markup_escape.h"
#include "reports/text_report.h"

namespace fti::reports {
namespace {

// Every text below is printable already (untrusted parts through
// display_text); markup escaping happens once, when the XML is written.
struct TestCase {
  std::string classname;
  std::string name;
  int line = 0;                   // in the policy file
  std::string description;        // <system-out>
  std::string failure_message;    // empty when the case passes
  std::string failure_body;       // one line per listed item
  std::size_t failing_items = 0;  // listed or not
  std::size_t listed = 0;
  std::size_t matched = 0, changed = 0;  // rule cases: tensors
};

// Adds one failing item's lines to a case, within the listing cap.
void add_failure(TestCase& test, const std::string& lines, const JunitOptions& options) {
  if (test.failing_items++ < options.max_listed) {
    test.failure_body += lines;
    ++test.listed;
  }
}

std::string figures(const TensorReport& t) {
  if (t.status != "compared") return " (" + t.status + ")";
  if (!t.has_stats) return {};
  return fmt::format(" [changed {} of {}, |D|_F {}, |D|/|B| {}, max|D| {}]", t.changed, t.elements,
                     format_figure(t.delta_norm), format_figure(t.relative_norm()), format_figure(t.max_abs_delta));
}

std::string check_line(std::string_view subject, const Check& c, const JunitOptions& options) {
  return fmt::format("{}: {} measured {}, bound {}, margin {}: {}\n", subject, display_text(c.name, 60),
                     format_figure(c.measured), format_figure(c.bound), format_figure(c.bound - c.measured),
                     display_text(c.message, options.max_message_bytes));
}

void add_tensor(TestCase& test, const TensorReport& t, const JunitOptions& options) {
  ++test.matched;
  test.changed += t.changed > 0 ? 1u : 0u;
  const std::string subject = display_text(t.name, options.max_name_bytes) + figures(t);
  std::string lines;
  for (const Check& c : t.checks) {
    if (!c.pass) lines += check_line(subject, c, options);
  }
  if (lines.empty() && t.verdict == Verdict::kViolation) {
    // A violation the gate recorded without a failing check is still listed.
    lines = subject + (t.status != "compared" ? ": structure changed\n"
                       : t.rule.empty()       ? ": no rule matches this tensor\n"
                                              : ": violation\n");
  }
  if (!lines.empty()) add_failure(test, lines, options);
}

// The rule cases in policy order: the rules the gate listed, then rules only
// the tensors name, then the default for tensors no rule matched.
std::vector<TestCase> rule_cases(const Report& report, const JunitOptions& options) {
  std::vector<TestCase> cases;
  std::map<std::string, std::size_t> by_rule;  // "" is the default: rule names are never empty
  const auto case_for = [&](const std::string& rule, int line) -> TestCase& {
    auto [it, added] = by_rule.try_emplace(rule, cases.size());
    if (added) {
      TestCase test;
      test.classname = "fti.rule";
      test.name = rule;
      test.line = line;
      test.description = fmt::format("rule at policy line {}", line);
      cases.push_back(std::move(test));
    }
    return cases[it->second];
  };
  bool a_rule_is_named_default = false;
  for (const RuleInfo& r : report.rules) {
    if (r.name.empty()) continue;
    TestCase& test = case_for(r.name, r.line);
    if (!r.match.empty()) test.description += ", match " + display_text(r.match, 400);
    a_rule_is_named_default = a_rule_is_named_default || r.name == "default";
  }
  for (const TensorReport& t : report.tensors) {
    if (t.status != "compared") continue;  // the structure case lists them
    a_rule_is_named_default = a_rule_is_named_default || t.rule == "default";
    TestCase& test = case_for(t.rule, t.rule_line);
    if (t.rule.empty() && test.matched == 0) {
      // The gate gives unmatched tensors the line of the policy's `default:`.
      test.description = "tensors no rule matches; the policy's default applies";
      if (t.rule_line > 0) test.description += fmt::format(" (policy line {})", t.rule_line);
    }
    add_tensor(test, t, options);
  }
  for (TestCase& test : cases) {
    if (test.name.empty()) test.name = a_rule_is_named_default ? "(default)" : "default";
    test.description += fmt::format("; {} tensors matched, {} changed", test.matched, test.changed);
    if (test.failing_items == 0) continue;
    test.failure_message =
        fmt::format("{} of {} tensors violate rule {}", test.failing_items, test.matched, display_text(test.name, 200));
    if (test.line > 0) test.failure_message += fmt::format(" (policy line {})", test.line);
  }
  return cases;
}

TestCase budget_case(const BudgetReport& b, const JunitOptions& options) {
  TestCase test;
  test.classname = "fti.budget";
  test.name = b.name;
  test.line = b.line;
  test.description = fmt::format("budget at policy line {} over {} tensors", b.line, b.tensors);
  for (const Check& c : b.checks) {
    if (!c.pass) add_failure(test, check_line("budget", c, options), options);
  }
  if (test.failing_items == 0 && b.verdict == Verdict::kViolation) add_failure(test, "budget: violation\n", options);
  if (test.failing_items > 0) {
    test.failure_message = fmt::format("budget {} (policy line {}) exceeded: {} failing checks",
                                       display_text(b.name, 200), b.line, test.failing_items);
  }
  return test;
}

TestCase structure_case(const Report& report, const JunitOptions& options) {
  TestCase test;
  test.classname = "fti.structure";
  test.name = "structure";
  for (const TensorReport& t : report.tensors) {
    if (t.status != "compared") add_tensor(test, t, options);
  }
  test.description = fmt::format("{} tensors added, removed, reshaped or retyped", test.matched);
  if (test.failing_items > 0) {
    test.failure_message = fmt::format("{} tensors added, removed, reshaped or retyped", test.failing_items);
  }
  return test;
}

std::string case_xml(const TestCase& test) {
  std::string out = fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n", escape_markup(test.classname),
                                escape_markup(display_text(test.name, 200)));
  if (test.failing_items > 0) {
    std::string body = test.failure_body;
    if (test.failing_items > test.listed) {
      body += fmt::format("... and {} more (every one is in report.json)\n", test.failing_items - test.listed);
    }
    out += fmt::format("      <failure type=\"fti.violation\" message=\"{}\">{}</failure>\n",
                       escape_markup(test.failure_message), escape_markup(body));
  }
  if (!test.description.empty()) out += "      <system-out>" + escape_markup(test.description) + "</system-out>\n";
  out += "    </testcase>\n";
  return out;
}

std::string property(std::string_view name, std::string_view value, std::size_t max_bytes = 400) {
  return fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", escape_markup(name),
                     escape_markup(display_text(value, max_bytes)));
}

std::string artifact_properties(std::string_view role, const ArtifactInfo& a) {
  std::string out = property(fmt::format("{}.source", role), a.source);
  if (!a.resolved.empty()) out += property(fmt::format("{}.resolved", role), a.resolved);
  for (const FileInfo& f : a.files) out += property(fmt::format("{}.file", role), f.name + " sha256:" + f.sha256, 600);
  return out;
}

// Seconds as JUnit writes them; a non-finite figure would not be a number.
std::string seconds(double value) { return std::isfinite(value) ? fmt::format("{:.3f}", value) : "0"; }

}  // namespace

std::string to_junit(const Report& report, const JunitOptions& options) {
  std::vector<TestCase> cases;
  if (report.kind == "gate") {  // a diff checks no rules
    cases = rule_cases(report, options);
    for (const BudgetReport& b : report.budgets) cases.push_back(budget_case(b, options));
  }
  cases.push_back(structure_case(report, options));
  std::size_t failures = 0;
  for (const TestCase& c : cases) failures += c.failing_items > 0 ? 1u : 0u;

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"fti\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{}\">\n", cases.size(),
                     failures, seconds(report.analysis_seconds));
  out += fmt::format("  <testsuite name=\"fti {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{}\">\n",
                     report.kind == "gate" ? "gate" : "diff", cases.size(), failures, seconds(report.analysis_seconds));
  out += "    <properties>\n";
  out += property("fti.version", report.fti_version);
  if (report.kind == "gate") out += property("verdict", report.verdict == Verdict::kPass ? "compliant" : "violation");
  out += artifact_properties("base", report.base);
  out += artifact_properties("candidate", report.candidate);
  if (report.policy) {
    out += property("policy.file", report.policy->file);
    out += property("policy.sha256", report.policy->sha256);
    out += property("policy.version", std::to_string(report.policy->version));
    if (!report.policy->preset.empty()) out += property("policy.preset", report.policy->preset);
  }
  out += "    </properties>\n";
  for (const TestCase& c : cases) out += case_xml(c);
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace fti::reports

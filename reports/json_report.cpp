#include "reports/json_report.h"

#include <cmath>

#include "reports/display_text.h"

namespace fti::reports {
namespace {

using nlohmann::json;

json number(double value) { return json_number(value); }

json artifact(const ArtifactInfo& a) {
  json files = json::array();
  for (const FileInfo& f : a.files) {
    files.push_back({{"name", f.name}, {"origin", f.origin}, {"sha256", f.sha256}, {"bytes", f.bytes}});
  }
  json out = {{"source", a.source}, {"files", files}};
  if (!a.resolved.empty()) out["resolved"] = a.resolved;
  return out;
}

json checks(const std::vector<Check>& list) {
  json out = json::array();
  for (const Check& c : list) {
    out.push_back({{"check", c.name},
                   {"measured", number(c.measured)},
                   {"bound", number(c.bound)},
                   {"margin", number(c.bound - c.measured)},
                   {"pass", c.pass},
                   {"message", c.message}});
  }
  return out;
}

// Names come from untrusted files and need not be UTF-8, which JSON strings
// must be (dump() would throw): repair every string in place.
void repair_strings(json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    std::string repaired = valid_utf8(text);
    if (repaired != text) value = std::move(repaired);
  } else if (value.is_structured()) {
    for (json& child : value) repair_strings(child);
  }
}

}  // namespace

nlohmann::json to_json(const Report& report) {
  json out;
  out["schema"] = kReportSchema;
  out["kind"] = report.kind;
  out["fti_version"] = report.fti_version;
  if (report.kind == "gate") out["verdict"] = report.verdict == Verdict::kPass ? "compliant" : "violation";
  out["base"] = artifact(report.base);
  out["candidate"] = artifact(report.candidate);
  if (report.policy) {
    out["policy"] = {{"file", report.policy->file},
                     {"sha256", report.policy->sha256},
                     {"version", report.policy->version}};
    if (!report.policy->preset.empty()) out["policy"]["preset"] = report.policy->preset;
  }
  std::uint64_t changed_tensors = 0, compared = 0;
  json tensors = json::array();
  for (const TensorReport& t : report.tensors) {
    json entry = {{"name", t.name}, {"status", t.status}, {"dtype", t.dtype}, {"shape", t.shape},
                  {"elements", t.elements}};
    if (!t.candidate_shape.empty() && t.candidate_shape != t.shape) entry["candidate_shape"] = t.candidate_shape;
    if (t.has_stats) {
      ++compared;
      changed_tensors += t.changed > 0 ? 1u : 0u;
      entry["stats"] = {{"changed", t.changed},
                        {"changed_fraction", number(t.changed_fraction())},
                        {"delta_frobenius", number(t.delta_norm)},
                        {"base_frobenius", number(t.base_norm)},
                        {"relative_frobenius", number(t.relative_norm())},
                        {"max_abs_delta", number(t.max_abs_delta)},
                        {"nonfinite_base", t.nonfinite_base},
                        {"nonfinite_candidate", t.nonfinite_candidate}};
    }
    if (t.rank) {
      json sv = json::array();
      for (const double s : t.rank->singular_values) sv.push_back(number(s));
      entry["rank"] = {{"method", t.rank->method},
                       {"max_rank", t.rank->max_rank},
                       {"heads", t.rank->heads},
                       {"residual_frobenius", number(t.rank->residual_norm)},
                       {"residual_error", number(t.rank->residual_error)},
                       {"numerical_rank", t.rank->numerical_rank},
                       {"singular_values", sv}};
    }
    if (report.kind == "gate") {
      entry["rule"] = t.rule.empty() ? json(nullptr) : json({{"name", t.rule}, {"line", t.rule_line}});
      entry["checks"] = checks(t.checks);
      entry["verdict"] = verdict_name(t.verdict);
    }
    tensors.push_back(std::move(entry));
  }
  out["tensors"] = tensors;
  if (report.kind == "gate") {
    json budgets = json::array();
    for (const BudgetReport& b : report.budgets) {
      budgets.push_back({{"name", b.name}, {"line", b.line}, {"tensors", b.tensors},
                         {"checks", checks(b.checks)}, {"verdict", verdict_name(b.verdict)}});
    }
    out["budgets"] = budgets;
  }
  out["summary"] = {{"tensors", report.tensors.size()},
                    {"compared", compared},
                    {"changed_tensors", changed_tensors},
                    {"violations", report.violation_count()},
                    {"analysis_seconds", report.analysis_seconds}};
  repair_strings(out);
  return out;
}

json json_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

}  // namespace fti::reports

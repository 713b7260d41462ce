#include "engine/adapter/merge_check_report.h"

#include <fmt/core.h>

#include <cmath>

#include "engine/common/error.h"
#include "reports/json_report.h"

namespace fti::adapter {

namespace {

using nlohmann::json;

json number(double value) { return reports::json_number(value); }

json ulps(std::uint64_t value) { return value == kUlpInfinite ? json("inf") : json(value); }

std::string ulps_text(std::uint64_t value) { return value == kUlpInfinite ? "inf" : std::to_string(value); }

double relative(const TensorResidual& t) {
  if (t.expected_frobenius > 0) return t.frobenius / t.expected_frobenius;
  return t.frobenius > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

json artifact(const reports::ArtifactInfo& a) {
  json files = json::array();
  for (const reports::FileInfo& f : a.files) {
    files.push_back({{"name", f.name}, {"origin", f.origin}, {"sha256", f.sha256}, {"bytes", f.bytes}});
  }
  json out = {{"source", a.source}, {"files", files}};
  if (!a.resolved.empty()) out["resolved"] = a.resolved;
  return out;
}

// The entry's index in the tensor's shape, "[2, 5]".
std::string index_text(std::uint64_t flat, const std::vector<std::uint64_t>& shape) {
  std::vector<std::uint64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 0) return "[]";
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  std::string out = "[";
  for (std::size_t d = 0; d < index.size(); ++d) out += (d ? ", " : "") + std::to_string(index[d]);
  return out + "]";
}

}  // namespace

nlohmann::json to_json(const MergeCheckReport& report) {
  json out;
  out["schema"] = kMergeCheckSchema;
  out["fti_version"] = report.fti_version;
  out["verdict"] = report.check.matches ? "match" : "mismatch";
  out["ulp_tolerance"] = report.check.ulp_tolerance;
  out["base"] = artifact(report.base);
  out["adapter"] = artifact(report.adapter);
  out["candidate"] = artifact(report.candidate);
  if (report.config) {
    out["adapter"]["r"] = report.config->r;
    out["adapter"]["lora_alpha"] = number(report.config->lora_alpha);
    out["adapter"]["use_rslora"] = report.config->use_rslora;
    out["adapter"]["fan_in_fan_out"] = report.config->fan_in_fan_out;
  }
  json targets = json::array();
  if (report.plan) {
    for (const LoraTarget& t : report.plan->targets) {
      targets.push_back({{"tensor", t.base_tensor}, {"rank", t.rank}, {"alpha", number(t.alpha)},
                         {"scale", number(t.scale)}});
    }
  }
  out["adapter"]["targets"] = targets;
  json tensors = json::array();
  std::uint64_t lora = 0, replaced = 0;
  for (const TensorResidual& t : report.check.tensors) {
    lora += t.source == "lora" ? 1u : 0u;
    replaced += (t.source == "modules_to_save" || t.source == "bias") ? 1u : 0u;
    json item = {{"name", t.name},
                 {"status", t.status},
                 {"source", t.source},
                 {"dtype", t.dtype},
                 {"shape", t.shape},
                 {"elements", t.elements},
                 {"differing", t.differing},
                 {"max_ulp", ulps(t.max_ulp)},
                 {"frobenius_residual", number(t.frobenius)},
                 {"relative_residual", number(relative(t))},
                 {"matches", t.matches}};
    if (t.differing > 0) item["worst_index"] = t.worst_index;
    tensors.push_back(std::move(item));
  }
  out["tensors"] = tensors;
  out["summary"] = {{"tensors", report.check.tensors.size()},
                    {"mismatches", report.check.mismatch_count()},
                    {"lora_targets", lora},
                    {"replaced", replaced}};
  return out;
}

std::string to_text(const MergeCheckReport& report, bool all) {
  std::string out = fmt::format("base       {}\nadapter    {}\ncandidate  {}\n", report.base.source,
                                report.adapter.source, report.candidate.source);
  if (report.config) {
    out += fmt::format("adapter    r {}, lora_alpha {}, {}scale {}\n", report.config->r, report.config->lora_alpha,
                       report.config->use_rslora ? "rslora, " : "",
                       lora_scale(report.config->lora_alpha, report.config->r, report.config->use_rslora));
  }
  out += fmt::format("tolerance  {} ulp\n\n", report.check.ulp_tolerance);
  out += fmt::format("{:<48} {:<15} {:<6} {:>8} {:>10} {:>12} {:>10}  {}\n", "tensor", "source", "dtype",
                     "max ulp", "differing", "residual_F", "relative", "verdict");
  std::string failures;
  std::size_t hidden = 0;
  for (const TensorResidual& t : report.check.tensors) {
    if (!t.matches) {
      const std::string name = quote_untrusted(t.name, 200);
      if (t.status != "compared") {
        failures += fmt::format("  {}: {} (candidate {} base + adapter)\n", name, t.status,
                                t.status == "extra" ? "has a tensor not in" : "does not match the shape or dtype of");
      } else {
        failures += fmt::format("  {}: max {} ulp at {} (tolerance {}), {} of {} entries differ, "
                                "||residual||_F = {:.6g} (relative {:.3g})\n",
                                name, ulps_text(t.max_ulp), index_text(t.worst_index, t.shape),
                                report.check.ulp_tolerance, t.differing, t.elements, t.frobenius, relative(t));
      }
    }
    if (!all && t.matches && t.source == "base") {
      ++hidden;
      continue;
    }
    out += fmt::format("{:<48} {:<15} {:<6} {:>8} {:>10} {:>12.4g} {:>10.3g}  {}\n",
                       escape_untrusted(t.name, 200), t.source, t.dtype, ulps_text(t.max_ulp), t.differing,
                       t.frobenius, relative(t), t.matches ? "match" : "MISMATCH");
  }
  if (hidden > 0) out += fmt::format("({} tensors the adapter does not touch match the base; --all lists them)\n", hidden);
  if (!failures.empty()) out += "\nMismatches:\n" + failures;
  const std::uint64_t mismatches = report.check.mismatch_count();
  out += report.check.matches
             ? fmt::format("\nverdict: MATCH (candidate = base + adapter up to {} ulp; {} tensors)\n",
                           report.check.ulp_tolerance, report.check.tensors.size())
             : fmt::format("\nverdict: MISMATCH ({} of {} tensors differ from base + adapter beyond {} ulp)\n",
                           mismatches, report.check.tensors.size(), report.check.ulp_tolerance);
  return out;
}

}  // namespace fti::adapter

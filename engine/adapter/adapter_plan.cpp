#include "engine/adapter/adapter_plan.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/adapter/module_selector.h"
#include "engine/common/error.h"

namespace fti::adapter {

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

bool mergeable_dtype(DType dtype) {
  return dtype == DType::kF16 || dtype == DType::kBF16 || dtype == DType::kF32 || dtype == DType::kF64;
}

class PlanBuilder {
 public:
  PlanBuilder(const LoraConfig& config, const Checkpoint& adapter, const Checkpoint& base)
      : config_(config), adapter_(adapter), base_(base), selectors_(config) {}

  AdapterPlan build() {
    std::map<std::string, Pair, std::less<>> pairs;
    for (const CheckpointTensor& t : adapter_.tensors()) classify(t, pairs);
    for (auto& [module, pair] : pairs) plan_pair(module, pair);
    require_targets_covered();
    std::sort(plan_.targets.begin(), plan_.targets.end(),
              [](const LoraTarget& x, const LoraTarget& y) { return x.base_tensor < y.base_tensor; });
    std::sort(plan_.saved.begin(), plan_.saved.end(),
              [](const SavedTensor& x, const SavedTensor& y) { return x.base_tensor < y.base_tensor; });
    for (const SavedTensor& s : plan_.saved) {
      if (plan_.find_target(s.base_tensor)) {
        fail(*s.tensor, "replaces " + quote_untrusted(s.base_tensor) + ", which a LoRA pair also changes");
      }
    }
    return std::move(plan_);
  }

 private:
  struct Pair {
    const CheckpointTensor* a = nullptr;
    const CheckpointTensor* b = nullptr;
  };

  [[noreturn]] void fail(const CheckpointTensor& t, const std::string& problem) const {
    throw Error(ErrorCode::kInput, adapter_.file_source(t.file_index).origin + ": tensor " +
                                       quote_untrusted(t.name()) + ": " + problem);
  }

  void classify(const CheckpointTensor& t, std::map<std::string, Pair, std::less<>>& pairs) {
    const std::string& name = t.name();
    if (name.rfind(kAdapterPrefix, 0) != 0) {
      fail(t, "not a peft LoRA tensor (names start with \"" + std::string(kAdapterPrefix) + "\")");
    }
    const std::string rest = name.substr(kAdapterPrefix.size());
    for (const std::string_view suffix : {std::string_view(".lora_A.weight"), std::string_view(".lora_B.weight")}) {
      if (ends_with(rest, suffix)) {
        const std::string module = rest.substr(0, rest.size() - suffix.size());
        Pair& pair = pairs[module];
        (suffix[6] == 'A' ? pair.a : pair.b) = &t;
        return;
      }
    }
    if (rest.find("lora_magnitude_vector") != std::string::npos) fail(t, "DoRA magnitudes are not supported");
    if (rest.find("lora_embedding_") != std::string::npos) fail(t, "LoRA on embedding layers is not supported");
    if (rest.find("lora_") != std::string::npos) fail(t, "an unsupported kind of LoRA tensor");
    const std::size_t dot = rest.rfind('.');
    const std::string module = dot == std::string::npos ? "" : rest.substr(0, dot);
    std::string reason;
    if (selectors_.saved(module)) {
      reason = "modules_to_save";
    } else if (config_.bias != "none" && ends_with(rest, ".bias")) {
      reason = "bias";
    } else {
      fail(t, "neither a lora_A/lora_B factor nor a tensor of modules_to_save" +
                  std::string(ends_with(rest, ".bias") ? " (a bias, but the config says bias: \"none\")" : ""));
    }
    const CheckpointTensor* target = base_.find(rest);
    if (!target) fail(t, "replaces " + quote_untrusted(rest) + ", which the base does not have");
    if (target->entry->shape != t.entry->shape) {
      fail(t, "shape " + shape_text(t.entry->shape) + " does not match the base tensor's " +
                  shape_text(target->entry->shape));
    }
    if (target->entry->dtype != t.entry->dtype &&
        !(mergeable_dtype(target->entry->dtype) && mergeable_dtype(t.entry->dtype))) {
      fail(t, "dtype " + std::string(dtype_name(t.entry->dtype)) + " cannot replace the base's " +
                  std::string(dtype_name(target->entry->dtype)));
    }
    plan_.saved.push_back({rest, &t, reason});
  }

  void plan_pair(const std::string& module, const Pair& pair) {
    if (!pair.a || !pair.b) {
      const CheckpointTensor& present = pair.a ? *pair.a : *pair.b;
      fail(present, std::string("has no matching ") + (pair.a ? "lora_B" : "lora_A") + " (" +
                        std::string(kAdapterPrefix) + module + (pair.a ? ".lora_B.weight" : ".lora_A.weight") + ")");
    }
    const CheckpointTensor& a = *pair.a;
    const CheckpointTensor& b = *pair.b;
    if (!selectors_.targeted(module)) {
      fail(a, "its module " + quote_untrusted(module) +
                  " is not selected by target_modules (peft would not load it)");
    }
    LoraTarget target;
    target.module = module;
    target.base_tensor = module + ".weight";
    target.a = &a;
    target.b = &b;
    target.fan_in_fan_out = config_.fan_in_fan_out;
    target.rank = config_.r;
    target.rank_source = "r";
    if (const auto key = selectors_.rank_key(module)) {
      target.rank = config_.rank_pattern[*key].second;
      target.rank_source = "rank_pattern[" + quote_untrusted(config_.rank_pattern[*key].first, 80) + "]";
    }
    target.alpha = config_.lora_alpha;
    target.alpha_source = "lora_alpha";
    if (const auto key = selectors_.alpha_key(module)) {
      target.alpha = config_.alpha_pattern[*key].second;
      target.alpha_source = "alpha_pattern[" + quote_untrusted(config_.alpha_pattern[*key].first, 80) + "]";
    }
    target.scale = lora_scale(target.alpha, target.rank, config_.use_rslora);

    const CheckpointTensor* base = base_.find(target.base_tensor);
    if (!base) fail(a, "its module " + quote_untrusted(module) + " is not in the base (no tensor " +
                           quote_untrusted(target.base_tensor) + ")");
    const std::vector<std::uint64_t>& base_shape = base->entry->shape;
    if (base_shape.size() != 2) {
      fail(a, "the base tensor " + quote_untrusted(target.base_tensor) + " has shape " + shape_text(base_shape) +
                  "; only 2-D (linear) weights can be merged");
    }
    if (!mergeable_dtype(base->entry->dtype)) {
      fail(a, "the base tensor " + quote_untrusted(target.base_tensor) + " is " +
                  std::string(dtype_name(base->entry->dtype)) + "; merging needs F16, BF16, F32 or F64");
    }
    for (const CheckpointTensor* factor : {&a, &b}) {
      if (!mergeable_dtype(factor->entry->dtype)) {
        fail(*factor, "dtype " + std::string(dtype_name(factor->entry->dtype)) + " (factors must be F16, BF16, F32 or F64)");
      }
      if (factor->entry->shape.size() != 2) fail(*factor, "shape " + shape_text(factor->entry->shape) + " is not 2-D");
    }
    target.rows = base_shape[0];
    target.cols = base_shape[1];
    const std::uint64_t out = target.fan_in_fan_out ? target.cols : target.rows;
    const std::uint64_t in = target.fan_in_fan_out ? target.rows : target.cols;
    std::string layout = target.fan_in_fan_out ? "; fan_in_fan_out: base is in x out" : "";
    if (a.entry->shape == std::vector<std::uint64_t>{target.rank, out} &&
        b.entry->shape == std::vector<std::uint64_t>{in, target.rank} && in != out) {
      layout += target.fan_in_fan_out ? "; the factors fit with fan_in_fan_out false"
                                      : "; the factors fit with fan_in_fan_out true";
    }
    const std::vector<std::uint64_t> want_a = {target.rank, in}, want_b = {out, target.rank};
    if (a.entry->shape != want_a) {
      fail(a, "shape " + shape_text(a.entry->shape) + ", expected " + shape_text(want_a) + " (rank " +
                  std::to_string(target.rank) + " from " + target.rank_source + ", base " +
                  quote_untrusted(target.base_tensor) + " " + shape_text(base_shape) + layout + ")");
    }
    if (b.entry->shape != want_b) {
      fail(b, "shape " + shape_text(b.entry->shape) + ", expected " + shape_text(want_b) + " (rank " +
                  std::to_string(target.rank) + " from " + target.rank_source + ", base " +
                  quote_untrusted(target.base_tensor) + " " + shape_text(base_shape) + layout + ")");
    }
    plan_.targets.push_back(std::move(target));
  }

  // Every 2-D base weight whose module target_modules selects must have its
  // pair: peft would have trained and saved one.
  void require_targets_covered() const {
    if (config_.target_modules.kind == ModuleSelector::Kind::kAllLinear) return;
    for (const CheckpointTensor& t : base_.tensors()) {
      if (!ends_with(t.name(), ".weight") || t.entry->shape.size() != 2) continue;
      const std::string module = t.name().substr(0, t.name().size() - 7);
      if (!selectors_.targeted(module) || selectors_.saved(module)) continue;
      const bool planned = std::any_of(plan_.targets.begin(), plan_.targets.end(),
                                       [&](const LoraTarget& x) { return x.base_tensor == t.name(); });
      if (!planned) {
        throw Error(ErrorCode::kInput, adapter_.file_source(0).origin + ": module " + quote_untrusted(module) +
                                           " is selected by target_modules but has no lora_A/lora_B tensors");
      }
    }
  }

  const LoraConfig& config_;
  const Checkpoint& adapter_;
  const Checkpoint& base_;
  ModuleSelectorSet selectors_;
  AdapterPlan plan_;
};

}  // namespace

double lora_scale(double alpha, std::uint64_t rank, bool use_rslora) {
  const double r = static_cast<double>(rank);
  return use_rslora ? alpha / std::sqrt(r) : alpha / r;
}

const LoraTarget* AdapterPlan::find_target(std::string_view base_tensor) const {
  const auto it = std::lower_bound(targets.begin(), targets.end(), base_tensor,
                                   [](const LoraTarget& x, std::string_view name) { return x.base_tensor < name; });
  return it != targets.end() && it->base_tensor == base_tensor ? &*it : nullptr;
}

const SavedTensor* AdapterPlan::find_saved(std::string_view base_tensor) const {
  const auto it = std::lower_bound(saved.begin(), saved.end(), base_tensor,
                                   [](const SavedTensor& x, std::string_view name) { return x.base_tensor < name; });
  return it != saved.end() && it->base_tensor == base_tensor ? &*it : nullptr;
}

AdapterPlan plan_adapter(const LoraConfig& config, const Checkpoint& adapter, const Checkpoint& base) {
  return PlanBuilder(config, adapter, base).build();
}

}  // namespace fti::adapter

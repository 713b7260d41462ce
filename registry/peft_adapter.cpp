#include "registry/peft_adapter.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "engine/common/strict_json.h"

namespace fti {
namespace fs = std::filesystem;

namespace {

using nlohmann::json;

std::string type_of(const json& value) {
  if (value.is_number_float()) return "a fractional number";
  if (value.is_number_integer()) return "an integer";
  return value.type_name();
}

[[noreturn]] void field_error(const std::string& file, std::string_view field, const std::string& problem) {
  throw Error(ErrorCode::kInput, file + ": field \"" + std::string(field) + "\": " + problem);
}

[[noreturn]] void wrong_type(const std::string& file, std::string_view field, std::string_view expected,
                             const json& value) {
  field_error(file, field, "expected " + std::string(expected) + ", got " + type_of(value));
}

// A field that is absent or null takes its default.
const json* optional_field(const json& root, std::string_view field) {
  const auto it = root.find(field);
  if (it == root.end() || it->is_null()) return nullptr;
  return &*it;
}

bool read_bool(const json& root, std::string_view field, const std::string& file) {
  const json* value = optional_field(root, field);
  if (!value) return false;
  if (!value->is_boolean()) wrong_type(file, field, "true or false", *value);
  return value->get<bool>();
}

std::uint64_t read_rank(const json& value, std::string_view field, const std::string& file) {
  if (!value.is_number_integer()) wrong_type(file, field, "a positive integer", value);
  if (value.is_number_unsigned() && value.get<std::uint64_t>() >= 1 && value.get<std::uint64_t>() <= (1u << 20)) {
    return value.get<std::uint64_t>();
  }
  field_error(file, field, "expected a positive integer up to 1048576, got " + value.dump());
}

double read_alpha(const json& value, std::string_view field, const std::string& file) {
  if (!value.is_number()) wrong_type(file, field, "a number", value);
  const double alpha = value.get<double>();
  if (!std::isfinite(alpha)) field_error(file, field, "expected a finite number");
  return alpha;
}

std::string read_string(const json& value, std::string_view field, const std::string& file) {
  if (!value.is_string()) wrong_type(file, field, "a string", value);
  return value.get<std::string>();
}

std::vector<std::string> read_string_list(const json& value, std::string_view field, const std::string& file) {
  if (!value.is_array()) wrong_type(file, field, "a list of strings", value);
  std::vector<std::string> out;
  for (const json& item : value) {
    if (!item.is_string()) wrong_type(file, field, "a list of strings", item);
    out.push_back(item.get<std::string>());
  }
  return out;
}

ModuleSelector read_selector(const json& root, std::string_view field, const std::string& file) {
  ModuleSelector selector;
  const json* value = optional_field(root, field);
  if (!value) return selector;
  if (value->is_string()) {
    selector.regex = value->get<std::string>();
    selector.kind = selector.regex == "all-linear" ? ModuleSelector::Kind::kAllLinear : ModuleSelector::Kind::kRegex;
    return selector;
  }
  if (!value->is_array()) wrong_type(file, field, "a list of module names or a regular expression", *value);
  selector.kind = ModuleSelector::Kind::kList;
  selector.names = read_string_list(*value, field, file);
  return selector;
}

[[noreturn]] void unsupported(const std::string& file, std::string_view field, const std::string& what) {
  field_error(file, field, what + " is not supported (fti merges plain LoRA only; see docs/ADAPTERS.md)");
}

// Fields peft may write that change what the adapter computes: fti refuses
// an adapter that uses them rather than merging it differently.
void refuse_unsupported_features(const json& root, const std::string& file) {
  if (read_bool(root, "use_dora", file)) unsupported(file, "use_dora", "DoRA (use_dora: true)");
  if (read_bool(root, "lora_bias", file)) unsupported(file, "lora_bias", "a bias on lora_B (lora_bias: true)");
  if (const json* value = optional_field(root, "layers_to_transform")) {
    if (!(value->is_array() && value->empty())) unsupported(file, "layers_to_transform", "layers_to_transform");
  }
  if (const json* value = optional_field(root, "target_parameters")) {
    if (!(value->is_array() && value->empty())) unsupported(file, "target_parameters", "target_parameters");
  }
  if (const json* value = optional_field(root, "megatron_config")) {
    (void)value;
    unsupported(file, "megatron_config", "a Megatron parallel layout");
  }
}

}  // namespace

LoraConfig parse_lora_config(std::string_view text, const std::string& file) {
  const json root = parse_strict_json(text, file, ErrorCode::kInput);
  if (!root.is_object()) throw Error(ErrorCode::kInput, file + ": expected a JSON object (a peft LoraConfig)");
  LoraConfig config;
  config.file = file;

  const json* peft_type = optional_field(root, "peft_type");
  if (!peft_type) field_error(file, "peft_type", "missing (a peft adapter config names its peft_type)");
  const std::string type = read_string(*peft_type, "peft_type", file);
  if (type != "LORA") {
    field_error(file, "peft_type", quote_untrusted(type, 40) + " is not supported (only LORA adapters can be merged)");
  }
  refuse_unsupported_features(root, file);

  const json* r = optional_field(root, "r");
  if (!r) field_error(file, "r", "missing (the LoRA rank)");
  config.r = read_rank(*r, "r", file);
  if (const json* alpha = optional_field(root, "lora_alpha")) config.lora_alpha = read_alpha(*alpha, "lora_alpha", file);
  config.target_modules = read_selector(root, "target_modules", file);
  if (config.target_modules.kind == ModuleSelector::Kind::kNone) {
    field_error(file, "target_modules", "missing (peft writes the modules the adapter targets)");
  }
  config.exclude_modules = read_selector(root, "exclude_modules", file);
  if (config.exclude_modules.kind == ModuleSelector::Kind::kAllLinear) {
    config.exclude_modules.kind = ModuleSelector::Kind::kRegex;  // a literal regex there
  }
  config.fan_in_fan_out = read_bool(root, "fan_in_fan_out", file);
  config.use_rslora = read_bool(root, "use_rslora", file);
  if (const json* modules = optional_field(root, "modules_to_save")) {
    config.modules_to_save = read_string_list(*modules, "modules_to_save", file);
  }
  if (const json* bias = optional_field(root, "bias")) {
    config.bias = read_string(*bias, "bias", file);
    if (config.bias != "none" && config.bias != "all" && config.bias != "lora_only") {
      field_error(file, "bias", "expected \"none\", \"all\" or \"lora_only\", got " + quote_untrusted(config.bias, 40));
    }
  }
  if (const json* base = optional_field(root, "base_model_name_or_path")) {
    config.base_model_name_or_path = read_string(*base, "base_model_name_or_path", file);
  }

  // The patterns: type-checked on the strict parse, ordered from an
  // order-preserving one (the text is already known to be valid JSON).
  const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(text.begin(), text.end());
  for (const std::string_view field : {std::string_view("rank_pattern"), std::string_view("alpha_pattern")}) {
    const json* value = optional_field(root, field);
    if (!value) continue;
    if (!value->is_object()) wrong_type(file, field, "an object mapping module patterns to numbers", *value);
    for (const auto& [key, item] : ordered.at(std::string(field)).items()) {
      const std::string item_field = std::string(field) + "." + key;
      if (field == "rank_pattern") {
        config.rank_pattern.emplace_back(key, read_rank(value->at(key), item_field, file));
      } else {
        config.alpha_pattern.emplace_back(key, read_alpha(value->at(key), item_field, file));
      }
    }
  }
  return config;
}

AdapterFiles locate_adapter_directory(const fs::path& directory, const std::string& origin) {
  std::error_code ec;
  fs::path dir = directory;
  if (fs::is_regular_file(dir, ec)) {
    const std::string name = dir.filename().string();
    if (name != kAdapterConfigFile && name != kAdapterWeightsFile) {
      throw Error(ErrorCode::kInput, origin + ": an adapter is a directory with " + std::string(kAdapterConfigFile) +
                                         " and " + std::string(kAdapterWeightsFile));
    }
    dir = dir.parent_path();
  } else if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorCode::kInput, origin + ": no such adapter directory");
  }
  const std::string prefix = origin.empty() || origin.back() == '/' ? origin : origin + "/";
  AdapterFiles files;
  files.origin = origin;
  files.config_path = dir / kAdapterConfigFile;
  files.config_origin = prefix + std::string(kAdapterConfigFile);
  if (!fs::is_regular_file(files.config_path, ec)) {
    throw Error(ErrorCode::kInput, files.config_origin + ": missing (an adapter directory holds " +
                                       std::string(kAdapterConfigFile) + ")");
  }
  const fs::path weights = dir / kAdapterWeightsFile;
  if (!fs::is_regular_file(weights, ec)) {
    const bool pickle = fs::exists(dir / "adapter_model.bin", ec);
    throw Error(ErrorCode::kInput, prefix + std::string(kAdapterWeightsFile) + ": missing" +
                                       (pickle ? " (adapter_model.bin is a pickle, which fti does not read; "
                                                 "convert it to safetensors)"
                                               : ""));
  }
  files.weights.origin = origin;
  files.weights.shards.push_back(
      {std::string(kAdapterWeightsFile), weights, prefix + std::string(kAdapterWeightsFile), std::nullopt});
  return files;
}

AdapterFiles resolve_adapter(std::string_view source, Cache& cache, const ResolveOptions& options) {
  const SourceSpec spec = parse_source(source);
  switch (spec.kind) {
    case SourceKind::kLocalPath:
      return locate_adapter_directory(spec.path, spec.text);
    case SourceKind::kLocalArchive:
    case SourceKind::kUrl: {
      if (spec.kind == SourceKind::kUrl && !looks_like_archive(spec.url.substr(0, spec.url.find_first_of("?#")))) {
        throw Error(ErrorCode::kUsage, spec.text + ": an adapter URL must name an archive (.tar, .tar.gz, .tar.zst, "
                                                   ".zip) holding adapter_config.json and adapter_model.safetensors");
      }
      const ResolvedSource resolved = resolve_source(spec, cache, options);
      if (resolved.files.index || resolved.files.shards.size() != 1 ||
          resolved.files.shards[0].name != kAdapterWeightsFile) {
        throw Error(ErrorCode::kInput, spec.text + ": the archive holds no " + std::string(kAdapterWeightsFile));
      }
      const CheckpointFileSource& weights = resolved.files.shards[0];
      AdapterFiles files = locate_adapter_directory(weights.path.parent_path(), spec.text);
      std::string inner = weights.origin.substr(0, weights.origin.size() - kAdapterWeightsFile.size());
      files.config_origin = inner + std::string(kAdapterConfigFile);
      files.weights = resolved.files;
      files.pinned = resolved.pinned;
      return files;
    }
    case SourceKind::kHub: {
      const FetchOptions hub_options = hub_fetch_options(options.fetch);
      const std::string folder = spec.hub.path.empty() ? "" : spec.hub.path + "/";
      HubRef config_ref = spec.hub;
      config_ref.path = folder + std::string(kAdapterConfigFile);
      config_ref.expected_sha256.reset();
      const HubEntry config = fetch_hub_entry(config_ref, cache, hub_options);
      HubRef weights_ref = config.pinned;  // the same commit for both files
      weights_ref.path = folder + std::string(kAdapterWeightsFile);
      const HubEntry weights = fetch_hub_entry(weights_ref, cache, hub_options);
      AdapterFiles files;
      files.origin = spec.text;
      files.pinned = hub_display(config.pinned);
      files.config_path = config.fetched.path;
      files.config_origin = hub_display(config.pinned);
      files.weights.origin = spec.text;
      files.weights.shards.push_back({std::string(kAdapterWeightsFile), weights.fetched.path,
                                      hub_display(weights.pinned), weights.fetched.sha256});
      return files;
    }
  }
  throw Error(ErrorCode::kInternal, "unknown source kind");
}

LoadedAdapter load_adapter(const AdapterFiles& files, const SafetensorsLimits& limits) {
  const std::string text = read_text_file(files.config_path, kMaxAdapterConfigBytes, files.config_origin);
  LoraConfig config = parse_lora_config(text, files.config_origin);
  Checkpoint weights = Checkpoint::open(files.weights, limits);
  return {files, std::move(config), std::move(weights)};
}

}  // namespace fti

// PEFT LoRA adapters as the Hugging Face peft library saves them: a directory
// with adapter_config.json (the LoraConfig) and adapter_model.safetensors
// (lora_A / lora_B factors named base_model.model.<module>.lora_{A,B}.weight,
// plus full tensors for modules_to_save and trained biases).
//
// This file reads and validates the configuration strictly and finds the
// adapter's files; engine/adapter maps the tensors onto a base checkpoint and
// merges them. docs/ADAPTERS.md is the reference.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/cache.h"
#include "registry/checkpoint.h"
#include "registry/source.h"

namespace fti {

inline constexpr std::string_view kAdapterConfigFile = "adapter_config.json";
inline constexpr std::string_view kAdapterWeightsFile = "adapter_model.safetensors";
inline constexpr std::uint64_t kMaxAdapterConfigBytes = 16u << 20;

// How target_modules (and exclude_modules) select module names, as peft does:
// a list selects a module whose name equals an entry or ends with "." + entry;
// a string is a regular expression that must match the whole name;
// "all-linear" selects every module (the adapter's own tensors say which).
struct ModuleSelector {
  enum class Kind : std::uint8_t { kNone, kList, kRegex, kAllLinear };
  Kind kind = Kind::kNone;
  std::vector<std::string> names;  // kList
  std::string regex;               // kRegex
};

struct LoraConfig {
  std::string file;  // names the config in messages
  std::uint64_t r = 0;
  double lora_alpha = 8;  // peft's default when the field is absent
  ModuleSelector target_modules;
  ModuleSelector exclude_modules;
  bool fan_in_fan_out = false;
  bool use_rslora = false;
  // In the order the file lists them: peft uses the first key that matches.
  std::vector<std::pair<std::string, std::uint64_t>> rank_pattern;
  std::vector<std::pair<std::string, double>> alpha_pattern;
  std::vector<std::string> modules_to_save;
  std::string bias = "none";  // none | all | lora_only
  std::string base_model_name_or_path;
};

// Parses adapter_config.json. Unknown fields are ignored; a known field of the
// wrong type, a missing r, a peft_type other than LORA and features fti cannot
// merge exactly (DoRA, lora_bias, layers_to_transform, ...) are Error(kInput)
// naming `file` and the field.
LoraConfig parse_lora_config(std::string_view text, const std::string& file);

// A resolved adapter: its configuration file and its weights.
struct AdapterFiles {
  std::string origin;  // as given on the command line
  std::string pinned;  // hub commit or URL; empty when local
  std::filesystem::path config_path;
  std::string config_origin;  // names the config in messages
  ModelFiles weights;         // adapter_model.safetensors
};

// The files of an adapter directory (or of the directory holding the given
// adapter_config.json / adapter_model.safetensors). Error(kInput) when one is
// missing (an adapter_model.bin is refused: pickles are not read).
AdapterFiles locate_adapter_directory(const std::filesystem::path& directory, const std::string& origin);

// Any source fti resolves: a directory, a local archive or an archive URL
// (the adapter files at the top or in a lone subdirectory), or
// hf://org/name[@revision][/subfolder]. A URL to a single file is a usage
// error: an adapter is two files.
AdapterFiles resolve_adapter(std::string_view source, Cache& cache, const ResolveOptions& options);

struct LoadedAdapter {
  AdapterFiles files;
  LoraConfig config;
  Checkpoint weights;
};

LoadedAdapter load_adapter(const AdapterFiles& files, const SafetensorsLimits& limits = {});

}  // namespace fti

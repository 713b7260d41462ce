#include "registry/shard_index.h"

#include <algorithm>
#include <set>

#include "engine/common/error.h"
#include "engine/common/text.h"
#include "engine/common/strict_json.h"

namespace fti {

bool is_plain_file_name(std::string_view name) noexcept {
  if (name.empty() || name == "." || name == ".." || name.size() > 255) return false;
  return name.find_first_of("/\\") == std::string_view::npos && !has_control_chars(name);
}

std::vector<std::string> ShardIndex::shard_files() const {
  std::set<std::string> names;
  for (const auto& [tensor, file] : weight_map) names.insert(file);
  return {names.begin(), names.end()};
}

ShardIndex parse_shard_index(std::string_view text, std::string_view what) {
  if (text.size() > kMaxIndexFileBytes) {
    throw Error(ErrorCode::kLimit, std::string(what) + ": index file larger than " +
                                       std::to_string(kMaxIndexFileBytes) + " bytes");
  }
  const nlohmann::json j = parse_strict_json(text, what);
  if (!j.is_object()) throw Error(ErrorCode::kInput, std::string(what) + ": not a JSON object");
  const auto wm = j.find("weight_map");
  if (wm == j.end() || !wm->is_object()) {
    throw Error(ErrorCode::kInput, std::string(what) + ": no \"weight_map\" object (not a safetensors index?)");
  }
  ShardIndex index;
  for (const auto& [tensor, file] : wm->items()) {
    if (!file.is_string()) {
      throw Error(ErrorCode::kInput, std::string(what) + ": weight_map entry for tensor " +
                                         quote_untrusted(tensor) + " is not a file name string");
    }
    const std::string& name = file.get_ref<const std::string&>();
    if (!is_plain_file_name(name)) {
      throw Error(ErrorCode::kInput, std::string(what) + ": tensor " + quote_untrusted(tensor) +
                                         " maps to " + quote_untrusted(name) +
                                         ", which is not a plain file name beside the index");
    }
    index.weight_map.emplace(tensor, name);
  }
  if (const auto meta = j.find("metadata"); meta != j.end() && meta->is_object()) {
    if (const auto total = meta->find("total_size");
        total != meta->end() && total->is_number_unsigned()) {
      index.total_size = total->get<std::uint64_t>();
    }
  }
  return index;
}

}  // namespace fti

// JSON parsing for untrusted documents (safetensors headers, index files,
// certificates, hub responses).
//
// nlohmann::json silently keeps the last of two equal keys; two readers of the
// same header could then disagree about a tensor. parse_strict_json rejects
// duplicate keys and bounds the nesting depth, and reports errors as one line
// naming the document and the byte offset.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/common/error.h"

namespace fti {

struct StrictJsonLimits {
  std::size_t max_depth = 64;
};

// `what` names the document in error messages (a path, a URL, "header of X").
// Throws Error(code) on invalid JSON, invalid UTF-8, a duplicate key or a
// nesting deeper than the limit.
nlohmann::json parse_strict_json(std::string_view text, std::string_view what,
                                 ErrorCode code = ErrorCode::kInput,
                                 StrictJsonLimits limits = {});

}  // namespace fti

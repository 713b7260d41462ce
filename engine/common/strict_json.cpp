#include "engine/common/strict_json.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace fti {

nlohmann::json parse_strict_json(std::string_view text, std::string_view what, ErrorCode code,
                                 StrictJsonLimits limits) {
  using nlohmann::json;
  // One key set per open object; arrays push an empty marker so depth lines up.
  std::vector<std::unordered_set<std::string>> open_objects;
  std::size_t depth = 0;
  const auto callback = [&](int, json::parse_event_t event, json& parsed) -> bool {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (++depth > limits.max_depth) {
          throw Error(code, std::string(what) + ": JSON nested deeper than " +
                                std::to_string(limits.max_depth) + " levels");
        }
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        --depth;
        open_objects.pop_back();
        break;
      case json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!open_objects.back().insert(key).second) {
          throw Error(code, std::string(what) + ": duplicate JSON key " + quote_untrusted(key));
        }
        break;
      }
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  // nlohmann's lexer takes a NUL byte for the end of input and would ignore
  // whatever follows it; valid JSON never contains a raw NUL.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    throw Error(code, std::string(what) + ": invalid JSON: NUL byte at offset " + std::to_string(nul));
  }
  try {
    return json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number too large for any type
    // ("1e999", found by the shard-index fuzzer). e.what() is
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ...".
    std::string detail = e.what();
    if (const auto pos = detail.find("] "); pos != std::string::npos) detail.erase(0, pos + 2);
    throw Error(code, std::string(what) + ": invalid JSON: " + escape_untrusted(detail));
  }
}

}  // namespace fti

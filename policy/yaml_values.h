// Reading typed values out of the YAML tree, with a diagnostic for every
// value that is not what the schema expects: text, true/false, decimals,
// whole numbers, mappings with known keys. Positions point at the value (or
// at its key when the value is missing), and inside a pattern when the
// pattern is written verbatim in the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.h"
#include "policy/yaml_tree.h"

namespace fti::policy {

inline constexpr std::size_t kMaxNameBytes = 128;

// A key people put in the wrong place, and where it belongs.
struct KeyHint {
  std::string_view key;
  std::string_view hint;
};

bool valid_utf8(std::string_view text) noexcept;

class YamlValues {
 public:
  using Entry = YamlNode::Entry;
  using Keys = std::span<const std::string_view>;

  // `text` is the source the tree was read from.
  YamlValues(std::string_view text, DiagnosticList& diagnostics);

  void error(SourceLocation at, std::string message, std::string hint = {});

  // Where a value is written; its key's position when the value is missing.
  static SourceLocation where(const Entry& e);
  static const std::string& key_of(const Entry& e) { return e.key->text; }
  // "a list", "quoted text", "\"yes\"": what a wrong value is, for messages.
  static std::string describe(const YamlNode& value);

  // The position of byte `offset` of a scalar's value in the source, when
  // the value is written verbatim there (plain or simply quoted, on one
  // line); otherwise the scalar's own position.
  SourceLocation inside_scalar(const YamlNode& node, std::size_t offset) const;

  // Reports keys not in `allowed` (with the hint for the key, else "did you
  // mean"); returns how many there were.
  std::size_t check_keys(const YamlNode& map, Keys allowed, std::string_view context, std::span<const KeyHint> hints);

  // Each returns nullopt (or nullptr, or false) after reporting why.
  const YamlNode* mapping(const Entry& e, std::string_view what, std::string hint = {});
  bool usable_text(const YamlNode& node, std::string_view what, std::size_t max_bytes);
  std::optional<std::string> text(const Entry& e, std::string_view what, std::size_t max_bytes = kMaxNameBytes);
  std::optional<bool> flag(const Entry& e);
  std::optional<double> number(const Entry& e, bool allow_percent);
  std::optional<double> positive(const Entry& e, bool allow_percent, std::string zero_hint);
  std::optional<double> fraction(const Entry& e);  // 0..1, percentages allowed
  std::optional<std::uint64_t> whole(const Entry& e);

 protected:
  std::string_view text_;
  DiagnosticList& diagnostics_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace fti::policy

// A bounded YAML reader that keeps source positions.
//
// yaml-cpp's node API drops duplicate keys silently, loses whether a scalar
// was quoted, and expands aliases on every traversal (a "billion laughs"
// document is a few lines long). This reader builds its own tree from
// yaml-cpp's event stream instead: every node keeps its line and column,
// duplicate keys are reported at any depth, aliases share the anchored node
// and count its full size against a node budget, and the document size and
// nesting depth are limited before yaml-cpp's own recursion can matter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.h"

namespace fti::policy {

struct YamlLimits {
  std::size_t max_bytes = 1 << 20;    // the whole document
  std::size_t max_depth = 32;         // nested mappings and sequences
  std::uint64_t max_nodes = 100'000;  // after alias expansion
};

struct YamlNode {
  enum class Kind : std::uint8_t { kNull, kScalar, kSequence, kMap };
  struct Entry {
    std::shared_ptr<const YamlNode> key;  // always a scalar
    std::shared_ptr<const YamlNode> value;
  };

  Kind kind = Kind::kNull;
  // Where the node is written; a node reached through an alias keeps the
  // position of its anchored definition.
  SourceLocation location;
  std::string text;     // scalars
  bool quoted = false;  // quoted or block scalar: always a string, never a number or bool
  std::vector<std::shared_ptr<const YamlNode>> items;  // sequences
  std::vector<Entry> entries;                          // mappings, in document order, no duplicates
  std::uint64_t expanded_size = 1;                     // nodes, counting aliases as copies

  bool is_null() const noexcept { return kind == Kind::kNull; }
  bool is_scalar() const noexcept { return kind == Kind::kScalar; }
  bool is_sequence() const noexcept { return kind == Kind::kSequence; }
  bool is_map() const noexcept { return kind == Kind::kMap; }
  // The value of `key` in a mapping, or nullptr.
  const Entry* find(std::string_view key) const noexcept;
};

// "a mapping", "a list", "text", "nothing" for messages.
std::string_view yaml_kind_name(const YamlNode& node) noexcept;

struct YamlDocument {
  std::shared_ptr<const YamlNode> root;  // a null node for an empty document
  std::vector<Diagnostic> diagnostics;   // syntax errors, duplicates, limits: all errors
  bool complete = false;                 // false when reading stopped early (syntax error, limit)
};

// Never throws for bad input: every problem is a diagnostic.
YamlDocument read_yaml(std::string_view text, const YamlLimits& limits = {});

}  // namespace fti::policy

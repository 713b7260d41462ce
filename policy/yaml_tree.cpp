#include "policy/yaml_tree.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace fti::policy {

const YamlNode::Entry* YamlNode::find(std::string_view key) const noexcept {
  for (const Entry& e : entries) {
    if (e.key->text == key) return &e;
  }
  return nullptr;
}

std::string_view yaml_kind_name(const YamlNode& node) noexcept {
  switch (node.kind) {
    case YamlNode::Kind::kNull: return "nothing";
    case YamlNode::Kind::kScalar: return "text";
    case YamlNode::Kind::kSequence: return "a list";
    case YamlNode::Kind::kMap: return "a mapping";
  }
  return "nothing";
}

namespace {

SourceLocation location_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {static_cast<std::uint32_t>(mark.line) + 1, static_cast<std::uint32_t>(mark.column) + 1};
}

// Thrown from inside the event handler to stop reading; the reason is
// already recorded as a diagnostic.
struct StopReading {};

class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(const YamlLimits& limits, DiagnosticList& diagnostics)
      : limits_(limits), diagnostics_(diagnostics) {}

  std::shared_ptr<const YamlNode> root() const { return root_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (documents_++ != 0) {
      diagnostics_.error(location_of(mark), "a policy file holds one YAML document",
                         "remove the '---' separator and what follows it");
      throw StopReading{};
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    count(1, mark);
    finish(make(YamlNode::Kind::kNull, mark), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (open_anchors_.contains(anchor)) {
      diagnostics_.error(location_of(mark), "an alias refers to the node that contains it");
      throw StopReading{};
    }
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {  // yaml-cpp reports this itself; stay safe anyway
      diagnostics_.error(location_of(mark), "an alias refers to an anchor that is not defined");
      throw StopReading{};
    }
    count(it->second->expanded_size, mark);
    attach(it->second);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    check_tag(tag, mark);
    count(1, mark);
    auto node = make(YamlNode::Kind::kScalar, mark);
    node->text = value;
    node->quoted = tag == "!";  // yaml-cpp marks quoted and block scalars with the non-specific tag
    finish(std::move(node), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(YamlNode::Kind::kSequence, mark, tag, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(YamlNode::Kind::kMap, mark, tag, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    std::shared_ptr<YamlNode> node;
    YAML::anchor_t anchor = 0;
    std::shared_ptr<const YamlNode> pending_key;  // maps: a key waiting for its value
    bool key_usable = false;
    std::unordered_map<std::string, SourceLocation> keys;  // maps: first position of each key
  };

  static std::shared_ptr<YamlNode> make(YamlNode::Kind kind, const YAML::Mark& mark) {
    auto node = std::make_shared<YamlNode>();
    node->kind = kind;
    node->location = location_of(mark);
    return node;
  }

  void check_tag(const std::string& tag, const YAML::Mark& mark) {
    if (tag.empty() || tag == "?" || tag == "!") return;
    diagnostics_.error(location_of(mark), "YAML tags are not supported (found " + quote_untrusted(tag) + ")",
                       "remove the tag; write the value plainly");
  }

  void count(std::uint64_t nodes, const YAML::Mark& mark) {
    nodes_ += nodes;
    if (nodes_ > limits_.max_nodes) {
      diagnostics_.error(location_of(mark),
                         "the document has more than " + std::to_string(limits_.max_nodes) +
                             " YAML nodes once aliases are expanded",
                         "a policy needs far fewer; every use of an alias (*name) counts its whole anchored node");
      throw StopReading{};
    }
  }

  void open(YamlNode::Kind kind, const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor) {
    check_tag(tag, mark);
    if (stack_.size() >= limits_.max_depth) {
      diagnostics_.error(location_of(mark),
                         "mappings and lists are nested deeper than " + std::to_string(limits_.max_depth) + " levels",
                         "a policy needs at most 6");
      throw StopReading{};
    }
    count(1, mark);
    Open entry;
    entry.node = make(kind, mark);
    entry.anchor = anchor;
    if (anchor != 0) open_anchors_.insert(anchor);
    stack_.push_back(std::move(entry));
  }

  void close() {
    Open top = std::move(stack_.back());
    stack_.pop_back();
    if (top.pending_key) {  // cannot happen with a well-formed event stream
      diagnostics_.error(top.pending_key->location, "a mapping key has no value");
    }
    std::shared_ptr<YamlNode> node = std::move(top.node);
    if (top.anchor != 0) open_anchors_.erase(top.anchor);
    finish(std::move(node), top.anchor);
  }

  void finish(std::shared_ptr<YamlNode> node, YAML::anchor_t anchor) {
    std::shared_ptr<const YamlNode> done = std::move(node);
    if (anchor != 0) anchors_[anchor] = done;
    attach(std::move(done));
  }

  void attach(std::shared_ptr<const YamlNode> node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Open& top = stack_.back();
    YamlNode& parent = *top.node;
    parent.expanded_size += node->expanded_size;
    if (parent.kind == YamlNode::Kind::kSequence) {
      parent.items.push_back(std::move(node));
      return;
    }
    if (!top.pending_key) {
      top.key_usable = check_key(*node);
      top.pending_key = std::move(node);
      return;
    }
    std::shared_ptr<const YamlNode> key = std::move(top.pending_key);
    top.pending_key.reset();
    if (!top.key_usable) return;
    const auto [it, inserted] = top.keys.emplace(key->text, key->location);
    if (!inserted) {
      diagnostics_.error(key->location,
                         "duplicate key " + quote_untrusted(key->text) + " (first at line " +
                             std::to_string(it->second.line) + ", column " + std::to_string(it->second.column) +
                             ")",
                         "YAML would silently keep only one of them; remove or merge the other");
      return;
    }
    parent.entries.push_back({std::move(key), std::move(node)});
  }

  bool check_key(const YamlNode& key) {
    if (key.kind == YamlNode::Kind::kScalar) {
      if (key.text == "<<" && !key.quoted) {
        diagnostics_.error(key.location, "YAML merge keys (<<) are not supported",
                           "repeat the keys, or put the shared value behind an anchor (&name) and use *name");
        return false;
      }
      return true;
    }
    diagnostics_.error(key.location,
                       key.kind == YamlNode::Kind::kNull
                           ? std::string("a mapping key is empty")
                           : "a mapping key must be a name, not " + std::string(yaml_kind_name(key)));
    return false;
  }

  const YamlLimits& limits_;
  DiagnosticList& diagnostics_;
  std::vector<Open> stack_;
  std::shared_ptr<const YamlNode> root_;
  std::unordered_map<YAML::anchor_t, std::shared_ptr<const YamlNode>> anchors_;
  std::unordered_set<YAML::anchor_t> open_anchors_;
  std::uint64_t nodes_ = 0;
  int documents_ = 0;
};

// A hint for the syntax errors policy authors actually make: tabs, and
// unquoted patterns that YAML reads as aliases or flow collections.
std::string syntax_hint(std::string_view text, const YAML::Mark& mark, const std::string& message) {
  std::string_view line;
  if (mark.pos >= 0 && static_cast<std::size_t>(mark.pos) <= text.size()) {
    const auto at = static_cast<std::size_t>(mark.pos);
    const std::size_t line_start = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
    const std::size_t begin = line_start == std::string_view::npos ? 0 : line_start + 1;
    const std::size_t end = text.find('\n', at);
    line = text.substr(begin, end == std::string_view::npos ? text.size() - begin : end - begin);
  }
  if (line.find('\t') != std::string_view::npos) return "YAML indents with spaces, not tabs";
  if (message.find("anchor") != std::string::npos || line.find(": *") != std::string_view::npos ||
      line.find("- *") != std::string_view::npos) {
    return "a pattern that starts with * must be quoted, e.g. match: '*.weight'";
  }
  if (message.find("flow") != std::string::npos || line.find_first_of("{[") != std::string_view::npos) {
    return "close every [ and {, and quote patterns that contain { } [ ] or commas, e.g. match: 'layers.{0..3}.*'";
  }
  if (message.find("map") != std::string::npos || message.find("sequence") != std::string::npos ||
      message.find("block") != std::string::npos) {
    return "check the indentation, and quote values that contain ': ' or ' #'";
  }
  return {};
}

}  // namespace

YamlDocument read_yaml(std::string_view text, const YamlLimits& limits) {
  YamlDocument document;
  DiagnosticList diagnostics;
  if (text.size() > limits.max_bytes) {
    diagnostics.error({1, 1},
                      "the policy is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                          std::to_string(limits.max_bytes),
                      "a policy is a few kilobytes; is this the right file?");
    document.diagnostics = diagnostics.items();
    document.root = std::make_shared<YamlNode>();
    return document;
  }
  std::istringstream in{std::string(text)};
  TreeBuilder builder(limits, diagnostics);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
    document.complete = true;
  } catch (const StopReading&) {
  } catch (const YAML::Exception& e) {
    const bool deep = dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr;
    diagnostics.error(location_of(e.mark),
                      deep ? std::string("YAML nesting is too deep") : "YAML syntax error: " + e.msg,
                      syntax_hint(text, e.mark, e.msg));
  }
  document.root = document.complete && builder.root() ? builder.root() : std::make_shared<YamlNode>();
  document.diagnostics = diagnostics.items();
  return document;
}

}  // namespace fti::policy

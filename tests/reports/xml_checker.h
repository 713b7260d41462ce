// A strict little XML 1.0 reader for the tests: it accepts only well-formed
// documents (balanced tags, quoted attributes, known entities, characters
// XML allows, valid UTF-8) and returns the element tree with text and
// attribute values decoded, so a test can see exactly what a consumer sees.
// An HTML5 doctype is skipped, so XHTML-shaped HTML can be checked too.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fti::reports::testing {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<XmlElement> children;
  std::string text;  // all character data directly inside, decoded

  // Every descendant (not this element) named `name`, in document order.
  std::vector<const XmlElement*> find_all(std::string_view name) const;
  std::string attribute(const std::string& key) const;
};

// Throws std::runtime_error naming the offset of the first problem.
XmlElement parse_xml(std::string_view document);

bool is_valid_utf8(std::string_view text);

}  // namespace fti::reports::testing

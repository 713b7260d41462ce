#include <cstdint>
#include <stdexcept>

#include "tests/reports/xml_checker.h"

namespace fti::reports::testing {
namespace {

bool valid_xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Decodes one UTF-8 sequence at `i`; returns its length or 0 if invalid.
std::size_t decode(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[k])); };
  const std::uint32_t lead = b(i);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (lead < 0x80) {
    cp = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Reader {
 public:
  explicit Reader(std::string_view doc) : doc_(doc) {}

  XmlElement document() {
    check_characters();
    skip_space();
    if (starts_with("<?xml")) {
      const std::size_t end = doc_.find("?>", pos_);
      if (end == std::string_view::npos) fail("unterminated XML declaration");
      pos_ = end + 2;
      skip_space();
    }
    if (starts_with("<!DOCTYPE html>")) {
      pos_ += 15;
      skip_space();
    }
    if (!starts_with("<")) fail("expected the root element");
    XmlElement root = element();
    skip_space();
    if (pos_ != doc_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("XML error at byte " + std::to_string(pos_) + ": " + what);
  }

  void check_characters() {
    for (std::size_t i = 0; i < doc_.size();) {
      std::uint32_t cp = 0;
      const std::size_t len = decode(doc_, i, cp);
      if (len == 0) {
        pos_ = i;
        fail("invalid UTF-8");
      }
      if (!valid_xml_char(cp)) {
        pos_ = i;
        fail("character not allowed in XML 1.0");
      }
      i += len;
    }
  }

  bool starts_with(std::string_view s) const { return doc_.substr(pos_, s.size()) == s; }

  void skip_space() {
    while (pos_ < doc_.size() && (doc_[pos_] == ' ' || doc_[pos_] == '\n' || doc_[pos_] == '\t' || doc_[pos_] == '\r')) ++pos_;
  }

  static bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
  static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

  std::string name() {
    if (pos_ >= doc_.size() || !name_start(doc_[pos_])) fail("expected a name");
    const std::size_t start = pos_;
    while (pos_ < doc_.size() && name_char(doc_[pos_])) ++pos_;
    return std::string(doc_.substr(start, pos_ - start));
  }

  // Decodes `&...;` at pos_ into out.
  void reference(std::string& out) {
    const std::size_t end = doc_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) fail("unterminated entity reference");
    const std::string_view ref = doc_.substr(pos_ + 1, end - pos_ - 1);
    if (ref == "amp") out += '&';
    else if (ref == "lt") out += '<';
    else if (ref == "gt") out += '>';
    else if (ref == "quot") out += '"';
    else if (ref == "apos") out += '\'';
    else if (ref.size() > 1 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string digits(ref.substr(hex ? 2 : 1));
      if (digits.empty()) fail("empty character reference");
      std::size_t used = 0;
      const unsigned long cp = std::stoul(digits, &used, hex ? 16 : 10);
      if (used != digits.size() || !valid_xml_char(static_cast<std::uint32_t>(cp))) fail("bad character reference");
      append_utf8(out, static_cast<std::uint32_t>(cp));
    } else {
      fail("unknown entity &" + std::string(ref) + ";");
    }
    pos_ = end + 1;
  }

  XmlElement element() {
    ++pos_;  // '<'
    XmlElement e;
    e.name = name();
    for (;;) {
      const std::size_t before = pos_;
      skip_space();
      if (starts_with("/>")) {
        pos_ += 2;
        return e;
      }
      if (starts_with(">")) {
        ++pos_;
        break;
      }
      if (pos_ == before) fail("expected space before an attribute");
      const std::string key = name();
      if (!starts_with("=\"")) fail("attribute " + key + " without a double-quoted value");
      pos_ += 2;
      std::string value;
      while (pos_ < doc_.size() && doc_[pos_] != '"') {
        if (doc_[pos_] == '<') fail("'<' in an attribute value");
        if (doc_[pos_] == '&') {
          reference(value);
        } else {
          value.push_back(doc_[pos_++]);
        }
      }
      if (pos_ >= doc_.size()) fail("unterminated attribute value");
      ++pos_;
      if (!e.attributes.emplace(key, value).second) fail("duplicate attribute " + key);
    }
    // Content up to the matching end tag.
    for (;;) {
      if (pos_ >= doc_.size()) fail("element " + e.name + " not closed");
      if (starts_with("</")) {
        pos_ += 2;
        if (name() != e.name) fail("end tag does not match " + e.name);
        skip_space();
        if (!starts_with(">")) fail("malformed end tag");
        ++pos_;
        return e;
      }
      if (starts_with("<!") || starts_with("<?")) fail("comments, CDATA and processing instructions are not expected");
      if (starts_with("<")) {
        e.children.push_back(element());
        continue;
      }
      if (starts_with("]]>")) fail("']]>' in character data");
      if (doc_[pos_] == '&') {
        reference(e.text);
      } else {
        e.text.push_back(doc_[pos_++]);
      }
    }
  }

  std::string_view doc_;
  std::size_t pos_ = 0;
};

void collect(const XmlElement& e, std::string_view name, std::vector<const XmlElement*>& out) {
  for (const XmlElement& child : e.children) {
    if (child.name == name) out.push_back(&child);
    collect(child, name, out);
  }
}

}  // namespace

std::vector<const XmlElement*> XmlElement::find_all(std::string_view wanted) const {
  std::vector<const XmlElement*> out;
  collect(*this, wanted, out);
  return out;
}

std::string XmlElement::attribute(const std::string& key) const {
  const auto it = attributes.find(key);
  return it == attributes.end() ? std::string() : it->second;
}

XmlElement parse_xml(std::string_view document) { return Reader(document).document(); }

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t len = decode(text, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace fti::reports::testing

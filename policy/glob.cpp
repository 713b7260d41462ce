#include "policy/glob.h"

#include <re2/re2.h>

#include "policy/numeric_range.h"

namespace fti::policy {

namespace {

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

std::bitset<256> all_but_dot() {
  std::bitset<256> set;
  set.set();
  set.reset('.');
  return set;
}

GlobElement byte_literal(char c) {
  GlobElement e;
  e.form = GlobElement::Form::kLiteral;
  e.literal = c;
  e.bytes.set(static_cast<unsigned char>(c));
  return e;
}

GlobElement of_kind(GlobElement::Kind kind) {
  GlobElement e;
  e.kind = kind;
  return e;
}

class GlobParser {
 public:
  GlobParser(std::string_view text, const GlobLimits& limits) : text_(text), limits_(limits) {}

  GlobSequence parse() {
    if (text_.empty()) throw PatternError(0, "the pattern is empty", "write a tensor name or a glob such as model.layers.*.mlp.*");
    if (text_.size() > limits_.max_length) {
      throw PatternError(limits_.max_length,
                         "the pattern is longer than " + std::to_string(limits_.max_length) + " bytes");
    }
    GlobSequence seq = sequence(0, false);
    return seq;
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& message, std::string hint = {}) const {
    throw PatternError(at, message, std::move(hint));
  }

  char checked(std::size_t at) const {
    const char c = text_[at];
    if (is_control(c)) fail(at, "the pattern contains a control character");
    return c;
  }

  GlobSequence sequence(std::size_t depth, bool in_braces) {
    GlobSequence seq;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (in_braces && (c == ',' || c == '}')) break;
      switch (c) {
        case '\\':
          if (pos_ + 1 == text_.size()) fail(pos_, "the pattern ends with a lone backslash", "write \\\\ for a backslash");
          seq.push_back(byte_literal(checked(pos_ + 1)));
          pos_ += 2;
          break;
        case '*':
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
            globstar(seq, in_braces);
          } else {
            seq.push_back(of_kind(GlobElement::Kind::kSegmentRun));
            ++pos_;
          }
          break;
        case '?': {
          GlobElement e;
          e.form = GlobElement::Form::kAnyInSegment;
          e.bytes = all_but_dot();
          seq.push_back(std::move(e));
          ++pos_;
          break;
        }
        case '[':
          seq.push_back(character_class());
          break;
        case '{':
          seq.push_back(braces(depth));
          break;
        case '}':
          fail(pos_, "unmatched }", "escape a literal brace as \\}");
        default:
          seq.push_back(byte_literal(checked(pos_)));
          ++pos_;
      }
    }
    return seq;
  }

  void globstar(GlobSequence& seq, bool in_braces) {
    const std::size_t at = pos_;
    if (in_braces) fail(at, "** cannot be used inside braces", "put ** in a segment of its own, outside the braces");
    if (at + 2 < text_.size() && text_[at + 2] == '*') {
      fail(at, "*** is not a pattern", "** matches any number of segments, * part of one segment");
    }
    const bool starts_segment = at == 0 || text_[at - 1] == '.';
    const bool ends_segment = at + 2 == text_.size() || text_[at + 2] == '.';
    if (!starts_segment || !ends_segment) {
      fail(at, "** must be a whole segment, between dots", "use * to match part of a segment");
    }
    if (!seq.empty() && seq.back().kind == GlobElement::Kind::kLeadingStar) {
      fail(at, "** follows another **", "one ** already matches any number of segments");
    }
    if (at == 0 && at + 2 == text_.size()) {
      seq.push_back(of_kind(GlobElement::Kind::kAnything));
      pos_ += 2;
    } else if (at + 2 < text_.size()) {  // "**." takes its dot: a.**.b also matches a.b
      seq.push_back(of_kind(GlobElement::Kind::kLeadingStar));
      pos_ += 3;
    } else {  // ".**" at the end takes the dot before it: a.** also matches a
      seq.pop_back();
      seq.push_back(of_kind(GlobElement::Kind::kTrailingStar));
      pos_ += 2;
    }
  }

  // Reads one class member at pos_ (a character or an escape).
  char class_char(std::size_t class_start) {
    if (pos_ >= text_.size()) unterminated_class(class_start);
    char c = text_[pos_];
    if (c == '\\') {
      if (pos_ + 1 >= text_.size()) unterminated_class(class_start);
      c = text_[pos_ + 1];
      pos_ += 2;
    } else {
      ++pos_;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
      fail(pos_ - 1, "character classes take printable ASCII characters only", "use {a,b} alternatives for other characters");
    }
    return c;
  }

  [[noreturn]] void unterminated_class(std::size_t start) const {
    fail(start, "unterminated character class", "close it with ], or escape a literal [ as \\[");
  }

  GlobElement character_class() {
    const std::size_t start = pos_++;
    GlobElement e;
    if (pos_ < text_.size() && (text_[pos_] == '!' || text_[pos_] == '^')) {
      e.form = GlobElement::Form::kNegatedClass;
      ++pos_;
    } else {
      e.form = GlobElement::Form::kClass;
    }
    bool first = true;
    for (;;) {
      if (pos_ >= text_.size()) unterminated_class(start);
      if (text_[pos_] == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      const char lo = class_char(start);
      char hi = lo;
      if (pos_ + 1 < text_.size() && text_[pos_] == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        const std::size_t hi_at = pos_;
        hi = class_char(start);
        if (hi < lo) fail(hi_at, "reversed range in a character class", "write the smaller character first, e.g. [a-z]");
      }
      for (int ch = lo; ch <= hi; ++ch) e.members.set(static_cast<std::size_t>(ch));
    }
    if (e.members.test('.')) {
      fail(start, "a character class cannot match '.', the segment separator", "match segments with * or {a,b} instead");
    }
    if (e.form == GlobElement::Form::kClass) {
      for (std::size_t ch = 0; ch < 128; ++ch) {
        if (e.members.test(ch)) e.bytes.set(ch);
      }
    } else {
      e.bytes = all_but_dot();
      for (std::size_t ch = 0; ch < 128; ++ch) {
        if (e.members.test(ch)) e.bytes.reset(ch);
      }
    }
    return e;
  }

  // The position of the } that closes the brace at `open`, or npos.
  std::size_t closing_brace(std::size_t open, bool& top_level_comma) const {
    std::size_t depth = 0;
    top_level_comma = false;
    for (std::size_t i = open; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == '\\') {
        ++i;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}') {
        if (--depth == 0) return i;
      } else if (c == ',' && depth == 1) {
        top_level_comma = true;
      }
    }
    return std::string_view::npos;
  }

  static bool looks_like_range(std::string_view content) {
    return content.find("..") != std::string_view::npos &&
           content.find_first_not_of("0123456789.+- ") == std::string_view::npos;
  }

  std::uint64_t range_bound(std::string_view digits, std::size_t at) const {
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      fail(at, "invalid range", "write {N..M} with two whole numbers, e.g. {0..31}");
    }
    if (digits.size() > 1 && digits[0] == '0') {
      fail(at, "range bounds are written without leading zeros",
           "{0..15} matches 0 to 15 as tensor names spell them (7, never 07)");
    }
    if (digits.size() > 9) {
      fail(at, "range bound is larger than " + std::to_string(limits_.max_range_value));
    }
    std::uint64_t value = 0;
    for (char d : digits) value = value * 10 + static_cast<std::uint64_t>(d - '0');
    if (value > limits_.max_range_value) {
      fail(at, "range bound is larger than " + std::to_string(limits_.max_range_value));
    }
    return value;
  }

  GlobElement braces(std::size_t depth) {
    const std::size_t open = pos_;
    if (depth + 1 > limits_.max_brace_depth) {
      fail(open, "braces are nested deeper than " + std::to_string(limits_.max_brace_depth) + " levels");
    }
    bool comma = false;
    const std::size_t close = closing_brace(open, comma);
    if (close == std::string_view::npos) fail(open, "unterminated {", "close it with }, or escape a literal brace as \\{");
    const std::string_view content = text_.substr(open + 1, close - open - 1);
    if (!comma && looks_like_range(content)) {
      const std::size_t dots = content.find("..");
      GlobElement e = of_kind(GlobElement::Kind::kRange);
      e.lo = range_bound(content.substr(0, dots), open + 1);
      e.hi = range_bound(content.substr(dots + 2), open + 3 + dots);
      if (e.lo > e.hi) {
        fail(open, "empty range: " + std::to_string(e.lo) + " is greater than " + std::to_string(e.hi),
             "write the smaller bound first");
      }
      pos_ = close + 1;
      return e;
    }
    if (!comma) {
      fail(open, "braces need two or more alternatives separated by commas, or a range N..M",
           "escape literal braces as \\{ and \\}");
    }
    GlobElement e = of_kind(GlobElement::Kind::kAlternatives);
    ++pos_;
    for (;;) {
      e.alternatives.push_back(sequence(depth + 1, true));
      const char c = text_[pos_++];  // ',' or '}': closing_brace found the end
      if (c == '}') break;
    }
    return e;
  }

  std::string_view text_;
  const GlobLimits& limits_;
  std::size_t pos_ = 0;
};

std::string hex_char(std::size_t ch) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("\\x{") + kHex[ch >> 4] + kHex[ch & 0xF] + "}";
}

std::string class_body(const std::bitset<128>& members) {
  std::string out;
  for (std::size_t ch = 0; ch < 128; ++ch) {
    if (!members.test(ch)) continue;
    std::size_t end = ch;
    while (end + 1 < 128 && members.test(end + 1)) ++end;
    out += hex_char(ch);
    if (end > ch) out += "-" + hex_char(end);
    ch = end;
  }
  return out;
}

void render(const GlobSequence& seq, std::string& out) {
  for (const GlobElement& e : seq) {
    switch (e.kind) {
      case GlobElement::Kind::kByte:
        switch (e.form) {
          case GlobElement::Form::kLiteral: out += RE2::QuoteMeta(std::string(1, e.literal)); break;
          case GlobElement::Form::kAnyInSegment: out += "[^.]"; break;
          case GlobElement::Form::kClass: out += "[" + class_body(e.members) + "]"; break;
          case GlobElement::Form::kNegatedClass: out += "[^" + class_body(e.members) + "\\.]"; break;
        }
        break;
      case GlobElement::Kind::kSegmentRun: out += "[^.]*"; break;
      case GlobElement::Kind::kAnything: out += "(?s:.*)"; break;
      case GlobElement::Kind::kLeadingStar: out += "(?s:.*\\.)?"; break;
      case GlobElement::Kind::kTrailingStar: out += "(?s:\\..*)?"; break;
      case GlobElement::Kind::kAlternatives:
        out += "(?:";
        for (std::size_t i = 0; i < e.alternatives.size(); ++i) {
          if (i != 0) out += '|';
          render(e.alternatives[i], out);
        }
        out += ')';
        break;
      case GlobElement::Kind::kRange: out += decimal_range_regex(e.lo, e.hi); break;
    }
  }
}

}  // namespace

Glob Glob::parse(std::string_view text, const GlobLimits& limits) {
  Glob glob;
  glob.text_ = std::string(text);
  glob.elements_ = GlobParser(text, limits).parse();
  std::string literal;
  for (const GlobElement& e : glob.elements_) {
    if (e.kind != GlobElement::Kind::kByte || e.form != GlobElement::Form::kLiteral) return glob;
    literal.push_back(e.literal);
  }
  glob.literal_ = std::move(literal);
  return glob;
}

std::string Glob::to_regex() const {
  std::string out;
  render(elements_, out);
  return out;
}

}  // namespace fti::policy

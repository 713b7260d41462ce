// Untrusted text made printable: what is kept, what becomes a visible escape.
#include <gtest/gtest.h>

#include "reports/display_text.h"
#include "reports/markup_escape.h"
#include "tests/reports/sample_reports.h"
#include "tests/reports/xml_checker.h"

namespace fti::reports {
namespace {

TEST(DisplayText, KeepsPrintableTextAndUtf8) {
  EXPECT_EQ(display_text("model.layers.3.mlp.down_proj.weight"), "model.layers.3.mlp.down_proj.weight");
  EXPECT_EQ(display_text("gewicht_ä_ß_日本"), "gewicht_ä_ß_日本");
  EXPECT_EQ(display_text("a|b`c<d>&\"'"), "a|b`c<d>&\"'");  // syntax is each format's business
}

TEST(DisplayText, EscapesControlsInvalidBytesAndDeceptiveCodePoints) {
  EXPECT_EQ(display_text("a\nb\tc\x01\x7f"), "a\\x0ab\\x09c\\x01\\x7f");
  EXPECT_EQ(display_text("back\\slash"), "back\\\\slash");
  EXPECT_EQ(display_text(std::string("\xff\xfe\xc3")), "\\xff\\xfe\\xc3");
  EXPECT_EQ(display_text(std::string("\xc0\xaf")), "\\xc0\\xaf");  // overlong '/'
  EXPECT_EQ(display_text("bidi\xe2\x80\xaegnp.exe"), "bidi\\u{202e}gnp.exe");
  EXPECT_EQ(display_text("zero\xe2\x80\x8bwidth"), "zero\\u{200b}width");
  EXPECT_EQ(display_text("\xc2\x85"), "\\u{0085}");             // C1 next-line
  EXPECT_EQ(display_text("\xef\xbf\xbf"), "\\u{ffff}");           // not an XML character
}

TEST(DisplayText, CutsLongTextAtABoundary) {
  EXPECT_EQ(display_text(std::string(500, 'x'), 10), std::string(10, 'x') + "...");
  EXPECT_EQ(display_text("abc", 3), "abc");
}

TEST(DisplayText, EveryHostileStringBecomesValidXmlText) {
  for (const std::string& evil : testing::hostile_strings()) {
    const std::string shown = display_text(evil);
    EXPECT_TRUE(testing::is_valid_utf8(shown)) << shown;
    for (const char c : shown) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << shown;
    const std::string document = "<x a=\"" + escape_markup(shown) + "\">" + escape_markup(shown) + "</x>";
    const testing::XmlElement parsed = testing::parse_xml(document);
    EXPECT_EQ(parsed.text, shown);
    EXPECT_EQ(parsed.attribute("a"), shown);
  }
}

TEST(MarkupEscape, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(escape_markup("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace fti::reports

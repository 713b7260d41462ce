// The HTML report: one well-formed, script-free page with the heatmap and
// the tables, whatever the names in the checkpoint.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "reports/display_text.h"
#include "reports/html_report.h"
#include "tests/reports/sample_reports.h"
#include "tests/reports/xml_checker.h"

namespace fti::reports {
namespace {

using testing::XmlElement;

// Only these elements, and no event handler or link attribute, anywhere.
void expect_inert(const XmlElement& e) {
  static const std::set<std::string> allowed = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2",
                                                "p", "section", "table", "thead", "tbody", "tr", "th", "td", "code", "div",
                                                "footer", "svg", "text", "rect", "line", "defs", "linearGradient", "stop"};
  EXPECT_TRUE(allowed.count(e.name)) << "element " << e.name;
  for (const auto& [key, value] : e.attributes) {
    EXPECT_NE(key.rfind("on", 0), 0u) << key;
    EXPECT_NE(key, "href");
    EXPECT_NE(key, "src");
  }
  for (const XmlElement& child : e.children) expect_inert(child);
}

// The <title> of the heatmap cell whose tooltip starts with `name`.
const XmlElement* cell_of(const XmlElement& svg, const std::string& name) {
  for (const XmlElement* rect : svg.find_all("rect")) {
    const auto titles = rect->find_all("title");
    if (!titles.empty() && titles[0]->text.rfind(name + "\n", 0) == 0) return rect;
  }
  ADD_FAILURE() << "no heatmap cell for " << name;
  return nullptr;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

TEST(HtmlReport, SelfContainedPageWithHeaderHeatmapAndTables) {
  const std::string html = to_html(testing::violating_gate_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  const XmlElement root = testing::parse_xml(html);
  expect_inert(root);
  EXPECT_EQ(root.find_all("title").at(0)->text, "fti gate: 6 violations");
  EXPECT_EQ(root.find_all("h1").at(0)->attribute("class"), "bad");
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);  // nothing can be loaded or run
  EXPECT_EQ(lowercase(html).find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // the SVG namespace is the only URL

  std::vector<std::string> headings;
  for (const XmlElement* h : root.find_all("h2")) headings.push_back(h->text);
  EXPECT_EQ(headings, (std::vector<std::string>{"Drift by layer", "Violations (6)", "Changed tensors (7)", "Budgets (1)"}));
  const auto tables = root.find_all("table");
  ASSERT_EQ(tables.size(), 4u);  // artifacts, violations, changed, budgets
  const auto violation_rows = tables[1]->find_all("tr");
  EXPECT_EQ(violation_rows.size(), 7u);  // header and six
  EXPECT_EQ(violation_rows[1]->attribute("class"), "violation");
  EXPECT_EQ(violation_rows[1]->find_all("code").at(0)->text, "model.embed_tokens.weight");
}

TEST(HtmlReport, HeatmapCellsCarryColourOutlineAndFigures) {
  const Report report = testing::violating_gate_report();
  const XmlElement root = testing::parse_xml(to_html(report));
  const auto svgs = root.find_all("svg");
  ASSERT_EQ(svgs.size(), 1u);
  const XmlElement& svg = *svgs[0];
  std::size_t cells = 0;
  for (const XmlElement* rect : svg.find_all("rect")) cells += rect->find_all("title").empty() ? 0u : 1u;
  EXPECT_EQ(cells, report.tensors.size());

  const XmlElement* down = cell_of(svg, "model.layers.3.mlp.down_proj.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->attribute("stroke"), "#d00000");  // violation
  EXPECT_EQ(down->attribute("fill"), "#e7298a");    // NaN drift
  const std::string tip = down->find_all("title").at(0)->text;
  EXPECT_NE(tip.find("layer model.layers.3, module mlp.down_proj.weight"), std::string::npos) << tip;
  EXPECT_NE(tip.find("rule mlp (line 11); violation"), std::string::npos) << tip;
  EXPECT_NE(tip.find("non-finite values: base 0, candidate 3"), std::string::npos) << tip;
  EXPECT_NE(tip.find("frobenius.absolute: the candidate holds 3 non-finite values"), std::string::npos) << tip;

  const XmlElement* q = cell_of(svg, "model.layers.0.self_attn.q_proj.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->attribute("stroke"), "");
  EXPECT_NE(q->find_all("title").at(0)->text.find("‖Δ‖/‖B‖ = 0.25"), std::string::npos);
  EXPECT_EQ(cell_of(svg, "model.layers.0.self_attn.k_proj.weight")->attribute("fill"), "#d4d4d4");  // unchanged
  EXPECT_EQ(cell_of(svg, "model.extra.bias")->attribute("fill"), "#4d4d4d");                       // structural
  EXPECT_NE(cell_of(svg, "model.embed_tokens.weight")->find_all("title").at(0)->text.find("not in a layer"),
            std::string::npos);

  std::vector<std::string> labels;
  for (const XmlElement* t : svg.find_all("text")) labels.push_back(t->text);
  for (const std::string wanted : {"model.layers.0", "model.layers.3", "mlp.down_proj.weight", "non-layer", "1e-3", "1e0",
                                   "unchanged", "violation (outline)"}) {
    EXPECT_NE(std::find(labels.begin(), labels.end(), wanted), labels.end()) << wanted;
  }
}

TEST(HtmlReport, PassingGate) {
  const XmlElement root = testing::parse_xml(to_html(testing::passing_gate_report()));
  EXPECT_EQ(root.find_all("h1").at(0)->text, "fti gate: compliant");
  EXPECT_EQ(root.find_all("h1").at(0)->attribute("class"), "ok");
  for (const XmlElement* h : root.find_all("h2")) EXPECT_EQ(h->text.find("Violations"), std::string::npos);
}

TEST(HtmlReport, HostileNamesAreTextNeverMarkup) {
  const Report report = testing::hostile_gate_report();
  const std::string html = to_html(report);
  EXPECT_EQ(lowercase(html).find("<script"), std::string::npos);
  EXPECT_EQ(lowercase(html).find("<img"), std::string::npos);
  EXPECT_EQ(html.find("]]>"), std::string::npos);
  const XmlElement root = testing::parse_xml(html);  // throws unless well-formed, valid UTF-8
  expect_inert(root);
  // Every hostile tensor has its cell, with its name shown as printable text.
  const XmlElement& svg = *root.find_all("svg").at(0);
  for (const std::string& evil : testing::hostile_strings()) {
    const XmlElement* cell = cell_of(svg, display_text(evil, 300));
    ASSERT_NE(cell, nullptr);
    EXPECT_EQ(cell->attribute("stroke"), "#d00000");
  }
  for (const XmlElement* code : root.find_all("code")) {
    for (const char c : code->text) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  }
}

TEST(HtmlReport, TenThousandTensorsStayBoundedAndSayWhatIsLeftOut) {
  const std::string html = to_html(testing::large_gate_report(400, 25));
  EXPECT_LT(html.size(), 12u * 1024 * 1024);
  const XmlElement root = testing::parse_xml(html);
  std::size_t cells = 0;
  for (const XmlElement* rect : root.find_all("rect")) cells += rect->find_all("title").empty() ? 0u : 1u;
  EXPECT_EQ(cells, 256u * 25u);
  EXPECT_NE(html.find("Not drawn: 3600 tensors (144 layers and 0 module types"), std::string::npos);
  EXPECT_NE(html.find(">model.layers.399</text>"), std::string::npos);  // labelled after the gap
  EXPECT_NE(html.find("... and 9800 more changed tensors"), std::string::npos);
}

}  // namespace
}  // namespace fti::reports

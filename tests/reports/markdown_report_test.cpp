// The Markdown job summary: sections in order, the figures of each finding,
// untrusted names confined to code spans, and the caps.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "reports/display_text.h"
#include "reports/markdown_report.h"
#include "tests/reports/sample_reports.h"
#include "tests/reports/xml_checker.h"

namespace fti::reports {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// GFM splits table cells on every '|' not escaped by a backslash, inside code
// spans too.
std::size_t cell_delimiters(std::string_view line) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < line.size(); ++i) count += line[i] == '|' && (i == 0 || line[i - 1] != '\\') ? 1u : 0u;
  return count;
}

// The line with code spans removed (CommonMark: a run of n backticks closes
// at the next run of exactly n).
std::string outside_code_spans(std::string_view line) {
  std::string out;
  for (std::size_t i = 0; i < line.size();) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      out += line.substr(i, 2);
      i += 2;
      continue;
    }
    if (line[i] != '`') {
      out.push_back(line[i++]);
      continue;
    }
    std::size_t run = 0;
    while (i + run < line.size() && line[i + run] == '`') ++run;
    std::size_t close = i + run;
    for (;;) {
      close = line.find('`', close);
      if (close == std::string_view::npos) break;
      std::size_t n = 0;
      while (close + n < line.size() && line[close + n] == '`') ++n;
      if (n == run) break;
      close += n;
    }
    if (close == std::string_view::npos) {  // not a code span: literal backticks
      out += line.substr(i, run);
      i += run;
    } else {
      out += "CODE";
      i = close + run;
    }
  }
  return out;
}

// Every table keeps the header's number of cells on every row.
void expect_tables_intact(const std::string& markdown) {
  std::size_t header_cells = 0;
  for (const std::string& line : lines_of(markdown)) {
    if (line.empty() || line[0] != '|') {
      header_cells = 0;
      continue;
    }
    if (header_cells == 0) {
      header_cells = cell_delimiters(line);
      continue;
    }
    EXPECT_EQ(cell_delimiters(line), header_cells) << line;
  }
}

std::size_t position(const std::string& text, std::string_view what) {
  const std::size_t at = text.find(what);
  EXPECT_NE(at, std::string::npos) << what;
  return at;
}

TEST(MarkdownReport, ViolationsComeFirstWithRuleLineFiguresAndMessage) {
  const std::string md = to_markdown(testing::violating_gate_report());
  EXPECT_EQ(md.rfind("## ❌ fti gate: 6 violations\n", 0), 0u) << md;
  EXPECT_NE(md.find("| base | `base/` | - | `model.safetensors` `aaaaaaaaaaaa` |"), std::string::npos) << md;
  EXPECT_NE(md.find("| candidate | `hf://org/cand` | `hf://org/cand@0123` |"), std::string::npos);
  EXPECT_NE(md.find("policy `policy.yaml`, sha256 `bbbbbbbbbbbb`, version 1, preset `llama`"), std::string::npos);
  EXPECT_LT(position(md, "### Violations (6)"), position(md, "### Changed tensors"));
  EXPECT_LT(position(md, "### Changed tensors"), position(md, "### Budgets (1)"));
  EXPECT_NE(md.find("| `model.embed_tokens.weight` | `embeddings` line 3 | `frozen` | 4 | 0 | -4 | "
                    "`4 elements changed; the rule says frozen` |"),
            std::string::npos)
      << md;
  // The budget's failing check is a violation row too, with non-finite figures.
  EXPECT_NE(md.find("| budget over 2 tensors | `mlp-total` line 20 | `frobenius.absolute` | inf | 2 | -inf |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `mlp-total` | 20 | 2 | `sparsity.fraction` | 0.5 | 0.6 | 0.1 | pass |"), std::string::npos);
  expect_tables_intact(md);
}

TEST(MarkdownReport, ChangedTensorsStructuralFirstThenByDriftWithUnchangedCounted) {
  const std::string md = to_markdown(testing::violating_gate_report());
  const std::size_t changed = position(md, "### Changed tensors (7)");
  const std::string table = md.substr(changed, md.find("###", changed + 3) - changed);
  EXPECT_LT(position(table, "`model.extra.bias` | added"), position(table, "`lm_head.weight` | reshaped \\[4, 4\\] → \\[4, 8\\]"));
  EXPECT_LT(position(table, "reshaped"), position(table, "`model.layers.3.mlp.down_proj.weight`"));
  // NaN drift ranks as the largest; then 0.25, then 0.001.
  EXPECT_LT(position(table, "down_proj"), position(table, "`model.embed_tokens.weight`"));
  EXPECT_LT(position(table, "`model.embed_tokens.weight`"), position(table, "up_proj"));
  EXPECT_NE(table.find("compared; non-finite values: base 0, candidate 3 | 16 (100%) | nan | nan | nan |"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| 1 (residual 1e-06 beyond 2) |"), std::string::npos) << table;  // rank column
  EXPECT_NE(table.find("| no rule (default) |"), std::string::npos);
  EXPECT_EQ(table.find("k_proj"), std::string::npos);  // unchanged: counted, not listed
  EXPECT_NE(md.find("2 of 9 tensors are bit-identical to the base and not listed here."), std::string::npos) << md;
}

TEST(MarkdownReport, PassingGateSaysCompliantWithoutAViolationsSection) {
  const std::string md = to_markdown(testing::passing_gate_report());
  EXPECT_EQ(md.rfind("## ✅ fti gate: compliant\n", 0), 0u) << md;
  EXPECT_EQ(md.find("Violations"), std::string::npos);
  EXPECT_NE(md.find("### Changed tensors (2)"), std::string::npos);
  EXPECT_NE(md.find("6 of 8 tensors are bit-identical"), std::string::npos);
  EXPECT_NE(md.find("| `total` | 5 | 8 | `frobenius.absolute` | 0.02 | 1 | 0.98 | pass |"), std::string::npos) << md;
  expect_tables_intact(md);
}

TEST(MarkdownReport, DiffHasNoRulesVerdictsOrBudgets) {
  const std::string md = to_markdown(testing::diff_report());
  EXPECT_EQ(md.rfind("## fti diff: 7 of 9 tensors differ\n", 0), 0u) << md;
  EXPECT_EQ(md.find("rule"), std::string::npos);
  EXPECT_EQ(md.find("Budgets"), std::string::npos);
  EXPECT_EQ(md.find("policy"), std::string::npos);
  expect_tables_intact(md);
}

TEST(MarkdownReport, CodeSpansCannotBeClosedOrSplitByTheirContent) {
  EXPECT_EQ(markdown_code_span("plain", false), "`plain`");
  EXPECT_EQ(markdown_code_span("a`b", false), "``a`b``");
  EXPECT_EQ(markdown_code_span("`x``", false), "``` `x`` ```");
  EXPECT_EQ(markdown_code_span(" padded ", false), "`  padded  `");
  EXPECT_EQ(markdown_code_span("a|b", true), "`a\\|b`");
  EXPECT_EQ(markdown_code_span("a|b", false), "`a|b`");
}

TEST(MarkdownReport, HostileNamesStayInsideCodeSpansAndCannotBreakTables) {
  const std::string md = to_markdown(testing::hostile_gate_report());
  EXPECT_TRUE(testing::is_valid_utf8(md));
  for (const char c : md) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << "control byte " << static_cast<int>(c);
  }
  expect_tables_intact(md);
  for (const std::string& line : lines_of(md)) {
    const std::string bare = outside_code_spans(line);
    for (const std::string_view markup : {"<", "](", "javascript", "@octocat", "www.", "http:", "$x", "*bold", "~~", "&amp;"}) {
      EXPECT_EQ(bare.find(markup), std::string::npos) << "'" << markup << "' outside a code span in: " << line;
    }
  }
  // Each hostile tensor is listed, in its escaped form.
  for (const std::string& evil : testing::hostile_strings()) {
    std::string shown = display_text(evil);
    std::string in_table;
    for (const char c : shown) in_table += c == '|' ? std::string("\\|") : std::string(1, c);
    EXPECT_NE(md.find(in_table), std::string::npos) << in_table;
  }
}

TEST(MarkdownReport, RowsAreCappedWithACount) {
  const Report big = testing::large_gate_report(100, 10);
  const std::string md = to_markdown(big);
  EXPECT_NE(md.find("### Changed tensors (1000)"), std::string::npos);
  EXPECT_NE(md.find("*... and 800 more changed tensors (every one is in report.json)*"), std::string::npos);
  std::size_t rows = 0;
  for (const std::string& line : lines_of(md)) rows += line.rfind("| `model.layers.", 0) == 0 ? 1u : 0u;
  EXPECT_EQ(rows, 200u + 1u);  // the changed table, and the one violation
}

TEST(MarkdownReport, StaysUnderTheByteLimitWhateverTheNames) {
  Report big = testing::large_gate_report(50, 40);
  for (TensorReport& t : big.tensors) t.name += std::string(150, '|');  // each '|' doubles when escaped
  MarkdownOptions options;
  options.max_bytes = 64 * 1024;
  const std::string md = to_markdown(big, options);
  EXPECT_LE(md.size(), options.max_bytes);
  EXPECT_NE(md.find("more changed tensors"), std::string::npos);
  expect_tables_intact(md);
  // The default limit keeps a 10k-tensor report under GitHub's 1 MiB.
  EXPECT_LT(to_markdown(testing::large_gate_report(400, 25)).size(), 1024u * 1024u);
}

}  // namespace
}  // namespace fti::reports

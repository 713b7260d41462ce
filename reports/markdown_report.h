// Markdown for CI job summaries (GitHub's $GITHUB_STEP_SUMMARY, GitLab):
// the verdict, what was compared, violations first, then changed tensors and
// budgets. Untrusted names appear only inside code spans (no markup, links or
// mentions), and the size stays under GitHub's 1 MiB summary limit.
#pragma once

#include <cstddef>
#include <string>

#include "reports/report.h"
#include "reports/report_tables.h"

namespace fti::reports {

struct MarkdownOptions {
  TableLimits limits;
  std::size_t max_bytes = 900 * 1024;  // rows beyond this are counted, not written
};

std::string to_markdown(const Report& report, const MarkdownOptions& options = {});

// `text` as a code span that no content can end early; in a table cell `|`
// is escaped too, since GFM splits cells on it even inside code spans.
std::string markdown_code_span(std::string_view text, bool in_table);

}  // namespace fti::reports

// The tables a person reads in the Markdown and HTML reports, built once so
// both formats list the same rows, in the same order, under the same caps.
// Cells hold spans of trusted text (written by fti) and of untrusted text
// (names from files), which each format shows verbatim in code style.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "reports/report.h"

namespace fti::reports {

struct Span {
  std::string text;       // untrusted text is already through display_text
  bool verbatim = false;  // untrusted: show as code, never as markup
};
using Cell = std::vector<Span>;

struct TableRow {
  std::vector<Cell> cells;
  bool violation = false;
};

struct Table {
  std::vector<std::string> columns;
  std::vector<TableRow> rows;
  std::size_t omitted = 0;  // rows left out by TableLimits::max_rows
};

struct TableLimits {
  std::size_t max_rows = 200;           // per table: a 10k-tensor model stays readable
  std::size_t max_name_bytes = 200;     // per untrusted name
  std::size_t max_message_bytes = 300;  // per check message
};

// "compliant", "3 violations" (gate); "4 of 20 tensors differ" (diff).
std::string verdict_summary(const Report& report);

// Base and candidate: source, pinned form, files with short digests.
Table artifacts_table(const Report& report, const TableLimits& limits);

// "policy <file>, sha256 <short>, version 1, preset <p>"; empty without a policy.
Cell policy_summary(const Report& report, const TableLimits& limits);

// One row per failing check of a tensor or budget, in report order.
Table violations_table(const Report& report, const TableLimits& limits);

// Tensors that changed or changed structure: structural changes first, then
// by relative drift, largest first (so the cap drops the least changed).
Table changed_table(const Report& report, const TableLimits& limits);

// One row per budget check.
Table budgets_table(const Report& report, const TableLimits& limits);

// One line counting the bit-identical tensors the tables leave out; empty if none.
std::string unchanged_summary(const Report& report);

// True for tensors listed by changed_table.
bool is_changed(const TensorReport& tensor);

}  // namespace fti::reports

// JUnit XML for CI dashboards (GitLab test reports, Jenkins, GitHub test
// reporters): one test suite for the gate, one test case per policy rule
// (tensors no rule matched under "default"), per budget, and one for
// structural changes. A failing case lists each violating tensor with its
// figures. Well-formed XML 1.0 whatever the names in the checkpoint.
#pragma once

#include <cstddef>
#include <string>

#include "reports/report.h"

namespace fti::reports {

struct JunitOptions {
  std::size_t max_listed = 200;       // violating tensors listed per failing case
  std::size_t max_name_bytes = 200;   // per untrusted name
  std::size_t max_message_bytes = 300;
};

// For gate reports (a diff report has no rules; it gives a suite with only
// the structural case).
std::string to_junit(const Report& report, const JunitOptions& options = {});

}  // namespace fti::reports

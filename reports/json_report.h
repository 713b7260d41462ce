// The versioned JSON report (schema: docs/REPORT.md, "fti.report/v1").
#pragma once

#include <nlohmann/json.hpp>

#include "reports/report.h"

namespace fti::reports {

nlohmann::json to_json(const Report& report);

}  // namespace fti::reports

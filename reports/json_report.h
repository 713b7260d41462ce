// The versioned JSON report (schema: docs/REPORT.md, "fti.report/v1").
#pragma once

#include <nlohmann/json.hpp>

#include "reports/report.h"

namespace fti::reports {

nlohmann::json to_json(const Report& report);

// JSON has no infinity or NaN: non-finite figures become the strings "nan",
// "inf", "-inf" (every fti JSON output uses this convention).
nlohmann::json json_number(double value);

}  // namespace fti::reports

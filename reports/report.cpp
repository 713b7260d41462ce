#include "reports/report.h"

namespace fti::reports {

std::string_view verdict_name(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::kPass: return "pass";
    case Verdict::kViolation: return "violation";
    case Verdict::kNotChecked: return "not-checked";
  }
  return "unknown";
}

std::uint64_t Report::violation_count() const {
  std::uint64_t count = 0;
  for (const TensorReport& t : tensors) count += t.verdict == Verdict::kViolation ? 1u : 0u;
  for (const BudgetReport& b : budgets) count += b.verdict == Verdict::kViolation ? 1u : 0u;
  return count;
}

}  // namespace fti::reports

// Reports for the renderer tests: a gate run with every kind of finding, a
// passing one, one full of hostile names, and large ones for the caps.
#pragma once

#include <string>
#include <vector>

#include "reports/report.h"

namespace fti::reports::testing {

// A compared tensor with figures; `changed` of 16 elements differ.
TensorReport compared_tensor(const std::string& name, std::uint64_t changed, double delta_norm, double base_norm);

// Violations (a frozen rule, a non-finite norm, added and removed tensors, a
// budget), passing and unchanged tensors, a rule that matched nothing.
Report violating_gate_report();

// Every tensor passes; most are unchanged.
Report passing_gate_report();

// A diff (no policy) of the violating report's tensors.
Report diff_report();

// Names, rules, messages, sources and files an attacker wrote.
const std::vector<std::string>& hostile_strings();
Report hostile_gate_report();

// `layers` x `modules` tensors named model.layers.L.<module>, all changed,
// the last one violating.
Report large_gate_report(std::size_t layers, std::size_t modules);

}  // namespace fti::reports::testing

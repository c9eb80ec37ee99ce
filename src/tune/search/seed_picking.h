// Which measured candidates seed the evolutionary population (atim-method.md §6.1 step 1 and §6.2 a).
#pragma once

#include <cstddef>
#include <vector>

#include "search_context.h"

namespace atim::tune::detail {

/// Indices into `measured` of up to `count` Ok records, fastest first. With `balanced`, and when both the
/// ReductionSplit family and the other families have Ok records, the list alternates one of each (fastest
/// of each first) until `count` or until one family runs out, so that both families stay in the population.
/// (ATiM consumes both lists from their slowest end; we take the fastest, the evident intent.)
std::vector<size_t> pick_measured_seeds(const std::vector<MeasuredCandidate> &measured, int count,
                                        bool balanced);

}  // namespace atim::tune::detail

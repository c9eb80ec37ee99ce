// The search's seeds: PrIM+Search's grid (atim-method.md §8.2) as candidates of our own sketches.
#pragma once

#include <vector>

#include "search_context.h"

namespace atim::tune::detail {

/// The seeds, and how many of the first are PrIM's own points.
struct PrimSeeds {
    std::vector<HashedCandidate> candidates;
    size_t prim_points = 0;
};

/// PrIM's strategy at every point of the PrIM+Search grid (DPUs {256..2048} x tasklets {8,16,24} x block
/// {8..256}) that the named `prim` schedule accepts, written as decisions of the context's sketches
/// (space::prim_seed), distinct and lowering. PrIM's own points (its default tasklets and block, one per
/// DPU count) come first, then the rest of the grid in an order whose every prefix spreads over DPU counts,
/// tasklets and blocks.
PrimSeeds prim_search_seeds(SearchContext &context);

}  // namespace atim::tune::detail

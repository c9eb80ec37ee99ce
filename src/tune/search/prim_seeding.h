// The search's seeds: PrIM+Search's grid (atim-method.md §8.2) and ATiM's rc-tile row reductions at a grid of
// DPU splits, as candidates of our own sketches.
#pragma once

#include <vector>

#include "search_context.h"

namespace atim::tune::detail {

/// The seeds in the order the first batch takes them, and how many of them are PrIM's own points.
struct PrimSeeds {
    std::vector<HashedCandidate> candidates;
    size_t prim_points = 0;
};

/// PrIM's strategy at every point of the PrIM+Search grid (DPUs {256..2048} x tasklets {8,16,24} x block
/// {8..256}) that the named `prim` schedule accepts, written as decisions of the context's sketches
/// (space::prim_seed), and, for mtv and gemv, rc-tile with K split over DPUs (space::rc_tile_points); all
/// distinct and lowering. PrIM's own points (its default tasklets and block, one per DPU count) alternate
/// with the rc-tile points, most promising first, so that any prefix holds both families; then the rest of
/// PrIM+Search's grid, in an order whose every prefix spreads over DPU counts, tasklets and blocks,
/// alternates with the remaining rc-tile points.
PrimSeeds prim_search_seeds(SearchContext &context);

/// 0..count-1 visited with a stride near count / golden ratio, coprime to count: consecutive picks from the
/// DPU-major PrIM+Search grid land on different DPU counts, tasklets and blocks, so any prefix spreads over
/// the grid.
std::vector<size_t> spread_order(size_t count);

}  // namespace atim::tune::detail

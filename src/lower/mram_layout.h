// layout_mram_slices: final per-DPU MRAM sizes (with safe over-fetch padding) and offsets of the slices.
#pragma once

#include <vector>

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// Grows each slice's bytes_per_dpu so every DMA of the kernel stays inside it for every DPU and tasklet
/// (ATiM pads MRAM allocations so a full-tile DMA past the logical end is safe, atim-method.md §7.2 (1)),
/// keeps it a multiple of 8, and places the slices one after another at 8-byte aligned MRAM offsets.
void layout_mram_slices(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                        int64_t tasklets, std::vector<MramSlice> &slices);

}  // namespace atim::lower

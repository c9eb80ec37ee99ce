// lower_copies_to_dma: DMA-aware boundary check elimination (ATiM §5.3.1, atim-method.md §7.2 (1)).
#pragma once

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// Replaces a WRAM cache fill/flush `for a: [if (guard)] wram[..a..] = mram[..a..]` (or the reverse), whose
/// flat indices both advance by exactly 1 per iteration, by DMA transfers of the whole tile (chunks of at
/// most `max_dma_bytes`). Guard conjuncts that do not involve `a` stay as a guard around the DMA.
/// Reads drop the conjuncts that involve `a` (safe over-fetch: the MRAM layout pads each slice so the tile
/// stays inside it). Writes drop them only when the tile provably stays inside its row of the slice, so
/// no other data is clobbered. Copies that are not a multiple of 8 bytes or whose addresses are not
/// provably 8-byte aligned stay element copies (correct, slower): no illegal DMA is ever produced.
ir::Stmt lower_copies_to_dma(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                             int64_t tasklets, int64_t max_dma_bytes);

}  // namespace atim::lower

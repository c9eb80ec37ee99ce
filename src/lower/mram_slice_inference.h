// infer_mram_slices: which box of every host tensor each DPU holds in its MRAM (the per-DPU data layout).
#pragma once

#include <vector>

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// For every Global tensor the kernel touches, the per-DPU box: the bounds of each index over all loop and
/// tasklet variables, with the grid coordinates kept symbolic (box_min affine in them, extents constant).
/// Boxes that do not depend on the grid are clipped to the tensor; multi-dimensional boxes get their rows
/// padded to a multiple of 8 bytes so that rows start DMA-aligned. A dimension whose bounds cannot be
/// expressed this way falls back to the whole tensor extent (correct, more data per DPU).
/// Each tensor is also seen with its leading dimensions fused (MramSlice::fused_dims), which describes a
/// DPU's contiguous run of fused rows exactly; the smallest box wins. An output's or partial's box must
/// moreover be one that no two DPUs share, so that the gather writes exactly each DPU's results.
/// Slices come in `tensors` order; `bytes_per_dpu` is the box rounded up to 8 bytes (the layout step
/// later adds over-fetch padding and MRAM offsets).
/// Throws UserError when an output or partial has no such box on a grid of several DPUs (the gather could
/// not tell which DPU holds which element, or would overwrite one DPU's results with another's).
std::vector<MramSlice> infer_mram_slices(const ir::Stmt &kernel, const std::vector<TensorInfo> &tensors,
                                         int64_t tasklets, const DpuGrid &grid, const GridVars &vars);

}  // namespace atim::lower

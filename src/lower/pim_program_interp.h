// run_pim_program: executes a PimProgram the way the UPMEM system would (per-DPU MRAM slices, tasklets as
// threads with real barriers, host transfers and epilogue), for tests and for checking lowering exactly.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// Host tensors: one value per element (row-major), wrapped to the buffer's dtype.
using HostTensors = std::unordered_map<const ir::BufferNode *, std::vector<int64_t>>;

/// Pushes the inputs into every DPU's slices (zero padding outside the tensor), runs the kernel on every
/// tasklet of every DPU, gathers outputs and partials (clipped to the tensors) and runs the host epilogue.
/// Checks what the hardware checks: every MRAM/WRAM access inside its allocation, every DMA a multiple of
/// 8 bytes in [8, 2048] at 8-byte aligned addresses; a violation throws InternalError naming the DPU and
/// tasklet. Output tensors missing from `tensors` are created (zeroed).
void run_pim_program(const PimProgram &program, HostTensors &tensors);

/// Runs a host-side statement (a PrimFunc body, a host epilogue, or ScheduledLoops::device with every loop
/// run sequentially) over `tensors`; tensors it writes that are missing are created (zeroed).
void run_on_host(const ir::Stmt &s, HostTensors &tensors);

}  // namespace atim::lower

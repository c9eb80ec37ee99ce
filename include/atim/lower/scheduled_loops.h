// The loop nests a schedule describes, before any PIM-specific lowering: the contract between
// schedule_to_loops (first pass of lowering) and the passes after it.
#pragma once

#include <string>
#include <vector>

#include "atim/ir/buffer.h"
#include "atim/ir/stmt.h"

namespace atim::lower {

/// What a host tensor is to the program.
enum class TensorRole : uint8_t {
    Input,    ///< read by the DPUs, pushed by the host
    Output,   ///< written by the DPUs (or by the host epilogue), gathered/returned to the user
    Partial,  ///< DPU-level rfactor partial results: written by the DPUs, reduced by the host epilogue
};

struct TensorInfo {
    ir::Buffer buffer;  ///< scope Global, the full host-side shape
    TensorRole role;
    /// The large operand ATiM keeps resident in MRAM (matrix, tensor, VA/RED inputs): with --timing atim its
    /// host-to-DPU copy happens once before the timed call.
    bool resident = false;
    /// A Partial whose per-DPU box lives in a `__host` WRAM symbol instead of MRAM (rfactor "host_wram").
    bool in_host_wram = false;
};

/// Loop nests produced by schedule_to_loops.
///
/// `device` is what runs on the DPUs, written with *global* (host) indices into Global buffers:
///  - it starts with the DPU-grid loops (ForKind::DpuX/DpuY/DpuZ, min 0, constant extents; none when the
///    program runs on a single DPU), outermost and contiguous;
///  - inside them at most one ForKind::Tasklet loop per statement path; statements outside every Tasklet loop
///    but inside the DPU loops are meant for a single tasklet (lowering guards them);
///  - WRAM caches are Allocate nodes (MemScope::WramLocal per tasklet, WramShared per DPU) at their
///    compute_at position, filled and flushed by element-copy loops, each copy guarded by the boundary
///    condition of the tensor it touches (`if (i < M) A_local[..] = A[i, k]`);
///  - cross-tasklet reductions have an explicit Barrier between the producing Tasklet loop and the consumer.
/// `host_epilogue` runs on the host after the outputs are gathered (final reduction of Partial tensors),
/// over Global buffers; undefined when there is nothing to do.
struct ScheduledLoops {
    std::string name;
    std::vector<TensorInfo> tensors;  ///< inputs in parameter order, then outputs, then partials
    ir::Stmt device;
    ir::Stmt host_epilogue;
    /// Inputs every DPU needs whole go out with PrIM's calls (TransferKind::Replicated) instead of ATiM's
    /// dpu_broadcast_to (schedule::Schedule::annotate_host_calls).
    bool prim_host_calls = false;
};

}  // namespace atim::lower

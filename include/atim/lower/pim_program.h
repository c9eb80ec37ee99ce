// PimProgram: the lowered host program + DPU kernel + per-DPU argument table; input to every code generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atim/ir/buffer.h"
#include "atim/ir/stmt.h"
#include "atim/lower/scheduled_loops.h"

namespace atim::lower {

/// Shape of the DPU grid: x*y*z DPUs; DPU number d has coordinates
/// x = d % grid.x, y = (d / grid.x) % grid.y, z = d / (grid.x * grid.y).
struct DpuGrid {
    int64_t x = 1, y = 1, z = 1;
    int64_t count() const { return x * y * z; }
};

/// The names of the per-DPU grid coordinates in kernel IR and in `MramSlice::box_min` (DPU arguments,
/// pushed by the host before launch as the `__host` argument struct of every DPU).
struct GridVars {
    ir::Var x{"dpu_x"}, y{"dpu_y"}, z{"dpu_z"};
};

/// How one host tensor is laid out in every DPU's memory: the DPU holds the box
/// [box_min[d], box_min[d] + local->shape[d]) of the host tensor, row-major, in buffer `local`.
/// Elements of the box outside the host tensor are padding (zero on push, ignored on gather).
/// Usually the box is in MRAM; a slice `in_wram` is a `__host` WRAM symbol instead (rfactor "host_wram"
/// partials: the kernel stores to it directly, the host reads it through the control interface).
struct MramSlice {
    ir::Buffer host;                 ///< the host tensor (MemScope::Global)
    ir::Buffer local;                ///< per-DPU copy, MemScope::Mram (WramShared when in_wram); shape = box
    std::vector<ir::Expr> box_min;   ///< one per host dimension, affine in the GridVars
    int64_t bytes_per_dpu = 0;       ///< local size rounded up to 8 bytes plus safe over-fetch padding
    int64_t mram_offset = 0;         ///< byte offset in the DPU's MRAM, 8-byte aligned (0 when in_wram)
    bool in_wram = false;            ///< a `__host` WRAM symbol of bytes_per_dpu bytes, not part of MRAM
    bool same_for_all_dpus() const;  ///< box_min does not depend on the grid: data every DPU needs
};

enum class TransferDirection : uint8_t { ToDpu, FromDpu };
enum class TransferKind : uint8_t {
    Parallel,   ///< dpu_prepare_xfer per DPU + one dpu_push_xfer of bytes_per_dpu to every DPU
    Broadcast,  ///< dpu_broadcast_to: the same bytes to every DPU
    /// PrIM's replication of data every DPU needs: dpu_prepare_xfer of the same host pointer for every DPU +
    /// one dpu_push_xfer (a parallel push whose source is one buffer; prim-baselines.md §1.4).
    Replicated,
};
/// "parallel", "broadcast", "replicated".
const char *to_string(TransferKind kind);

/// One host<->DPU transfer of one MramSlice.
struct Transfer {
    TransferDirection direction;
    TransferKind kind;
    size_t slice;               ///< index into PimProgram::slices
    int64_t bytes_per_dpu = 0;  ///< multiple of 8: the box, not the slice's over-fetch padding
    bool resident = false;      ///< pre-loaded before the timed call under --timing atim
};

struct PimProgram {
    std::string name;
    DpuGrid grid;
    int tasklets = 1;
    GridVars grid_vars;
    std::vector<TensorInfo> tensors;  ///< host tensors: inputs, outputs, partials
    std::vector<MramSlice> slices;    ///< the MRAM layout of every DPU
    std::vector<Transfer> to_dpu;     ///< before launch, in order
    std::vector<Transfer> from_dpu;   ///< after the kernel, in order
    /// The kernel run by every tasklet of every DPU. Reads the GridVars and Call "tasklet_id" (Int32, no
    /// args); touches MramSlice::local buffers (MemScope::Mram) through Load/Store (element access) or Dma,
    /// and WRAM buffers introduced by Allocate.
    ir::Stmt kernel;
    /// Host code after the gather, over Global buffers (final reduction of Partial tensors), or undefined.
    ir::Stmt host_epilogue;
    int opt_level = 4;
    int64_t wram_bytes_per_dpu = 0;  ///< as counted by the verifier (buffers x tasklets, shared, stacks)
};

}  // namespace atim::lower

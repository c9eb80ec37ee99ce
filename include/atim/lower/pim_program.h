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
/// [box_min[d], box_min[d] + local->shape[d]) of the host tensor seen with shape host_shape(), row-major,
/// in buffer `local`. Elements of the box outside the host tensor are padding (zero on push, ignored on
/// gather).
///
/// The box may see the tensor with its leading `fused_dims` dimensions fused into one (C[M, N] as C[M*N],
/// A[M, N, K] as A[M*N, K]). Row-major storage makes that the same elements in the same order; it makes the
/// box exact when a DPU holds a contiguous run of the fused dimensions that does not start or end on a
/// row of them (rows of a fused (i, j) loop split over DPUs), which the separate dimensions could only
/// cover with a wider box.
///
/// Usually the box is in MRAM; a slice `in_wram` is a `__host` WRAM symbol instead (rfactor "host_wram"
/// partials: the kernel stores to it directly, the host reads it through the control interface).
struct MramSlice {
    ir::Buffer host;                ///< the host tensor (MemScope::Global)
    ir::Buffer local;               ///< per-DPU copy, MemScope::Mram (WramShared if in_wram); shape = box
    std::vector<ir::Expr> box_min;  ///< one per dimension of host_shape(), affine in the GridVars
    int64_t bytes_per_dpu = 0;      ///< local size rounded up to 8 bytes plus safe over-fetch padding
    int64_t mram_offset = 0;        ///< byte offset in the DPU's MRAM, 8-byte aligned (0 when in_wram)
    size_t fused_dims = 1;          ///< leading host dimensions fused into the box's first one (1: none)
    /// Elements at the end of every row of `local` that only align the next row to 8 bytes (777 int32 per
    /// row -> 778): not part of the box, so neither pushed from nor gathered into the tensor (a padded row
    /// of one DPU's output would otherwise overwrite the next DPU's first column).
    int64_t row_padding = 0;
    bool in_wram = false;            ///< a `__host` WRAM symbol of bytes_per_dpu bytes, not part of MRAM
    bool same_for_all_dpus() const;  ///< box_min does not depend on the grid: data every DPU needs
    /// The host tensor's shape as the box sees it: host->shape with the first fused_dims dimensions fused.
    std::vector<int64_t> host_shape() const;
    /// The indices in host_shape() of the host element at `host_indices` (one per host dimension).
    std::vector<ir::Expr> view_indices(const std::vector<ir::Expr> &host_indices) const;
};

/// `shape` with its first `fused` dimensions fused into one (row-major): {M, N, K}, 2 -> {M*N, K}.
std::vector<int64_t> fuse_leading_dims(const std::vector<int64_t> &shape, size_t fused);
/// Indices of a tensor of shape `shape` -> the indices in fuse_leading_dims(shape, fused), simplified:
/// (i, j, k), 2 -> (i*N + j, k). Undoes the div/mod of a fused loop: (f / N, f % N) -> f.
std::vector<ir::Expr> fuse_leading_indices(const std::vector<ir::Expr> &indices,
                                           const std::vector<int64_t> &shape, size_t fused);

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

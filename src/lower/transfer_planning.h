// plan_transfers: the host<->DPU copies of every MRAM slice (push inputs, broadcast shared data, gather
// outputs and partials).
#pragma once

#include <vector>

#include "atim/lower/pim_program.h"

namespace atim::lower {

/// Host-to-DPU and DPU-to-host transfers, in slice order.
struct TransferPlan {
    std::vector<Transfer> to_dpu;
    std::vector<Transfer> from_dpu;
};

/// Inputs go to the DPUs: when every DPU holds the same box (e.g. the MTV vector when K is not split,
/// scalars) a Broadcast, or with `prim_host_calls` PrIM's Replicated push; else one Parallel push. Outputs
/// and partials come back as Parallel gathers. A transfer moves the box rounded up to 8 bytes, not the
/// slice's over-fetch padding. `resident` follows the tensor's TensorInfo.
TransferPlan plan_transfers(const std::vector<MramSlice> &slices, const std::vector<TensorInfo> &tensors,
                            bool prim_host_calls = false);

}  // namespace atim::lower

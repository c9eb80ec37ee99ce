// plan_transfers: one transfer per MRAM slice, its kind chosen from the slice's grid dependence.
#include "transfer_planning.h"

#include "atim/support/error.h"

namespace atim::lower {
namespace {

// Host<->MRAM transfers move multiples of 8 bytes [upmem-api.md §2.3].
constexpr int64_t kMramTransferAlignment = 8;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

const TensorInfo &tensor_of(const MramSlice &slice, const std::vector<TensorInfo> &tensors) {
    for (const TensorInfo &tensor : tensors) {
        if (tensor.buffer.get() == slice.host.get()) return tensor;
    }
    ATIM_CHECK(false, "slice {} has no tensor", slice.host->name);
}

}  // namespace

TransferPlan plan_transfers(const std::vector<MramSlice> &slices, const std::vector<TensorInfo> &tensors,
                            bool prim_host_calls) {
    TransferPlan plan;
    for (size_t i = 0; i < slices.size(); ++i) {
        const MramSlice &slice = slices[i];
        const TensorInfo &tensor = tensor_of(slice, tensors);
        // Only the box travels: the over-fetch padding after it is read by DMAs but never used.
        const int64_t box_bytes = round_up(slice.local->size_bytes(), kMramTransferAlignment);
        Transfer transfer{TransferDirection::ToDpu, TransferKind::Parallel, i, box_bytes, tensor.resident};
        if (tensor.role == TensorRole::Input) {
            // dpu_broadcast_to sends one buffer to every DPU: cheaper than a push when the data is the same
            // (ATiM's runtime). PrIM instead prepares the same pointer for every DPU and pushes once.
            if (slice.same_for_all_dpus())
                transfer.kind = prim_host_calls ? TransferKind::Replicated : TransferKind::Broadcast;
            // Scalars (alpha, beta) are in place before the timed call under ATiM's accounting, whoever sends
            // them: PrIM in its argument struct, pushed with the other arguments [prim-baselines.md §1.1,
            // §1.13]; ATiM's runtime by a broadcast its timing leaves out, since its H2D counts only the
            // vector operands [atim-method.md §8.1 "H2D accounting"].
            if (slice.same_for_all_dpus() && slice.host->num_elements() == 1) transfer.resident = true;
            plan.to_dpu.push_back(transfer);
        } else {
            transfer.direction = TransferDirection::FromDpu;
            plan.from_dpu.push_back(transfer);
        }
    }
    return plan;
}

}  // namespace atim::lower

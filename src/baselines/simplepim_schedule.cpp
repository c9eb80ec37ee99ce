// SimplePIM's strategy (prim-baselines.md §2 and §7 item 5) written with the schedule primitives: an even,
// padded 1-D split of the array over DPUs (simplepim_scatter: one parallel push), 12 tasklets taking WRAM
// blocks of 256 elements cyclically, outputs pulled back by one parallel gather (simplepim_gather), and for a
// reduction a tasklet -> DPU -> host hierarchy. Where the schedule language differs from SimplePIM's code,
// the comment says how.
#include "baselines/simplepim_schedule.h"

#include <fmt/format.h>

#include "atim/support/error.h"
#include "baselines/schedule_building.h"
#include "baselines/schedule_params.h"

namespace atim::baselines {
namespace {

using schedule::BlockRV;
using schedule::kInfer;
using schedule::LoopRV;
using schedule::Schedule;

// table_zip + table_map: each DPU's chunk (ceil(N / dpus) rounded up to 8 bytes, the last DPU's padded) is
// split as [rounds, tasklets, block] with the tasklet loop outermost, so tasklet t takes blocks t, t+T, ...
// SimplePIM leaves the tail that is not a whole block to its last tasklet; here the tail block is clipped
// by a guard inside the tasklet whose turn it is. SimplePIM's gather pulls every DPU's padded slice and
// compacts on the host; atim's gather unpacks each DPU's box into place (the same bytes move).
void elementwise(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    schedule_cyclic_elementwise(sch, w, p);
}

// table_gen_red with one output entry: cyclic blocks per tasklet into a private WRAM accumulator; the
// tasklets' partials merged in shared WRAM after a barrier (rfactor "wram"; SimplePIM rotates T disjoint
// slices of the table over the tasklets with a barrier per step, which for a one-entry table is one tasklet
// adding the T partials); the DPU's table written to MRAM (rfactor "mram"), pulled from every DPU by one
// parallel gather and summed on the host (SimplePIM merges with 8 OpenMP threads; a scalar sum of one value
// per DPU is a serial loop here, as the host epilogue has no spatial loop to share out).
void full_reduce(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    BlockRV b = sch.get_block(output_block(w));
    std::vector<LoopRV> loops = sch.get_loops(b);
    LoopRV i = loops[0], k = loops[1];
    std::vector<LoopRV> per_dpu =
        split_over_dpus(sch, k, p.at("dpus"), rows_per_output_write(w.narrowest_dtype()));
    LoopRV k_dpu = per_dpu[0];
    BlockRV dpu_partials = sch.rfactor(k_dpu, "mram");
    std::vector<LoopRV> cyclic = sch.split(per_dpu[1], {kInfer, p.at("tasklets"), p.at("block")});
    LoopRV round = cyclic[0], tasklet = cyclic[1], element = cyclic[2];
    BlockRV tasklet_partials = sch.rfactor(tasklet, "wram");
    reorder_exactly(sch, tasklet_partials, {k_dpu, tasklet, i, round, element});
    sch.bind(k_dpu, "dpu.x");
    sch.bind(tasklet, "tasklet");
    sch.reverse_compute_at(dpu_partials, k_dpu);
    cache_inputs_at(sch, tasklet_partials, array_inputs(w), round);
    sch.decompose_reduction(tasklet_partials, round);
}

}  // namespace

void build_simplepim_schedule(Schedule &sch, const workloads::Workload &workload,
                              const std::map<std::string, int64_t> &params) {
    switch (workload_shape(workload)) {
        case WorkloadShape::Elementwise:
            return elementwise(sch, workload, params);
        case WorkloadShape::FullReduce:
            return full_reduce(sch, workload, params);
        default:
            internal_error(
                __FILE__, __LINE__,
                fmt::format("simplepim has no strategy for {}; resolve_params should have refused it",
                            workload.name));
    }
}

}  // namespace atim::baselines

// PrIM's strategies (prim-baselines.md §1.3, 1.4, 1.6, 1.13; atim-method.md §8.2) written with the schedule
// primitives. Where the schedule language cannot copy PrIM literally, the comment says what differs.
#include "baselines/prim_schedule.h"

#include "baselines/schedule_building.h"
#include "baselines/schedule_params.h"

namespace atim::baselines {
namespace {

using schedule::BlockRV;
using schedule::kInfer;
using schedule::LoopRV;
using schedule::Schedule;

// VA / GEVA: contiguous 8-byte-padded chunk per DPU; inside a DPU, tasklets take blocks of `block` elements
// cyclically (tasklet t: blocks t, t+T, t+2T, ...).
void elementwise(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    schedule_cyclic_elementwise(sch, w, p);
}

// RED: contiguous chunk per DPU, cyclic blocks per tasklet with a private sum each; every tasklet's sum goes
// to the host (PrIM's DPU_RESULTS[NR_TASKLETS], gathered from every DPU by one parallel push FROM_DPU) and
// the host adds all D*T of them (prim-baselines.md §1.6). One rfactor over the fused (DPU, tasklet) loop
// expresses that data flow: the partials are indexed by d*T + t, so DPU d holds its T partials as one
// contiguous box. Differences from PrIM: PrIM's tasklet 0 first adds the T partials on the DPU into
// DPU_RESULTS[0] (SINGLE; ATiM's baseline a tree with handshakes), and the host adds the D totals; here the
// host adds all D*T values, so the DPU's final T-element sum moves to the host. Like PrIM's, the partials
// live in a `__host` WRAM array (rfactor "host_wram"), one 16-byte record per tasklet (dpu_results_t's cycles
// word beside the sum), so the host reads them through the slow control interface.
void full_reduce(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    BlockRV b = sch.get_block(output_block(w));
    std::vector<LoopRV> loops = sch.get_loops(b);
    LoopRV i = loops[0], k = loops[1];
    const CyclicBlocks l =
        split_cyclic_blocks(sch, k, w.narrowest_dtype(), p.at("dpus"), p.at("tasklets"), p.at("block"));
    LoopRV round = l.round, element = l.element;
    reorder_exactly(sch, b, {i, l.dpu, l.tasklet, round, element});
    LoopRV dpu_tasklet = sch.fuse({l.dpu, l.tasklet});
    BlockRV partials = sch.rfactor(dpu_tasklet, "host_wram");
    std::vector<LoopRV> unfused = sch.split(dpu_tasklet, {kInfer, p.at("tasklets")});
    reorder_exactly(sch, partials, {unfused[0], unfused[1], i, round, element});
    sch.bind(unfused[0], "dpu.x");
    sch.bind(unfused[1], "tasklet");
    cache_inputs_at(sch, partials, array_inputs(w), round);
    // The tasklet's private sum: a WRAM scalar, stored to its DPU_RESULTS entry once at the end.
    sch.reverse_compute_at(sch.cache_write(partials, "wram"), unfused[1]);
    sch.decompose_reduction(partials, round);
}

// The MTV kernel shared by mtv/gemv/ttv/mmtv: rows of one DPU go to tasklets in contiguous ranges of row
// pairs (one 8-byte output write per pair); each row walks the full K in WRAM blocks of `block` elements of
// A and of B (B re-read for every row, as PrIM does); the pair's outputs are written back together.
void row_kernel(Schedule &sch, const workloads::Workload &w, const BlockRV &c, const LoopRV &tasklet,
                const LoopRV &group, const LoopRV &k_block) {
    cache_inputs_at(sch, c, array_inputs(w), k_block);
    cache_inputs_at(sch, c, scalar_inputs(w), tasklet);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), group);
    sch.decompose_reduction(c, k_block);
}

// MTV / GEMV, and TTV flattened to an MTV with M*N rows (PrIM(E), atim-method.md §8.2): 1-D row blocks over
// DPUs (equal ceil chunks padded to pairs like ATiM's mtvRTile, where PrIM gives the first M mod D DPUs one
// extra row), full K per DPU. A TTV DPU's rows may start and end inside an i-row.
void row_reduce(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    BlockRV c = sch.get_block(output_block(w));
    std::vector<LoopRV> loops = sch.get_loops(c);
    LoopRV k = loops.back();
    LoopRV rows = loops.size() == 3 ? sch.fuse({loops[0], loops[1]}) : loops[0];
    RowCut cut = cut_rows(sch.loop_extent(rows), p.at("dpus"), w.compute_dtype());
    RowLoops r = split_rows(sch, rows, cut.rows_per_dpu, p.at("tasklets"), cut.rows_per_write);
    std::vector<LoopRV> kk = sch.split(k, {kInfer, p.at("block")});
    reorder_exactly(sch, c, {r.dpu, r.tasklet, r.group, r.row, kk[0], kk[1]});
    sch.bind(r.dpu, "dpu.x");
    sch.bind(r.tasklet, "tasklet");
    row_kernel(sch, w, c, r.tasklet, r.group, kk[0]);
}

// MMTV as PrIM(E)'s rgemv (prim-baselines.md §1.13): a DPU grid of batch x row blocks, `dpus` DPUs per
// batch; when the batches outnumber the DPU groups that fit, each group takes several batches in turn.
void batched(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p,
             const target::UpmemMachine &machine) {
    BlockRV c = sch.get_block(output_block(w));
    std::vector<LoopRV> loops = sch.get_loops(c);
    LoopRV i = loops[0], j = loops[1], k = loops[2];
    RowCut cut = cut_rows(w.shape[1], p.at("dpus"), w.compute_dtype());
    RowLoops r = split_rows(sch, j, cut.rows_per_dpu, p.at("tasklets"), cut.rows_per_write);
    int64_t dpus_per_batch = sch.loop_extent(r.dpu);
    int64_t batches_per_group = batches_per_dpu_group(w.shape[0], dpus_per_batch, machine);
    std::vector<LoopRV> batch = sch.split(i, {kInfer, batches_per_group});
    std::vector<LoopRV> kk = sch.split(k, {kInfer, p.at("block")});
    reorder_exactly(sch, c, {batch[0], r.dpu, r.tasklet, batch[1], r.group, r.row, kk[0], kk[1]});
    sch.bind(batch[0], "dpu.y");
    sch.bind(r.dpu, "dpu.x");
    sch.bind(r.tasklet, "tasklet");
    row_kernel(sch, w, c, r.tasklet, r.group, kk[0]);
}

}  // namespace

void build_prim_schedule(Schedule &sch, const workloads::Workload &workload,
                         const std::map<std::string, int64_t> &params, const target::UpmemMachine &machine) {
    // PrIM replicates data every DPU needs by preparing the same pointer for every DPU and pushing once, not
    // with dpu_broadcast_to (prim-baselines.md §1.4): the calls are part of the baseline, so its time is
    // PrIM's. Recorded in the trace, so a saved PrIM schedule replays with the same calls.
    sch.annotate_host_calls("prim");
    switch (workload_shape(workload)) {
        case WorkloadShape::Elementwise:
            return elementwise(sch, workload, params);
        case WorkloadShape::FullReduce:
            return full_reduce(sch, workload, params);
        case WorkloadShape::RowReduce:
        case WorkloadShape::TensorRowReduce:
            return row_reduce(sch, workload, params);
        case WorkloadShape::Batched:
            return batched(sch, workload, params, machine);
    }
}

}  // namespace atim::baselines

// Building blocks shared by the named schedules.
#include "baselines/schedule_building.h"

#include <algorithm>

#include "atim/support/error.h"
#include "baselines/schedule_params.h"

namespace atim::baselines {

using schedule::kInfer;
using schedule::LoopRV;

RowCut cut_rows(int64_t rows, int64_t dpus, ir::DType dtype) {
    int64_t per_write = rows_per_output_write(dtype);
    return {round_up(ceil_div(rows, dpus), per_write), per_write};
}

RowLoops split_rows(schedule::Schedule &sch, const LoopRV &rows, int64_t rows_per_dpu, int64_t tasklets,
                    int64_t rows_per_write) {
    std::vector<LoopRV> per_dpu = sch.split(rows, {kInfer, rows_per_dpu});
    // [tasklets, ceil, rows_per_write]: contiguous ranges of row groups per tasklet (prim-baselines.md §1.4;
    // equal ceil chunks like ATiM's mtvRTile, §1.13).
    std::vector<LoopRV> per_tasklet = sch.split(per_dpu[1], {tasklets, kInfer, rows_per_write});
    return {per_dpu[0], per_tasklet[0], per_tasklet[1], per_tasklet[2]};
}

std::vector<LoopRV> split_over_dpus(schedule::Schedule &sch, const LoopRV &loop, int64_t dpus,
                                    int64_t multiple) {
    int64_t chunk = round_up(ceil_div(sch.loop_extent(loop), dpus), multiple);
    return sch.split(loop, {kInfer, chunk});
}

CyclicBlocks split_cyclic_blocks(schedule::Schedule &sch, const LoopRV &loop, ir::DType dtype, int64_t dpus,
                                 int64_t tasklets, int64_t block) {
    std::vector<LoopRV> per_dpu = split_over_dpus(sch, loop, dpus, rows_per_output_write(dtype));
    std::vector<LoopRV> cyclic = sch.split(per_dpu[1], {kInfer, tasklets, block});
    return {per_dpu[0], cyclic[1], cyclic[0], cyclic[2]};
}

// Splitting the chunk as [rounds, tasklets, block] and moving the tasklet loop outward expresses the cyclic
// interleave exactly.
void schedule_cyclic_elementwise(schedule::Schedule &sch, const workloads::Workload &w,
                                 const std::map<std::string, int64_t> &params) {
    schedule::BlockRV c = sch.get_block(output_block(w));
    const CyclicBlocks l = split_cyclic_blocks(sch, sch.get_loops(c)[0], w.narrowest_dtype(),
                                               params.at("dpus"), params.at("tasklets"), params.at("block"));
    reorder_exactly(sch, c, {l.dpu, l.tasklet, l.round, l.element});
    sch.bind(l.dpu, "dpu.x");
    sch.bind(l.tasklet, "tasklet");
    cache_inputs_at(sch, c, array_inputs(w), l.round);
    cache_inputs_at(sch, c, scalar_inputs(w), l.tasklet);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), l.round);
}

void reorder_exactly(schedule::Schedule &sch, const schedule::BlockRV &block,
                     const std::vector<LoopRV> &order) {
    std::vector<LoopRV> leaves = sch.get_loops(block);
    auto ids = [](const std::vector<LoopRV> &loops) {
        std::vector<int> v;
        for (const LoopRV &l : loops) v.push_back(l.id);
        std::sort(v.begin(), v.end());
        return v;
    };
    ATIM_CHECK(ids(leaves) == ids(order), "named schedule lists {} loops of block {} but the block has {}",
               order.size(), sch.block_name(block), leaves.size());
    sch.reorder(order);
}

void cache_inputs_at(schedule::Schedule &sch, const schedule::BlockRV &block,
                     const std::vector<std::string> &inputs, const LoopRV &loop) {
    for (const std::string &name : inputs) sch.compute_at(sch.cache_read(block, name, "wram"), loop);
}

std::vector<std::string> scalar_inputs(const workloads::Workload &w) {
    return workloads::scalar_input_names(w.func);
}

std::vector<std::string> array_inputs(const workloads::Workload &w) {
    const std::vector<std::string> scalars = scalar_inputs(w);
    std::vector<std::string> names;
    for (const ir::Buffer &b : w.func.inputs)
        if (std::find(scalars.begin(), scalars.end(), b->name) == scalars.end()) names.push_back(b->name);
    return names;
}

std::string output_block(const workloads::Workload &w) {
    ATIM_CHECK(w.func.blocks.size() == 1, "workload {} has {} blocks; schedules are written for one", w.name,
               w.func.blocks.size());
    return w.func.blocks.front()->name;
}

}  // namespace atim::baselines

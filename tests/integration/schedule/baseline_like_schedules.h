// Schedules shaped like the named baselines (PrIM, rc-tile, RED's double rfactor, 2-D/3-D DPU grids) and the
// semantic check used by the schedule integration and slow tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atim/interp/interpreter.h"
#include "atim/ir/functor.h"
#include "atim/ir/printer.h"
#include "atim/ir/utils.h"
#include "atim/lower/schedule_to_loops.h"
#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::schedule::baseline_like {

using lower::ScheduledLoops;
using lower::TensorRole;

// Runs DPU and tasklet loops backwards: their iterations must be independent (a tile that writes another
// tile's elements is caught when the owner no longer runs last).
class ReverseParallelLoops : public ir::Mutator {
public:
    using ir::Mutator::mutate;

protected:
    ir::Stmt visit(const ir::For *op, const ir::Stmt &self) override {
        ir::Stmt s = ir::Mutator::visit(op, self);
        const ir::For *loop = s.as<ir::For>();
        if (loop->for_kind == ir::ForKind::Serial || loop->for_kind == ir::ForKind::Unrolled) return s;
        ir::Var reversed(loop->var.name() + "_rev");
        ir::VarMap map{{loop->var.get(), loop->extent - 1 - reversed + loop->min * 2}};
        return ir::For::make(reversed, loop->min, loop->extent, loop->for_kind,
                             ir::substitute(loop->body, map));
    }
};

// Runs the reference and the scheduled loops (forwards and with parallel loops reversed) on the same random
// inputs; outputs and partials of the scheduled program start as garbage so that a missing initialization
// cannot pass by luck.
inline void expect_matches_reference(const workloads::Workload &w, const Schedule &sch, uint64_t seed = 7) {
    ScheduledLoops loops = lower::schedule_to_loops(sch);
    interp::Memory reference = interp::random_inputs(w.func.inputs, seed);
    interp::run(w.func.body, reference);
    for (bool reverse : {false, true}) {
        interp::Memory scheduled = interp::random_inputs(w.func.inputs, seed);
        for (const lower::TensorInfo &t : loops.tensors) {
            if (t.role != TensorRole::Input)
                scheduled.set_values(t.buffer, std::vector<int64_t>(t.buffer->num_elements(), 12345));
        }
        interp::run(reverse ? ReverseParallelLoops().mutate(loops.device) : loops.device, scheduled);
        if (loops.host_epilogue.defined()) interp::run(loops.host_epilogue, scheduled);
        for (const ir::Buffer &out : w.func.outputs) {
            ASSERT_EQ(reference.values(out), scheduled.values(out))
                << w.name << " " << w.shape_string() << (reverse ? " (parallel loops reversed)" : "") << "\n"
                << sch.to_string() << "device:\n"
                << loops.device << "host:\n"
                << (loops.host_epilogue.defined() ? ir::to_string(loops.host_epilogue) : "");
        }
    }
}

// VA/GEVA (prim-baselines.md §1.13 vaTile): elements -> [dpus, .] -> dpu.x, then [tasklets, ., block] ->
// tasklet, A and B cached per block, C written through a WRAM cache.
inline Schedule va_tile(const workloads::Workload &w, int64_t dpus, int64_t tasklets, int64_t block) {
    Schedule sch(w.func);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> i = sch.get_loops(c);
    std::vector<LoopRV> d = sch.split(i[0], {dpus, kInfer});
    std::vector<LoopRV> t = sch.split(d[1], {tasklets, kInfer, block});
    sch.bind(d[0], "dpu.x");
    sch.bind(t[0], "tasklet");
    for (const char *input : {"A", "B"}) sch.compute_at(sch.cache_read(c, input, "wram"), t[1]);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), t[1]);
    return sch;
}

// MTV/GEMV PrIM style (§1.4): rows -> dpu.x, row pairs per tasklet, K in blocks of `tile`.
inline Schedule mtv_prim(const workloads::Workload &w, int64_t dpus, int64_t tasklets, int64_t tile) {
    Schedule sch(w.func);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> rows = sch.split(loops[0], {dpus, kInfer});
    std::vector<LoopRV> per_tasklet = sch.split(rows[1], {tasklets, kInfer, 2});
    std::vector<LoopRV> k = sch.split(loops[1], {kInfer, tile});
    sch.bind(rows[0], "dpu.x");
    sch.bind(per_tasklet[0], "tasklet");
    for (const char *input : {"A", "B"}) sch.compute_at(sch.cache_read(c, input, "wram"), k[0]);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), per_tasklet[1]);
    return sch;
}

// rc-tile (§1.13 mtvRCTile): K split over dpu.y with an mram rfactor (host sums the partials), rows -> dpu.x,
// tasklets, caches of `tile` elements; optionally decomposed init and an unrolled inner loop.
inline Schedule mtv_rc_tile(const workloads::Workload &w, int64_t dpus_x, int64_t dpus_y, int64_t tasklets,
                            int64_t tile, bool decompose) {
    Schedule sch(w.func);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> k = sch.split(loops[1], {dpus_y, kInfer});
    BlockRV rf = sch.rfactor(k[0], "mram");
    std::vector<LoopRV> rows = sch.split(loops[0], {dpus_x, kInfer});
    std::vector<LoopRV> per_tasklet = sch.split(rows[1], {tasklets, kInfer});
    std::vector<LoopRV> k_tiles = sch.split(k[1], {kInfer, tile});
    sch.reorder({rows[0], k[0], per_tasklet[0], per_tasklet[1], k_tiles[0], k_tiles[1]});
    sch.bind(rows[0], "dpu.x");
    sch.bind(k[0], "dpu.y");
    sch.bind(per_tasklet[0], "tasklet");
    for (const char *input : {"A", "B"}) sch.compute_at(sch.cache_read(rf, input, "wram"), k_tiles[0]);
    sch.reverse_compute_at(sch.cache_write(rf, "wram"), per_tasklet[1]);
    if (decompose) {
        sch.decompose_reduction(rf, k_tiles[0]);
        sch.unroll(k_tiles[1]);
    }
    return sch;
}

// RED (atim-method.md §5.4 "RED", §1.13 crossReductionCache): rfactor over DPUs (host sums), then over
// tasklets (WRAM partials, barrier, one tasklet sums), cached reads of `tile` elements.
inline Schedule red_cross(const workloads::Workload &w, int64_t dpus, int64_t tasklets, int64_t tile) {
    Schedule sch(w.func);
    BlockRV b = sch.get_block("B");
    std::vector<LoopRV> loops = sch.get_loops(b);
    std::vector<LoopRV> k = sch.split(loops[1], {dpus, kInfer});
    BlockRV per_dpu = sch.rfactor(k[0], "mram");
    sch.reorder({k[0], loops[0]});
    sch.bind(k[0], "dpu.x");
    std::vector<LoopRV> inner = sch.split(k[1], {tasklets, kInfer, tile});
    BlockRV per_tasklet = sch.rfactor(inner[0], "wram");
    sch.bind(inner[0], "tasklet");
    sch.reverse_compute_at(per_dpu, k[0]);
    sch.compute_at(sch.cache_read(per_tasklet, "A", "wram"), inner[1]);
    return sch;
}

// TTV/MMTV without rfactor: i -> dpu.x, j -> [dpu.y, tasklet, .], K in tiles; C cached per j element.
inline Schedule ttv_grid(const workloads::Workload &w, int64_t dpus_y, int64_t tasklets, int64_t tile) {
    Schedule sch(w.func);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> j = sch.split(loops[1], {dpus_y, tasklets, kInfer});
    std::vector<LoopRV> k = sch.split(loops[2], {kInfer, tile});
    sch.reorder({loops[0], j[0], j[1], j[2], k[0], k[1]});
    sch.bind(loops[0], "dpu.x");
    sch.bind(j[0], "dpu.y");
    sch.bind(j[1], "tasklet");
    for (const char *input : {"A", "B"}) sch.compute_at(sch.cache_read(c, input, "wram"), k[0]);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), j[2]);
    return sch;
}

// TTV/MMTV with rfactor (3-D grid, §5.2 item 3 high-dim): K-outer -> dpu.z, i -> dpu.x, j -> [dpu.y, tasklet,
// .].
inline Schedule ttv_rfactor_grid(const workloads::Workload &w, int64_t dpus_y, int64_t dpus_z,
                                 int64_t tasklets, int64_t tile) {
    Schedule sch(w.func);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> k = sch.split(loops[2], {dpus_z, kInfer});
    BlockRV rf = sch.rfactor(k[0], "mram");
    std::vector<LoopRV> j = sch.split(loops[1], {dpus_y, tasklets, kInfer});
    std::vector<LoopRV> k_tiles = sch.split(k[1], {kInfer, tile});
    sch.reorder({loops[0], j[0], k[0], j[1], j[2], k_tiles[0], k_tiles[1]});
    sch.bind(loops[0], "dpu.x");
    sch.bind(j[0], "dpu.y");
    sch.bind(k[0], "dpu.z");
    sch.bind(j[1], "tasklet");
    for (const char *input : {"A", "B"}) sch.compute_at(sch.cache_read(rf, input, "wram"), k_tiles[0]);
    sch.reverse_compute_at(sch.cache_write(rf, "wram"), j[2]);
    return sch;
}

}  // namespace atim::schedule::baseline_like

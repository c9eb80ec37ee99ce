// ATiM's hand-written tiled schedules (atim-method.md §9; prim-baselines.md §1.13 mtvRCTile, mmtvRCTile,
// vaTile, crossReductionCache) written with the schedule primitives.
#include "baselines/rc_tile_schedule.h"

#include <functional>

#include "baselines/schedule_building.h"
#include "baselines/schedule_params.h"

namespace atim::baselines {
namespace {

using schedule::BlockRV;
using schedule::kInfer;
using schedule::LoopRV;
using schedule::Schedule;

// vaTile: contiguous chunk per DPU, then contiguous ranges per tasklet walked in `cache`-element tiles
// (PrIM interleaves the tiles cyclically instead; see prim_schedule.cpp).
void elementwise(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    BlockRV c = sch.get_block(output_block(w));
    LoopRV i = sch.get_loops(c)[0];
    std::vector<LoopRV> per_dpu =
        split_over_dpus(sch, i, p.at("dpus_x"), rows_per_output_write(w.narrowest_dtype()));
    std::vector<LoopRV> tiles = sch.split(per_dpu[1], {p.at("tasklets"), kInfer, p.at("cache")});
    sch.bind(per_dpu[0], "dpu.x");
    sch.bind(tiles[0], "tasklet");
    cache_inputs_at(sch, c, array_inputs(w), tiles[1]);
    cache_inputs_at(sch, c, scalar_inputs(w), tiles[0]);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), tiles[1]);
}

// crossReductionCache: split [dpus, tasklets, .] with contiguous ranges; DPU-level rfactor (host adds the
// partials) then tasklet-level rfactor into shared WRAM (one tasklet adds them after a barrier); reads
// cached in `cache`-element tiles.
void full_reduce(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    BlockRV b = sch.get_block(output_block(w));
    std::vector<LoopRV> loops = sch.get_loops(b);
    LoopRV i = loops[0], k = loops[1];
    std::vector<LoopRV> per_dpu =
        split_over_dpus(sch, k, p.at("dpus_x"), rows_per_output_write(w.narrowest_dtype()));
    LoopRV k_dpu = per_dpu[0];
    BlockRV dpu_partials = sch.rfactor(k_dpu, "mram");
    std::vector<LoopRV> tiles = sch.split(per_dpu[1], {p.at("tasklets"), kInfer, p.at("cache")});
    LoopRV tasklet = tiles[0], tile = tiles[1], element = tiles[2];
    BlockRV tasklet_partials = sch.rfactor(tasklet, "wram");
    reorder_exactly(sch, tasklet_partials, {k_dpu, tasklet, i, tile, element});
    sch.bind(k_dpu, "dpu.x");
    sch.bind(tasklet, "tasklet");
    sch.reverse_compute_at(dpu_partials, k_dpu);
    cache_inputs_at(sch, tasklet_partials, array_inputs(w), tile);
    sch.decompose_reduction(tasklet_partials, tile);
}

// The reduction dimension split over dpus_y DPUs: slices padded to 8 bytes, each DPU producing partial sums
// that the host adds (DPU-level rfactor into MRAM). Returns the block that now does the DPU work and the
// DPU and in-DPU reduction loops (no DPU loop when dpus_y == 1).
struct ReductionSplit {
    BlockRV block;
    std::vector<LoopRV> dpu;  ///< empty or one loop
    LoopRV in_dpu;
};
ReductionSplit split_reduction_over_dpus(Schedule &sch, const workloads::Workload &w, const BlockRV &c,
                                         const LoopRV &k, int64_t dpus_y) {
    if (dpus_y == 1) return {c, {}, k};
    std::vector<LoopRV> per_dpu = split_over_dpus(sch, k, dpus_y, rows_per_output_write(w.narrowest_dtype()));
    BlockRV producer = sch.rfactor(per_dpu[0], "mram");
    return {producer, {per_dpu[0]}, per_dpu[1]};
}

// Inside a DPU (gemvRCTile): rows split [tasklets, ., rows_per_write]; K walked in `cache`-element tiles with
// the rows of one output write inside the tile, so the B tile is shared by them; the output written back per
// group of rows.
void row_kernel(Schedule &sch, const workloads::Workload &w, const BlockRV &block, const RowLoops &r,
                const LoopRV &k_tile) {
    cache_inputs_at(sch, block, array_inputs(w), k_tile);
    cache_inputs_at(sch, block, scalar_inputs(w), r.tasklet);
    sch.reverse_compute_at(sch.cache_write(block, "wram"), r.group);
    sch.decompose_reduction(block, k_tile);
}

// mtvRCTile (mtv, gemv): rows over dpus_x, K over dpus_y.
void row_reduce(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    BlockRV c = sch.get_block(output_block(w));
    std::vector<LoopRV> loops = sch.get_loops(c);
    LoopRV rows = loops[0], k = loops[1];
    ReductionSplit red = split_reduction_over_dpus(sch, w, c, k, p.at("dpus_y"));
    RowCut cut = cut_rows(sch.loop_extent(rows), p.at("dpus_x"), w.compute_dtype());
    RowLoops r = split_rows(sch, rows, cut.rows_per_dpu, p.at("tasklets"), cut.rows_per_write);
    std::vector<LoopRV> kk = sch.split(red.in_dpu, {kInfer, p.at("cache")});
    std::vector<LoopRV> order = {r.dpu};
    order.insert(order.end(), red.dpu.begin(), red.dpu.end());
    order.insert(order.end(), {r.tasklet, r.group, kk[0], r.row, kk[1]});
    reorder_exactly(sch, red.block, order);
    sch.bind(r.dpu, "dpu.x");
    if (!red.dpu.empty()) sch.bind(red.dpu[0], "dpu.y");
    sch.bind(r.tasklet, "tasklet");
    row_kernel(sch, w, red.block, r, kk[0]);
}

// The body shared by ttv and mmtv: i split into groups over dpu.z (`i_per_group` of the DPUs one group of i
// uses), row blocks of j over dpus_x, K over dpus_y (the host sums the partials); inside a DPU, row pairs of
// j per tasklet, each tasklet walking its rows for every i of the DPU's group, K in `cache`-element tiles.
void i_j_k_grid(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p,
                const std::function<int64_t(int64_t dpus_per_group)> &i_per_group) {
    BlockRV c = sch.get_block(output_block(w));
    std::vector<LoopRV> loops = sch.get_loops(c);
    LoopRV i = loops[0], j = loops[1], k = loops[2];
    ReductionSplit red = split_reduction_over_dpus(sch, w, c, k, p.at("dpus_y"));
    RowCut cut = cut_rows(w.shape[1], p.at("dpus_x"), w.compute_dtype());
    RowLoops r = split_rows(sch, j, cut.rows_per_dpu, p.at("tasklets"), cut.rows_per_write);
    const int64_t dpus_per_group =
        sch.loop_extent(r.dpu) * (red.dpu.empty() ? 1 : sch.loop_extent(red.dpu[0]));
    std::vector<LoopRV> group = sch.split(i, {kInfer, i_per_group(dpus_per_group)});
    std::vector<LoopRV> kk = sch.split(red.in_dpu, {kInfer, p.at("cache")});
    std::vector<LoopRV> order = {group[0], r.dpu};
    order.insert(order.end(), red.dpu.begin(), red.dpu.end());
    order.insert(order.end(), {r.tasklet, group[1], r.group, kk[0], r.row, kk[1]});
    reorder_exactly(sch, red.block, order);
    sch.bind(group[0], "dpu.z");
    sch.bind(r.dpu, "dpu.x");
    if (!red.dpu.empty()) sch.bind(red.dpu[0], "dpu.y");
    sch.bind(r.tasklet, "tasklet");
    row_kernel(sch, w, red.block, r, kk[0]);
}

// ttv on a 3-D DPU grid (ATiM's rule for a second spatial axis, atim-method.md §9): blocks of i over dpus_z.
void tensor_row_reduce(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p) {
    i_j_k_grid(sch, w, p, [&](int64_t) { return ceil_div(w.shape[0], p.at("dpus_z")); });
}

// mmtvRCTile: batch i over dpu.z, several batches per DPU group when they outnumber the groups that fit.
void batched(Schedule &sch, const workloads::Workload &w, const std::map<std::string, int64_t> &p,
             const target::UpmemMachine &machine) {
    i_j_k_grid(sch, w, p, [&](int64_t dpus_per_batch) {
        return batches_per_dpu_group(w.shape[0], dpus_per_batch, machine);
    });
}

}  // namespace

void build_rc_tile_schedule(Schedule &sch, const workloads::Workload &workload,
                            const std::map<std::string, int64_t> &params,
                            const target::UpmemMachine &machine) {
    switch (workload_shape(workload)) {
        case WorkloadShape::Elementwise:
            return elementwise(sch, workload, params);
        case WorkloadShape::FullReduce:
            return full_reduce(sch, workload, params);
        case WorkloadShape::RowReduce:
            return row_reduce(sch, workload, params);
        case WorkloadShape::TensorRowReduce:
            return tensor_row_reduce(sch, workload, params);
        case WorkloadShape::Batched:
            return batched(sch, workload, params, machine);
    }
}

}  // namespace atim::baselines

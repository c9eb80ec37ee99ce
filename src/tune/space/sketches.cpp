// Sketch rules. Each sketch mirrors one of ATiM's tiling structures with our primitives, every tile size,
// cache position and unroll step being a sampling decision:
//  - reduction in DPU ("SSSRSRSR"): rows -> [dpu.x | tasklet, S2, S3, S4], other spatial axis -> [dpu.y | s],
//    K -> [K0, K1, K2]; order dpu*, tasklet, s, S2, K0, S3, K1, S4, K2 (rc-tile without the K split);
//  - reduction split: K -> [Kd | k] first, rfactor(Kd) into MRAM (host final reduction), Kd bound to dpu.y
//  and
//    the other spatial axis to dpu.z (3-D grid for ttv/mmtv), the rest as above (rc-tile's structure); the
//    host's final reduction runs on a sampled number of host threads (parallel);
//  - spatial ("SSSSS"): [dpu.x | tasklet, S2, S3, S4];
//  - pure reduction ("SRRR"): K -> [Kd | tasklet, R1, R2, R3], rfactor over DPUs then over tasklets.
// The DPU-level split is sampled separately from the in-DPU tiles so that the DPU count can be any count
// (options.any_dpu_count) while in-DPU tiles stay perfect when options.imperfect_tiles is off.
#include "tune/space/sketches.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "atim/support/error.h"
#include "baselines/schedule_building.h"
#include "tune/space/decision_picker.h"

namespace atim::tune::space {
namespace {

using schedule::BlockRV;
using schedule::ExprRV;
using schedule::LoopRV;
using schedule::Schedule;

constexpr int64_t kMaxInnermost = 256;  // ATiM's max innermost factor
// The revolver pipeline issues an instruction of a tasklet at most every 11 cycles, so a DPU needs at least
// 11 busy tasklets to issue every cycle (DESIGN.md §4, upmem-hardware.md). Sampling fewer tasklets than
// that (when the DPU has enough rows for them) only explores programs that leave the pipeline idle.
constexpr int64_t kTaskletsToFillPipeline = 11;

// Copied into each sketch's generator, which may outlive the caller's workload and machine.
struct Context {
    workloads::Workload workload;
    target::UpmemMachine machine;
    SpaceOptions options;
};

// The DPU-level split of loop `axis`: [count | chunk], count in [min_count, max_count]; decision "dpus.AXIS".
std::vector<LoopRV> split_over_dpus(Schedule &sch, DecisionPicker &p, const Context &c, const LoopRV &loop,
                                    int64_t min_count, int64_t max_count) {
    const std::string axis = sch.loop_name(loop);
    DecisionInfo info{"dpus." + axis,
                      fmt::format("DPUs over loop {} (extent {})", axis, sch.loop_extent(loop)), ""};
    return sch.split(loop,
                     p.dpu_split(sch, std::move(info), loop, min_count, max_count, !c.options.any_dpu_count));
}

// The in-DPU tiles of loop `axis` (a DPU's chunk of it): n factors, the outer one in [min_outer, max_outer];
// decision "tile.AXIS".
std::vector<LoopRV> tile_in_dpu(Schedule &sch, DecisionPicker &p, const Context &c, const std::string &axis,
                                const LoopRV &loop, int n, const std::string &levels,
                                int64_t max_outer = std::numeric_limits<int64_t>::max(),
                                int64_t min_outer = 1) {
    DecisionInfo info{"tile." + axis,
                      fmt::format("tile factors of a DPU's loop {}, outer to inner: {}", axis, levels), ""};
    return sch.split(loop, p.tile(sch, std::move(info), loop, n, kMaxInnermost, min_outer, max_outer,
                                  !c.options.imperfect_tiles));
}

// The tasklet level of a DPU's rows: outer factor in [min(11, extent), max tasklets]. Perfect tiles keep the
// lower bound 1, since a divisor in range may not exist. (Only the row reductions use it so far: on the 1-D
// tiles of va/geva/red most tile mutations would then push the tasklet count below the bound.)
std::vector<LoopRV> tile_over_tasklets(Schedule &sch, DecisionPicker &p, const Context &c,
                                       const std::string &axis, const LoopRV &loop, int n) {
    const int64_t least =
        c.options.imperfect_tiles ? least_row_tasklets(c.machine, sch.loop_extent(loop)) : 1;
    return tile_in_dpu(sch, p, c, axis, loop, n, "tasklets, S2, S3, S4", c.machine.max_tasklets, least);
}

// Labels of tile levels for the command line: "k0" is the outermost loop of tile.k.
std::string level(const std::string &axis, int index) { return fmt::format("{}{}", axis, index); }

std::vector<std::string> array_inputs(const workloads::Workload &w) { return baselines::array_inputs(w); }

// WRAM read caches of every array input at one sampled loop; scalars once per tasklet.
void add_read_caches(Schedule &sch, DecisionPicker &p, const Context &c, const BlockRV &block,
                     const std::vector<LoopRV> &where, const std::vector<std::string> &labels,
                     const LoopRV &tasklet) {
    LoopRV at = p.location(
        sch, {"read_cache", "the tile level whose iteration fills the WRAM input caches", ""}, where, labels);
    baselines::cache_inputs_at(sch, block, array_inputs(c.workload), at);
    baselines::cache_inputs_at(sch, block, baselines::scalar_inputs(c.workload), tasklet);
}

void add_write_cache(Schedule &sch, DecisionPicker &p, const BlockRV &block, const std::vector<LoopRV> &where,
                     const std::vector<std::string> &labels) {
    LoopRV at = p.location(
        sch, {"write_cache", "the tile level whose iteration writes the WRAM output cache back", ""}, where,
        labels);
    sch.reverse_compute_at(sch.cache_write(block, "wram"), at);
}

void add_unroll(Schedule &sch, DecisionPicker &p, const Context &c, const BlockRV &block) {
    const std::vector<int64_t> &steps = c.options.unroll_steps;
    if (steps.empty()) return;
    ExprRV step =
        p.categorical(sch, {"unroll", "auto-unroll max step of the innermost loops (0: none)", ""}, steps);
    sch.annotate_unroll(block, step);
}

// Host threads of the final reduction: ATiM's "host reduction parallelism" sub-rule (outer factor of the
// first spatial loop in [1, hardware concurrency]) over powers of two up to the Xeon's 16 hardware threads.
constexpr int64_t kHostThreadChoices[] = {1, 2, 4, 8, 16};

// The host epilogue of an mram rfactor: the first spatial axis -> [threads (parallel) | rest], the partial
// index k moved inside the parallel loop so that each thread reads a contiguous run of every row of partials
// (C_rf[k, its rows]), and the init decomposed before k (one zeroing store per output instead of a guarded
// store per partial).
void parallel_final_reduction(Schedule &sch, DecisionPicker &p, const BlockRV &consumer) {
    std::vector<LoopRV> loops = sch.get_loops(consumer);
    LoopRV k = loops.back(), first = loops.front();
    std::vector<int64_t> threads;
    for (int64_t t : kHostThreadChoices)
        if (t <= sch.loop_extent(first)) threads.push_back(t);
    ExprRV count = p.categorical(
        sch, {"host_threads", "host threads of the final reduction of the partials", ""}, threads);
    std::vector<LoopRV> split = sch.split(first, {schedule::Factor(count), schedule::kInfer});
    std::vector<LoopRV> order = {split[0], k, split[1]};
    order.insert(order.end(), loops.begin() + 1, loops.end() - 1);
    baselines::reorder_exactly(sch, consumer, order);
    sch.parallel(split[0]);
    sch.decompose_reduction(consumer, k);
}

// Rows (the innermost spatial axis), an optional outer spatial axis, and K of a row-reduction block, with the
// reduction optionally split over DPUs first.
void row_reduction(Schedule &sch, DecisionPicker &p, const Context &c, bool split_k) {
    BlockRV block = sch.get_block(baselines::output_block(c.workload));
    const BlockRV consumer =
        block;  // after an mram rfactor, the output block sums the DPUs' partials on the host
    std::vector<LoopRV> loops = sch.get_loops(block);
    LoopRV k = loops.back(), rows = loops[loops.size() - 2];
    std::optional<LoopRV> outer;
    if (loops.size() == 3) outer = loops[0];
    // DPU budgets by construction: K (at most 256 DPUs, as ATiM's rfactor rule) first, then rows, then the
    // outer axis get what is left of the machine. A mutation may still overflow it; lowering rejects that.
    int64_t budget = c.machine.dpus;
    LoopRV k_in = k;
    std::optional<LoopRV> k_dpu;
    if (split_k) {
        std::vector<LoopRV> kk = split_over_dpus(sch, p, c, k, 2, std::min<int64_t>(256, budget));
        block = sch.rfactor(kk[0], "mram");
        k_dpu = kk[0];
        k_in = kk[1];
        budget /= sch.loop_extent(kk[0]);
    }
    const std::string rows_axis = sch.loop_name(rows), k_axis = sch.loop_name(k);
    std::vector<LoopRV> row_dpu = split_over_dpus(sch, p, c, rows, 1, budget);
    budget /= sch.loop_extent(row_dpu[0]);
    // Binding order of ATiM's rule: rows -> dpu.x, K -> dpu.y, outer axis -> dpu.z (or dpu.y without K).
    std::vector<LoopRV> dpu_loops = {row_dpu[0]};
    if (k_dpu) dpu_loops.push_back(*k_dpu);
    std::optional<LoopRV> outer_in;
    if (outer) {
        std::vector<LoopRV> o = split_over_dpus(sch, p, c, *outer, 1, budget);
        dpu_loops.push_back(o[0]);
        outer_in = o[1];
    }
    std::vector<LoopRV> s = tile_over_tasklets(sch, p, c, rows_axis, row_dpu[1], 4);
    std::vector<LoopRV> r = tile_in_dpu(sch, p, c, k_axis, k_in, 3, "K0, K1, K2");
    std::vector<LoopRV> order = dpu_loops;
    order.push_back(s[0]);
    if (outer_in) order.push_back(*outer_in);
    order.insert(order.end(), {s[1], r[0], s[2], r[1], s[3], r[2]});
    baselines::reorder_exactly(sch, block, order);
    const char *axes[] = {"dpu.x", "dpu.y", "dpu.z"};
    for (size_t i = 0; i < dpu_loops.size(); ++i) sch.bind(dpu_loops[i], axes[i]);
    sch.bind(s[0], "tasklet");
    // ATiM's cache levels: reads at K0 or K1 (we also allow S2); the write-back at S2 (ATiM's other level,
    // S3, sits inside the K0 reduction loop, which our attach verifier refuses).
    sch.decompose_reduction(block, r[0]);
    add_read_caches(sch, p, c, block, {s[1], r[0], r[1]},
                    {level(rows_axis, 1), level(k_axis, 0), level(k_axis, 1)}, s[0]);
    add_write_cache(sch, p, block, {s[1]}, {level(rows_axis, 1)});
    add_unroll(sch, p, c, block);
    if (split_k) parallel_final_reduction(sch, p, consumer);
}

void spatial(Schedule &sch, DecisionPicker &p, const Context &c) {
    BlockRV block = sch.get_block(baselines::output_block(c.workload));
    LoopRV i = sch.get_loops(block)[0];
    const std::string axis = sch.loop_name(i);
    std::vector<LoopRV> d = split_over_dpus(sch, p, c, i, 1, c.machine.dpus);
    std::vector<LoopRV> s =
        tile_in_dpu(sch, p, c, axis, d[1], 4, "tasklets, S2, S3, S4", c.machine.max_tasklets);
    sch.bind(d[0], "dpu.x");
    sch.bind(s[0], "tasklet");
    const std::vector<std::string> levels = {level(axis, 1), level(axis, 2)};
    add_read_caches(sch, p, c, block, {s[1], s[2]}, levels, s[0]);
    add_write_cache(sch, p, block, {s[1], s[2]}, levels);
    add_unroll(sch, p, c, block);
}

void pure_reduction(Schedule &sch, DecisionPicker &p, const Context &c) {
    BlockRV b = sch.get_block(baselines::output_block(c.workload));
    std::vector<LoopRV> loops = sch.get_loops(b);
    LoopRV i = loops[0], k = loops[1];
    const std::string axis = sch.loop_name(k);
    std::vector<LoopRV> d = split_over_dpus(sch, p, c, k, 2, c.machine.dpus);
    BlockRV dpu_partials = sch.rfactor(d[0], "mram");
    std::vector<LoopRV> r =
        tile_in_dpu(sch, p, c, axis, d[1], 4, "tasklets, R1, R2, R3", c.machine.max_tasklets);
    BlockRV tasklet_partials = sch.rfactor(r[0], "wram");
    baselines::reorder_exactly(sch, tasklet_partials, {d[0], r[0], i, r[1], r[2], r[3]});
    sch.bind(d[0], "dpu.x");
    sch.bind(r[0], "tasklet");
    sch.reverse_compute_at(dpu_partials, d[0]);
    LoopRV at =
        p.location(sch, {"read_cache", "the tile level whose iteration fills the WRAM input cache", ""},
                   {r[1], r[2]}, {level(axis, 1), level(axis, 2)});
    baselines::cache_inputs_at(sch, tasklet_partials, array_inputs(c.workload), at);
    sch.decompose_reduction(tasklet_partials, at);
    add_unroll(sch, p, c, tasklet_partials);
}

const char *sketch_name(SketchFamily family) {
    switch (family) {
        case SketchFamily::ReductionInDpu:
            return "reduction-in-dpu/SSSRSRSR";
        case SketchFamily::ReductionSplit:
            return "reduction-split/rfactor-mram/SSSRSRSR";
        case SketchFamily::Spatial:
            return "spatial/SSSSS";
        case SketchFamily::PureReduction:
            return "pure-reduction/rfactor-mram/rfactor-wram/SRRR";
    }
    return "?";
}

}  // namespace

int64_t least_row_tasklets(const target::UpmemMachine &machine, int64_t rows) {
    return std::min<int64_t>({kTaskletsToFillPipeline, machine.max_tasklets, rows});
}

std::vector<SketchFamily> families_of(const workloads::Workload &workload) {
    switch (workload.structure) {
        case workloads::Structure::RowReduce:
        case workloads::Structure::TensorRowReduce:
        case workloads::Structure::Batched:
            return {SketchFamily::ReductionInDpu, SketchFamily::ReductionSplit};
        case workloads::Structure::Elementwise:
            return {SketchFamily::Spatial};
        case workloads::Structure::FullReduce:
            return {SketchFamily::PureReduction};
    }
    internal_error(__FILE__, __LINE__, fmt::format("no sketch families for workload {}", workload.name));
}

Sketch make_sketch(SketchFamily family, const workloads::Workload &workload,
                   const target::UpmemMachine &machine, const SpaceOptions &options) {
    Context c{workload, machine, options};
    std::function<void(Schedule &, DecisionPicker &)> build;
    switch (family) {
        case SketchFamily::ReductionInDpu:
            build = [c](Schedule &sch, DecisionPicker &p) { row_reduction(sch, p, c, false); };
            break;
        case SketchFamily::ReductionSplit:
            build = [c](Schedule &sch, DecisionPicker &p) { row_reduction(sch, p, c, true); };
            break;
        case SketchFamily::Spatial:
            build = [c](Schedule &sch, DecisionPicker &p) { spatial(sch, p, c); };
            break;
        case SketchFamily::PureReduction:
            build = [c](Schedule &sch, DecisionPicker &p) { pure_reduction(sch, p, c); };
            break;
    }
    return Sketch{sketch_name(family), family, std::move(build)};
}

}  // namespace atim::tune::space

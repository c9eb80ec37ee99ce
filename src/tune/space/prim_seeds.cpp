// PrIM's points as decisions of our sketches. A sketch's sampling instructions come in a fixed order (see
// sketches.cpp): DPU splits (two factors), then in-DPU tiles (four factors for tasklets, three for K), then
// compute locations, then the unroll step. The seed walks them in that order, computing each tile from the
// extent its loop has after the decisions before it, and replays the result to check it.
#include "tune/space/prim_seeds.h"

#include <algorithm>
#include <functional>

#include "baselines/schedule_building.h"
#include "baselines/schedule_params.h"
#include "tune/space/sketches.h"

namespace atim::tune::space {
namespace {

using baselines::ceil_div;
using schedule::Instruction;
using schedule::Trace;

bool is_tile(const Instruction &inst) {
    return inst.kind == "sample_tile" || inst.kind == "sample_perfect_tile";
}

// The extent of the loop a tile instruction splits, on a replay of the instructions before it (trace handles
// are assigned in creation order, so "l12" names LoopRV 12 in that replay too).
int64_t extent_before(const Trace &trace, size_t index, const te::PrimFunc &func) {
    Trace prefix;
    for (size_t i = 0; i < index; ++i) prefix.append(trace.instructions()[i]);
    const Instruction &inst = trace.instructions()[index];
    const schedule::LoopRV loop{std::stoi(inst.inputs.at(0).get<std::string>().substr(1))};
    return prefix.replay(func).loop_extent(loop);
}

// [count | chunk] for a DPU split of `extent` into chunks of `chunk` iterations.
std::vector<int64_t> dpu_split(int64_t extent, int64_t chunk) {
    chunk = std::clamp<int64_t>(chunk, 1, extent);
    return {ceil_div(extent, chunk), chunk};
}

// A tasklet count the machine has; for the row reductions also at least the sketch's least count.
int64_t clamp_tasklets(int64_t tasklets, const target::UpmemMachine &machine, int64_t least = 1) {
    return std::clamp<int64_t>(tasklets, least, machine.max_tasklets);
}

// A DPU's `extent` iterations over `tasklets` tasklets, each a contiguous range walked in steps of `unit`
// (a WRAM block of elements, or one row): [tasklets, steps, 1, unit], the outer factor the covering ceiling.
std::vector<int64_t> tasklet_tile(int64_t extent, int64_t tasklets, int64_t unit) {
    unit = std::clamp<int64_t>(unit, 1, extent);
    const int64_t steps = ceil_div(ceil_div(extent, unit), std::max<int64_t>(tasklets, 1));
    return {ceil_div(extent, steps * unit), steps, 1, unit};
}

// `trace` with the tile decision at `index` replaced, the outer-factor bounds recorded with the instruction
// widened to admit it. A sketch computes those bounds from the extents of the draw the template came from
// (at least min(11, extent) tasklets, the DPUs left after the earlier splits), so they can be stale for
// PrIM's extents; the program they admit is still checked by lowering (DPUs, WRAM, alignment).
Trace with_tile_decision(const Trace &trace, size_t index, const std::vector<int64_t> &decision) {
    Trace result;
    for (size_t i = 0; i < trace.instructions().size(); ++i) {
        Instruction inst = trace.instructions()[i];
        if (i == index) {
            inst.attrs["min_outer"] = std::min(inst.attrs.at("min_outer").get<int64_t>(), decision.front());
            inst.attrs["max_outer"] = std::max(inst.attrs.at("max_outer").get<int64_t>(), decision.front());
            inst.decision = decision;
        }
        result.append(std::move(inst));
    }
    return result;
}

/// The decisions of one family's tiles (by their order among the trace's tile instructions) and of its
/// compute locations (index into each location's candidate list, by order).
struct SeedPlan {
    std::function<std::vector<int64_t>(size_t ordinal, int64_t extent)> tile;
    std::vector<int64_t> compute_locations;
};

// va, geva, red: PrIM's 8-byte padded chunk per DPU, then [tasklets, blocks, 1, block] with the WRAM caches
// at the blocks loop (one `block`-element DMA per input and block, as PrIM).
SeedPlan elementwise_plan(const workloads::Workload &w, const target::UpmemMachine &machine,
                          const std::map<std::string, int64_t> &p) {
    const int64_t dpus = p.at("dpus"), tasklets = p.at("tasklets"), block = p.at("block");
    const int64_t padding = baselines::rows_per_output_write(w.dtype);
    SeedPlan plan;
    plan.tile = [=](size_t ordinal, int64_t extent) {
        if (ordinal == 0) return dpu_split(extent, baselines::round_up(ceil_div(extent, dpus), padding));
        return tasklet_tile(extent, clamp_tasklets(tasklets, machine), block);
    };
    // spatial: reads and the write-back at the blocks loop; pure reduction: reads there.
    plan.compute_locations = {0, 0};
    return plan;
}

// mtv, gemv, ttv, mmtv in the in-DPU reduction sketch (rows -> dpu.x, the outer axis -> dpu.y): PrIM's row
// blocks per DPU (ttv: whole i-rows; mmtv: a group of batches per DPU row block), each tasklet a contiguous
// range of rows, K walked in blocks of `block` with A and B cached per block. PrIM hands out row pairs (one
// 8-byte output write each); single rows measured faster here (mtv 1024², 256 DPUs: 4 rows per DPU keep 4
// tasklets busy instead of 2, kernel 0.77 ms against PrIM's 1.49 ms), and the mutators reach pairs anyway.
SeedPlan row_plan(const workloads::Workload &w, const target::UpmemMachine &machine,
                  const std::map<std::string, int64_t> &p) {
    const int64_t dpus = p.at("dpus"), tasklets = p.at("tasklets"), block = p.at("block");
    const auto shape = baselines::workload_shape(w.name);
    const bool has_outer = w.shape.size() == 3;
    // The rows (innermost spatial axis) per DPU and the outer-axis iterations per DPU.
    int64_t rows_per_dpu = 0, outer_per_dpu = 1;
    if (!has_outer) {
        const baselines::RowCut cut = baselines::cut_rows(w.shape[0], dpus, w.dtype);
        rows_per_dpu = cut.rows_per_dpu;
    } else if (shape == baselines::WorkloadShape::Batched) {
        const baselines::RowCut cut = baselines::cut_rows(w.shape[1], dpus, w.dtype);
        rows_per_dpu = cut.rows_per_dpu;
        outer_per_dpu =
            baselines::batches_per_dpu_group(w.shape[0], ceil_div(w.shape[1], rows_per_dpu), machine);
    } else {  // ttv: M*N flattened rows, whole i-rows per DPU
        const baselines::RowCut cut = baselines::cut_rows(w.shape[0] * w.shape[1], dpus, w.dtype, w.shape[1]);
        rows_per_dpu = w.shape[1];
        outer_per_dpu = cut.rows_per_dpu / w.shape[1];
    }
    SeedPlan plan;
    plan.tile = [=](size_t ordinal, int64_t extent) {
        const size_t dpu_splits = has_outer ? 2 : 1;
        if (ordinal == 0) return dpu_split(extent, rows_per_dpu);
        if (ordinal < dpu_splits) return dpu_split(extent, outer_per_dpu);
        if (ordinal == dpu_splits) {
            const int64_t least = least_row_tasklets(machine, extent);
            return tasklet_tile(extent, clamp_tasklets(tasklets, machine, least), 1);
        }
        const int64_t k_block = std::clamp<int64_t>(block, 1, extent);
        return std::vector<int64_t>{ceil_div(extent, k_block), 1, k_block};
    };
    // Reads at K0 (one K block of the row group's A and of B), the write-back per row group.
    plan.compute_locations = {1, 0};
    return plan;
}

// The sketch a PrIM point is written in.
std::optional<SketchFamily> seed_family(const workloads::Workload &w) {
    switch (baselines::workload_shape(w.name)) {
        case baselines::WorkloadShape::Elementwise:
            return SketchFamily::Spatial;
        case baselines::WorkloadShape::FullReduce:
            return SketchFamily::PureReduction;
        case baselines::WorkloadShape::RowReduce:
        case baselines::WorkloadShape::Batched:
            return SketchFamily::ReductionInDpu;
    }
    return std::nullopt;
}

// Every decision of `trace` rewritten by `plan`, in trace order; the unroll step set to "none" (PrIM unrolls
// nothing).
Trace with_plan(Trace trace, const SeedPlan &plan, const te::PrimFunc &func) {
    size_t tiles = 0, locations = 0;
    for (size_t index : trace.sampling_indices()) {
        const Instruction &inst = trace.instructions()[index];
        std::vector<int64_t> decision = inst.decision;
        if (is_tile(inst)) {
            decision = plan.tile(tiles++, extent_before(trace, index, func));
        } else if (inst.kind == "sample_compute_location") {
            if (locations < plan.compute_locations.size()) decision = {plan.compute_locations[locations]};
            ++locations;
        } else if (inst.kind == "sample_categorical") {
            const std::vector<int64_t> steps = inst.attrs.at("candidates").get<std::vector<int64_t>>();
            auto none = std::find(steps.begin(), steps.end(), 0);
            if (none != steps.end()) decision = {static_cast<int64_t>(none - steps.begin())};
        }
        trace =
            is_tile(inst) ? with_tile_decision(trace, index, decision) : trace.with_decision(index, decision);
    }
    return trace;
}

}  // namespace

std::optional<Candidate> prim_seed(const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                   const target::UpmemMachine &machine,
                                   const std::map<std::string, int64_t> &prim_params) {
    const std::optional<SketchFamily> family = seed_family(workload);
    auto sketch = std::find_if(sketches.begin(), sketches.end(),
                               [&](const Sketch &s) { return family && s.family == *family; });
    if (sketch == sketches.end()) return std::nullopt;
    const int index = static_cast<int>(sketch - sketches.begin());
    const SeedPlan plan =
        baselines::workload_shape(workload.name) == baselines::WorkloadShape::Elementwise ||
                baselines::workload_shape(workload.name) == baselines::WorkloadShape::FullReduce
            ? elementwise_plan(workload, machine, prim_params)
            : row_plan(workload, machine, prim_params);
    // Any draw of the sketch gives the instruction list; every decision is then replaced.
    for (uint64_t draw = 0; draw < 8; ++draw) {
        std::optional<Candidate> drawn = sample_candidate(sketches, index, workload, draw);
        if (!drawn) continue;
        try {
            Trace seeded = with_plan(drawn->trace, plan, workload.func);
            (void)seeded.replay(workload.func);  // the bounds the sketch sampled with are checked here
            return Candidate{std::move(seeded), index};
        } catch (const schedule::ScheduleError &) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace atim::tune::space

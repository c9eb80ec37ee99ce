// PrIM's points as decisions of our sketches (seed_plan.h), nothing unrolled.
#include "tune/space/prim_seeds.h"

#include <algorithm>

#include "baselines/schedule_building.h"
#include "baselines/schedule_params.h"
#include "tune/space/seed_plan.h"
#include "tune/space/sketches.h"

namespace atim::tune::space {
namespace {

using baselines::ceil_div;

// va, geva, red: PrIM's 8-byte padded chunk per DPU, then [tasklets, blocks, 1, block] with the WRAM caches
// at the blocks loop (one `block`-element DMA per input and block, as PrIM).
SeedPlan elementwise_plan(const workloads::Workload &w, const target::UpmemMachine &machine,
                          const std::map<std::string, int64_t> &p) {
    const int64_t dpus = p.at("dpus"), tasklets = p.at("tasklets"), block = p.at("block");
    const int64_t padding = baselines::rows_per_output_write(w.narrowest_dtype());
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
// blocks per DPU (ttv: whole i-rows or a block of one; mmtv: a group of batches per DPU row block), each
// tasklet a contiguous range of rows, K walked in blocks of `block` with A and B cached per block. PrIM hands
// out row pairs (one 8-byte output write each); single rows measured faster here (mtv 1024², 256 DPUs: 4 rows
// per DPU keep 4 tasklets busy instead of 2, kernel 0.77 ms against PrIM's 1.49 ms), and the mutators reach
// pairs anyway.
SeedPlan row_plan(const workloads::Workload &w, const target::UpmemMachine &machine,
                  const std::map<std::string, int64_t> &p) {
    const int64_t dpus = p.at("dpus"), tasklets = p.at("tasklets"), block = p.at("block");
    const auto shape = baselines::workload_shape(w);
    const bool has_outer = w.shape.size() == 3;
    // The rows (innermost spatial axis) per DPU and the outer-axis iterations per DPU.
    int64_t rows_per_dpu = 0, outer_per_dpu = 1;
    if (!has_outer) {
        const baselines::RowCut cut = baselines::cut_rows(w.shape[0], dpus, w.compute_dtype());
        rows_per_dpu = cut.rows_per_dpu;
    } else if (shape == baselines::WorkloadShape::Batched) {
        const baselines::RowCut cut = baselines::cut_rows(w.shape[1], dpus, w.compute_dtype());
        rows_per_dpu = cut.rows_per_dpu;
        outer_per_dpu =
            baselines::batches_per_dpu_group(w.shape[0], ceil_div(w.shape[1], rows_per_dpu), machine);
    } else {
        // ttv: PrIM's blocks of the M*N fused rows on the sketch's j x i grid: whole i-rows per DPU when a
        // block spans them, else a block of j rows in one i-row.
        const baselines::RowCut cut = baselines::cut_rows(w.shape[0] * w.shape[1], dpus, w.compute_dtype());
        if (cut.rows_per_dpu >= w.shape[1]) {
            rows_per_dpu = w.shape[1];
            outer_per_dpu = cut.rows_per_dpu / w.shape[1];
        } else {
            rows_per_dpu = cut.rows_per_dpu;
        }
    }
    SeedPlan plan;
    plan.tile = [=](size_t ordinal, int64_t extent) {
        const size_t dpu_splits = has_outer ? 2 : 1;
        if (ordinal == 0) return dpu_split(extent, rows_per_dpu);
        if (ordinal < dpu_splits) return dpu_split(extent, outer_per_dpu);
        if (ordinal == dpu_splits) {
            const int64_t least = least_row_tasklets(machine, extent);
            return tasklet_tile_at_least(extent, clamp_tasklets(tasklets, machine, least), 1, least);
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
    switch (baselines::workload_shape(w)) {
        case baselines::WorkloadShape::Elementwise:
            return SketchFamily::Spatial;
        case baselines::WorkloadShape::FullReduce:
            return SketchFamily::PureReduction;
        case baselines::WorkloadShape::RowReduce:
        case baselines::WorkloadShape::TensorRowReduce:
        case baselines::WorkloadShape::Batched:
            return SketchFamily::ReductionInDpu;
    }
    return std::nullopt;
}

}  // namespace

std::optional<Candidate> prim_seed(const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                   const target::UpmemMachine &machine,
                                   const std::map<std::string, int64_t> &prim_params) {
    const std::optional<SketchFamily> family = seed_family(workload);
    if (!family) return std::nullopt;
    const baselines::WorkloadShape shape = baselines::workload_shape(workload);
    const SeedPlan plan =
        shape == baselines::WorkloadShape::Elementwise || shape == baselines::WorkloadShape::FullReduce
            ? elementwise_plan(workload, machine, prim_params)
            : row_plan(workload, machine, prim_params);
    return seed_from_plan(sketches, *family, workload, plan);
}

}  // namespace atim::tune::space

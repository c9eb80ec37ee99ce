// rc-tile points as decisions of the reduction-split sketch (seed_plan.h), for 2-D row reductions and, on a
// 3-D grid, for those with an outer spatial axis (ttv, mmtv). Variants may coincide (no unroll
// step in the space); the search drops repeats by their structural hash.
#include "tune/space/rc_tile_seeds.h"

#include <algorithm>

#include "baselines/schedule_building.h"
#include "baselines/schedule_params.h"
#include "tune/space/seed_plan.h"
#include "tune/space/sketches.h"

namespace atim::tune::space {
namespace {

using baselines::ceil_div;

// Seeds are ordered by their distance from a 16-way K split so that a short budget measures the likely ones
// first: on our simulator the best 2048-DPU programs found for mtv/gemv 8192x8192 split K 16 and 8 ways
// (hand-built and tuned, 2026-12-06); the reference gives no such figure for ATiM's own programs.
constexpr int64_t kCentralKSplit = 16;
// A DPU whose K slice is shorter than this spends more on its partials than on its dot products. 32, not 64:
// the 2-D expert+Search baseline's best gemv 1024x1024 program splits K 32 ways (32-element slices).
constexpr int64_t kMinKSlice = 32;
constexpr int64_t kMaxKSplit = 256;  // the sketch's bound (ATiM's rfactor rule)
constexpr int64_t kLargestGrid = 2048;

int log2_distance(int64_t a, int64_t b) {
    int d = 0;
    while (a < b) a *= 2, ++d;
    while (a > b) a /= 2, ++d;
    return d;
}

struct DpuGrid {
    int64_t row_dpus, k_dpus, outer_dpus;
};

// The DPU grids: K split in powers of two, each on the DPU budget, half and a quarter of it (small shapes:
// mmtv 32x64x512's best 2-D expert program uses 512 DPUs; gemv 1024x1024's uses 1024). The budgets vary
// fastest: a short run measures only the first few seeds, and one K split on three budgets tells the search
// more than six K splits on one (at 64 trials, gemv 1024x1024 measured only 2048-DPU seeds and missed the
// 1024-DPU region where the 2-D expert's grid search finds its best program).
// With an outer spatial axis (ttv's i, mmtv's batches; `outer` > 1) as ATiM's 3-D rule, it takes as many of
// the DPUs K leaves as it has iterations, the rows the rest.
// `padding`: elements per 8 bytes; a split whose padded slices cover K with fewer DPUs is left out (the seed
// would not have the grid it names).
std::vector<DpuGrid> dpu_grids(int64_t rows, int64_t k, int64_t outer, int64_t budget, int64_t padding) {
    std::vector<int64_t> splits;
    for (int64_t kd = 2; kd <= kMaxKSplit && k / kd >= kMinKSlice; kd *= 2)
        if (ceil_div(k, baselines::round_up(ceil_div(k, kd), padding)) == kd) splits.push_back(kd);
    std::stable_sort(splits.begin(), splits.end(), [](int64_t a, int64_t b) {
        return log2_distance(a, kCentralKSplit) < log2_distance(b, kCentralKSplit);
    });
    std::vector<DpuGrid> grids;
    for (int64_t kd : splits)
        for (int64_t total : {budget, budget / 2, budget / 4}) {
            const int64_t outer_dpus = std::max<int64_t>(1, std::min(total / kd, outer));
            const int64_t row_dpus = std::min(total / kd / outer_dpus, rows);
            if (row_dpus >= 1 && row_dpus * kd * outer_dpus == total)
                grids.push_back({row_dpus, kd, outer_dpus});
        }
    return grids;
}

SeedPlan rc_tile_plan(const workloads::Workload &w, const target::UpmemMachine &machine,
                      const RcTilePoint &p) {
    // The rows are the innermost spatial axis; a 3-D workload's outer axis is split after them
    // (sketches.cpp).
    const bool has_outer = w.shape.size() == 3;
    const baselines::RowCut cut =
        baselines::cut_rows(w.shape[w.shape.size() - 2], p.row_dpus, w.compute_dtype());
    const int64_t padding = baselines::rows_per_output_write(w.narrowest_dtype());
    SeedPlan plan;
    plan.tile = [=](size_t ordinal, int64_t extent) {
        // Decisions in sketch order: K split, rows split, [outer split], rows tile, K tile.
        if (has_outer && ordinal == 2) return dpu_split(extent, ceil_div(extent, p.outer_dpus));
        if (has_outer && ordinal > 2) --ordinal;
        switch (ordinal) {
            case 0:  // K over dpu.y, slices padded to 8 bytes
                return dpu_split(extent, baselines::round_up(ceil_div(extent, p.k_dpus), padding));
            case 1:
                return dpu_split(extent, cut.rows_per_dpu);
            case 2: {  // [tasklets, groups, rows of one output write, 1]: the rows inside the K tile
                const int64_t least = least_row_tasklets(machine, extent);
                // Too few row groups to keep the sketch's least tasklets busy (8 rows per DPU): single rows,
                // at the cost of output writes narrower than 8 bytes.
                const int64_t unit = ceil_div(extent, cut.rows_per_write) >= least ? cut.rows_per_write : 1;
                std::vector<int64_t> f =
                    tasklet_tile_at_least(extent, clamp_tasklets(p.tasklets, machine, least), unit, least);
                std::swap(f[2], f[3]);
                return f;
            }
            default: {
                const int64_t tile = std::clamp<int64_t>(p.k_tile, 1, extent);
                return std::vector<int64_t>{ceil_div(extent, tile), tile, 1};
            }
        }
    };
    // A and B read per K tile (K0), outputs written back per row group (S2).
    plan.compute_locations = {1, 0};
    plan.categorical_values = {p.unroll, p.host_threads};
    return plan;
}

}  // namespace

std::vector<RcTilePoint> rc_tile_points(const workloads::Workload &workload,
                                        const target::UpmemMachine &machine,
                                        const std::vector<int64_t> &unroll_steps) {
    // Every reduction with spatial loops: the ones the reduction-split sketch applies to.
    if (baselines::workload_shape(workload) == baselines::WorkloadShape::Elementwise ||
        baselines::workload_shape(workload) == baselines::WorkloadShape::FullReduce)
        return {};
    const size_t rank = workload.shape.size();
    const int64_t outer = rank == 3 ? workload.shape[0] : 1;
    const int64_t budget = std::min<int64_t>(kLargestGrid, machine.dpus);
    const int64_t most_unroll =
        unroll_steps.empty() ? 0 : *std::max_element(unroll_steps.begin(), unroll_steps.end());
    struct Variant {
        int64_t unroll, k_tile;
    };
    const Variant variants[] = {{most_unroll, 32}, {most_unroll, 64}, {0, 32}, {0, 64}};
    std::vector<RcTilePoint> points;
    const std::vector<DpuGrid> grids =
        dpu_grids(workload.shape[rank - 2], workload.shape[rank - 1], outer, budget,
                  baselines::rows_per_output_write(workload.narrowest_dtype()));
    for (const Variant &v : variants) {
        for (const DpuGrid &grid : grids) {
            RcTilePoint p;
            p.row_dpus = grid.row_dpus;
            p.k_dpus = grid.k_dpus;
            p.outer_dpus = grid.outer_dpus;
            p.k_tile = v.k_tile;
            p.unroll = v.unroll;
            p.host_threads = machine.host.host_cores;
            points.push_back(p);
        }
    }
    return points;
}

std::optional<Candidate> rc_tile_seed(const std::vector<Sketch> &sketches,
                                      const workloads::Workload &workload,
                                      const target::UpmemMachine &machine, const RcTilePoint &point) {
    return seed_from_plan(sketches, SketchFamily::ReductionSplit, workload,
                          rc_tile_plan(workload, machine, point));
}

}  // namespace atim::tune::space

// ATiM's hand-tiled row reduction (mtvRCTile: rows over dpu.x, K over dpu.y, partial sums added on the host;
// mmtvRCTile with the batches over dpu.z; atim-method.md §9) at a grid of DPU splits, written as candidates
// of the reduction-split sketch. PrIM's points (prim_seeds.h) never split K, so without these the search
// reaches the split family only through random draws, most of which leave dozens of partials per output and
// a slow host gather.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "atim/tune/space.h"

namespace atim::tune::space {

/// One rc-tile point: the DPU grid, the in-DPU tiles and the two categorical choices.
struct RcTilePoint {
    int64_t row_dpus = 0;      ///< DPUs over the rows (dpu.x)
    int64_t k_dpus = 0;        ///< DPUs over the reduction (dpu.y); each adds a partial per output
    int64_t outer_dpus = 1;    ///< DPUs over the outer spatial axis of ttv/mmtv (dpu.z)
    int64_t tasklets = 16;     ///< PrIM's default
    int64_t k_tile = 32;       ///< elements of A's rows and of B per WRAM tile (gemvRCTile: 32)
    int64_t unroll = 0;        ///< auto-unroll step
    int64_t host_threads = 1;  ///< threads of the host's final reduction
};

/// The points seeded for `workload` on `machine`, most promising first: the whole DPU budget (at most 2048),
/// half and a quarter of it, K split 2..256 ways (each DPU keeping at least 32 elements of K) in order of
/// distance from 16 ways, then the tile and unroll variants; host threads = machine.host.host_cores. With an
/// outer spatial axis (ttv, mmtv) it takes as many of the DPUs K leaves as it has iterations (a 3-D grid).
/// Empty for workloads without a reduction beside spatial loops (va, geva, red).
std::vector<RcTilePoint> rc_tile_points(const workloads::Workload &workload,
                                        const target::UpmemMachine &machine,
                                        const std::vector<int64_t> &unroll_steps);

/// `point` as decisions of the reduction-split sketch of `sketches`: rows cut as rc-tile cuts them (whole
/// 8-byte output writes per DPU), each tasklet a contiguous range of row groups, K walked in `k_tile`
/// element tiles with A and B read per tile and the group's rows inside it, outputs written back per group.
/// Returns nullopt when the sketch is missing or the point does not replay.
std::optional<Candidate> rc_tile_seed(const std::vector<Sketch> &sketches,
                                      const workloads::Workload &workload,
                                      const target::UpmemMachine &machine, const RcTilePoint &point);

}  // namespace atim::tune::space

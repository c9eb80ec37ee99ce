// Hand-written schedules as candidates of our own sketches (the search's seeds). A seed plan names every
// decision of one sketch by its order among the sketch's sampling instructions (see sketches.cpp): DPU
// splits (two factors), in-DPU tiles (four factors for tasklets, three for K), compute locations, then the
// categorical choices (unroll step, host threads of a split reduction's final sum).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "atim/tune/space.h"

namespace atim::tune::space {

/// The decisions of one sketch's seed.
struct SeedPlan {
    /// A tile's factors from its order among the trace's tile instructions and its loop's extent.
    std::function<std::vector<int64_t>(size_t ordinal, int64_t extent)> tile;
    /// Per compute-location instruction, in order, the index into its candidate loops.
    std::vector<int64_t> compute_locations;
    /// Per categorical instruction, in order, the value wanted (the largest candidate not above it is taken);
    /// categoricals past the end take value 0 where it is a candidate (no unroll) and keep the draw
    /// otherwise.
    std::vector<int64_t> categorical_values;
};

/// [count | chunk] for a DPU split of `extent` into chunks of `chunk` iterations.
std::vector<int64_t> dpu_split(int64_t extent, int64_t chunk);

/// A DPU's `extent` iterations over `tasklets` tasklets, each a contiguous range walked in steps of `unit`
/// (a WRAM block of elements, or a group of rows): [tasklets, steps, 1, unit], the outer factor the covering
/// ceiling.
std::vector<int64_t> tasklet_tile(int64_t extent, int64_t tasklets, int64_t unit);

/// tasklet_tile with at least `least` tasklets (a sketch's lower bound): when the ceilings leave fewer (24
/// rows over 11 tasklets: 3 rows each fill only 8), each takes fewer steps.
std::vector<int64_t> tasklet_tile_at_least(int64_t extent, int64_t tasklets, int64_t unit, int64_t least);

/// A tasklet count the machine has, at least `least`.
int64_t clamp_tasklets(int64_t tasklets, const target::UpmemMachine &machine, int64_t least = 1);

/// The sketch of `family` built with every decision taken from `plan`, each checked against the bounds the
/// sketch computes from the decisions before it (so the seed is a program of the sketch and re-runs from its
/// `--schedule sketch` parameters); the program is still checked by lowering (DPUs, WRAM, alignment). Returns
/// nullopt when `sketches` has no such family or a decision of the plan is outside the sketch's bounds.
std::optional<Candidate> seed_from_plan(const std::vector<Sketch> &sketches, SketchFamily family,
                                        const workloads::Workload &workload, const SeedPlan &plan);

}  // namespace atim::tune::space

// The design space of one workload (atim-method.md §5): sketches are schedule generators whose decisions
// are sampling instructions in the trace, so a candidate is a Trace and the tuner explores by mutating
// decisions and replaying. Beyond ATiM: tiles may be imperfect (boundary guards are cheap after the
// PIM-aware optimizations) and the DPU count may be any count the machine has.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "atim/schedule/schedule.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::tune {

/// The two families ATiM's balanced sampling keeps in proportion, plus the single-family cases.
enum class SketchFamily {
    ReductionInDpu,  ///< reductions with spatial loops, reduction kept inside each DPU (1-D family)
    ReductionSplit,  ///< reduction split over DPUs (rfactor into MRAM, host final reduction; 2-D/3-D grid)
    Spatial,         ///< pure spatial operators (va, geva)
    PureReduction,   ///< pure reductions (red): DPU rfactor then tasklet rfactor in WRAM
};
const char *to_string(SketchFamily family);

/// What the space may sample.
struct SpaceOptions {
    bool imperfect_tiles = true;  ///< also sample tiles that do not divide the extent (ATiM: false)
    bool any_dpu_count = true;    ///< DPU grid sizes need not divide the shape (ATiM: false)
    std::vector<int64_t> unroll_steps = {0, 16, 64, 512};  ///< auto-unroll max steps (ATiM's)
    int opt_level = 4;                                     ///< PIM-aware optimization level for lowering
};

/// One sketch: a named generator that applies schedule primitives, with sample_* calls for every decision,
/// to a fresh Schedule of the workload. Deterministic given the Schedule's random source.
struct Sketch {
    std::string name;  ///< e.g. "reduction-split/rcache@k1/wcache@i3"
    SketchFamily family;
    std::function<void(schedule::Schedule &)> apply;
};

/// The sketches of `workload` on `machine` (never empty for a library workload).
std::vector<Sketch> generate_sketches(const workloads::Workload &workload,
                                      const target::UpmemMachine &machine, const SpaceOptions &options = {});

/// A candidate: its trace (replayable on workload.func) and the sketch it came from.
struct Candidate {
    schedule::Trace trace;
    int sketch = 0;  ///< index into generate_sketches()
};

/// Draws a fresh candidate of `sketch` (seeded); returns nullopt when the draw throws ScheduleError (the
/// caller samples again).
std::optional<Candidate> sample_candidate(const std::vector<Sketch> &sketches, int sketch,
                                          const workloads::Workload &workload, uint64_t seed);

/// Whether the candidate replays and lowers on `machine` (the VerifyUPMEMCode postprocessor: DPUs, tasklets,
/// WRAM, MRAM, IRAM, alignment). Returns the reason when it does not.
std::optional<std::string> reject_reason(const Candidate &candidate, const workloads::Workload &workload,
                                         const target::UpmemMachine &machine, const SpaceOptions &options);

/// Mutators (atim-method.md §6.1): each returns a new candidate with one decision changed, or nullopt when it
/// does not apply. Probabilities: tile size 0.60, compute location 0.05, unroll 0.05, DPU grid 0.30 (ATiM's
/// MutateTileSize, 0.90, covers the DPU splits too; here they are their own mutator, which half the time
/// trades a factor of DPUs between two splits at a constant grid size).
enum class MutatorKind { TileSize, ComputeLocation, Unroll, DpuGrid };
std::optional<Candidate> mutate(const Candidate &candidate, MutatorKind kind,
                                const workloads::Workload &workload, std::mt19937_64 &rng);
/// Picks a mutator by the probabilities above and applies it (retrying other kinds when one does not apply).
std::optional<Candidate> mutate_random(const Candidate &candidate, const workloads::Workload &workload,
                                       std::mt19937_64 &rng);

/// The candidates one small move away (a local search's neighbourhood): each DPU split by +-8/16/32/64 DPUs,
/// x2 and /2, and a factor of 2 traded with every other DPU split (the grid's size kept); each in-DPU
/// imperfect tile with one inner factor doubled or halved (the outer one recomputed) or a factor of 2 or 3
/// moved between two inner levels (the tasklet count kept); every other compute location and unroll step.
/// Later tiles are repaired as the mutators do; moves that do not replay are left out. Deterministic for a
/// candidate.
std::vector<Candidate> neighbours(const Candidate &candidate, const workloads::Workload &workload);

/// A hash of the trace's structure and decisions, equal for candidates that build the same program
/// (used to deduplicate candidates and to find records on --resume).
uint64_t structural_hash(const schedule::Trace &trace);

}  // namespace atim::tune

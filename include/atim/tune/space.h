// The design space of one workload (atim-method.md §5): sketches are schedule generators whose decisions
// are sampling instructions in the trace, so a candidate is a Trace and the tuner explores by mutating
// decisions and replaying. Beyond ATiM: tiles may be imperfect (boundary guards are cheap after the
// PIM-aware optimizations) and the DPU count may be any count the machine has.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
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
    /// For reductions with spatial loops (mtv, gemv, ttv, mmtv), also the ReductionSplit family (the
    /// reduction split over DPUs, the host summing the partials). false leaves PrIM's 1-D space: output rows
    /// over DPUs, each reduction whole inside one DPU (the search ablation's rows-only space). Other
    /// workloads have one family and are unaffected.
    bool reduction_split = true;
};

namespace space {
class DecisionPicker;
}

/// One decision of a sketch, as `--schedule sketch --param NAME=VALUE` names it.
struct DecisionInfo {
    std::string name;     ///< "dpus.k", "tile.i", "read_cache", "unroll", "host_threads"
    std::string meaning;  ///< one line for `atim schedules`
    std::string values;   ///< the legal values in the build that took it ("2..256", "i1|k0|k1")
};

/// One sketch: a named generator that applies schedule primitives to a fresh Schedule of the workload, taking
/// every decision (a sample_* call) through the picker. Deterministic given the Schedule's random source and
/// the picker's pinned decisions.
struct Sketch {
    std::string name;  ///< e.g. "reduction-split/rfactor-mram/SSSRSRSR"
    SketchFamily family;
    std::function<void(schedule::Schedule &, space::DecisionPicker &)> build;
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
                                const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                std::mt19937_64 &rng);
/// Picks a mutator by the probabilities above and applies it (retrying other kinds when one does not apply).
std::optional<Candidate> mutate_random(const Candidate &candidate, const std::vector<Sketch> &sketches,
                                       const workloads::Workload &workload, std::mt19937_64 &rng);

/// The candidates one small move away (a local search's neighbourhood): each DPU split by +-8/16/32/64 DPUs,
/// x2 and /2, +-1, +-2, +-1/8 and +-1/4 of its count, and a factor of 2 traded with every other DPU split
/// (the grid's size kept); each in-DPU imperfect tile with one inner factor doubled or halved (the outer one
/// recomputed) or a factor of 2 or 3 moved between two inner levels (the tasklet count kept); every other
/// compute location and unroll step. Later decisions are repaired as the mutators do; moves that do not
/// replay are left out. Deterministic for a candidate.
std::vector<Candidate> neighbours(const Candidate &candidate, const std::vector<Sketch> &sketches,
                                  const workloads::Workload &workload);

/// The decisions of `sketch` in build order, with the legal values of a build that gives every DPU split its
/// fewest DPUs (so that later splits show the widest range they can have). For `atim schedules`.
std::vector<DecisionInfo> sketch_decisions(const Sketch &sketch, const workloads::Workload &workload);

/// The named schedule of the command line that builds any decision vector of any sketch.
inline constexpr const char *kSketchSchedule = "sketch";
/// The parameter that selects the sketch (its family's name, e.g. "reduction-split").
inline constexpr const char *kSketchParam = "sketch";

/// "--schedule sketch --param sketch=... --param NAME=VALUE ..." for parameters from candidate_params.
std::string sketch_param_arguments(const std::vector<std::pair<std::string, std::string>> &params);

/// Builds a candidate from decisions given by name (`--schedule sketch --param NAME=VALUE`): "sketch" picks
/// the sketch by family name (default: the first), every other name is one of its decisions; decisions not
/// given are drawn with `seed`. Throws UserError (exit 2) naming the parameter for an unknown name, a value
/// that does not parse or one outside the legal values the earlier decisions leave.
Candidate candidate_from_params(const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                const std::map<std::string, std::string> &params, uint64_t seed = 1);

/// The parameters that rebuild `candidate` with candidate_from_params: "sketch" first, then every decision
/// in build order. Throws UserError when the candidate's decisions are not legal in its sketch.
std::vector<std::pair<std::string, std::string>> candidate_params(const std::vector<Sketch> &sketches,
                                                                  const workloads::Workload &workload,
                                                                  const Candidate &candidate);

/// `candidate`'s decisions taken again by its sketch: every bound recomputed from the decisions before it,
/// and a decision the new bounds refuse clamped into them or drawn afresh (with `rng`). This is how a
/// mutated candidate stays a program of its sketch. nullopt when the sketch refuses the result.
std::optional<Candidate> rebuild(const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                 const Candidate &candidate, std::mt19937_64 &rng);

/// A hash of the trace's structure and decisions, equal for candidates that build the same program
/// (used to deduplicate candidates and to find records on --resume).
uint64_t structural_hash(const schedule::Trace &trace);

}  // namespace atim::tune

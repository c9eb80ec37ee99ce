// The space x algorithm search ablation (issue 14; atim-method.md §6.3): which part of the search buys what.
// On the joint host-kernel space: random search, TVM MetaSchedule's default evolutionary search, ATiM's
// (balanced sampling, adaptive epsilon) and ours (the default SearchOptions); on PrIM's 1-D space (rows over
// DPUs only): PrIM+Search's grid and ATiM's search. Every run (entry, variant, seed) keeps its records in its
// own database under one output directory, so that an interrupted experiment continues where it stopped
// without measuring anything twice, and a finished run is only read. bench/search_ablation.cpp prints the
// table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "atim/target/upmem_machine.h"
#include "atim/tune/evaluation.h"
#include "atim/tune/runner.h"
#include "atim/tune/search.h"

namespace atim::tune {

/// The design space a variant searches.
enum class AblationSpace {
    Joint,     ///< our space: both reduction families, host and kernel decisions together
    RowsOnly,  ///< PrIM's 1-D space: SpaceOptions::reduction_split off
};

/// How a variant searches.
enum class AblationMethod {
    Random,          ///< uniform fresh samples of the sketches
    TvmDefault,      ///< MetaSchedule's EvolutionarySearch: fixed epsilon 0.05, no balancing, no seeds
    Atim,            ///< TvmDefault plus ATiM's balanced sampling and adaptive epsilon
    Ours,            ///< the default SearchOptions: ATiM plus structural seeds and the incumbent's neighbours
    PrimSearchGrid,  ///< PrIM+Search: the named `prim` schedule over its 72-point grid (deterministic)
};

struct AblationVariant {
    std::string name;  ///< "random", "tvm-default", "atim", "ours", "prim-search-1d", "atim-1d"
    AblationSpace space = AblationSpace::Joint;
    AblationMethod method = AblationMethod::Ours;
    std::string description;  ///< one line for the printed legend
    /// Whether the variant's runs depend on the seed (the grid does not: it runs once).
    bool seeded() const { return method != AblationMethod::PrimSearchGrid; }
};

/// The six variants, in table order.
const std::vector<AblationVariant> &ablation_variants();
/// The variant called `name`; throws UserError listing the names otherwise.
const AblationVariant &ablation_variant(const std::string &name);

/// What every searched run shares (the ablation varies only the algorithm and the space).
struct AblationSettings {
    int batch = 16;                        ///< candidates per search iteration
    int population = 64;                   ///< evolutionary population
    std::string measurement = "sim/atim";  ///< SearchOptions::measurement
};

/// The SearchOptions of a searched variant's run of `trials` trials with `seed`: the defaults with only what
/// the variant names changed (verify_top 0: the curve is the search's own measurements). Throws
/// InternalError for the grid, which is not a search.
SearchOptions ablation_search_options(const AblationVariant &variant, uint64_t seed, int trials,
                                      const AblationSettings &settings);

/// One run of the experiment.
struct AblationRun {
    SuiteEntry entry;
    AblationVariant variant;
    uint64_t seed = 1;  ///< ignored by the grid
    /// The run's length, part of its identity (the adaptive phases scale with it); the grid measures all of
    /// its points whatever this says.
    int trials = 128;
};

/// What a run's records say.
struct AblationCurve {
    /// best_after[n - 1]: the best total time (ms) among the first n trials (nullopt: none valid yet).
    std::vector<std::optional<double>> best_after;
    int trials_done = 0;
    bool complete = false;  ///< reached its length, or its space (the grid) had nothing left
    double seconds = 0;     ///< wall seconds of the sessions that ran it (replays included)
    int measured = 0;       ///< trials measured, not replayed, in those sessions
    int valid = 0, pruned = 0, failed = 0;

    /// Whether the curve is known at `budget` trials.
    bool reached(int budget) const { return complete || trials_done >= budget; }
    /// The best among the first `budget` trials (all of them when the run ended earlier); nullopt when none
    /// was valid or the run has not reached the budget.
    std::optional<double> best_within(int budget) const;
};

/// The run's files: DIR/ENTRY/VARIANT/seedN (the grid: DIR/ENTRY/VARIANT/grid) plus ".db" (its records) and
/// ".json" (its status: complete, trials, seconds).
std::filesystem::path ablation_run_stem(const std::filesystem::path &dir, const AblationRun &run);

// A 1-D-space search on a workload whose whole space is 1-D (red, va, geva: one sketch family) is the
// joint-space run of the same method: the functions below run and read that run (atim-1d on red is atim).

/// Called after each batch with the run and its curve so far.
using AblationProgress = std::function<void(const AblationRun &, const AblationCurve &)>;

/// Runs `run` to its end, or continues it: trials already recorded are replayed from its database, not
/// measured; a complete run is only read. With `stop_at`, stops once that many trials are recorded (between
/// batches; the run stays incomplete and continues on the next call). Deterministic: an interrupted and
/// continued run records exactly what an uninterrupted one does. The measurement's random inputs are the
/// runner's.
AblationCurve run_ablation(const AblationRun &run, const target::UpmemMachine &machine, Runner &runner,
                           const std::filesystem::path &dir, const AblationSettings &settings,
                           std::optional<int> stop_at = std::nullopt,
                           const AblationProgress &on_progress = {});

/// The curve of `run` from its files, running nothing (no files: an empty, incomplete curve).
AblationCurve read_ablation_run(const AblationRun &run, const target::UpmemMachine &machine,
                                const std::filesystem::path &dir, const AblationSettings &settings);

/// The records of `run` (ordered by trial), for checks.
std::vector<TuningRecord> ablation_run_records(const AblationRun &run, const target::UpmemMachine &machine,
                                               const std::filesystem::path &dir,
                                               const AblationSettings &settings);

}  // namespace atim::tune

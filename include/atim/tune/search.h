// The tuning loop (atim-method.md §6): evolutionary search over the design space with a learned cost model,
// ATiM's balanced sampling and adaptive epsilon, plus random and grid search for ablations. Deterministic for
// a seed; resumable from the records database.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "atim/target/upmem_machine.h"
#include "atim/tune/cost_model.h"
#include "atim/tune/database.h"
#include "atim/tune/runner.h"
#include "atim/tune/space.h"
#include "atim/workloads/workload.h"

namespace atim::tune {

enum class SearchStrategy { Evolutionary, Random, Grid };

struct SearchOptions {
    SearchStrategy strategy = SearchStrategy::Evolutionary;
    int trials = 1000;     ///< measured candidates in all
    int batch = 64;        ///< candidates measured per iteration
    uint64_t seed = 1;     ///< every random choice of the search
    int population = 512;  ///< EvolutionarySearch population_size
    double init_measured_ratio = 0.2;
    int genetic_iters = 4;
    double mutate_prob = 0.85;
    bool balanced_sampling = true;  ///< ATiM (a): balance ReductionSplit and ReductionInDpu seeds early
    bool adaptive_epsilon = true;   ///< ATiM (b): epsilon decays 0.5 -> 0.05 over the first 40% of trials
    double epsilon = 0.05;          ///< when adaptive_epsilon is off
    double early_phase = 0.4;       ///< share of trials of the balanced / adaptive phase
    /// The early phase ends after at most this many trials, whatever the budget (0: no cap, ATiM's rule).
    /// ATiM's share alone makes a larger budget explore longer: at 1000 trials, 400 trials with a third to
    /// a half of each batch drawn at random, while the seeds and the local search have usually found the
    /// best structure by the second batch.
    int early_phase_max_trials = 128;
    bool use_cost_model = true;  ///< false: random scores (ablation)
    bool resume = false;         ///< continue the run with the same key from the database
    int verify_top = 3;          ///< best candidates re-measured with every DPU simulated at the end
    /// A candidate whose kernel alone runs past prune_factor x the best total time measured so far (or the
    /// `prim` schedule's, whichever is less) is stopped there and recorded as Pruned (it cannot be the best);
    /// 0 measures every candidate to the end.
    /// The bound is updated every kPruneChunk trials, independently of the thread count (determinism).
    double prune_factor = 2.0;
    /// Evolutionary search: seed with PrIM+Search's grid points and, for the reductions with spatial loops
    /// (mtv, gemv, ttv, mmtv), rc-tile's K-split grid (3-D for ttv/mmtv),
    /// written in our sketches (PrIM's own points and the likeliest rc-tile points measured in the first
    /// batch, the rest ranked by the cost model with the other candidates).
    bool prim_seeds = true;
    /// Evolutionary search: share of the cost model's picks taken from the neighbours (space's neighbours())
    /// of the fastest measured candidate, ranked by the model; 0 turns the local search off.
    double incumbent_share = 0.5;
    /// How candidates are measured (e.g. "sim/atim": runner and timing mode); part of the run key, since
    /// records of another measurement setup must not be mixed into a resumed run.
    std::string measurement = "sim/atim";
    SpaceOptions space;
};

/// Progress after each batch (for the live line).
struct TuneProgress {
    int trials_done = 0, trials_total = 0;
    int valid = 0, pruned = 0, failed = 0;
    std::optional<double> best_total_ms;
    double elapsed_seconds = 0;
};

struct TuneResult {
    std::optional<TuningRecord> best;        ///< fastest verified record of this run (nullopt: nothing valid)
    std::optional<MeasureResult> best_full;  ///< the best re-measured with every DPU simulated
    int trials = 0, valid = 0, pruned = 0, failed = 0;
    int reused = 0;   ///< trials whose measurement came from the database (--resume)
    std::string run;  ///< the run key
};

/// The run key of a tuning run (workload, machine fingerprint, seed, strategy and every option that changes
/// the trajectory, including the trial budget: the adaptive phases scale with it). tune() appends "#2",
/// "#3", ... when the database already holds a run with this key and resume is off, so running the same
/// command twice makes a second, identical run instead of mixing records.
std::string run_key(const workloads::Workload &workload, const std::string &machine_fingerprint,
                    const SearchOptions &options);

/// Tunes `workload`: measures `options.trials` candidates with `runner`, appending one record per
/// measurement to `db`, and returns the best. With resume, trials already recorded under the same run key
/// are replayed from the database instead of measured, so the run continues where it stopped (the latest
/// run with the key; UserError when a recorded trial has another trace than the deterministic trajectory,
/// i.e. the records were made by another atim version).
TuneResult tune(const workloads::Workload &workload, const target::UpmemMachine &machine, Runner &runner,
                Database &db, const SearchOptions &options,
                const std::function<void(const TuneProgress &)> &on_progress = {});

}  // namespace atim::tune

// The evaluation of ATiM's paper (atim-method.md §8) on atim: the benchmark suite (tensor operations at the
// sizes of the figure panels, GPT-J 6B's and 30B's MTV layers and attention-score MMTVs), the `prim` and
// PrIM+Search baselines as sweeps of the named `prim` schedule, SimplePIM (va, red), 2-D expert + Search and
// the tuned program, all measured through one tune::Runner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/target/upmem_machine.h"
#include "atim/tune/database.h"
#include "atim/tune/measure.h"
#include "atim/tune/runner.h"
#include "atim/tune/search.h"
#include "atim/workloads/workload.h"

namespace atim::tune {

/// One benchmark: a workload at a shape.
struct SuiteEntry {
    std::string name;   ///< unique in its suite: "mtv-4096x4096", "gptj6b-qkv", "gptj6b-score-b1-t64"
    std::string group;  ///< the figure panel or model: "4MB", "64MB", "256MB", "512MB", "gptj6b", "gptj30b"
    std::string workload;  ///< "mtv"
    std::vector<int64_t> shape;
    std::string shape_string() const;  ///< "4096x4096"
    /// A GPT-J operator (group gptj6b or gptj30b): an MTV layer or an attention-score MMTV.
    bool is_gptj() const;
    /// The names that select this entry besides its name: its group and workload, and for GPT-J operators
    /// "gptj", "gptj-WORKLOAD" and "GROUP-WORKLOAD" ("gptj-mmtv": every attention-score MMTV,
    /// "gptj6b-mtv": GPT-J 6B's MTV layers).
    std::vector<std::string> selectors() const;
};

/// The tensor-operation suite of atim-method.md §8.3 (VA, RED (int64), MTV, GEMV, TTV, MMTV, GEVA) in the
/// 4 MB and 64 MB columns, then GPT-J 6B's 12 operators: its 4 MTV layers (batch 1) and its 8 attention-score
/// MMTVs (A = K-cache [heads * batch, T, 256], B = query [heads * batch, 256]; 16 heads at batch 1 and 4,
/// T in {64, 128, 256, 512}). With `full` also the 256 MB and 512 MB columns and GPT-J 30B's 12 operators
/// (28 heads): all 24 GPT-J operators of ATiM's evaluation.
std::vector<SuiteEntry> atim_suite(bool full);

/// The entries named in `names` by entry name or one of its selectors (group, workload, gptj, gptj-mtv,
/// gptj6b-mmtv, ...), in suite order (all when `names` is empty). Throws UserError naming a name that
/// selects nothing.
std::vector<SuiteEntry> select_entries(const std::vector<SuiteEntry> &suite,
                                       const std::vector<std::string> &names);

/// Parses "WORKLOAD:SHAPE" ("mtv:64x64") into an entry of group "custom"; throws UserError on bad input.
SuiteEntry parse_custom_entry(const std::string &text);

/// The points the baselines sweep (atim-method.md §8.2). DPU counts are totals; for mmtv's `prim` points
/// they become DPUs per batch (the `prim` schedule's `dpus`), count / batches, at least 1.
struct BaselineGrid {
    std::vector<int64_t> dpus = {256, 512, 1024, 2048};
    std::vector<int64_t> tasklets = {8, 16, 24};
    std::vector<int64_t> blocks = {8, 16, 32, 64, 128, 256};  ///< WRAM block in elements
    /// 2-D expert + Search: ways the reduction is split over DPUs (1 = rows only), and its WRAM tiles.
    std::vector<int64_t> k_ways = {1, 2, 4, 8, 16, 32};
    std::vector<int64_t> caches = {16, 64, 256};
    /// PrIM+Search of mmtv, ATiM's batched-MTV grid (prim-baselines.md §1.13): DPUs per batch y, tasklets t
    /// and WRAM blocks (elements), kept where kMmtvMinDpus <= batches * y <= kMmtvMaxDpus and
    /// 2 * y * t <= rows per batch (N), so that every tasklet has a row pair.
    std::vector<int64_t> mmtv_dpus_per_batch = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    std::vector<int64_t> mmtv_tasklets = {1, 2, 4, 8, 16};
    std::vector<int64_t> mmtv_blocks = {16, 32, 64, 128, 256};
    static constexpr int64_t kMmtvMinDpus = 32;
    static constexpr int64_t kMmtvMaxDpus = 2048;
};

/// Parameters of a named schedule (`atim schedules mtv`): for `prim` dpus, tasklets, block.
using PrimParams = std::map<std::string, std::string>;

/// PrIM: only the DPU count varies (PrIM's own 16 tasklets and 1 KB block), one point per grid DPU count.
std::vector<PrimParams> prim_points(const workloads::Workload &workload, const BaselineGrid &grid);
/// PrIM+Search: every DPU count x tasklets x block of the grid; for mmtv every DPUs per batch x tasklets x
/// block of the mmtv grid that meets its constraints (BaselineGrid::mmtv_dpus_per_batch).
std::vector<PrimParams> prim_search_points(const workloads::Workload &workload, const BaselineGrid &grid);

/// SimplePIM (va and red only; empty for other workloads): its fixed 12 tasklets and 256-element blocks,
/// one point per grid DPU count (like PrIM, the DPU count is the user's choice).
std::vector<PrimParams> simplepim_points(const workloads::Workload &workload, const BaselineGrid &grid);

/// 2-D expert + Search: the `rc-tile` schedule (rows and the reduction split over DPUs, the host summing
/// the partials: ATiM's own 2-D tiling, written by hand) over every total DPU count x reduction ways x
/// tasklets x WRAM tile of the grid. Rows take the DPUs the reduction ways leave: for ttv the i rows first
/// (up to M), then the j rows; for mmtv per batch. Elementwise workloads and red have no reduction ways.
std::vector<PrimParams> expert_search_points(const workloads::Workload &workload, const BaselineGrid &grid);

/// What sweeping a baseline over its points found.
struct SweepResult {
    /// The fastest point re-measured with every DPU simulated (nullopt when no point ran and verified).
    std::optional<MeasureResult> best;
    PrimParams best_params;  ///< every parameter of the best point, defaults included
    int points = 0;          ///< points of the sweep
    int illegal = 0;         ///< rejected before running: the schedule refused the parameters or lowering did
    int failed = 0;          ///< built but did not run and verify (wrong output, fault, timeout)
    std::string note;        ///< what the runner simulated and estimated for the best (its stats "note")
};

/// Measures every point of the named schedule with `runner` (one batch, so a parallel runner measures them
/// in parallel), then re-measures the fastest with every DPU simulated.
SweepResult sweep_schedule(const std::string &schedule, const workloads::Workload &workload,
                           const target::UpmemMachine &machine, Runner &runner,
                           const std::vector<PrimParams> &points);
/// sweep_schedule of the `prim` schedule.
SweepResult sweep_prim(const workloads::Workload &workload, const target::UpmemMachine &machine,
                       Runner &runner, const std::vector<PrimParams> &points);

/// One row of the evaluation.
struct EntryResult {
    SuiteEntry entry;
    std::string dtype;
    SweepResult prim, prim_search, expert_search;
    SweepResult simplepim;  ///< points == 0 where SimplePIM does not apply (not va or red)
    TuneResult tuned;       ///< best_full: the tuned program measured with every DPU simulated
    std::string tuned_note;

    /// baseline total / tuned total; nullopt when either is missing.
    std::optional<double> speedup_vs_prim() const;
    std::optional<double> speedup_vs_prim_search() const;
    std::optional<double> speedup_vs_expert_search() const;
    std::optional<double> speedup_vs_simplepim() const;
};

struct EvaluationOptions {
    BaselineGrid grid;
    SearchOptions search;  ///< the tuner's budget and seed (verify_top >= 1 so that best_full is set)
};

/// Which phase of which entry is running (for a progress line).
struct EvaluationProgress {
    std::string entry;  ///< entry name
    std::string phase;  ///< "prim", "PrIM+Search", "SimplePIM", "2-D expert+Search", "tune"
    std::optional<TuneProgress> tune;
};

/// Measures one entry: prim, PrIM+Search, SimplePIM (va, red), 2-D expert + Search and the tuner (records
/// in `db`).
EntryResult evaluate_entry(const SuiteEntry &entry, const target::UpmemMachine &machine, Runner &runner,
                           Database &db, const EvaluationOptions &options,
                           const std::function<void(const EvaluationProgress &)> &on_progress = {});

/// Geometric mean of the values present (nullopt when none is).
std::optional<double> geometric_mean(const std::vector<std::optional<double>> &values);

}  // namespace atim::tune

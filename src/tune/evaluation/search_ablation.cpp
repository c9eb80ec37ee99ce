// The search ablation's variants and runs: each run keeps its records in its own database and its status in a
// JSON file beside it; a run continues from its records and a complete one is only read.
#include "atim/tune/search_ablation.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "atim/baselines/named_schedules.h"
#include "atim/support/error.h"
#include "tune/search/prim_seeding.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;

/// Thrown by the progress callback to leave tune() between batches (run_ablation's stop_at).
struct StopRequested {};

/// A run's status file: what its records alone do not say.
struct RunStatus {
    bool complete = false;
    int trials_done = 0;
    double seconds = 0;
    int measured = 0;
};

RunStatus read_status(const fs::path &path) {
    RunStatus status;
    std::ifstream in(path);
    if (!in) return status;
    try {
        const nlohmann::json json = nlohmann::json::parse(in);
        status.complete = json.at("complete").get<bool>();
        status.trials_done = json.at("trials_done").get<int>();
        status.seconds = json.at("seconds").get<double>();
        status.measured = json.at("measured").get<int>();
    } catch (const nlohmann::json::exception &e) {
        user_error("cannot read the ablation run status {}: {}; delete it to run that run again",
                   path.string(), e.what());
    }
    return status;
}

/// Written to a temporary file and renamed, so that an interruption leaves the old or the new status.
void write_status(const fs::path &path, const RunStatus &status) {
    const nlohmann::json json = {{"complete", status.complete},
                                 {"trials_done", status.trials_done},
                                 {"seconds", status.seconds},
                                 {"measured", status.measured}};
    const fs::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary);
        out << json.dump(2) << "\n";
        if (!out) user_error("cannot write {}", temporary.string());
    }
    fs::rename(temporary, path);
}

workloads::Workload workload_of(const SuiteEntry &entry) {
    return workloads::make_workload(entry.workload, entry.shape);
}

std::string workload_key_of(const workloads::Workload &workload) {
    return workload_key(workload.name, workload.shape_string(), workload.dtype_string());
}

/// The grid's run key: it depends on nothing but the workload, the machine and the measurement setup.
std::string grid_run_key(const workloads::Workload &workload, const target::UpmemMachine &machine,
                         const AblationSettings &settings) {
    return fmt::format("{}|{}|{}|prim-search-grid|order=spread", workload_key_of(workload),
                       machine_fingerprint(machine), settings.measurement);
}

/// `run`, or the joint-space run it is when the 1-D space is the whole space (red, va, geva: one family).
/// Such a run is then run once, under the joint variant's name.
AblationRun effective_run(const AblationRun &run, const workloads::Workload &workload,
                          const target::UpmemMachine &machine) {
    if (run.variant.space != AblationSpace::RowsOnly || !run.variant.seeded()) return run;
    SpaceOptions rows_only;
    rows_only.reduction_split = false;
    if (generate_sketches(workload, machine, rows_only).size() != generate_sketches(workload, machine).size())
        return run;
    AblationRun joint = run;
    for (const AblationVariant &v : ablation_variants())
        if (v.space == AblationSpace::Joint && v.method == run.variant.method) joint.variant = v;
    ATIM_CHECK(joint.variant.space == AblationSpace::Joint, "no joint-space variant for {}",
               run.variant.name);
    return joint;
}

std::string run_key_of(const AblationRun &run, const workloads::Workload &workload,
                       const target::UpmemMachine &machine, const AblationSettings &settings) {
    if (!run.variant.seeded()) return grid_run_key(workload, machine, settings);
    return run_key(workload, machine_fingerprint(machine),
                   ablation_search_options(run.variant, run.seed, run.trials, settings));
}

/// PrIM+Search's grid points the `prim` schedule accepts, as traces, in the spread order (every prefix
/// covers DPU counts, tasklets and blocks; the grid itself is DPU-major), each distinct trace once (on a
/// small shape, points whose tasklets or block the schedule clamps build the same program).
std::vector<schedule::Trace> grid_traces(const workloads::Workload &workload,
                                         const target::UpmemMachine &machine) {
    const std::vector<PrimParams> points = prim_search_points(workload, BaselineGrid{});
    std::vector<schedule::Trace> traces;
    std::set<uint64_t> seen;
    for (size_t i : detail::spread_order(points.size())) {
        try {
            schedule::Trace trace =
                baselines::apply_named_schedule("prim", workload, points[i], machine).trace();
            if (seen.insert(structural_hash(trace)).second) traces.push_back(std::move(trace));
        } catch (const UserError &) {
            // more DPUs or tasklets than the machine has, a block WRAM cannot hold: not a program
        }
    }
    return traces;
}

AblationCurve curve_from(const std::vector<TuningRecord> &records, const RunStatus &status) {
    AblationCurve curve;
    std::optional<double> best;
    for (const TuningRecord &r : records) {
        if (r.result.ok()) {
            ++curve.valid;
            if (!best || r.result.total_ms < *best) best = r.result.total_ms;
        } else if (r.result.status == MeasureStatus::Pruned) {
            ++curve.pruned;
        } else {
            ++curve.failed;
        }
        curve.best_after.push_back(best);
    }
    curve.trials_done = static_cast<int>(records.size());
    curve.complete = status.complete && status.trials_done == curve.trials_done;
    curve.seconds = status.seconds;
    curve.measured = status.measured;
    return curve;
}

std::vector<TuningRecord> records_of(const fs::path &db_path, const std::string &key) {
    if (!fs::exists(db_path)) return {};
    return Database::open_existing(db_path.string()).run_records(key);
}

/// Measures the grid's points not recorded yet, a batch at a time, recording each.
void run_grid(const workloads::Workload &workload, const target::UpmemMachine &machine, Runner &runner,
              Database &db, const std::string &key, int batch, std::optional<int> stop_at, RunStatus &status,
              const std::function<void(int trials_done)> &after_batch) {
    const std::vector<schedule::Trace> traces = grid_traces(workload, machine);
    int done = static_cast<int>(db.run_records(key).size());
    ATIM_CHECK(done <= static_cast<int>(traces.size()), "grid run {} holds {} records for {} points", key,
               done, traces.size());
    const std::string fingerprint = machine_fingerprint(machine);
    while (done < static_cast<int>(traces.size()) && !(stop_at && done >= *stop_at)) {
        const int end = std::min<int>(static_cast<int>(traces.size()), done + batch);
        const std::vector<schedule::Trace> chunk(traces.begin() + done, traces.begin() + end);
        std::vector<MeasureResult> results = runner.run(workload, chunk);
        for (int i = done; i < end; ++i) {
            TuningRecord record;
            record.workload = workload_key_of(workload);
            record.machine = fingerprint;
            record.run = key;
            record.trial = i;
            record.sketch = "prim";
            record.trace_hash = structural_hash(traces[i]);
            record.trace_json = traces[i].to_json();
            record.result = std::move(results[i - done]);
            record.seed = 0;  // the grid has no seed
            db.add(std::move(record));
        }
        status.measured += end - done;
        done = end;
        after_batch(done);
    }
    status.complete = done == static_cast<int>(traces.size());
}

}  // namespace

const std::vector<AblationVariant> &ablation_variants() {
    static const std::vector<AblationVariant> all = {
        {"random", AblationSpace::Joint, AblationMethod::Random, "joint space, uniform random samples"},
        {"tvm-default", AblationSpace::Joint, AblationMethod::TvmDefault,
         "joint space, MetaSchedule's evolutionary search (epsilon 0.05 fixed, no balancing, no seeds)"},
        {"atim", AblationSpace::Joint, AblationMethod::Atim,
         "joint space, + ATiM's balanced sampling and adaptive epsilon (no seeds, no local search)"},
        {"ours", AblationSpace::Joint, AblationMethod::Ours,
         "joint space, + PrIM+Search/rc-tile seeds and the incumbent's neighbours (default options)"},
        {"prim-search-1d", AblationSpace::RowsOnly, AblationMethod::PrimSearchGrid,
         "1-D space, PrIM+Search's grid (prim schedule, 72 points, spread order)"},
        {"atim-1d", AblationSpace::RowsOnly, AblationMethod::Atim, "1-D space, ATiM's evolutionary search"},
    };
    return all;
}

const AblationVariant &ablation_variant(const std::string &name) {
    for (const AblationVariant &v : ablation_variants())
        if (v.name == name) return v;
    std::vector<std::string> names;
    for (const AblationVariant &v : ablation_variants()) names.push_back(v.name);
    user_error("unknown ablation variant '{}'; use one of {}", name, fmt::join(names, ", "));
}

SearchOptions ablation_search_options(const AblationVariant &variant, uint64_t seed, int trials,
                                      const AblationSettings &settings) {
    SearchOptions o;
    o.trials = trials;
    o.seed = seed;
    o.batch = settings.batch;
    o.population = settings.population;
    o.measurement = settings.measurement;
    o.verify_top = 0;  // the curve is the search's own measurements
    // Pruning (prune_factor) stays on in every variant: it is how the simulator stops measuring a candidate
    // that cannot be the best, not a choice of the search. TVM's and ATiM's runners would measure it to the
    // end; the best so far after each trial is the same, and a trajectory differs only through what the
    // cost model learns of such a candidate (a lower bound twice the best instead of its time).
    o.space.reduction_split = variant.space == AblationSpace::Joint;
    switch (variant.method) {
        case AblationMethod::Random:
            o.strategy = SearchStrategy::Random;
            // Nothing below steers random sampling; set so that the run key says what ran.
            o.use_cost_model = false;
            o.balanced_sampling = false;
            o.adaptive_epsilon = false;
            o.early_phase_max_trials = 0;
            o.prim_seeds = false;
            o.incumbent_share = 0;
            break;
        case AblationMethod::TvmDefault:
            // MetaSchedule's EvolutionarySearch defaults: eps_greedy 0.05 throughout, seeds picked by
            // measured time alone, a population of fresh samples and measured bests (init_measured_ratio
            // 0.2, 4 genetic iterations, mutate probability 0.85, as SearchOptions' defaults).
            o.balanced_sampling = false;
            o.adaptive_epsilon = false;
            o.epsilon = 0.05;
            o.early_phase_max_trials = 0;
            o.prim_seeds = false;
            o.incumbent_share = 0;
            break;
        case AblationMethod::Atim:
            // ATiM's rule: the balanced / adaptive phase is 40% of the budget, however large.
            o.balanced_sampling = true;
            o.adaptive_epsilon = true;
            o.early_phase_max_trials = 0;
            o.prim_seeds = false;
            o.incumbent_share = 0;
            break;
        case AblationMethod::Ours:
            break;
        case AblationMethod::PrimSearchGrid:
            ATIM_CHECK(false, "variant {} is a grid, not a search", variant.name);
    }
    return o;
}

std::optional<double> AblationCurve::best_within(int budget) const {
    if (!reached(budget) || best_after.empty() || budget <= 0) return std::nullopt;
    return best_after[static_cast<size_t>(std::min<int>(budget, trials_done)) - 1];
}

fs::path ablation_run_stem(const fs::path &dir, const AblationRun &run) {
    const fs::path folder =
        dir / fmt::format("{}-{}", run.entry.workload, run.entry.shape_string()) / run.variant.name;
    return run.variant.seeded() ? folder / fmt::format("seed{}", run.seed) : folder / "grid";
}

std::vector<TuningRecord> ablation_run_records(const AblationRun &requested,
                                               const target::UpmemMachine &machine, const fs::path &dir,
                                               const AblationSettings &settings) {
    const workloads::Workload workload = workload_of(requested.entry);
    const AblationRun run = effective_run(requested, workload, machine);
    const fs::path stem = ablation_run_stem(dir, run);
    return records_of(stem.string() + ".db", run_key_of(run, workload, machine, settings));
}

AblationCurve read_ablation_run(const AblationRun &requested, const target::UpmemMachine &machine,
                                const fs::path &dir, const AblationSettings &settings) {
    const fs::path stem =
        ablation_run_stem(dir, effective_run(requested, workload_of(requested.entry), machine));
    return curve_from(ablation_run_records(requested, machine, dir, settings),
                      read_status(stem.string() + ".json"));
}

AblationCurve run_ablation(const AblationRun &requested, const target::UpmemMachine &machine, Runner &runner,
                           const fs::path &dir, const AblationSettings &settings, std::optional<int> stop_at,
                           const AblationProgress &on_progress) {
    const workloads::Workload workload = workload_of(requested.entry);
    const AblationRun run = effective_run(requested, workload, machine);
    const fs::path stem = ablation_run_stem(dir, run);
    const fs::path db_path = stem.string() + ".db", status_path = stem.string() + ".json";
    const std::string key = run_key_of(run, workload, machine, settings);
    RunStatus status = read_status(status_path);
    {
        const std::vector<TuningRecord> recorded = records_of(db_path, key);
        if (status.complete && status.trials_done == static_cast<int>(recorded.size()))
            return curve_from(recorded, status);
        // Already as far as asked: continuing would only replay the records.
        if (stop_at && static_cast<int>(recorded.size()) >= *stop_at) return curve_from(recorded, status);
    }
    fs::create_directories(stem.parent_path());
    Database db = Database::open(db_path.string());
    const int recorded_before = static_cast<int>(db.run_records(key).size());
    const double seconds_before = status.seconds;
    const int measured_before = status.measured;
    const auto start = std::chrono::steady_clock::now();
    // After each batch: the status on disk, then the caller's progress (not after the last, reported
    // already).
    auto checkpoint = [&](int trials_done, bool report = true) {
        status.trials_done = trials_done;
        status.seconds =
            seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (run.variant.seeded())
            status.measured = measured_before + std::max(0, trials_done - recorded_before);
        write_status(status_path, status);
        if (report && on_progress) on_progress(run, curve_from(db.run_records(key), status));
    };

    if (!run.variant.seeded()) {
        status.complete = false;
        run_grid(workload, machine, runner, db, key, settings.batch, stop_at, status, checkpoint);
        checkpoint(static_cast<int>(db.run_records(key).size()), false);
        return curve_from(db.run_records(key), status);
    }

    SearchOptions options = ablation_search_options(run.variant, run.seed, run.trials, settings);
    options.resume = true;
    status.complete = false;
    try {
        const TuneResult result = tune(workload, machine, runner, db, options, [&](const TuneProgress &p) {
            checkpoint(p.trials_done);
            if (stop_at && p.trials_done >= *stop_at && p.trials_done < p.trials_total) throw StopRequested{};
        });
        ATIM_CHECK(result.run == key, "ablation run key {} but tune() wrote run {}", key, result.run);
        // tune() ends early only when the space has nothing unmeasured left: the run is complete either way.
        status.complete = true;
    } catch (const StopRequested &) {
    }
    checkpoint(static_cast<int>(db.run_records(key).size()), false);
    return curve_from(db.run_records(key), status);
}

}  // namespace atim::tune

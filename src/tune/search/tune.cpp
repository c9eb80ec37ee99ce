// The tuning loop: propose a batch with the chosen strategy, take resumed measurements from the database or
// measure the rest, record every measurement, train the cost model, and finally verify the best candidates
// with every DPU simulated.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <span>
#include <unordered_set>

#include "atim/baselines/named_schedules.h"
#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "atim/support/version.h"
#include "atim/tune/search.h"
#include "search_context.h"

namespace atim::tune {
namespace {

/// Trials measured between two updates of the pruning bound: a constant, so that which candidates are
/// pruned does not depend on the thread count; small enough that the bound tightens within the first batch.
constexpr size_t kPruneChunk = 16;

using detail::HashedCandidate;
using detail::MeasuredCandidate;
using detail::SearchContext;

const char *strategy_name(SearchStrategy strategy) {
    switch (strategy) {
        case SearchStrategy::Evolutionary:
            return "evolutionary";
        case SearchStrategy::Random:
            return "random";
        case SearchStrategy::Grid:
            return "grid";
    }
    return "?";
}

std::unique_ptr<detail::BatchStrategy> make_strategy(SearchStrategy strategy) {
    switch (strategy) {
        case SearchStrategy::Random:
            return detail::make_random_strategy();
        case SearchStrategy::Grid:
            return detail::make_grid_strategy();
        case SearchStrategy::Evolutionary:
            break;
    }
    return detail::make_evolutionary_strategy();
}

std::string key_of(const workloads::Workload &workload) {
    return workload_key(workload.name, workload.shape_string(), workload.dtype_string());
}

void check_options(const SearchOptions &options) {
    if (options.trials <= 0) user_error("--trials must be positive (got {})", options.trials);
    if (options.batch <= 0) user_error("--batch must be positive (got {})", options.batch);
    if (options.population <= 0) user_error("--population must be positive (got {})", options.population);
    if (options.epsilon < 0 || options.epsilon > 1)
        user_error("epsilon must lie in [0, 1] (got {})", options.epsilon);
    if (options.incumbent_share < 0 || options.incumbent_share > 1)
        user_error("the incumbent share must lie in [0, 1] (got {})", options.incumbent_share);
}

/// The run this call writes to: a new numbered run, or with resume the latest run of the key.
std::string choose_run(const std::string &base, Database &db, bool resume) {
    std::string latest;
    int number = 1;
    for (std::string key = base; !db.run_records(key).empty(); key = fmt::format("{}#{}", base, ++number))
        latest = key;
    if (resume && !latest.empty()) return latest;
    return number == 1 ? base : fmt::format("{}#{}", base, number);
}

TuningRecord make_record(const SearchContext &context, const std::string &run, const MeasuredCandidate &m,
                         const std::string &machine) {
    TuningRecord record;
    record.workload = key_of(context.workload);
    record.machine = machine;
    record.run = run;
    record.trial = m.trial;
    record.sketch = context.sketches.at(static_cast<size_t>(m.entry.candidate.sketch)).name;
    record.trace_hash = m.entry.hash;
    record.trace_json = m.entry.candidate.trace.to_json();
    record.result = m.result;
    record.atim_version = atim_version();
    record.seed = context.options.seed;
    return record;
}

/// Measurements of the batch: from the database when resuming (checked against the trajectory), else from
/// the runner; new measurements are recorded.
std::vector<MeasureResult> measure_batch(std::span<const HashedCandidate> batch, int first_trial,
                                         const std::map<int64_t, TuningRecord> &recorded, Runner &runner,
                                         const workloads::Workload &workload,
                                         std::optional<double> kernel_ms_bound, int &reused) {
    std::vector<MeasureResult> results(batch.size());
    std::vector<size_t> to_measure;
    std::vector<schedule::Trace> traces;
    for (size_t i = 0; i < batch.size(); ++i) {
        const int64_t trial = first_trial + static_cast<int64_t>(i);
        auto found = recorded.find(trial);
        if (found == recorded.end()) {
            to_measure.push_back(i);
            traces.push_back(batch[i].candidate.trace);
            continue;
        }
        if (found->second.trace_hash != batch[i].hash)
            user_error(
                "cannot resume run '{}': trial {} in the database has trace {:016x} but the search proposes "
                "{:016x} (the records come from another atim version or space); tune without --resume",
                found->second.run, trial, found->second.trace_hash, batch[i].hash);
        results[i] = found->second.result;
        ++reused;
    }
    std::vector<MeasureResult> measured = runner.run(workload, traces, kernel_ms_bound);
    ATIM_CHECK(measured.size() == traces.size(), "runner {} returned {} results for {} candidates",
               runner.name(), measured.size(), traces.size());
    for (size_t k = 0; k < to_measure.size(); ++k) results[to_measure[k]] = std::move(measured[k]);
    return results;
}

/// The total time of the workload's `prim` schedule, measured like a candidate (not recorded as a trial):
/// it bounds the first trials, before any candidate was measured, which are the slowest to simulate (random
/// samples include kernels on a handful of DPUs). Unset when prim does not apply to the shape.
std::optional<double> prim_total_ms(const workloads::Workload &workload, const target::UpmemMachine &machine,
                                    Runner &runner) {
    try {
        schedule::Schedule prim = baselines::apply_named_schedule("prim", workload, {}, machine);
        MeasureResult result = runner.run(workload, {prim.trace()}).at(0);
        if (result.ok()) return result.total_ms;
    } catch (const UserError &) {
    }
    return std::nullopt;
}

/// The kernel-time bound of the next trials: prune_factor x the best total so far (or prim's).
std::optional<double> pruning_bound(const SearchOptions &options, const TuneProgress &progress,
                                    std::optional<double> prim_ms) {
    if (options.prune_factor <= 0) return std::nullopt;
    std::optional<double> best = progress.best_total_ms;
    if (prim_ms && (!best || *prim_ms < *best)) best = prim_ms;
    if (!best) return std::nullopt;
    return options.prune_factor * *best;
}

void count_result(const MeasureResult &result, TuneProgress &progress) {
    if (result.ok()) {
        ++progress.valid;
        if (!progress.best_total_ms || result.total_ms < *progress.best_total_ms)
            progress.best_total_ms = result.total_ms;
    } else if (result.status == MeasureStatus::Pruned) {
        ++progress.pruned;
    } else {
        ++progress.failed;
    }
}

/// The fastest Ok candidates with distinct hashes, fastest first (ties by trial).
std::vector<const MeasuredCandidate *> fastest(const std::vector<MeasuredCandidate> &measured, int count) {
    std::vector<const MeasuredCandidate *> ok;
    for (const MeasuredCandidate &m : measured)
        if (m.result.ok()) ok.push_back(&m);
    std::stable_sort(ok.begin(), ok.end(), [](const MeasuredCandidate *a, const MeasuredCandidate *b) {
        return a->result.total_ms < b->result.total_ms;
    });
    std::vector<const MeasuredCandidate *> picked;
    std::unordered_set<uint64_t> seen;
    for (const MeasuredCandidate *m : ok)
        if (static_cast<int>(picked.size()) < count && seen.insert(m->entry.hash).second) picked.push_back(m);
    return picked;
}

}  // namespace

std::string run_key(const workloads::Workload &workload, const std::string &machine_fingerprint,
                    const SearchOptions &o) {
    std::string unroll = fmt::format("{}", fmt::join(o.space.unroll_steps, "/"));
    return fmt::format(
        "{}|{}|{}|seed={}|{}|trials={}|batch={}|pop={}|init={}|iters={}|mutate={}|balanced={}|adaptive={}|"
        "eps={}|early={}|model={}|prune={}|seeds={}|incumbent={}|space=imperfect:{},anydpu:{},unroll:{},opt:{"
        "}{}{}",
        key_of(workload), machine_fingerprint, o.measurement, o.seed, strategy_name(o.strategy), o.trials,
        o.batch, o.population, o.init_measured_ratio, o.genetic_iters, o.mutate_prob, o.balanced_sampling,
        o.adaptive_epsilon, o.epsilon, o.early_phase, o.use_cost_model ? "xgboost" : "random", o.prune_factor,
        o.prim_seeds ? "prim-search+rc-tile" : "none", o.incumbent_share, o.space.imperfect_tiles,
        o.space.any_dpu_count, unroll, o.space.opt_level,
        // Only when off, so that the keys of runs recorded before the option existed stay valid for --resume.
        o.space.reduction_split ? "" : ",rows-only",
        o.early_phase_max_trials > 0 ? fmt::format("|early-cap={}", o.early_phase_max_trials) : "");
}

TuneResult tune(const workloads::Workload &workload, const target::UpmemMachine &machine, Runner &runner,
                Database &db, const SearchOptions &options,
                const std::function<void(const TuneProgress &)> &on_progress) {
    check_options(options);
    StageTimer timer(Stage::Other);
    const auto start = std::chrono::steady_clock::now();
    const std::string fingerprint = machine_fingerprint(machine);
    SearchContext context(workload, machine, options, &runner);
    std::unique_ptr<detail::BatchStrategy> strategy = make_strategy(options.strategy);
    TuneResult result;
    result.run = choose_run(run_key(workload, fingerprint, options), db, options.resume);
    std::map<int64_t, TuningRecord> recorded;
    if (options.resume) {
        StageTimer reading(Stage::Database);
        for (TuningRecord &r : db.run_records(result.run)) recorded.emplace(r.trial, std::move(r));
    }

    const std::optional<double> prim_ms =
        options.prune_factor > 0 ? prim_total_ms(workload, machine, runner) : std::nullopt;
    TuneProgress progress;
    progress.trials_total = options.trials;
    while (context.trials_done() < options.trials) {
        const int count = std::min(options.batch, options.trials - context.trials_done());
        std::vector<HashedCandidate> batch = strategy->propose(count, context);
        if (batch.empty()) break;  // the space (or the grid) has nothing unmeasured left
        const int first_trial = context.trials_done();
        std::vector<std::vector<float>> features;
        std::vector<double> total_ms;
        for (size_t begin = 0; begin < batch.size(); begin += kPruneChunk) {
            const size_t end = std::min(batch.size(), begin + kPruneChunk);
            const std::optional<double> bound = pruning_bound(options, progress, prim_ms);
            std::vector<MeasureResult> results = measure_batch(
                std::span(batch).subspan(begin, end - begin), first_trial + static_cast<int>(begin), recorded,
                runner, workload, bound, result.reused);
            for (size_t i = begin; i < end; ++i) {
                MeasuredCandidate m{batch[i], context.family_of(batch[i].candidate),
                                    std::move(results[i - begin]), first_trial + static_cast<int64_t>(i)};
                if (!recorded.contains(m.trial)) {
                    StageTimer writing(Stage::Database);
                    db.add(make_record(context, result.run, m, fingerprint));
                }
                count_result(m.result, progress);
                // A pruned candidate teaches the cost model a lower bound of its time, which is what ranking
                // needs: it is slower than prune_factor x the best.
                if (m.result.ok() || m.result.status == MeasureStatus::Pruned) {
                    features.push_back(context.info(m.entry.hash).features);
                    total_ms.push_back(m.result.total_ms);
                }
                context.mark_measured(m.entry);
                context.measured.push_back(std::move(m));
            }
        }
        if (!features.empty()) context.cost_model->update(features, total_ms);
        progress.trials_done = context.trials_done();
        progress.elapsed_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (on_progress) on_progress(progress);
    }
    result.trials = context.trials_done();
    result.valid = progress.valid;
    result.pruned = progress.pruned;
    result.failed = progress.failed;

    // The final word belongs to a measurement that simulates every DPU: the search measured with identical
    // DPUs sharing one simulation.
    for (const MeasuredCandidate *m : fastest(context.measured, options.verify_top)) {
        MeasureResult full = runner.run_full(workload, m->entry.candidate.trace);
        if (!full.ok()) continue;
        result.best = make_record(context, result.run, *m, fingerprint);
        result.best_full = std::move(full);
        break;
    }
    return result;
}

}  // namespace atim::tune

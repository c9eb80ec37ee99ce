// One row of the evaluation: the PrIM, PrIM+Search, SimplePIM and 2-D expert + Search sweeps and the tuner on
// the same workload, runner and inputs; speedups and their geometric mean.
#include <cmath>

#include "atim/support/error.h"
#include "atim/tune/evaluation.h"

namespace atim::tune {
namespace {

std::optional<double> speedup(const std::optional<MeasureResult> &baseline,
                              const std::optional<MeasureResult> &tuned) {
    if (!baseline || !tuned || tuned->total_ms <= 0) return std::nullopt;
    return baseline->total_ms / tuned->total_ms;
}

std::string note_of(const std::optional<MeasureResult> &result) {
    if (!result || !result->stats.contains("note") || !result->stats["note"].is_string()) return "";
    return result->stats["note"].get<std::string>();
}

}  // namespace

std::optional<double> EntryResult::speedup_vs_prim() const { return speedup(prim.best, tuned.best_full); }

std::optional<double> EntryResult::speedup_vs_prim_search() const {
    return speedup(prim_search.best, tuned.best_full);
}

std::optional<double> EntryResult::speedup_vs_expert_search() const {
    return speedup(expert_search.best, tuned.best_full);
}

std::optional<double> EntryResult::speedup_vs_simplepim() const {
    return speedup(simplepim.best, tuned.best_full);
}

EntryResult evaluate_entry(const SuiteEntry &entry, const target::UpmemMachine &machine, Runner &runner,
                           Database &db, const EvaluationOptions &options,
                           const std::function<void(const EvaluationProgress &)> &on_progress) {
    ATIM_CHECK(options.search.verify_top >= 1,
               "the evaluation reports the tuned program measured with every "
               "DPU simulated, so verify_top must be >= 1");
    const workloads::Workload workload = workloads::make_workload(entry.workload, entry.shape);
    auto report = [&](const std::string &phase, std::optional<TuneProgress> tune_progress = std::nullopt) {
        if (on_progress) on_progress({entry.name, phase, std::move(tune_progress)});
    };
    EntryResult result;
    result.entry = entry;
    result.dtype = workload.dtype_string();
    report("prim");
    result.prim = sweep_prim(workload, machine, runner, prim_points(workload, options.grid));
    report("PrIM+Search");
    result.prim_search = sweep_prim(workload, machine, runner, prim_search_points(workload, options.grid));
    const std::vector<PrimParams> simplepim = simplepim_points(workload, options.grid);
    if (!simplepim.empty()) {
        report("SimplePIM");
        result.simplepim = sweep_schedule("simplepim", workload, machine, runner, simplepim);
    }
    report("2-D expert+Search");
    result.expert_search =
        sweep_schedule("rc-tile", workload, machine, runner, expert_search_points(workload, options.grid));
    report("tune");
    result.tuned = tune(workload, machine, runner, db, options.search,
                        [&](const TuneProgress &p) { report("tune", p); });
    result.tuned_note = note_of(result.tuned.best_full);
    return result;
}

std::optional<double> geometric_mean(const std::vector<std::optional<double>> &values) {
    double log_sum = 0;
    int count = 0;
    for (const std::optional<double> &v : values) {
        if (!v || *v <= 0) continue;
        log_sum += std::log(*v);
        ++count;
    }
    if (count == 0) return std::nullopt;
    return std::exp(log_sum / count);
}

}  // namespace atim::tune

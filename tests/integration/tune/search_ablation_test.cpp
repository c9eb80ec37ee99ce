// The search ablation's runs (tune/search_ablation.h): each variant's options are what its name claims, the
// 1-D space holds only the rows-over-DPUs family, and a run interrupted between batches and continued
// records exactly what an uninterrupted run does, measuring nothing twice; a finished run is only read.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "atim/baselines/named_schedules.h"
#include "atim/tune/search_ablation.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;

TEST(SearchAblation, VariantsSetWhatTheyClaim) {
    struct Want {
        std::string variant;
        SearchStrategy strategy;
        bool balanced, adaptive, seeds;
        double incumbent_share;
        bool reduction_split;
    };
    const SearchOptions defaults;
    const std::vector<Want> wants = {
        {"random", SearchStrategy::Random, false, false, false, 0.0, true},
        {"tvm-default", SearchStrategy::Evolutionary, false, false, false, 0.0, true},
        {"atim", SearchStrategy::Evolutionary, true, true, false, 0.0, true},
        {"ours", SearchStrategy::Evolutionary, defaults.balanced_sampling, defaults.adaptive_epsilon,
         defaults.prim_seeds, defaults.incumbent_share, true},
        {"atim-1d", SearchStrategy::Evolutionary, true, true, false, 0.0, false},
    };
    const AblationSettings settings;
    for (const Want &w : wants) {
        const SearchOptions o = ablation_search_options(ablation_variant(w.variant), 7, 96, settings);
        EXPECT_EQ(o.strategy, w.strategy) << w.variant;
        EXPECT_EQ(o.balanced_sampling, w.balanced) << w.variant;
        EXPECT_EQ(o.adaptive_epsilon, w.adaptive) << w.variant;
        EXPECT_EQ(o.prim_seeds, w.seeds) << w.variant;
        EXPECT_EQ(o.incumbent_share, w.incumbent_share) << w.variant;
        EXPECT_EQ(o.space.reduction_split, w.reduction_split) << w.variant;
        // Shared by every variant: MetaSchedule's base epsilon and genetic settings, pruning, the budget.
        EXPECT_EQ(o.epsilon, 0.05) << w.variant;
        EXPECT_EQ(o.genetic_iters, defaults.genetic_iters) << w.variant;
        EXPECT_EQ(o.mutate_prob, defaults.mutate_prob) << w.variant;
        EXPECT_EQ(o.init_measured_ratio, defaults.init_measured_ratio) << w.variant;
        EXPECT_EQ(o.prune_factor, defaults.prune_factor) << w.variant;
        EXPECT_EQ(o.trials, 96) << w.variant;
        EXPECT_EQ(o.seed, 7u) << w.variant;
        EXPECT_EQ(o.batch, settings.batch) << w.variant;
        EXPECT_EQ(o.population, settings.population) << w.variant;
        EXPECT_EQ(o.verify_top, 0) << w.variant;
    }
    // Ours is the default search: only the budget and the reporting differ.
    SearchOptions ours = ablation_search_options(ablation_variant("ours"), 1, 1000, settings);
    ours.batch = defaults.batch;
    ours.population = defaults.population;
    ours.verify_top = defaults.verify_top;
    const workloads::Workload mtv = workloads::make_workload("mtv", {64, 64});
    EXPECT_EQ(run_key(mtv, "m", ours), run_key(mtv, "m", defaults));
    // Every searched variant is a run of its own.
    std::set<std::string> keys;
    for (const AblationVariant &v : ablation_variants()) {
        if (!v.seeded()) continue;
        EXPECT_TRUE(keys.insert(run_key(mtv, "m", ablation_search_options(v, 1, 32, settings))).second)
            << v.name;
    }
    EXPECT_THROW(ablation_search_options(ablation_variant("prim-search-1d"), 1, 32, settings), InternalError);
    EXPECT_THROW(ablation_variant("annealing"), UserError);
}

TEST(SearchAblation, RowsOnlySpaceKeepsOnlyTheRowFamily) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    SpaceOptions rows_only;
    rows_only.reduction_split = false;
    for (const auto &[workload, shape] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
             {"mtv", {64, 64}}, {"ttv", {4, 8, 16}}, {"mmtv", {4, 8, 16}}}) {
        const workloads::Workload w = workloads::make_workload(workload, shape);
        EXPECT_EQ(generate_sketches(w, machine).size(), 2u) << workload;
        const std::vector<Sketch> sketches = generate_sketches(w, machine, rows_only);
        ASSERT_EQ(sketches.size(), 1u) << workload;
        EXPECT_EQ(sketches[0].family, SketchFamily::ReductionInDpu) << workload;
    }
    // red has one family, which splits its reduction over DPUs: the 1-D space is its whole space.
    const workloads::Workload red = workloads::make_workload("red", {6000});
    ASSERT_EQ(generate_sketches(red, machine, rows_only).size(), 1u);
    EXPECT_EQ(generate_sketches(red, machine, rows_only)[0].family, SketchFamily::PureReduction);
}

/// The sim runner, counting how often each trace is measured.
class CountingRunner : public Runner {
public:
    explicit CountingRunner(std::unique_ptr<Runner> inner) : inner_(std::move(inner)) {}
    std::string name() const override { return inner_->name(); }
    std::vector<MeasureResult> run(const workloads::Workload &workload,
                                   const std::vector<schedule::Trace> &batch,
                                   std::optional<double> kernel_ms_bound) override {
        for (const schedule::Trace &t : batch) ++measured[structural_hash(t)];
        return inner_->run(workload, batch, kernel_ms_bound);
    }
    MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        return inner_->run_full(workload, trace);
    }
    std::map<uint64_t, int> measured;

private:
    std::unique_ptr<Runner> inner_;
};

struct RecordRow {
    int64_t trial;
    uint64_t hash;
    std::string status;
    double total_ms;
    auto operator<=>(const RecordRow &) const = default;
};

std::vector<RecordRow> rows_of(const std::vector<TuningRecord> &records) {
    std::vector<RecordRow> rows;
    for (const TuningRecord &r : records)
        rows.push_back({r.trial, r.trace_hash, to_string(r.result.status), r.result.total_ms});
    return rows;
}

class SearchAblationResume : public ::testing::TestWithParam<std::string> {};

TEST_P(SearchAblationResume, InterruptedRunContinuesToTheUninterruptedRecords) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    // 1024 rows: PrIM+Search's 256- and 512-DPU points are legal, so the grid has points to measure.
    const SuiteEntry entry = parse_custom_entry("mtv:1024x64");
    const AblationRun run{entry, ablation_variant(GetParam()), 3, 12};
    AblationSettings settings;
    settings.batch = 4;
    settings.population = 16;
    const fs::path base =
        fs::temp_directory_path() / fmt::format("atim-ablation-{}-{}", GetParam(), ::getpid());
    fs::remove_all(base);
    auto make_runner = [&] {
        RunnerOptions options;
        options.machine = machine;
        options.threads = 1;
        return CountingRunner(make_sim_runner(options));
    };
    const workloads::Workload workload = workloads::make_workload("mtv", entry.shape);
    const uint64_t prim_hash =
        structural_hash(baselines::apply_named_schedule("prim", workload, {}, machine).trace());

    CountingRunner whole_runner = make_runner();
    const AblationCurve whole = run_ablation(run, machine, whole_runner, base / "whole", settings);
    ASSERT_TRUE(whole.complete);
    ASSERT_GE(whole.trials_done, 8);

    // Stopped after the first batch, then after the second, then continued to the end.
    CountingRunner parts_runner = make_runner();
    const AblationCurve first = run_ablation(run, machine, parts_runner, base / "parts", settings, 4);
    EXPECT_FALSE(first.complete);
    EXPECT_EQ(first.trials_done, 4);
    EXPECT_FALSE(read_ablation_run(run, machine, base / "parts", settings).complete);
    EXPECT_EQ(run_ablation(run, machine, parts_runner, base / "parts", settings, 8).trials_done, 8);
    const AblationCurve parts = run_ablation(run, machine, parts_runner, base / "parts", settings);
    EXPECT_TRUE(parts.complete);

    const std::vector<RecordRow> want = rows_of(ablation_run_records(run, machine, base / "whole", settings));
    EXPECT_EQ(rows_of(ablation_run_records(run, machine, base / "parts", settings)), want);
    // The 1-D search measures only programs of the rows-over-DPUs family.
    if (run.variant.space == AblationSpace::RowsOnly) {
        for (const TuningRecord &r : ablation_run_records(run, machine, base / "parts", settings)) {
            EXPECT_TRUE(r.sketch == "reduction-in-dpu/SSSRSRSR" || r.sketch == "prim") << r.sketch;
        }
    }
    EXPECT_EQ(parts.best_after, whole.best_after);
    EXPECT_EQ(parts.measured, whole.measured);
    // Nothing measured twice: every trial once, the prim bound once per session of a search.
    for (const auto &[hash, count] : parts_runner.measured) {
        if (hash == prim_hash && run.variant.seeded()) continue;
        EXPECT_EQ(count, 1) << fmt::format("{:016x}", hash);
    }

    // A finished run is read, not run: no measurement at all.
    const size_t measured_before = parts_runner.measured.size();
    std::map<uint64_t, int> counts_before = parts_runner.measured;
    const AblationCurve again = run_ablation(run, machine, parts_runner, base / "parts", settings);
    EXPECT_EQ(parts_runner.measured, counts_before);
    EXPECT_EQ(parts_runner.measured.size(), measured_before);
    EXPECT_EQ(again.best_after, whole.best_after);
    EXPECT_EQ(again.best_within(4), whole.best_after[3]);
    EXPECT_EQ(again.best_within(1000), whole.best_after.back());  // past the end: the run's best
    fs::remove_all(base);
}

INSTANTIATE_TEST_SUITE_P(Variants, SearchAblationResume,
                         ::testing::Values("ours", "atim-1d", "random", "prim-search-1d"),
                         [](const auto &info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

}  // namespace
}  // namespace atim::tune

// A small real tuning run on the simulator: about 30 trials of va and mtv at small shapes find a program
// that verifies with every DPU simulated, compared against the `prim` baseline measured the same way.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "atim/baselines/named_schedules.h"
#include "atim/tune/search.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;

struct Case {
    std::string workload;
    std::vector<int64_t> shape;
};

/// A small search: a small population and few genetic iterations keep each batch fast.
SearchOptions small_search(int trials, int batch) {
    SearchOptions options;
    options.trials = trials;
    options.batch = batch;
    options.population = 64;
    options.genetic_iters = 2;
    return options;
}

/// The simulator runner on `machine`.
std::unique_ptr<Runner> sim_runner_on(const target::UpmemMachine &machine) {
    RunnerOptions runner_options;
    runner_options.machine = machine;
    return make_sim_runner(runner_options);
}

class TuneEndToEnd : public ::testing::TestWithParam<Case> {};

TEST_P(TuneEndToEnd, FindsAVerifiedProgramAtLeastAsFastAsPrim) {
    const Case &c = GetParam();
    const fs::path db_path =
        fs::temp_directory_path() / fmt::format("atim-tune-e2e-{}-{}.db", c.workload, ::getpid());
    fs::remove(db_path);
    target::UpmemMachine machine = target::load_machine("upmem-2048");
    workloads::Workload workload = workloads::make_workload(c.workload, c.shape);
    std::unique_ptr<Runner> runner = sim_runner_on(machine);
    SearchOptions options = small_search(30, 10);
    Database db = Database::open(db_path.string());
    TuneResult result = tune(workload, machine, *runner, db, options);
    EXPECT_EQ(result.trials, 30);
    ASSERT_TRUE(result.best.has_value()) << "no valid candidate in 30 trials";
    ASSERT_TRUE(result.best_full.has_value());
    EXPECT_EQ(result.best_full->status, MeasureStatus::Ok) << result.best_full->error;
    // The search measured in the simulator's sampled mode (representative DPUs); simulating every DPU
    // agrees up to the value-dependent multiply timing of the DPUs that were not simulated.
    EXPECT_NEAR(result.best_full->total_ms, result.best->result.total_ms, 0.05 * result.best_full->total_ms);

    schedule::Schedule prim = baselines::apply_named_schedule("prim", workload, {}, machine);
    MeasureResult baseline = runner->run_full(workload, prim.trace());
    ASSERT_TRUE(baseline.ok()) << baseline.error;
    EXPECT_LE(result.best_full->total_ms, baseline.total_ms)
        << "tuned " << result.best_full->total_ms << " ms vs prim " << baseline.total_ms << " ms";
    ::testing::Test::RecordProperty("tuned_ms", fmt::format("{}", result.best_full->total_ms));
    ::testing::Test::RecordProperty("prim_ms", fmt::format("{}", baseline.total_ms));
    fmt::print("{} {}: tuned {:.5f} ms ({} DPUs x {} tasklets, sketch {}) vs prim {:.5f} ms\n", c.workload,
               workload.shape_string(), result.best_full->total_ms, result.best_full->dpus,
               result.best_full->tasklets, result.best->sketch, baseline.total_ms);
    fs::remove(db_path);
}

INSTANTIATE_TEST_SUITE_P(SmallShapes, TuneEndToEnd,
                         ::testing::Values(Case{"va", {65536}}, Case{"mtv", {512, 512}}),
                         [](const auto &info) { return info.param.workload; });

TEST(TunePruning, PrunedCandidatesAreReallySlowerThanTheirBound) {
    // mtv 512x512: the first random samples range from one DPU to thousands, so a bound of the best total
    // so far (factor 1: the tightest that is still safe, since a total is never below its kernel) stops some
    // of them. Each pruned record, measured again without a bound, must have a
    // kernel longer than the bound it was stopped at, and must not have been the best.
    const fs::path db_path = fs::temp_directory_path() / fmt::format("atim-tune-prune-{}.db", ::getpid());
    fs::remove(db_path);
    target::UpmemMachine machine = target::load_machine("upmem-2048");
    workloads::Workload workload = workloads::make_workload("mtv", {512, 512});
    std::unique_ptr<Runner> runner = sim_runner_on(machine);
    SearchOptions options = small_search(32, 32);
    options.prune_factor = 1.0;
    Database db = Database::open(db_path.string());
    TuneResult result = tune(workload, machine, *runner, db, options);
    ASSERT_GT(result.pruned, 0) << "nothing was pruned: the test no longer exercises the bound";
    int checked = 0;
    for (const TuningRecord &record : db.run_records(result.run)) {
        if (record.result.status != MeasureStatus::Pruned) continue;
        MeasureResult unbounded =
            runner->run(workload, {schedule::Trace::from_json(record.trace_json)}).at(0);
        ASSERT_TRUE(unbounded.ok()) << unbounded.error;
        EXPECT_GT(unbounded.kernel_ms, record.result.kernel_ms) << "trial " << record.trial;
        EXPECT_GT(unbounded.total_ms, result.best->result.total_ms) << "trial " << record.trial;
        ++checked;
    }
    EXPECT_EQ(checked, result.pruned);
    fs::remove(db_path);
}

}  // namespace
}  // namespace atim::tune

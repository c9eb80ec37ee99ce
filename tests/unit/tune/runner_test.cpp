// Runners record failures as results: a trace that does not replay is Invalid, a program that does not fit
// the machine is Invalid, a fault is RunFailed, wrong outputs are WrongOutput, an over-budget run is Timeout;
// batch results do not depend on the number of threads.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "atim/baselines/named_schedules.h"
#include "atim/sim/dpu_stats.h"
#include "atim/support/error.h"
#include "atim/tune/runner.h"
#include "tune/runner/candidate_measurement.h"

namespace atim::tune {
namespace {

constexpr const char *kDanglingSplit =
    R"({"version":1,"instructions":[{"kind":"split","inputs":["l9",[4,null]],"attrs":{},"outputs":["l10","l11"],"decision":[]}]})";

schedule::Trace prim_trace(const workloads::Workload &workload, const target::UpmemMachine &machine,
                           const std::map<std::string, std::string> &params = {}) {
    return baselines::apply_named_schedule("prim", workload, params, machine).trace();
}

RunnerOptions small_options() {
    RunnerOptions options;
    options.machine = target::load_machine("upmem-2048");
    options.threads = 2;
    return options;
}

TEST(SimRunner, ValidTraceIsOkWithTimes) {
    RunnerOptions options = small_options();
    workloads::Workload va = workloads::make_workload("va", {4096});
    std::unique_ptr<Runner> runner = make_sim_runner(options);
    std::vector<MeasureResult> results = runner->run(va, {prim_trace(va, options.machine)});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].status, MeasureStatus::Ok) << results[0].error;
    EXPECT_GT(results[0].total_ms, 0);
    EXPECT_DOUBLE_EQ(results[0].total_ms, results[0].h2d_ms + results[0].kernel_ms + results[0].after_ms);
    EXPECT_GT(results[0].dpus, 0);
    EXPECT_GT(results[0].tasklets, 0);
}

TEST(SimRunner, FailuresAreResultsNotExceptions) {
    RunnerOptions options = small_options();
    workloads::Workload va = workloads::make_workload("va", {4096});
    schedule::Trace good = prim_trace(va, options.machine, {{"dpus", "64"}});
    // The same program on a machine with fewer DPUs than it uses does not lower: Invalid.
    RunnerOptions tiny = options;
    tiny.machine.dpus = 8;
    std::unique_ptr<Runner> tiny_runner = make_sim_runner(tiny);
    std::vector<MeasureResult> results =
        tiny_runner->run(va, {schedule::Trace::from_json(kDanglingSplit), good});
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].status, MeasureStatus::Invalid);
    EXPECT_NE(results[0].error.find("l9"), std::string::npos) << results[0].error;
    EXPECT_EQ(results[1].status, MeasureStatus::Invalid) << results[1].error;
    EXPECT_FALSE(results[1].error.empty());
    // A budget no run can meet: Timeout, with the program otherwise fine. The final every-DPU check of a
    // candidate the search already ran is not held to the per-candidate budget.
    RunnerOptions impatient = options;
    impatient.timeout_seconds = 1e-9;
    std::unique_ptr<Runner> impatient_runner = make_sim_runner(impatient);
    MeasureResult late = impatient_runner->run(va, {good}).at(0);
    EXPECT_EQ(late.status, MeasureStatus::Timeout);
    EXPECT_NE(late.error.find("budget"), std::string::npos) << late.error;
    EXPECT_EQ(impatient_runner->run_full(va, good).status, MeasureStatus::Ok);
}

TEST(SimRunner, BatchResultsDoNotDependOnThreads) {
    RunnerOptions options = small_options();
    workloads::Workload mtv = workloads::make_workload("mtv", {256, 128});
    std::vector<schedule::Trace> batch = {
        prim_trace(mtv, options.machine, {{"dpus", "16"}}), schedule::Trace::from_json(kDanglingSplit),
        prim_trace(mtv, options.machine, {{"dpus", "32"}}),
        prim_trace(mtv, options.machine, {{"dpus", "8"}, {"tasklets", "8"}})};
    options.threads = 1;
    std::vector<MeasureResult> serial = make_sim_runner(options)->run(mtv, batch);
    options.threads = 3;
    std::vector<MeasureResult> parallel = make_sim_runner(options)->run(mtv, batch);
    ASSERT_EQ(serial.size(), batch.size());
    ASSERT_EQ(parallel.size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(serial[i].to_json(), parallel[i].to_json()) << i;
    EXPECT_TRUE(serial[0].ok());
    EXPECT_NE(serial[0].total_ms, serial[2].total_ms);  // different programs, different times
}

TEST(RunnerFailures, ExceptionsAreClassified) {
    struct Case {
        std::function<void()> raise;
        MeasureStatus want;
    };
    const std::vector<Case> cases = {
        {[] { throw sim::SimError("tasklet 3: misaligned DMA at pc 12"); }, MeasureStatus::RunFailed},
        {[] { throw UserError("the kernel needs 70000 B of WRAM"); }, MeasureStatus::Invalid},
        {[] { throw InternalError("the generated program did not finish within its time limit"); },
         MeasureStatus::Timeout},
        {[] { throw InternalError("the emulator crashed"); }, MeasureStatus::RunFailed},
        {[] { throw std::runtime_error("toolchain failure"); }, MeasureStatus::RunFailed},
    };
    for (const Case &c : cases) {
        MeasureResult r = detail::measure_guarded(100, std::nullopt, [&]() -> MeasureResult {
            c.raise();
            return {};
        });
        EXPECT_EQ(r.status, c.want) << r.error;
        EXPECT_FALSE(r.error.empty());
    }
}

TEST(RunnerFailures, CycleLimitIsPrunedOnlyUnderATunerBound) {
    auto raise = []() -> MeasureResult {
        throw sim::CycleLimitExceeded("the DPU did not stop within 700 cycles");
    };
    MeasureResult runaway = detail::measure_guarded(100, std::nullopt, raise);
    EXPECT_EQ(runaway.status, MeasureStatus::RunFailed) << runaway.error;
    MeasureResult pruned = detail::measure_guarded(100, 0.002, raise);
    EXPECT_EQ(pruned.status, MeasureStatus::Pruned) << pruned.error;
    EXPECT_DOUBLE_EQ(pruned.kernel_ms, 0.002);
    EXPECT_DOUBLE_EQ(pruned.total_ms, 0.002);
    EXPECT_EQ(measure_status_from_string(to_string(MeasureStatus::Pruned)), MeasureStatus::Pruned);
}

TEST(RunnerFailures, UnverifiedRunIsWrongOutput) {
    runtime::RunResult run;
    run.verified = false;
    run.mismatch_count = 7;
    run.mismatches.push_back({"C", 3, 10, 11});
    run.time_ms.total = 1.0;
    lower::PimProgram program;
    MeasureResult r = detail::result_from_run(run, program);
    EXPECT_EQ(r.status, MeasureStatus::WrongOutput);
    EXPECT_EQ(r.error, "7 output elements differ from the reference (first: C[3] expected 10, got 11)");
}

TEST(HardwareRunner, MissingSdkIsAClearUserError) {
    const char *old_path = std::getenv("PATH");
    const std::string saved = old_path ? old_path : "";
    ::setenv("PATH", "/nonexistent-atim-test-dir", 1);
    try {
        make_hardware_runner(small_options());
        ADD_FAILURE() << "expected a UserError";
    } catch (const UserError &e) {
        EXPECT_STREQ(e.what(), "the UPMEM SDK (dpu-upmem-dpurte-clang) is not installed; use --runner sim");
    }
    ::setenv("PATH", saved.c_str(), 1);
    EXPECT_THROW(make_runner("gpu", small_options()), UserError);
    EXPECT_EQ(make_runner("emu", small_options())->name(), "emu");
}

}  // namespace
}  // namespace atim::tune

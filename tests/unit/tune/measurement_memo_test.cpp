// The simulator runner's memo of measured programs gives exactly what a new simulation gives: the same result
// for a program measured before, and under a pruning bound the verdict the simulator's cycle limit would give
// (pruned when the remembered kernel is longer, simulated again when only a lower bound is known).
#include <gtest/gtest.h>

#include <cmath>

#include "atim/baselines/named_schedules.h"
#include "atim/tune/runner.h"
#include "tune/runner/measurement_memo.h"

namespace atim::tune {
namespace {

RunnerOptions memo_options() {
    RunnerOptions options;
    options.machine = target::load_machine("upmem-2048");
    options.threads = 1;
    return options;
}

/// What a runner that has measured nothing before reports (no memo entry can answer).
MeasureResult fresh(const workloads::Workload &workload, const schedule::Trace &trace,
                    std::optional<double> bound) {
    return make_sim_runner(memo_options())->run(workload, {trace}, bound).at(0);
}

TEST(MeasurementMemo, RemeasuredProgramsGiveWhatAFreshSimulationGives) {
    const RunnerOptions options = memo_options();
    const workloads::Workload mtv = workloads::make_workload("mtv", {256, 128});
    const schedule::Trace trace =
        baselines::apply_named_schedule("prim", mtv, {{"dpus", "16"}}, options.machine).trace();
    const MeasureResult unbounded = fresh(mtv, trace, std::nullopt);
    ASSERT_TRUE(unbounded.ok()) << unbounded.error;
    // Bounds around the kernel: one cycle below it prunes, the kernel itself does not.
    const double cycle_ms = 1.0 / (options.machine.dpu_mhz * 1000.0);
    const double kernel_cycles = unbounded.stats.at("dpu").at("cycles").get<double>();
    const double at_kernel = kernel_cycles * cycle_ms;
    const double below_kernel = (kernel_cycles - 2) * cycle_ms;
    struct Step {
        std::optional<double> bound;
        MeasureStatus want;
    };
    // In this order the memo first learns only a pruned run (a lower bound of the kernel), must simulate
    // again for a looser bound, and then answers every bound from the completed run.
    const std::vector<Step> steps = {
        {below_kernel, MeasureStatus::Pruned}, {below_kernel / 2, MeasureStatus::Pruned},
        {at_kernel, MeasureStatus::Ok},        {std::nullopt, MeasureStatus::Ok},
        {below_kernel, MeasureStatus::Pruned}, {at_kernel * 2, MeasureStatus::Ok}};
    std::unique_ptr<Runner> runner = make_sim_runner(options);
    for (const Step &step : steps) {
        const MeasureResult remembered = runner->run(mtv, {trace}, step.bound).at(0);
        EXPECT_EQ(remembered.status, step.want) << remembered.error;
        EXPECT_EQ(remembered.to_json(), fresh(mtv, trace, step.bound).to_json())
            << "bound " << step.bound.value_or(-1);
    }
}

TEST(MeasurementMemo, AnswersOnlyWhatABoundDecides) {
    detail::MeasurementMemo memo;
    MeasureResult ok;
    ok.status = MeasureStatus::Ok;
    ok.total_ms = 3;
    ok.stats = {{"dpu", {{"cycles", 1000}}}};
    memo.add("done", ok, std::nullopt);
    EXPECT_EQ(memo.find("done", std::nullopt, std::nullopt)->to_json(), ok.to_json());
    EXPECT_EQ(memo.find("done", 1000, 2.0)->status, MeasureStatus::Ok);
    const std::optional<MeasureResult> over = memo.find("done", 999, 1.5);
    EXPECT_EQ(over->to_json(), detail::pruned_result(1.5).to_json());

    memo.add("stopped", detail::pruned_result(1.0), 500);
    EXPECT_EQ(memo.find("stopped", 400, 0.8)->to_json(), detail::pruned_result(0.8).to_json());
    EXPECT_EQ(memo.find("stopped", 500, 1.0)->status, MeasureStatus::Pruned);
    EXPECT_FALSE(memo.find("stopped", 501, 1.01));  // it might finish under a looser bound
    EXPECT_FALSE(memo.find("stopped", std::nullopt, std::nullopt));

    MeasureResult fault;
    fault.status = MeasureStatus::RunFailed;
    memo.add("fault", fault, 100);  // a tighter bound might have stopped it first: not remembered
    EXPECT_FALSE(memo.find("fault", 100, 1.0));
    EXPECT_EQ(memo.hits(), 5u);
}

}  // namespace
}  // namespace atim::tune

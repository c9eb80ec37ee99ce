// runtime::estimate_host_phases prices a program's host phases before it runs; the simulator prices the
// same phases from the calls it records while running. Both use the host model, so they must agree exactly:
// for PrIM's calls (replicated vectors, __host WRAM partials), rc-tile's (broadcast, K-split partials and a
// parallel host epilogue) and both timed windows.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/host_phases.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/tune/space.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

struct Case {
    std::string workload, shape, schedule;
    std::map<std::string, std::string> params;
};

/// A named schedule, or (`sketch`) a point of the tuner's space with the given decisions, the rest drawn.
schedule::Schedule schedule_of(const Case &c, const workloads::Workload &w,
                               const target::UpmemMachine &machine) {
    if (c.schedule != tune::kSketchSchedule)
        return baselines::apply_named_schedule(c.schedule, w, c.params, machine);
    const std::vector<tune::Sketch> sketches = tune::generate_sketches(w, machine);
    schedule::Schedule sch = tune::candidate_from_params(sketches, w, c.params).trace.replay(w.func);
    sch.set_resident_inputs(w.resident_inputs);
    return sch;
}

class HostPhasesTest : public ::testing::TestWithParam<std::tuple<Case, codegen::TimingMode>> {};

TEST_P(HostPhasesTest, EstimateEqualsWhatTheSimulatorCharges) {
    const auto &[c, timing] = GetParam();
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    const workloads::Workload w =
        workloads::make_workload(c.workload, workloads::parse_shape(c.workload, c.shape));
    const lower::PimProgram program = lower::lower(schedule_of(c, w, machine), machine);
    SimRunOptions options;
    options.machine = machine;
    options.timing = timing;
    const RunResult run = run_sim(w, program, options);
    ASSERT_TRUE(run.verified);
    const HostPhases estimate = estimate_host_phases(program, machine, timing);
    EXPECT_NEAR(estimate.h2d_ms, *run.time_ms.h2d, 1e-9);
    EXPECT_NEAR(estimate.after_ms, *run.time_ms.after, 1e-9);
    // The kernel phase is the launch plus the slowest DPU's run time, which only the simulation knows.
    double launch_ms = 0;
    for (const auto &event : run.stats.at("host_events"))
        if (event.at("call") == "dpu_launch") launch_ms += event.at("ms").get<double>();
    EXPECT_NEAR(launch_ms, *run.time_ms.kernel, 1e-9);
    EXPECT_GT(*run.time_ms.kernel, estimate.launch_ms);
}

INSTANTIATE_TEST_SUITE_P(
    Programs, HostPhasesTest,
    ::testing::Combine(
        ::testing::Values(
            Case{"mtv", "256x128", "prim", {{"dpus", "8"}, {"tasklets", "4"}}},
            Case{"red", "4096", "prim", {{"dpus", "4"}, {"tasklets", "4"}}},
            Case{"mtv", "256x512", "rc-tile", {{"dpus_x", "4"}, {"dpus_y", "4"}, {"tasklets", "4"}}},
            Case{"mtv",
                 "256x512",
                 "sketch",
                 {{"sketch", "reduction-split"}, {"dpus.k", "4"}, {"dpus.i", "4"}, {"host_threads", "4"}}},
            Case{"va", "4096", "simplepim", {{"dpus", "4"}}}),
        ::testing::Values(codegen::TimingMode::Atim, codegen::TimingMode::Prim)));

}  // namespace
}  // namespace atim::runtime

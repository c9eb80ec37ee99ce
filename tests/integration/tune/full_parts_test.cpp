// A full measurement split in parts (so that MPI ranks can share one program's full simulation) gives
// exactly the unsplit result once combined: the same times, verdict, slowest-DPU statistics and counters.
#include <gtest/gtest.h>

#include "atim/baselines/named_schedules.h"
#include "atim/sim/system.h"
#include "atim/support/error.h"
#include "atim/tune/runner.h"

namespace atim::tune {
namespace {

struct Case {
    std::string workload, schedule;
    std::vector<int64_t> shape;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.workload << " " << c.schedule; }

class FullParts : public ::testing::TestWithParam<Case> {};

TEST_P(FullParts, CombinedPartsEqualTheUnsplitMeasurement) {
    // 48 DPUs: three parts of 16, and a shape that leaves the last DPUs with less work (the slowest DPU is
    // not in every part).
    const target::UpmemMachine m = target::machine_from_json_text(R"({"dpus": 48, "name": "test-48"})");
    const Case &c = GetParam();
    const workloads::Workload w = workloads::make_workload(c.workload, c.shape);
    const schedule::Trace trace = baselines::apply_named_schedule(c.schedule, w, {}, m).trace();
    RunnerOptions options;
    options.machine = m;
    options.threads = 1;
    std::unique_ptr<Runner> runner = make_sim_runner(options);
    ASSERT_TRUE(runner->splits_full());
    const MeasureResult whole = runner->run_full(w, trace);
    ASSERT_TRUE(whole.ok()) << whole.error;
    for (int parts : {2, 3, 5}) {
        std::vector<MeasureResult> results;
        for (int part = 0; part < parts; ++part)
            results.push_back(runner->run_full_part(w, trace, part, parts));
        const std::optional<MeasureResult> combined = combine_full_parts(results);
        ASSERT_TRUE(combined.has_value()) << parts << " parts";
        EXPECT_EQ(combined->to_json().dump(), whole.to_json().dump()) << parts << " parts";
        // Each part simulates its own DPUs only, except where the host sums every DPU's results (red: one
        // line, one part does it all and the others own nothing).
        int owning = 0;
        for (const MeasureResult &r : results) {
            if (r.stats.value("empty_part", false)) continue;
            ++owning;
            EXPECT_LE(r.stats.at("counters").at("simulated_dpu_runs").get<int64_t>(),
                      whole.stats.at("counters").at("simulated_dpu_runs").get<int64_t>());
        }
        // (rc-tile's gemv has 4 lines of K-split DPUs: a fifth part owns nothing.)
        if (c.workload == "red")
            EXPECT_EQ(owning, 1);
        else
            EXPECT_GE(owning, std::min(parts, 4)) << parts << " parts";
    }
}

INSTANTIATE_TEST_SUITE_P(Programs, FullParts,
                         ::testing::Values(Case{"mtv", "prim", {1000, 96}},
                                           Case{"gemv", "rc-tile", {200, 512}}, Case{"red", "prim", {30000}},
                                           Case{"va", "simplepim", {50000}},
                                           Case{"mmtv", "prim", {6, 64, 40}}),
                         [](const auto &info) {
                             std::string name = info.param.workload + "_" + info.param.schedule;
                             std::erase(name, '-');
                             return name;
                         });

TEST(FullParts, ASplitOutsideTheFullModeOrPastItsCountIsRefused) {
    const target::UpmemMachine m = target::machine_from_json_text(R"({"dpus": 8, "name": "test-8"})");
    sim::MachineOptions sampled;
    sampled.mode = sim::SimulationMode::Sampled;
    sampled.part = {1, 2};
    EXPECT_THROW(sim::Machine(m, sampled), UserError);
    sim::MachineOptions past;
    past.mode = sim::SimulationMode::Full;
    past.part = {2, 2};
    EXPECT_THROW(sim::Machine(m, past), UserError);
}

}  // namespace
}  // namespace atim::tune

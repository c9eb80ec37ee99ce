// TTV split as PrIM(E) splits it: `prim` spreads the M*N fused rows over the DPUs asked for (a DPU's rows may
// start and end inside an i-row), rc-tile uses a j x K x i DPU grid. Every DPU is simulated (some cases also
// run on the SDK emulation) and the result is compared bit-exactly with the reference.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/emu_runner.h"
#include "atim/runtime/sim_runner.h"
#include "atim/sim/dpu_stats.h"
#include "atim/support/error.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

struct TtvCase {
    std::string shape, schedule;
    std::map<std::string, std::string> params;
    lower::DpuGrid grid;  ///< the grid the program must run on
    bool on_emu = false;  ///< also run the generated C on the SDK emulation

    std::string name() const {
        std::string text = fmt::format("{}_{}", shape, schedule);
        for (const auto &[key, value] : params) text += fmt::format("_{}{}", key, value);
        for (char &c : text)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return text;
    }
};

std::string mismatch_text(const RunResult &result) {
    std::string text;
    for (const Mismatch &m : result.mismatches)
        text += fmt::format(" {}[{}] expected {} got {};", m.tensor, m.index, m.expected, m.got);
    return text;
}

class TtvSplit : public ::testing::TestWithParam<TtvCase> {};

TEST_P(TtvSplit, RunsOnEveryDpuAskedForBitExact) {
    const TtvCase &c = GetParam();
    SimRunOptions options;
    options.machine = target::load_machine("upmem-2048");
    options.mode = sim::SimulationMode::Full;
    workloads::Workload workload = workloads::make_workload("ttv", workloads::parse_shape("ttv", c.shape));
    schedule::Schedule sch = baselines::apply_named_schedule(c.schedule, workload, c.params, options.machine);
    lower::PimProgram program = lower::lower(sch, options.machine);
    EXPECT_EQ(program.grid.x, c.grid.x) << c.name();
    EXPECT_EQ(program.grid.y, c.grid.y) << c.name();
    EXPECT_EQ(program.grid.z, c.grid.z) << c.name();
    RunResult result = run_sim(workload, program, options);
    EXPECT_TRUE(result.verified) << c.name() << " on " << program.grid.count()
                                 << " DPUs: " << result.mismatch_count
                                 << " wrong elements:" << mismatch_text(result);
    if (!c.on_emu) return;
    RunResult emu = run_emu(workload, program, {});
    EXPECT_TRUE(emu.verified) << c.name() << " on the emulation: " << emu.mismatch_count
                              << " wrong elements:" << mismatch_text(emu);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, TtvSplit,
    ::testing::Values(
        // 4096 rows over 2048 DPUs: one row pair per DPU, four DPUs per i-row.
        TtvCase{"8x512x64", "prim", {{"dpus", "2048"}, {"tasklets", "4"}}, {2048, 1, 1}},
        // 1500 rows: 7 DPUs of 216 rows (the blocks start mid i-row), 100 DPUs of 16 rows fill 94.
        TtvCase{"30x50x70", "prim", {{"dpus", "7"}}, {7, 1, 1}, true},
        TtvCase{"30x50x70", "prim", {{"dpus", "100"}, {"tasklets", "4"}}, {94, 1, 1}, true},
        TtvCase{"30x50x70", "prim", {{"dpus", "750"}, {"tasklets", "2"}}, {750, 1, 1}},
        // More DPUs than row pairs: the 750 the pairs fill (with a note).
        TtvCase{"30x50x70", "prim", {{"dpus", "2048"}, {"tasklets", "2"}}, {750, 1, 1}},
        // j blocks of 14 over dpu.x, K halves over dpu.y, i blocks of 4 over dpu.z.
        TtvCase{"30x50x70",
                "rc-tile",
                {{"dpus_x", "4"}, {"dpus_y", "2"}, {"dpus_z", "8"}, {"tasklets", "4"}},
                {4, 2, 8},
                true},
        TtvCase{"30x50x70", "rc-tile", {{"dpus_x", "3"}, {"dpus_y", "1"}, {"dpus_z", "30"}}, {3, 1, 30}}),
    [](const ::testing::TestParamInfo<TtvCase> &info) { return info.param.name(); });

TEST(TtvSplitParams, ADpuCountTheRowsCannotFillIsNoted) {
    workloads::Workload workload = workloads::make_workload("ttv", workloads::parse_shape("ttv", "30x50x70"));
    target::UpmemMachine machine = target::load_machine("upmem-2048");
    EXPECT_EQ(
        baselines::named_schedule_notes("prim", workload, {{"dpus", "2048"}}, machine),
        (std::vector<std::string>{"dpus=2048 runs on 750 DPUs: 1500 M*N rows in blocks of 2 (one 8-byte "
                                  "output write) fill at most 750 DPUs; use dpus <= 750"}));
    EXPECT_EQ(
        baselines::named_schedule_notes("prim", workload, {{"dpus", "100"}}, machine),
        (std::vector<std::string>{
            "dpus=100 runs on 94 DPUs: 1500 M*N rows in equal blocks of 16 (ceil(1500 / 100) rounded up "
            "to a multiple of 2) fill 94 DPUs; a count that divides the blocks evenly uses every DPU"}));
    EXPECT_EQ(
        baselines::named_schedule_notes("rc-tile", workload, {{"dpus_z", "31"}, {"dpus_x", "4"}}, machine),
        (std::vector<std::string>{
            "dpus_z=31 runs on 30 DPUs: 30 M rows in blocks of 1 fill at most 30 DPUs; use dpus_z <= 30"}));
    // Counts the blocks fill, and defaults, are not noted.
    EXPECT_TRUE(baselines::named_schedule_notes("prim", workload, {{"dpus", "7"}}, machine).empty());
    EXPECT_TRUE(baselines::named_schedule_notes("prim", workload, {}, machine).empty());
}

}  // namespace
}  // namespace atim::runtime

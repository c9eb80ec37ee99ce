// The `simplepim` named schedule end to end on the simulator with every DPU simulated: va and red, shapes
// that divide evenly over DPUs, tasklets and blocks and shapes that do not, with SimplePIM's own 12 tasklets
// and 256-element blocks; outputs compared bit-exactly with the reference. Also the data flow SimplePIM
// prescribes: one parallel push per input and one parallel pull (of one value per DPU for red).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

struct SimplePimCase {
    std::string workload;
    int64_t elements;
    int64_t dpus;
};

TEST(SimplePimSchedule, RunsBitExactWithEveryDpuSimulated) {
    SimRunOptions options;
    options.machine = target::load_machine("upmem-rank");
    options.mode = sim::SimulationMode::Full;
    for (const SimplePimCase &c : std::vector<SimplePimCase>{
             {"va", 4 * 12 * 256, 4},  // every tasklet one whole block
             {"va", 10007, 3},         // padded chunks, a clipped last block, idle tasklets
             {"red", 4 * 12 * 256, 4},
             {"red", 9999, 5},
             {"red", 100, 1},  // less than one block
         }) {
        const std::string what = fmt::format("simplepim {} {} on {} DPUs", c.workload, c.elements, c.dpus);
        const workloads::Workload workload = workloads::make_workload(c.workload, {c.elements});
        const schedule::Schedule sch = baselines::apply_named_schedule(
            "simplepim", workload, {{"dpus", std::to_string(c.dpus)}}, options.machine);
        const lower::PimProgram program = lower::lower(sch, options.machine);
        EXPECT_EQ(program.grid.count(), c.dpus) << what;
        EXPECT_EQ(program.tasklets, 12) << what;  // SimplePIM's NR_TASKLETS

        // simplepim_scatter: one parallel push per input (atim timing keeps va's and red's inputs
        // resident, so it is outside the timed call); simplepim_gather: one parallel pull.
        EXPECT_EQ(program.to_dpu.size(), workload.func.inputs.size()) << what;
        for (const lower::Transfer &t : program.to_dpu)
            EXPECT_EQ(t.kind, lower::TransferKind::Parallel) << what;
        ASSERT_EQ(program.from_dpu.size(), 1u) << what;
        EXPECT_EQ(program.from_dpu[0].kind, lower::TransferKind::Parallel) << what;
        // red: the DPU's tasklet partials are merged in WRAM, so one 8-byte value per DPU comes back.
        if (c.workload == "red") {
            EXPECT_EQ(program.from_dpu[0].bytes_per_dpu, 8) << what;
        }

        const RunResult result = run_sim(workload, program, options);
        std::string mismatches;
        for (const Mismatch &m : result.mismatches)
            mismatches += fmt::format(" {}[{}] expected {} got {};", m.tensor, m.index, m.expected, m.got);
        EXPECT_TRUE(result.verified) << what << ": " << result.mismatch_count << " wrong:" << mismatches;
        EXPECT_EQ(result.verified_elements, result.total_elements) << what;
        ASSERT_TRUE(result.time_ms.kernel.has_value());
        EXPECT_GT(*result.time_ms.kernel, 0) << what;
    }
}

}  // namespace
}  // namespace atim::runtime

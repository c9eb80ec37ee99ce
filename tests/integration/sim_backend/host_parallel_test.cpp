// A host epilogue with a parallel final reduction (parallel + decompose_reduction on the mram rfactor
// consumer) verifies bit-exactly on the simulator in every mode and on the SDK emulator (where the OpenMP
// threads are real), and the simulated host time falls with the threads.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/codegen/c_codegen.h"
#include "atim/lower/lower.h"
#include "atim/runtime/emu_runner.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

struct Built {
    workloads::Workload workload;
    lower::PimProgram program;
};

// rc-tile with K over 4 DPUs; the host's sum of the 4 partials per row split into `threads` parallel chunks,
// its init hoisted out of the partial loop.
Built parallel_epilogue(const std::string &name, const std::string &shape, int64_t threads,
                        const target::UpmemMachine &machine) {
    workloads::Workload w = workloads::make_workload(name, workloads::parse_shape(name, shape));
    schedule::Schedule sch = baselines::apply_named_schedule(
        "rc-tile", w, {{"tasklets", "4"}, {"dpus_x", "2"}, {"dpus_y", "4"}}, machine);
    schedule::BlockRV consumer = sch.get_block("C");
    std::vector<schedule::LoopRV> loops = sch.get_loops(consumer);
    if (threads > 1) {
        std::vector<schedule::LoopRV> rows = sch.split(loops.front(), {threads, schedule::kInfer});
        sch.reorder({rows[0], loops.back(), rows[1]});
        sch.parallel(rows[0]);
    }
    sch.decompose_reduction(consumer, loops.back());
    return {w, lower::lower(sch, machine)};
}

std::string mismatches(const RunResult &r) {
    std::string text;
    for (const Mismatch &m : r.mismatches)
        text += fmt::format(" {}[{}] expected {} got {};", m.tensor, m.index, m.expected, m.got);
    return text;
}

TEST(HostParallelEpilogue, VerifiesBitExactlyInEverySimulationMode) {
    target::UpmemMachine machine = target::load_machine("upmem-rank");
    // 45 rows over 4 threads: an imperfect split, guarded on the host.
    for (const auto &[name, shape] : {std::pair{"mtv", "45x77"}, std::pair{"gemv", "64x96"}}) {
        Built b = parallel_epilogue(name, shape, 4, machine);
        ASSERT_TRUE(b.program.host_epilogue.defined());
        for (sim::SimulationMode mode :
             {sim::SimulationMode::Full, sim::SimulationMode::Identical, sim::SimulationMode::Sampled}) {
            SimRunOptions options;
            options.machine = machine;
            options.mode = mode;
            options.threads = 1;
            RunResult r = run_sim(b.workload, b.program, options);
            EXPECT_TRUE(r.verified) << name << " mode " << static_cast<int>(mode) << mismatches(r);
            EXPECT_GT(r.verified_elements, 0);
        }
    }
}

TEST(HostParallelEpilogue, MoreThreadsShortenTheSimulatedHostPhase) {
    target::UpmemMachine machine = target::load_machine("upmem-rank");
    SimRunOptions options;
    options.machine = machine;
    options.threads = 1;
    double previous_after = 0;
    for (int64_t threads : {1, 8}) {
        Built b = parallel_epilogue("mtv", "2048x64", threads, machine);
        RunResult r = run_sim(b.workload, b.program, options);
        ASSERT_TRUE(r.verified) << mismatches(r);
        if (threads > 1) {
            EXPECT_LT(*r.time_ms.after, previous_after);
        }
        previous_after = *r.time_ms.after;
    }
}

TEST(HostParallelEpilogue, RunsOnRealThreadsUnderTheSdkEmulator) {
    target::UpmemMachine machine = target::load_machine("upmem-rank");
    Built b = parallel_epilogue("mtv", "45x77", 4, machine);
    ASSERT_NE(codegen::emit_c(b.program).host_c.find("#pragma omp parallel for"), std::string::npos);
    RunResult r = run_emu(b.workload, b.program, RunOptions{});
    EXPECT_TRUE(r.verified) << mismatches(r);
}

}  // namespace
}  // namespace atim::runtime

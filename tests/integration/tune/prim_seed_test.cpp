// PrIM's points written in our sketches (the search's seeds): on every workload they replay, lower and run
// bit-exactly on the simulator, on awkward small shapes; and on elementwise and reduction shapes whose chunks
// divide evenly, they run PrIM's program: same DPUs, tasklets, transfers and (within address arithmetic)
// kernel time as the named `prim` schedule at the same point. (When they do not divide, the seed's contiguous
// ranges can use fewer tasklets than PrIM's cyclic blocks: geva 40000 on 32 DPUs, 16 tasklets, block 32 runs
// on 14 tasklets and 7% faster.)
#include <gtest/gtest.h>

#include <cmath>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/tune/runner.h"
#include "atim/tune/space.h"
#include "tune/space/prim_seeds.h"

namespace atim::tune {
namespace {

using PrimParams = std::map<std::string, std::string>;

target::UpmemMachine small_machine() {
    return target::machine_from_json_text(R"({"dpus": 64, "name": "test-64"})");
}

std::optional<Candidate> seed_at(const workloads::Workload &w, const target::UpmemMachine &m,
                                 const PrimParams &point) {
    const std::map<std::string, int64_t> params =
        baselines::resolve_named_schedule_params("prim", w, point, m);
    return space::prim_seed(generate_sketches(w, m), w, m, params);
}

TEST(PrimSeeds, RunBitExactlyOnEveryWorkload) {
    struct Small {
        std::string workload;
        std::vector<int64_t> shape;
    };
    const std::vector<Small> shapes = {{"va", {1000}},       {"geva", {997}},    {"red", {6000}},
                                       {"mtv", {96, 120}},   {"gemv", {90, 77}}, {"ttv", {6, 10, 48}},
                                       {"mmtv", {6, 10, 48}}};
    const target::UpmemMachine m = small_machine();
    for (const Small &s : shapes) {
        const workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        int ran = 0;
        for (const char *dpus : {"4", "16", "64"}) {
            for (const char *tasklets : {"8", "16"}) {
                for (const char *block : {"8", "64"}) {
                    const PrimParams point = {{"dpus", dpus}, {"tasklets", tasklets}, {"block", block}};
                    SCOPED_TRACE(s.workload + " dpus " + dpus + " tasklets " + tasklets + " block " + block);
                    std::optional<Candidate> seed;
                    try {
                        seed = seed_at(w, m, point);
                    } catch (const UserError &) {
                        continue;  // a point the named schedule itself refuses on this shape
                    }
                    ASSERT_TRUE(seed.has_value());
                    if (reject_reason(*seed, w, m, {})) continue;
                    schedule::Schedule sch = seed->trace.replay(w.func);
                    sch.set_resident_inputs(w.resident_inputs);
                    runtime::SimRunOptions options;
                    options.machine = m;
                    options.threads = 1;
                    options.mode = sim::SimulationMode::Full;
                    EXPECT_TRUE(runtime::run_sim(w, lower::lower(sch, m), options).verified);
                    ++ran;
                }
            }
        }
        EXPECT_GE(ran, 4) << s.workload << ": too few seeds ran";
    }
}

/// `trace` with its host-call annotation switched to ATiM's calls.
schedule::Trace with_atim_host_calls(const schedule::Trace &trace) {
    for (size_t i = 0; i < trace.size(); ++i) {
        schedule::Instruction instruction = trace.instructions()[i];
        if (instruction.kind != "annotate_host_calls") continue;
        instruction.attrs["style"] = "atim";
        return trace.with_instruction(i, instruction);
    }
    ADD_FAILURE() << "the prim trace has no annotate_host_calls";
    return trace;
}

TEST(PrimSeeds, ElementwiseAndReductionSeedsArePrimsProgram) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    RunnerOptions runner_options;
    runner_options.machine = m;
    runner_options.threads = 1;
    std::unique_ptr<Runner> runner = make_sim_runner(runner_options);
    struct Case {
        std::string workload;
        std::vector<int64_t> shape;
        PrimParams point;
    };
    for (const Case &c :
         std::vector<Case>{{"va", {65536}, {{"dpus", "64"}, {"tasklets", "16"}, {"block", "64"}}},
                           {"geva", {65536}, {{"dpus", "32"}, {"tasklets", "16"}, {"block", "32"}}},
                           {"red", {65536}, {{"dpus", "128"}, {"tasklets", "16"}, {"block", "16"}}}}) {
        SCOPED_TRACE(c.workload);
        const workloads::Workload w = workloads::make_workload(c.workload, c.shape);
        std::optional<Candidate> seed = seed_at(w, m, c.point);
        ASSERT_TRUE(seed.has_value());
        // The tuner's programs use ATiM's host calls (dpu_broadcast_to for geva's scalars); compare with
        // PrIM's program under the same calls.
        const schedule::Trace prim =
            with_atim_host_calls(baselines::apply_named_schedule("prim", w, c.point, m).trace());
        const std::vector<MeasureResult> r = runner->run(w, {prim, seed->trace});
        ASSERT_TRUE(r[0].ok()) << r[0].error;
        ASSERT_TRUE(r[1].ok()) << r[1].error;
        EXPECT_EQ(r[1].dpus, r[0].dpus);
        EXPECT_EQ(r[1].tasklets, r[0].tasklets);
        EXPECT_DOUBLE_EQ(r[1].h2d_ms, r[0].h2d_ms);
        // PrIM's RED sends every tasklet's partial to the host, the seed sums them on the DPU first (its
        // space has no host-visible per-tasklet partials): gather, host work and kernel differ by design.
        if (c.workload == "red") continue;
        EXPECT_DOUBLE_EQ(r[1].after_ms, r[0].after_ms);
        // PrIM hands blocks to tasklets cyclically, the seed in contiguous ranges: the same DMA sizes and
        // counts, so the kernel differs by address arithmetic only.
        EXPECT_NEAR(r[1].kernel_ms, r[0].kernel_ms, 0.01 * r[0].kernel_ms);
    }
}

TEST(PrimSeeds, RowReductionSeedsTakePrimsRowBlocks) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const auto &[workload, shape, dpus, want_dpus] :
         std::vector<std::tuple<std::string, std::vector<int64_t>, std::string, int64_t>>{
             {"mtv", {1024, 1024}, "256", 256},
             {"ttv", {32, 64, 512}, "32", 32},
             // 16 of the M*N rows per DPU: blocks of j rows inside an i-row, on a 4 x 32 grid.
             {"ttv", {32, 64, 512}, "128", 128},
             {"mmtv", {32, 64, 512}, "8", 256}}) {
        SCOPED_TRACE(workload);
        const workloads::Workload w = workloads::make_workload(workload, shape);
        std::optional<Candidate> seed = seed_at(w, m, {{"dpus", dpus}, {"tasklets", "16"}, {"block", "128"}});
        ASSERT_TRUE(seed.has_value());
        EXPECT_EQ(reject_reason(*seed, w, m, {}), std::nullopt);
        schedule::Schedule sch = seed->trace.replay(w.func);
        sch.set_resident_inputs(w.resident_inputs);
        EXPECT_EQ(lower::lower(sch, m).grid.count(), want_dpus);
    }
}

}  // namespace
}  // namespace atim::tune

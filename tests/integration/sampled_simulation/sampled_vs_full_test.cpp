// The sampled simulation mode against the full one: for every workload under prim and rc-tile (shapes that
// divide evenly and shapes that do not, cross-DPU reductions included), the output elements sampled mode
// reports as known equal the full simulation's, they verify against the reference, and the estimated kernel
// time stays within kKernelTimeBound of the fully simulated one.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/runtime/verification.h"
#include "atim/schedule/schedule.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

// Sampled mode charges unsimulated DPUs the cycles of a simulated DPU of their class; with inputs in [0, 50)
// the data-dependent part (mul_step ladders) varies little between DPUs. The bound is the stated accuracy of
// the estimate on these shapes, not a fit: the largest difference measured when this test was written was
// 0.28% (sampled below full: it takes the maximum over fewer DPUs).
constexpr double kKernelTimeBound = 0.02;

struct SampledCase {
    std::string workload, shape, schedule;
    std::map<std::string, std::string> params;

    std::string name() const {
        std::string text = fmt::format("{}_{}_{}", workload, shape, schedule);
        for (const auto &[key, value] : params) text += fmt::format("_{}{}", key, value);
        for (char &c : text)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return text;
    }
};

std::vector<SampledCase> sampled_cases() {
    const std::map<std::string, std::vector<std::string>> shapes = {
        {"va", {"4096", "4001"}},       {"geva", {"4096", "4003"}},   {"red", {"4096", "4001"}},
        {"mtv", {"64x128", "61x45"}},   {"gemv", {"64x64", "59x45"}}, {"ttv", {"4x8x32", "5x7x37"}},
        {"mmtv", {"4x8x32", "3x9x29"}},
    };
    std::vector<SampledCase> cases;
    for (const auto &[workload, list] : shapes) {
        for (const std::string &shape : list) {
            cases.push_back({workload, shape, "prim", {{"tasklets", "4"}, {"dpus", "8"}}});
            cases.push_back({workload, shape, "rc-tile", {{"tasklets", "4"}, {"dpus_x", "8"}}});
            if (workload == "mtv" || workload == "gemv" || workload == "mmtv")  // K split: host sums partials
                cases.push_back(
                    {workload, shape, "rc-tile", {{"tasklets", "4"}, {"dpus_x", "4"}, {"dpus_y", "2"}}});
            if (workload == "ttv")  // the j x K x i grid
                cases.push_back({workload,
                                 shape,
                                 "rc-tile",
                                 {{"tasklets", "4"}, {"dpus_x", "2"}, {"dpus_y", "2"}, {"dpus_z", "2"}}});
        }
    }
    return cases;
}

class SampledVsFull : public ::testing::TestWithParam<SampledCase> {};

TEST_P(SampledVsFull, KnownOutputsMatchAndKernelTimeIsClose) {
    const SampledCase &c = GetParam();
    const target::UpmemMachine machine = target::load_machine("upmem-rank");
    workloads::Workload workload =
        workloads::make_workload(c.workload, workloads::parse_shape(c.workload, c.shape));
    lower::PimProgram program =
        lower::lower(baselines::apply_named_schedule(c.schedule, workload, c.params, machine), machine);
    ReferenceData reference = prepare_reference(workload, 1);

    SimRunOptions options;
    options.machine = machine;
    options.mode = sim::SimulationMode::Full;
    SimExecution full = execute_on_sim(program, reference.inputs, options);
    options.mode = sim::SimulationMode::Sampled;
    SimExecution sampled = execute_on_sim(program, reference.inputs, options);

    int64_t known = 0;
    for (const auto &[name, values] : full.outputs) {
        ASSERT_TRUE(sampled.known.contains(name)) << name;
        const std::vector<uint8_t> &mask = sampled.known.at(name);
        for (size_t i = 0; i < values.size(); ++i) {
            if (!mask[i]) continue;
            ++known;
            ASSERT_EQ(sampled.outputs.at(name)[i], values[i]) << name << "[" << i << "]";
        }
    }
    EXPECT_GT(known, 0) << "sampled mode verified nothing";
    EXPECT_LE(sampled.simulated_dpus, program.grid.count());
    EXPECT_EQ(full.outputs, reference.expected);

    const double full_ms = full.measurement.kernel_ms, sampled_ms = sampled.measurement.kernel_ms;
    EXPECT_LE(std::abs(sampled_ms - full_ms), kKernelTimeBound * full_ms)
        << "sampled " << sampled_ms << " ms, full " << full_ms << " ms";

    RunResult result = run_sim(workload, program, options, reference);
    EXPECT_TRUE(result.verified) << result.mismatch_count << " mismatches";
    EXPECT_EQ(result.verified_elements, known);
    EXPECT_EQ(result.stats.at("simulation").at("mode"), "sampled");
}

INSTANTIATE_TEST_SUITE_P(Workloads, SampledVsFull, ::testing::ValuesIn(sampled_cases()),
                         [](const ::testing::TestParamInfo<SampledCase> &info) { return info.param.name(); });

TEST(SampledSimulation, MtvPrimSimulatesFewDpusAndVerifiesTheirRows) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    workloads::Workload workload = workloads::make_workload("mtv", workloads::parse_shape("mtv", "512x256"));
    lower::PimProgram program = lower::lower(
        baselines::apply_named_schedule("prim", workload, {{"dpus", "64"}, {"tasklets", "4"}}, machine),
        machine);
    SimRunOptions options;
    options.machine = machine;
    options.mode = sim::SimulationMode::Sampled;
    RunResult result = run_sim(workload, program, options);
    EXPECT_TRUE(result.verified);
    const nlohmann::json &simulation = result.stats.at("simulation");
    // Every DPU holds 8 whole rows: one class, its first and last DPU simulated.
    EXPECT_EQ(simulation.at("timing_classes"), 1);
    EXPECT_EQ(simulation.at("simulated_dpus"), 2);
    EXPECT_EQ(result.verified_elements, 16);
    EXPECT_EQ(result.total_elements, 512);
    EXPECT_EQ(simulation.at("kernel_time"), "estimated");
}

/// MTV 15x64 split over a 5 x 2 DPU grid (3 rows and half of K per DPU, partial sums in MRAM, 3 tasklets
/// of one row each): the schedule shape the tuner samples, with a gathered box that is not 8-byte aligned.
schedule::Schedule odd_row_rfactor_schedule(const workloads::Workload &workload) {
    schedule::Schedule sch(workload.func);
    schedule::BlockRV block = sch.get_block("C");
    std::vector<schedule::LoopRV> loops = sch.get_loops(block);
    std::vector<schedule::LoopRV> k = sch.split(loops[1], std::vector<schedule::Factor>{2, 32});
    schedule::BlockRV partial = sch.rfactor(k[0], "mram");
    std::vector<schedule::LoopRV> rows = sch.split(loops[0], std::vector<schedule::Factor>{5, 3});
    std::vector<schedule::LoopRV> row_tile = sch.split(rows[1], std::vector<schedule::Factor>{3, 1});
    sch.reorder({rows[0], k[0], row_tile[0], k[1], row_tile[1]});
    sch.bind(rows[0], "dpu.x");
    sch.bind(k[0], "dpu.y");
    sch.bind(row_tile[0], "tasklet");
    sch.decompose_reduction(partial, k[1]);
    sch.compute_at(sch.cache_read(partial, "A", "wram"), row_tile[0]);
    sch.compute_at(sch.cache_read(partial, "B", "wram"), row_tile[0]);
    sch.reverse_compute_at(sch.cache_write(partial, "wram"), row_tile[0]);
    return sch;
}

TEST(SampledSimulation, PaddedPartialBoxesDoNotJoinTheRowsOfTheGrid) {
    // 3 int32 rows per DPU are gathered as 16 bytes: each box's padding reaches into the next DPU's rows,
    // whose value the host keeps (it unpacks in DPU order). That padding must not make DPU 0's neighbours
    // along the rows look combined with it by the host's reduction, which would simulate every DPU.
    const target::UpmemMachine machine = target::load_machine("upmem-rank");
    workloads::Workload workload = workloads::make_workload("mtv", workloads::parse_shape("mtv", "15x64"));
    lower::PimProgram program = lower::lower(odd_row_rfactor_schedule(workload), machine);
    ASSERT_EQ(program.grid.count(), 10);
    ASSERT_EQ(program.from_dpu.size(), 1u);
    ASSERT_EQ(program.from_dpu.front().bytes_per_dpu, 16) << "the gathered box is not padded";
    ReferenceData reference = prepare_reference(workload, 1);
    SimRunOptions options;
    options.machine = machine;
    options.mode = sim::SimulationMode::Sampled;
    RunResult result = run_sim(workload, program, options, reference);
    EXPECT_TRUE(result.verified);
    // Two timing classes (the last row of DPUs holds a clipped box), their first and last DPUs timed, and
    // DPU 0's partner along K computed for its values only: rows 0-2 and 12-14 are verified.
    EXPECT_EQ(result.stats.at("simulation").at("simulated_dpus"), 4);
    EXPECT_EQ(result.stats.at("simulation").at("values_only_dpus"), 1);
    EXPECT_EQ(result.verified_elements, 6);

    options.mode = sim::SimulationMode::Full;
    EXPECT_TRUE(run_sim(workload, program, options, reference).verified);
}

}  // namespace
}  // namespace atim::runtime

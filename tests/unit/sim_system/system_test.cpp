// sim::Machine: host operations on several simulated DPUs, results read back exactly, shared vs full
// simulation, phase accounting and one-line errors.
#include "atim/sim/system.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "atim/sim/assembler.h"
#include "atim/support/error.h"

namespace atim::sim {
namespace {

using ::testing::HasSubstr;

// Tasklet 0 adds values[0..count) (WRAM) and mram_values[0..count) (MRAM, fetched by one 64-byte DMA) into
// the running `total`, which persists across launches, and writes it to MRAM as well. count > 16 faults.
constexpr const char *kSumProgram = R"(
    .section .dpu_host
    .globl count
count:
    .long 0
    .globl total
total:
    .long 0
    .globl values
values:
    .zero 64
    .section .data
    .p2align 3
block:
    .zero 64
    .section .mram
    .p2align 3
    .globl mram_values
mram_values:
    .zero 64
    .globl mram_total
mram_total:
    .zero 8

    .text
    .globl main
main:
    jnz id, .Ldone
    lw r8, zero, count
    jgtu r8, 16, .Lbad
    move r9, block
    move r10, mram_values
    ldma r9, r10, 7
    lw r11, zero, total
    move r12, values
.Lloop:
    jz r8, .Lstore
    lw r13, r12, 0
    add r11, r11, r13
    lw r13, r9, 0
    add r11, r11, r13
    add r12, r12, 4
    add r9, r9, 4
    add r8, r8, -1
    jump .Lloop
.Lstore:
    sw zero, total, r11
    move r9, block
    sw r9, 0, r11
    move r14, 0
    sw r9, 4, r14
    move r10, mram_total
    sdma r9, r10, 0
.Ldone:
    jump r23
.Lbad:
    fault 3
)";

std::shared_ptr<const Program> sum_program() {
    AssembleOptions options;
    options.tasklets = 4;
    return std::make_shared<const Program>(assemble(kSumProgram, "sum.S", options));
}

std::vector<uint8_t> words(const std::vector<uint32_t> &values) {
    std::vector<uint8_t> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

uint32_t word(const std::vector<uint8_t> &bytes) {
    uint32_t value = 0;
    std::memcpy(&value, bytes.data(), 4);
    return value;
}

/// 16 values for DPU `dpu`: dpu*100 + i.
std::vector<uint32_t> values_of(int dpu) {
    std::vector<uint32_t> values(16);
    for (int i = 0; i < 16; ++i) values[i] = static_cast<uint32_t>(dpu * 100 + i);
    return values;
}

uint32_t expected_sum(int dpu, uint32_t count, uint32_t mram_value) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i < count; ++i) sum += values_of(dpu)[i] + mram_value;
    return sum;
}

constexpr int kDpus = 6;

/// Gives every DPU its own values and count (dpu + 3), the same MRAM values (7 each), and launches once.
Machine run_distinct(bool simulate_all) {
    MachineOptions options;
    options.mode = simulate_all ? SimulationMode::Full : SimulationMode::Identical;
    options.threads = 2;
    Machine machine(target::load_machine("upmem-rank"), options);
    machine.allocate(kDpus);
    machine.load(sum_program(), 4);
    PerDpuBytes values, counts;
    for (int dpu = 0; dpu < kDpus; ++dpu) {
        values.push_back(words(values_of(dpu)));
        counts.push_back(words({static_cast<uint32_t>(dpu + 3)}));
    }
    machine.push("values", 0, values);
    machine.push("count", 0, counts);
    machine.broadcast("mram_values", 0, words(std::vector<uint32_t>(16, 7)));
    machine.launch();
    return machine;
}

TEST(SystemMachine, DistinctDpusComputeTheirOwnResults) {
    for (bool simulate_all : {false, true}) {
        Machine machine = run_distinct(simulate_all);
        EXPECT_EQ(machine.distinct_simulations(), kDpus);
        PerDpuBytes wram = machine.gather("total", 0, 4);
        PerDpuBytes mram = machine.gather("mram_total", 0, 8);
        for (int dpu = 0; dpu < kDpus; ++dpu) {
            uint32_t want = expected_sum(dpu, dpu + 3, 7);
            EXPECT_EQ(word(wram[dpu]), want) << "DPU " << dpu;
            EXPECT_EQ(word(mram[dpu]), want) << "DPU " << dpu;
            EXPECT_EQ(machine.copy_from(dpu, "total", 0, 4), wram[dpu]);
        }
        // More work -> more cycles, and the kernel is the slowest DPU.
        EXPECT_LT(machine.last_stats(0).cycles, machine.last_stats(kDpus - 1).cycles);
        Measurement m = machine.take_measurement();
        EXPECT_EQ(m.kernel.cycles, machine.last_stats(kDpus - 1).cycles);
        EXPECT_EQ(m.counter("simulated_dpu_runs"), kDpus);
        EXPECT_EQ(m.counter("dpu_runs"), kDpus);
    }
}

TEST(SystemMachine, IdenticalDpusShareOneSimulationWithTheSameCycles) {
    auto run = [](bool simulate_all) {
        MachineOptions options;
        options.mode = simulate_all ? SimulationMode::Full : SimulationMode::Identical;
        Machine machine(target::load_machine("upmem-rank"), options);
        SystemRun result = machine.run(
            {op::Allocate{8}, op::Load{sum_program(), 4}, op::Broadcast{"values", 0, words(values_of(1))},
             op::Broadcast{"count", 0, words({5})}, op::Launch{}, op::Gather{"total", 0, 4}});
        return std::pair{result, machine.distinct_simulations()};
    };
    auto [shared, shared_simulations] = run(false);
    auto [full, full_simulations] = run(true);
    EXPECT_EQ(shared_simulations, 1);
    EXPECT_EQ(full_simulations, 8);
    EXPECT_EQ(shared.measurement.counter("simulated_dpu_runs"), 1);
    EXPECT_EQ(full.measurement.counter("simulated_dpu_runs"), 8);
    EXPECT_EQ(shared.measurement.kernel.cycles, full.measurement.kernel.cycles);
    EXPECT_EQ(shared.measurement.kernel.instructions, full.measurement.kernel.instructions);
    EXPECT_EQ(shared.measurement.total_ms, full.measurement.total_ms);
    EXPECT_EQ(shared.measurement.counter("total_instructions"), 8 * shared.measurement.kernel.instructions);
    ASSERT_EQ(shared.read_back.size(), 1u);
    for (int dpu = 0; dpu < 8; ++dpu) EXPECT_EQ(word(shared.read_back[0][dpu]), expected_sum(1, 5, 0));
    EXPECT_THAT(shared.measurement.note, HasSubstr("share one simulation"));
    EXPECT_THAT(full.measurement.note, HasSubstr("every DPU simulated"));
}

TEST(SystemMachine, WritingToOneSharedDpuSplitsItAndKeepsItsHistory) {
    Machine machine(target::load_machine("upmem-rank"));
    machine.allocate(4);
    machine.load(sum_program(), 4);
    machine.broadcast("values", 0, words(values_of(2)));
    machine.broadcast("count", 0, words({4}));
    machine.launch();  // total = sum of 4 values everywhere, one simulation
    EXPECT_EQ(machine.distinct_simulations(), 1);
    machine.copy_to(2, "count", 0, words({16}));
    EXPECT_EQ(machine.distinct_simulations(), 2);
    machine.launch();  // DPU 2 adds 16 values to the total of the first launch (replayed), the others 4 again
    PerDpuBytes totals = machine.gather("total", 0, 4);
    uint32_t first = expected_sum(2, 4, 0);
    for (int dpu : {0, 1, 3}) EXPECT_EQ(word(totals[dpu]), first + expected_sum(2, 4, 0)) << dpu;
    EXPECT_EQ(word(totals[2]), first + expected_sum(2, 16, 0));
    EXPECT_GT(machine.last_stats(2).cycles, machine.last_stats(0).cycles);
}

TEST(SystemMachine, SampledModeSimulatesOnlyTheChosenDpusAndChargesTheOthersTheirStandIns) {
    MachineOptions options;
    options.mode = SimulationMode::Sampled;
    Machine machine(target::load_machine("upmem-rank"), options);
    machine.allocate(kDpus);
    machine.load(sum_program(), 4);
    // DPUs 0 and 5 are simulated; 1..4 take DPU 0's timing, whatever their own count would cost.
    machine.sample({0, 0, 0, 0, 0, 5});
    std::vector<int> produced;
    machine.push("values", 0, 64, [&](int dpu) {
        produced.push_back(dpu);
        return words(values_of(dpu));
    });
    PerDpuBytes counts;
    for (int dpu = 0; dpu < kDpus; ++dpu) counts.push_back(words({static_cast<uint32_t>(dpu + 3)}));
    machine.push("count", 0, counts);
    machine.broadcast("mram_values", 0, words(std::vector<uint32_t>(16, 7)));
    machine.launch();
    EXPECT_EQ(produced, (std::vector<int>{0, 5}));  // the bytes of left-out DPUs are never built
    EXPECT_EQ(machine.distinct_simulations(), 2);
    PerDpuBytes totals = machine.gather("total", 0, 4);
    EXPECT_EQ(word(totals[0]), expected_sum(0, 3, 7));
    EXPECT_EQ(word(totals[5]), expected_sum(5, 8, 7));
    for (int dpu = 1; dpu < 5; ++dpu) {
        EXPECT_FALSE(machine.simulated(dpu));
        EXPECT_EQ(word(totals[dpu]), 0u) << dpu;
        EXPECT_EQ(machine.last_stats(dpu).cycles, machine.last_stats(0).cycles) << dpu;
    }
    EXPECT_TRUE(machine.simulated(5));
    EXPECT_LT(machine.last_stats(0).cycles, machine.last_stats(5).cycles);
    Measurement m = machine.take_measurement();
    EXPECT_EQ(m.kernel.cycles, machine.last_stats(5).cycles);
    EXPECT_EQ(m.counter("simulated_dpu_runs"), 2);
    EXPECT_EQ(m.counter("estimated_dpu_runs"), 4);
    EXPECT_EQ(m.counter("dpu_runs"), kDpus);
    EXPECT_THAT(m.note, HasSubstr("4 DPU runs not simulated cycle by cycle"));
}

TEST(SystemMachine, ValuesOnlyDpusAreComputedUntimedAndChargedTheirStandIns) {
    MachineOptions options;
    options.mode = SimulationMode::Sampled;
    Machine machine(target::load_machine("upmem-rank"), options);
    machine.allocate(kDpus);
    machine.load(sum_program(), 4);
    // DPU 0 is timed; 2 and 3 are computed for their values only, with DPU 0's timing; 1, 4, 5 left out.
    machine.sample({0, 0, 0, 0, 0, 0}, {0, 0, 1, 1, 0, 0});
    machine.push("values", 0, 64, [&](int dpu) { return words(values_of(dpu)); });
    PerDpuBytes counts;
    for (int dpu = 0; dpu < kDpus; ++dpu) counts.push_back(words({static_cast<uint32_t>(dpu + 3)}));
    machine.push("count", 0, counts);
    machine.broadcast("mram_values", 0, words(std::vector<uint32_t>(16, 7)));
    machine.launch();
    PerDpuBytes totals = machine.gather("total", 0, 4);
    for (int dpu : {0, 2, 3}) {
        EXPECT_TRUE(machine.simulated(dpu)) << dpu;
        EXPECT_EQ(word(totals[dpu]), expected_sum(dpu, dpu + 3, 7)) << dpu;
        EXPECT_EQ(machine.last_stats(dpu).cycles, machine.last_stats(0).cycles) << dpu;
    }
    for (int dpu : {1, 4, 5}) EXPECT_FALSE(machine.simulated(dpu)) << dpu;
    Measurement m = machine.take_measurement();
    EXPECT_EQ(m.kernel.cycles, machine.last_stats(0).cycles);  // the untimed DPUs never set the kernel time
    EXPECT_EQ(m.counter("simulated_dpu_runs"), 1);
    EXPECT_EQ(m.counter("functional_dpu_runs"), 2);
    EXPECT_EQ(m.counter("estimated_dpu_runs"), 5);
}

TEST(SystemMachine, SampleIsRefusedAfterWritesAndForUnsimulatedStandIns) {
    MachineOptions options;
    options.mode = SimulationMode::Sampled;
    Machine machine(target::load_machine("upmem-rank"), options);
    machine.allocate(3);
    machine.load(sum_program(), 4);
    EXPECT_THROW(machine.sample({1, 0, 2}), UserError);  // DPU 0 stands in for 1 but is left out itself
    EXPECT_THROW(machine.sample({0, 0}), UserError);
    EXPECT_THROW(machine.sample({0, 0, 2}, {0, 1}), UserError);  // flags for 2 of 3 DPUs
    machine.broadcast("count", 0, words({1}));
    EXPECT_THROW(machine.sample({0, 0, 2}), UserError);
    Machine identical(target::load_machine("upmem-rank"));
    identical.allocate(2);
    identical.load(sum_program(), 4);
    EXPECT_THROW(identical.sample({0, 0}), UserError);
    EXPECT_EQ(parse_simulation_mode("sampled"), SimulationMode::Sampled);
    EXPECT_THROW(parse_simulation_mode("some"), UserError);
}

TEST(SystemMachine, PhasesAndKernelTime) {
    target::UpmemMachine preset = target::load_machine("upmem-rank");
    Machine machine(preset);
    SystemRun result = machine.run({op::Allocate{4}, op::Load{sum_program(), 4},
                                    op::Push{"values", 0, PerDpuBytes(4, words(values_of(0)))},
                                    op::Broadcast{"count", 0, words({3})}, op::Launch{},
                                    op::Gather{"mram_total", 0, 8}, op::HostWork{{4, 16, 1, 0}}});
    const Measurement &m = result.measurement;
    HostModel host(preset);
    auto call = [](HostDirection direction, TransferSource source, TransferMemory memory, int64_t bytes,
                   bool after_launch) {
        TransferCall c;
        c.direction = direction, c.source = source, c.memory = memory, c.dpus = 4, c.bytes_per_dpu = bytes;
        c.after_launch = after_launch;
        return c;
    };
    // `values` and `count` are WRAM symbols (control interface), `mram_total` an MRAM one: the first MRAM
    // access after the launch switches the memory back to the host.
    const double h2d = host.transfer_ms(call(HostDirection::ToDpu, TransferSource::PerDpuBuffers,
                                             TransferMemory::Wram, 64, false)) +
                       host.transfer_ms(call(HostDirection::ToDpu, TransferSource::Broadcast,
                                             TransferMemory::Wram, 4, false));
    EXPECT_DOUBLE_EQ(m.h2d_ms, h2d);
    EXPECT_DOUBLE_EQ(m.kernel_ms, host.launch_ms(4) + static_cast<double>(m.kernel.cycles) / (350 * 1e3));
    EXPECT_DOUBLE_EQ(m.after_ms, host.transfer_ms(call(HostDirection::FromDpu, TransferSource::PerDpuBuffers,
                                                       TransferMemory::Mram, 8, true)) +
                                     host.host_work_ms({4, 16, 1, 0}));
    EXPECT_DOUBLE_EQ(m.total_ms, m.h2d_ms + m.kernel_ms + m.after_ms);
    EXPECT_EQ(m.counter("host_to_dpu_bytes"), 4 * 64 + 4 * 4);
    EXPECT_EQ(m.counter("dpu_to_host_bytes"), 4 * 8);
    EXPECT_EQ(m.counter("launches"), 1);
    EXPECT_EQ(m.counter("dpus"), 4);
    EXPECT_GT(m.kernel.cycles, 0);
    // The events, in order, with their phases.
    ASSERT_EQ(m.host_events.size(), 5u);
    EXPECT_EQ(m.host_events[0].phase, Phase::H2d);
    EXPECT_EQ(m.host_events[0].transfer.memory, TransferMemory::Wram);
    EXPECT_EQ(m.host_events[1].transfer.source, TransferSource::Broadcast);
    EXPECT_EQ(m.host_events[3].transfer.memory, TransferMemory::Mram);
    EXPECT_EQ(m.host_events[2].kind, HostEvent::Kind::Launch);
    EXPECT_EQ(m.host_events[2].phase, Phase::Kernel);
    EXPECT_TRUE(m.host_events[3].transfer.after_launch);
    EXPECT_EQ(m.host_events[4].kind, HostEvent::Kind::Work);
    EXPECT_EQ(m.host_events[4].phase, Phase::After);
}

TEST(SystemMachine, ImpossibleOperationsAreOneLineUserErrors) {
    struct Case {
        std::string name;
        std::vector<HostOp> ops;
        std::string message;
    };
    auto program = sum_program();
    std::vector<Case> cases = {
        {"too many DPUs", {op::Allocate{65}}, "cannot allocate 65 DPUs"},
        {"load first", {op::Allocate{2}, op::Launch{}}, "load"},
        {"unequal push",
         {op::Allocate{2}, op::Load{program, 4}, op::Push{"values", 0, {words({1, 2}), words({1})}}},
         "equal sizes"},
        {"misaligned MRAM",
         {op::Allocate{2}, op::Load{program, 4}, op::Broadcast{"mram_values", 4, words({1, 2})}},
         "8-byte aligned"},
        {"unknown symbol", {op::Allocate{2}, op::Load{program, 4}, op::Gather{"nothing", 0, 8}}, "nothing"},
        {"missing DPU", {op::Allocate{2}, op::Load{program, 4}, op::CopyFrom{5, "total", 0, 4}}, "DPU 5"},
    };
    for (const Case &c : cases) {
        Machine machine(target::load_machine("upmem-rank"));
        try {
            machine.run(c.ops);
            ADD_FAILURE() << c.name << ": no error";
        } catch (const UserError &e) {
            EXPECT_THAT(e.what(), HasSubstr(c.message)) << c.name;
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << c.name;
        }
    }
}

TEST(SystemMachine, AFaultNamesTheDpu) {
    MachineOptions options;
    options.threads = 2;
    Machine machine(target::load_machine("upmem-rank"), options);
    PerDpuBytes counts(4, words({2}));
    counts[3] = words({17});  // > 16: the program faults
    try {
        machine.run(
            {op::Allocate{4}, op::Load{sum_program(), 4}, op::Push{"count", 0, counts}, op::Launch{}});
        ADD_FAILURE() << "no fault";
    } catch (const SimError &e) {
        EXPECT_THAT(e.what(), HasSubstr("DPU 3"));
    }
}

}  // namespace
}  // namespace atim::sim

// Cycle timing of the DPU model: revolver dispatch, register-bank stalls, DMA latency and serialization.
#include <string>

#include "sim_test_util.h"

namespace atim::sim {
namespace {

using testing::bare_dpu;

std::string nops_then_stop(int nops) {
    std::string source = "main:\n";
    for (int i = 0; i < nops; ++i) source += "    nop\n";
    return source + "    stop\n";
}

target::UpmemMachine without_bank_stall() {
    target::UpmemMachine machine;
    machine.dpu.register_bank_stall = false;
    return machine;
}

TEST(Timing, RevolverSpacesOneTaskletsIssuesByElevenCycles) {
    // 11 instructions issue at cycles 0, 11, .., 110; the run ends after the last issue.
    Dpu dpu = bare_dpu(nops_then_stop(10), 1);
    DpuStats stats = dpu.run();
    EXPECT_EQ(stats.instructions, 11);
    EXPECT_EQ(stats.cycles, 111);
    EXPECT_EQ(stats.issue_cycles, 11);
    EXPECT_EQ(stats.revolver_wait_cycles, 100);
    EXPECT_EQ(stats.dma_wait_cycles, 0);
}

TEST(Timing, ElevenOrMoreTaskletsIssueEveryCycle) {
    struct Case {
        int tasklets;
        int64_t cycles;
    };
    // 11 instructions per tasklet. Below 11 tasklets, tasklet i issues its k-th instruction at 11k + i.
    for (auto [tasklets, cycles] : {Case{1, 111}, Case{5, 115}, Case{10, 120}, Case{11, 121}, Case{12, 132},
                                    Case{16, 176}, Case{24, 264}}) {
        Dpu dpu = bare_dpu(nops_then_stop(10), tasklets);
        DpuStats stats = dpu.run();
        EXPECT_EQ(stats.cycles, cycles) << tasklets << " tasklets";
        EXPECT_EQ(stats.instructions, 11 * tasklets);
        EXPECT_EQ(
            stats.issue_cycles + stats.revolver_wait_cycles + stats.dma_wait_cycles + stats.rf_stall_cycles,
            stats.cycles);
        for (int t = 0; t < tasklets; ++t) EXPECT_EQ(stats.tasklet_instructions[t], 11);
    }
}

TEST(Timing, ExactCyclesOfATinyLoop) {
    // move + 3 loop iterations + stop = 5 instructions on one tasklet: 4 gaps of 11 cycles + 1.
    Dpu dpu = bare_dpu("main:\n move r0, 3\nloop:\n sub r0, r0, 1, nz, loop\n stop\n", 1);
    EXPECT_EQ(dpu.run().cycles, 45);
    // The same loop on 12 tasklets keeps the pipeline full: 60 instructions, 60 cycles.
    Dpu full = bare_dpu("main:\n move r0, 3\nloop:\n sub r0, r0, 1, nz, loop\n stop\n", 12);
    EXPECT_EQ(full.run().cycles, 60);
}

TEST(Timing, RegisterBankStallOnTwoEvenOperands) {
    // `add r0, r2, r4` reads two even registers: one extra cycle during which nobody issues.
    // `add r0, r1, r2` reads one of each bank: no stall.
    struct Case {
        std::string add;
        bool stall_on;
        int64_t cycles;
    };
    for (const auto &c : {Case{"add r0, r2, r4", true, 36}, Case{"add r0, r2, r4", false, 24},
                          Case{"add r0, r1, r2", true, 24}, Case{"add r1, r3, r5", true, 36},
                          Case{"add r1, r3, r5", false, 24}}) {
        target::UpmemMachine machine;
        machine.dpu.register_bank_stall = c.stall_on;
        Dpu dpu = bare_dpu("main:\n " + c.add + "\n stop\n", 12, machine);
        DpuStats stats = dpu.run();
        EXPECT_EQ(stats.cycles, c.cycles)
            << c.add << (c.stall_on ? " with" : " without") << " the stall rule";
        EXPECT_EQ(stats.rf_stall_cycles, c.cycles - 24);
    }
}

TEST(Timing, RegisterBankStallCountsThePreviousInstructionsWrites) {
    // `move r2, 1` then `add r0, r4, 0`: r4 read + r2 just written = two even registers.
    target::UpmemMachine machine;
    machine.dpu.register_bank_stall = true;  // off in the presets; switched on to test the rule itself
    Dpu dpu = bare_dpu("main:\n move r2, 1\n add r0, r4, 0\n stop\n", 12, machine);
    EXPECT_EQ(dpu.run().rf_stall_cycles, 12);
}

// Tasklet i moves `bytes` from MRAM offset 0 to WRAM address i * 2048; instructions: lsl, move, dma, stop.
std::string dma_program(const char *dma, int bytes) {
    return "main:\n lsl r0, id, 11\n move r1, 0\n " + std::string(dma) + " r0, r1, " +
           std::to_string(bytes / 8 - 1) + "\n stop\n";
}

TEST(Timing, OneTransferTakesAlphaPlusBetaTimesBytes) {
    struct Case {
        const char *dma;
        int bytes;
        int64_t latency;  // alpha + 0.5 * bytes: 77 for reads, 61 for writes [upmem-hardware.md §3.2]
    };
    for (auto [dma, bytes, latency] : {Case{"ldma", 8, 81}, Case{"ldma", 256, 205}, Case{"ldma", 2048, 1101},
                                       Case{"sdma", 8, 65}, Case{"sdma", 2048, 1085}}) {
        Dpu dpu = bare_dpu(dma_program(dma, bytes), 1, without_bank_stall());
        DpuStats stats = dpu.run();
        // The transfer issues at cycle 22; `stop` issues when it completes.
        EXPECT_EQ(stats.cycles, 22 + latency + 1) << dma << " " << bytes;
        EXPECT_EQ(stats.dma_wait_cycles, latency - 1) << dma << " " << bytes;
        EXPECT_EQ(stats.dma_transfers, 1);
        EXPECT_EQ(std::string(dma) == "ldma" ? stats.dma_read_bytes : stats.dma_write_bytes, bytes);
    }
}

TEST(Timing, TwoTaskletsTransfersAreSerialized) {
    // Tasklet 0's 2048-B read (1101 cycles) is issued at 22, reaches the engine 14 pipeline cycles later and
    // holds it for 1101 - 14 - 11 = 1076 cycles (36..1112); tasklet 1's (issued at 23, at the engine at 37)
    // waits for it, holds it 1112..2188 and is back in the revolver 11 cycles later: 2199.
    Dpu serialized = bare_dpu(dma_program("ldma", 2048), 2, without_bank_stall());
    EXPECT_EQ(serialized.run().cycles, 2200);
    // With overlapped latency only the 1024 transfer cycles hold the engine: 1046 + 1101 = 2147.
    Dpu pipelined = bare_dpu(dma_program("ldma", 2048), 2, without_bank_stall(),
                             {.dma_model = DmaModel::PipelinedLatency});
    EXPECT_EQ(pipelined.run().cycles, 2148);
}

TEST(Timing, DmaMovesTheBytes) {
    const char *source = R"(
    .section .mram
    .p2align 3
source: .quad 0x1122334455667788, 42
target: .zero 16
    .data
    .p2align 3
staging: .zero 16
    .text
main:
    move r0, staging
    move r1, source
    ldma r0, r1, 1
    lw r2, zero, staging+8
    add r2, r2, 1
    sw zero, staging+8, r2
    move r1, target
    sdma r0, r1, 1
    stop
)";
    Dpu dpu = bare_dpu(source, 1);
    dpu.run();
    std::vector<uint8_t> target = dpu.read_symbol("target");
    ASSERT_EQ(target.size(), 16u);
    uint64_t first, second;
    std::memcpy(&first, target.data(), 8);
    std::memcpy(&second, target.data() + 8, 8);
    EXPECT_EQ(first, 0x1122334455667788ull);
    EXPECT_EQ(second, 43u);
}

TEST(Timing, WokenTaskletWaitsForThePipeline) {
    // Tasklet 0 boots tasklet 1 at cycle 0; tasklet 1 may issue 14 cycles later (pipeline depth).
    const char *source = "main:\n jnz id, second\n boot zero, 1\n stop\nsecond:\n stop\n";
    AssembleOptions options;
    options.link_bootstrap = options.link_runtime = false;
    auto program = std::make_shared<Program>(assemble(source, "test.S", options));
    program->has_bootstrap = true;
    program->linked_tasklets = 2;
    Dpu dpu(program, target::UpmemMachine{}, 2);
    // t0: jnz@0, boot@11 (t1 ready at 25), stop@22; t1: jnz@25, stop@36.
    EXPECT_EQ(dpu.run().cycles, 37);
}

}  // namespace
}  // namespace atim::sim

namespace atim::sim {
namespace {

// A vector add over 16 tasklets: each streams 256-B blocks of a and b from MRAM, adds them in WRAM and writes
// c.
constexpr const char *kVectorAdd = R"(
    .section .mram
    .p2align 3
a:  .zero 65536
b:  .zero 65536
c:  .zero 65536
    .text
main:
    move r8, r23
    lw r9, zero, __sys_heap_start
    lsl r10, id, 10
    add r10, r10, r9            // a block at heap + id * 1024, b block after it
    add r11, r10, 256
    lsl r13, id, 8              // this tasklet's first block offset
block:
    move r1, a
    add r1, r1, r13
    ldma r10, r1, 31
    move r1, b
    add r1, r1, r13
    ldma r11, r1, 31
    move r2, 0
element:
    lw r3, r10, 0
    lw r4, r11, 0
    add r3, r3, r4
    sw r10, 0, r3
    add r10, r10, 4
    add r11, r11, 4
    add r2, r2, 1
    jltu r2, 64, element
    sub r10, r10, 256
    sub r11, r11, 256
    move r1, c
    add r1, r1, r13
    sdma r10, r1, 31
    add r13, r13, 4096
    jltu r13, 65536, block
    jump r8
)";

TEST(Timing, DmaTakesTheWramPortFromThePipeline) {
    AssembleOptions options;
    options.tasklets = 16;
    auto program = std::make_shared<const Program>(assemble(kVectorAdd, "va.S", options));
    auto cycles_with_share = [&](double share) {
        target::UpmemMachine machine;
        machine.dpu.dma_wram_port_share = share;
        Dpu dpu(program, machine, 16);
        return dpu.run();
    };
    const DpuStats free_port = cycles_with_share(0), shared = cycles_with_share(0.3);
    EXPECT_EQ(free_port.dma_port_stall_cycles, 0);
    EXPECT_GT(shared.dma_port_stall_cycles, 0);
    // Every lost cycle lengthens the run at most by itself; none is lost outside a DMA.
    EXPECT_GT(shared.cycles, free_port.cycles);
    EXPECT_LE(shared.cycles, free_port.cycles + shared.dma_port_stall_cycles);
    EXPECT_EQ(shared.instructions, free_port.instructions);
}

TEST(Timing, VectorAddIsExactAndItsCyclesAddUp) {
    AssembleOptions options;
    options.tasklets = 16;
    auto program = std::make_shared<const Program>(assemble(kVectorAdd, "va.S", options));
    Dpu dpu(program, target::UpmemMachine{}, 16);
    std::vector<uint32_t> a(16384), b(16384);
    for (uint32_t i = 0; i < a.size(); ++i) {
        a[i] = i * 7 + 1;
        b[i] = 0xfffffff0u + i % 50;
    }
    dpu.write_symbol("a", 0, std::span(reinterpret_cast<const uint8_t *>(a.data()), a.size() * 4));
    dpu.write_symbol("b", 0, std::span(reinterpret_cast<const uint8_t *>(b.data()), b.size() * 4));
    DpuStats stats = dpu.run();
    std::vector<uint32_t> c(16384);
    dpu.read_symbol("c", 0, std::span(reinterpret_cast<uint8_t *>(c.data()), c.size() * 4));
    for (uint32_t i = 0; i < c.size(); ++i) ASSERT_EQ(c[i], a[i] + b[i]) << "element " << i;
    EXPECT_EQ(stats.dma_transfers, 3 * 256);
    EXPECT_EQ(stats.dma_read_bytes, 2 * 65536);
    EXPECT_EQ(stats.dma_write_bytes, 65536);
    EXPECT_EQ(stats.issue_cycles + stats.revolver_wait_cycles + stats.dma_wait_cycles +
                  stats.rf_stall_cycles + stats.dma_port_stall_cycles,
              stats.cycles);
    EXPECT_EQ(stats.issue_cycles, stats.instructions);
    // The DMA engine took the WRAM port for some of the cycles: the streaming kernel lost them.
    EXPECT_GT(stats.dma_port_stall_cycles, 0);
    // 16 tasklets keep the pipeline busy; serialized DMA of 192 KB costs at least 98304 engine cycles.
    EXPECT_GT(stats.ipc(), 0.5);
    EXPECT_GE(stats.cycles, 98304);
    // The same kernel on one tasklet spends most of its time waiting on the revolver.
    Dpu alone(program, target::UpmemMachine{}, 1);
    alone.write_symbol("a", 0, std::span(reinterpret_cast<const uint8_t *>(a.data()), a.size() * 4));
    DpuStats single = alone.run();
    EXPECT_LT(single.ipc(), 1.0 / 11 + 1e-9);
    EXPECT_GT(single.revolver_wait_cycles, single.dma_wait_cycles);
}

}  // namespace
}  // namespace atim::sim

namespace atim::sim {
namespace {

TEST(DpuState, CloneCopiesMemoryAndStaysIndependent) {
    const char *source = R"(
    .section .mram
    .p2align 3
far: .zero 131072
    .data
    .p2align 3
near: .long 0, 0
    .text
main:
    lw r0, zero, near
    add r0, r0, 1
    sw zero, near, r0
    stop
)";
    Dpu original = testing::bare_dpu(source);
    uint8_t mark[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    original.write_symbol("far", 65536 + 8, mark);
    original.run();
    Dpu copy = original.clone();
    EXPECT_EQ(testing::word_at(copy, "near"), 1u);
    copy.run();
    EXPECT_EQ(testing::word_at(copy, "near"), 2u);
    EXPECT_EQ(testing::word_at(original, "near"), 1u);  // the original is untouched
    uint8_t read_back[8] = {};
    copy.read_symbol("far", 65536 + 8, read_back);
    EXPECT_EQ(read_back[7], 8);
    uint8_t other[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    copy.write_symbol("far", 65536 + 8, other);
    original.read_symbol("far", 65536 + 8, read_back);
    EXPECT_EQ(read_back[0], 1);
    EXPECT_EQ(copy.register_value(0, 0), 2u);
}

}  // namespace
}  // namespace atim::sim

namespace atim::sim {
namespace {

TEST(DpuState, IssueHookSeesEveryInstructionInOrder) {
    std::vector<IssueRecord> issued;
    DpuOptions options;
    options.on_issue = [&](const IssueRecord &record) { issued.push_back(record); };
    Dpu dpu = testing::bare_dpu("main:\n nop\n stop\n", 2, target::UpmemMachine{}, options);
    dpu.run();
    ASSERT_EQ(issued.size(), 4u);
    const int64_t cycles[] = {0, 1, 11, 12};
    const int tasklets[] = {0, 1, 0, 1};
    const uint32_t pcs[] = {0, 0, 1, 1};
    for (size_t i = 0; i < issued.size(); ++i) {
        EXPECT_EQ(issued[i].cycle, cycles[i]);
        EXPECT_EQ(issued[i].tasklet, tasklets[i]);
        EXPECT_EQ(issued[i].pc, pcs[i]);
    }
    EXPECT_EQ(dpu.program().where(issued[3].pc), "test.S:3");
}

}  // namespace
}  // namespace atim::sim

// The runtime library in DPU assembly: multiply, division, barrier, mutex, heap; results and costs.
#include <climits>
#include <cstdint>
#include <vector>

#include "sim_test_util.h"

namespace atim::sim {
namespace {

using testing::build;
using testing::set_word;
using testing::word_at;

// main: r0 = args[0] OP args[1]; result[0] = r0. Counts the instructions of tasklet 0.
std::string binary_call(const std::string &routine) {
    return R"(
    .section .dpu_host
args:   .long 0, 0
result: .long 0, 0
    .text
main:
    move r8, r23
    lw r0, zero, args
    lw r1, zero, args+4
    call r23, )" +
           routine + R"(
    sw zero, result, r0
    jump r8
)";
}

struct BinaryRun {
    uint32_t result;
    int64_t instructions;
};

BinaryRun run_binary(const std::string &routine, uint32_t a, uint32_t b) {
    Dpu dpu(build(binary_call(routine), true, 1), target::UpmemMachine{}, 1);
    set_word(dpu, "args", 0, a);
    set_word(dpu, "args", 1, b);
    DpuStats stats = dpu.run();
    return {word_at(dpu, "result"), stats.instructions};
}

TEST(Runtime, MulsiResultsOnEdgeValues) {
    const std::vector<std::pair<uint32_t, uint32_t>> cases = {{0, 0},
                                                              {1, 0},
                                                              {0, 7},
                                                              {1, 1},
                                                              {7, 6},
                                                              {49, 49},
                                                              {0xffffffff, 1},
                                                              {0xffffffff, 0xffffffff},
                                                              {0x80000000, 2},
                                                              {0x80000000, 0xffffffff},
                                                              {123456789, 987654321},
                                                              {65535, 65537},
                                                              {3, 0x7fffffff}};
    for (auto [a, b] : cases) {
        EXPECT_EQ(run_binary("__mulsi3", a, b).result, a * b) << a << " * " << b;
    }
}

TEST(Runtime, MulsiCostGrowsWithTheSmallerOperandsBitLength) {
    // Steps = bit-length of min(a, b) (at least one); the rest of the call is fixed.
    int64_t base = run_binary("__mulsi3", 1, 1000).instructions;  // 1 step
    EXPECT_EQ(run_binary("__mulsi3", 1000, 1).instructions,
              base + 1);  // swapping the operands costs one move
    EXPECT_EQ(run_binary("__mulsi3", 49, 1000).instructions, base + 5);                 // 6 bits
    EXPECT_EQ(run_binary("__mulsi3", 0xffffffff, 0xffffffff).instructions, base + 31);  // 32 bits
    EXPECT_EQ(run_binary("__mulsi3", 0, 0xffffffff).instructions, base);                // zero leaves at once
}

TEST(Runtime, UnsignedDivisionAndModulo) {
    const std::vector<std::pair<uint32_t, uint32_t>> cases = {{0, 1},
                                                              {1, 1},
                                                              {7, 2},
                                                              {100, 7},
                                                              {0xffffffff, 1},
                                                              {0xffffffff, 0xffffffff},
                                                              {0x80000000, 3},
                                                              {5, 9},
                                                              {123456789, 1000},
                                                              {0xfffffffe, 0xffffffff},
                                                              {1u << 31, 1u << 31}};
    for (auto [a, b] : cases) {
        EXPECT_EQ(run_binary("__udivsi3", a, b).result, a / b) << a << " / " << b;
        EXPECT_EQ(run_binary("__umodsi3", a, b).result, a % b) << a << " % " << b;
    }
}

TEST(Runtime, SignedDivisionRoundsTowardZero) {
    const std::vector<std::pair<int32_t, int32_t>> cases = {{0, 1},
                                                            {7, 2},
                                                            {-7, 2},
                                                            {7, -2},
                                                            {-7, -2},
                                                            {-1, 1},
                                                            {1, -1},
                                                            {INT_MIN, 1},
                                                            {INT_MIN, 2},
                                                            {INT_MAX, -1},
                                                            {INT_MIN + 1, INT_MAX},
                                                            {-100, 7},
                                                            {INT_MIN, INT_MIN}};
    for (auto [a, b] : cases) {
        auto ua = static_cast<uint32_t>(a), ub = static_cast<uint32_t>(b);
        EXPECT_EQ(static_cast<int32_t>(run_binary("__divsi3", ua, ub).result), a / b) << a << " / " << b;
        EXPECT_EQ(static_cast<int32_t>(run_binary("__modsi3", ua, ub).result), a % b) << a << " % " << b;
    }
}

TEST(Runtime, DivisionCostGrowsWithQuotientBitLength) {
    // Steps = clz(divisor) - clz(dividend) + 1.
    int64_t one_step = run_binary("__udivsi3", 100, 64).instructions;
    EXPECT_EQ(run_binary("__udivsi3", 100, 7).instructions, one_step + 4);
    EXPECT_EQ(run_binary("__udivsi3", 0xffffffff, 1).instructions, one_step + 31);  // 32 bits
}

TEST(Runtime, DivisionByZeroFaults) { EXPECT_THROW(run_binary("__udivsi3", 5, 0), SimError); }

TEST(Runtime, MuldiProducesTheLow64Bits) {
    const char *source = R"(
    .section .dpu_host
    .p2align 3
args:   .quad 0, 0
result: .quad 0
    .text
main:
    move r8, r23
    ld d0, zero, args
    ld d2, zero, args+8
    call r23, __muldi3
    sd zero, result, d0
    jump r8
)";
    const std::vector<std::pair<uint64_t, uint64_t>> cases = {{0, 0},
                                                              {1, 1},
                                                              {49, 37},
                                                              {0xffffffffull, 0xffffffffull},
                                                              {0xffffffffffffffffull, 3},
                                                              {0x123456789abcdefull, 0xfedcba987ull},
                                                              {1ull << 63, 2},
                                                              {0xffffffffffffffffull, 0xffffffffffffffffull}};
    auto program = build(source, true, 1);
    auto run = [&](uint64_t a, uint64_t b, uint64_t &product) {
        Dpu dpu(program, target::UpmemMachine{}, 1);
        dpu.write_symbol("args", 0, std::span(reinterpret_cast<const uint8_t *>(&a), 8));
        dpu.write_symbol("args", 8, std::span(reinterpret_cast<const uint8_t *>(&b), 8));
        int64_t instructions = dpu.run().instructions;
        dpu.read_symbol("result", 0, std::span(reinterpret_cast<uint8_t *>(&product), 8));
        return instructions;
    };
    for (auto [a, b] : cases) {
        uint64_t product = 0;
        run(a, b, product);
        EXPECT_EQ(product, a * b) << a << " * " << b;
    }
    // Ladder steps: 49 * 37 takes 1 + 1 + 6 + 1 + 1 + 1 = 11, all-ones operands 32 + 32 + 4 * 16 = 128.
    uint64_t ignored = 0;
    EXPECT_EQ(run(~0ull, ~0ull, ignored) - run(49, 37, ignored), 128 - 11);
}

// Every tasklet adds its id+1 to a shared counter under a mutex, 20 times, then meets at the barrier;
// tasklet 0 then copies the counter to `after_barrier`.
constexpr const char *kMutexAndBarrier = R"(
    .section .dpu_host
counter:        .long 0
after_barrier:  .long 0
arrivals:       .long 0
    .text
main:
    move r8, r23
    move r9, 20
loop:
    move r0, 8
    call r23, mutex_lock
    lw r1, zero, counter
    add r1, r1, id
    add r1, r1, 1
    sw zero, counter, r1
    move r0, 8
    call r23, mutex_unlock
    sub r9, r9, 1, nz, loop
    move r0, __sys_barrier
    call r23, barrier_wait
    jnz id, done
    lw r1, zero, counter
    sw zero, after_barrier, r1
done:
    jump r8
)";

TEST(Runtime, MutexSerializesUpdatesAndBarrierWaitsForAll) {
    for (int tasklets : {1, 2, 5, 11, 16, 24}) {
        Dpu dpu(build(kMutexAndBarrier, true, tasklets), target::UpmemMachine{}, tasklets);
        DpuStats stats = dpu.run();
        uint32_t expected = 20u * static_cast<uint32_t>(tasklets * (tasklets + 1) / 2);
        EXPECT_EQ(word_at(dpu, "counter"), expected) << tasklets << " tasklets";
        EXPECT_EQ(word_at(dpu, "after_barrier"), expected)
            << tasklets << " tasklets: barrier let tasklet 0 through early";
        for (int t = 0; t < tasklets; ++t)
            EXPECT_GT(stats.tasklet_instructions[t], 0) << "tasklet " << t << " never ran";
    }
}

// The untimed run (sampled simulation's values-only DPUs) leaves memory as the timed run does, through
// mutexes and barriers, and counts no cycles.
TEST(Runtime, FunctionalRunComputesWhatTheTimedRunComputes) {
    for (int tasklets : {1, 2, 11, 16, 24}) {
        auto program = build(kMutexAndBarrier, true, tasklets);
        Dpu timed(program, target::UpmemMachine{}, tasklets);
        Dpu functional(program, target::UpmemMachine{}, tasklets);
        timed.run();
        DpuStats stats = functional.run_functional();
        uint32_t expected = 20u * static_cast<uint32_t>(tasklets * (tasklets + 1) / 2);
        EXPECT_EQ(word_at(functional, "counter"), expected) << tasklets << " tasklets";
        EXPECT_EQ(word_at(functional, "after_barrier"), expected) << tasklets << " tasklets";
        EXPECT_EQ(functional.read_symbol("counter"), timed.read_symbol("counter"));
        EXPECT_EQ(stats.cycles, 0);
        EXPECT_GT(stats.instructions, 0);
        for (int t = 0; t < tasklets; ++t) EXPECT_GT(stats.tasklet_instructions[t], 0) << "tasklet " << t;
    }
}

TEST(Runtime, FunctionalRunBoundsInstructionsByTheCycleLimit) {
    const char *spin = R"(
    .text
main:
    jump main
)";
    DpuOptions options;
    options.max_cycles = 5000;
    Dpu dpu(build(spin, true, 4), target::UpmemMachine{}, 4, options);
    EXPECT_THROW(dpu.run_functional(), CycleLimitExceeded);
}

TEST(Runtime, BarrierCanBeReusedManyTimes) {
    // Each round every tasklet bumps its own slot, then all meet; tasklet 0 checks all slots equal the round.
    const char *source = R"(
    .section .dpu_host
slots:  .zero 96
errors: .long 0
    .text
main:
    move r8, r23
    move r9, 1
round:
    sw id4, slots, r9
    move r0, __sys_barrier
    call r23, barrier_wait
    move r10, 0
check:
    lw r1, r10, slots
    jeq r1, r9, same
    jneq r9, r1, mismatch
same:
    add r10, r10, 4
    lw r2, zero, __sys_nr_tasklets
    lsl r2, r2, 2
    jltu r10, r2, check
    move r0, __sys_barrier
    call r23, barrier_wait
    add r9, r9, 1
    jleu r9, 10, round
    jump r8
mismatch:
    lw r1, zero, errors
    add r1, r1, 1
    sw zero, errors, r1
    jump same
)";
    for (bool timed : {true, false}) {
        Dpu dpu(build(source, true, 16), target::UpmemMachine{}, 16);
        timed ? dpu.run() : dpu.run_functional();
        EXPECT_EQ(word_at(dpu, "errors"), 0u) << (timed ? "timed" : "functional");
        for (int t = 0; t < 16; ++t) EXPECT_EQ(word_at(dpu, "slots", t), 10u);
    }
}

TEST(Runtime, MemAllocReturnsDistinctAlignedBlocksAfterTheStacks) {
    const char *source = R"(
    .section .dpu_host
blocks: .zero 96
    .text
main:
    move r8, r23
    move r0, 13
    call r23, mem_alloc
    sw id4, blocks, r0
    jump r8
)";
    auto program = build(source, true, 8);
    Dpu dpu(program, target::UpmemMachine{}, 8);
    dpu.run();
    std::vector<uint32_t> seen;
    for (int t = 0; t < 8; ++t) {
        uint32_t block = word_at(dpu, "blocks", t);
        EXPECT_EQ(block % 8, 0u);
        EXPECT_GE(block, program->heap_start);
        EXPECT_LT(block, program->heap_start + 8 * 16);
        for (uint32_t other : seen) EXPECT_GE(block > other ? block - other : other - block, 16u);
        seen.push_back(block);
    }
}

TEST(Runtime, BootstrapGivesEachTaskletItsOwnStack) {
    const char *source = R"(
    .section .dpu_host
stacks: .zero 96
    .text
main:
    sw id4, stacks, r22
    jump r23
)";
    auto program = build(source, true, 4);
    Dpu dpu(program, target::UpmemMachine{}, 4);
    dpu.run();
    for (int t = 0; t < 4; ++t) EXPECT_EQ(word_at(dpu, "stacks", t), program->heap_start - 256 * (4 - t));
}

}  // namespace
}  // namespace atim::sim

// Semantics of each supported instruction: results, flags, pairs, fused jumps, memory, ladders.
#include <cstdint>
#include <string>
#include <vector>

#include "sim_test_util.h"

namespace atim::sim {
namespace {

using testing::bare_dpu;

struct Case {
    std::string code;  ///< body of main; the result is read from r0 (and r1 for pairs)
    uint32_t r0;
};

/// Runs `body` on one tasklet and returns the tasklet's final r0.
uint32_t run_r0(const std::string &body, uint32_t *r1 = nullptr) {
    Dpu dpu = bare_dpu("main:\n" + body + "\n    stop\n");
    dpu.run();
    if (r1) *r1 = dpu.register_value(0, 1);
    return dpu.register_value(0, 0);
}

void expect_all(const std::vector<Case> &cases) {
    for (const auto &c : cases) EXPECT_EQ(run_r0(c.code), c.r0) << c.code;
}

TEST(Instructions, ArithmeticAndLogic) {
    expect_all({
        {"move r1, 5\n move r2, 3\n add r0, r1, r2", 8},
        {"move r1, 5\n add r0, r1, -6", 0xffffffff},
        {"move r1, 5\n move r2, 3\n sub r0, r1, r2", 2},
        {"move r1, 5\n sub r0, r1, 7", 0xfffffffe},
        {"move r1, 5\n sub r0, 7, r1", 2},  // immediate first: reverse subtraction
        {"move r1, 5\n rsub r0, r1, 7", 2},
        {"move r1, 0xf0\n and r0, r1, 0x3c", 0x30},
        {"move r1, 0xf0\n or r0, r1, 0x0f", 0xff},
        {"move r1, 0xff\n xor r0, r1, 0x0f", 0xf0},
        {"move r1, 0xf0\n andn r0, r1, 0xff", 0x0f},
        {"move r1, 0xfffffff0\n orn r0, r1, 0x1", 0x0f | 1},
        {"move r1, 0xf0\n nand r0, r1, 0xff", ~0xf0u},
        {"move r1, 0xf0\n nor r0, r1, 0x0f", ~0xffu},
        {"move r1, 0xf0\n nxor r0, r1, 0xff", ~0x0fu},
        {"move r1, 1\n neg r0, r1", 0xffffffff},
        {"move r1, 0\n not r0, r1", 0xffffffff},
        {"move r0, one", 1},
        {"move r0, lneg", 0xffffffff},
        {"move r0, mneg", 0x80000000},
        {"move r0, id8", 0},
    });
}

TEST(Instructions, Shifts) {
    expect_all({
        {"move r1, 3\n lsl r0, r1, 4", 48},
        {"move r1, 3\n lsl r0, r1, 32", 0},
        {"move r1, 0x80000000\n lsr r0, r1, 31", 1},
        {"move r1, 0x80000000\n asr r0, r1, 4", 0xf8000000},
        {"move r1, 0x80000001\n rol r0, r1, 1", 3},
        {"move r1, 3\n ror r0, r1, 1", 0x80000001},
        {"move r1, 1\n lsl1 r0, r1, 4", 0x1f},
        {"move r1, 0\n lsr1 r0, r1, 4", 0xf0000000},
        {"move r1, 100\n move r2, 3\n lsl_add r0, r1, r2, 4", 148},
        {"move r1, 100\n move r2, 3\n lsl_sub r0, r1, r2, 4", 52},
        {"move r1, 100\n move r2, 48\n lsr_add r0, r1, r2, 4", 103},
        {"move r1, 1\n move r2, 0x80000000\n rol_add r0, r1, r2, 1", 2},
        {"move r1, 5\n move r2, 2\n lsl r0, r1, r2", 20},
    });
}

TEST(Instructions, CountsAndExtensions) {
    expect_all({
        {"move r1, 0xff00\n cao r0, r1", 8},
        {"move r1, 0x00010000\n clz r0, r1", 15},
        {"move r1, 0\n clz r0, r1", 32},
        {"move r1, 0xf0000000\n clo r0, r1", 4},
        {"move r1, 0xfff00000\n cls r0, r1", 12},
        {"move r1, 0x000fffff\n cls r0, r1", 12},
        {"move r1, 0x180\n extsb r0, r1", 0xffffff80},
        {"move r1, 0x18000\n extsh r0, r1", 0xffff8000},
        {"move r1, 0x1ff\n extub r0, r1", 0xff},
        {"move r1, 0x1ffff\n extuh r0, r1", 0xffff},
    });
}

TEST(Instructions, EightBitMultiplies) {
    expect_all({
        {"move r1, 0x1203\n move r2, 0x0405\n mul_ul_ul r0, r1, r2", 15},
        {"move r1, 0x1203\n move r2, 0x0405\n mul_uh_ul r0, r1, r2", 0x12 * 5},
        {"move r1, 0x1203\n move r2, 0x0405\n mul_ul_uh r0, r1, r2", 3 * 4},
        {"move r1, 0x1203\n move r2, 0x0405\n mul_uh_uh r0, r1, r2", 0x12 * 4},
        {"move r1, 0xff\n move r2, 0x02\n mul_sl_ul r0, r1, r2", 0xfffffffe},
        {"move r1, 0xff\n move r2, 0xff\n mul_sl_sl r0, r1, r2", 1},
        {"move r1, 0xff00\n move r2, 0x03\n mul_sh_ul r0, r1, r2", 0xfffffffd},
        {"move r1, 0xff\n move r2, 0xff\n mul_ul_ul r0, r1, r2", 0xfe01},
        {"move r1, 7\n move r2, 9\n move r0, 1\n mul_ul_ul r3, r1, r2, small, .+2\n move r0, 2", 1},
        {"move r1, 700\n move r2, 9\n move r0, 1\n mul_ul_ul r3, r1, r2, small, .+2\n move r0, 2", 2},
    });
}

TEST(Instructions, FlagsAndCarryChains) {
    // 64-bit add of (1, 0xffffffff) + (0, 1) through add/addc: high word gets the carry.
    uint32_t low = 0;
    uint32_t high = run_r0("move r0, 1\n move r1, 0xffffffff\n add r1, r1, 1\n addc r0, r0, 0", &low);
    EXPECT_EQ(high, 2u);
    EXPECT_EQ(low, 0u);
    // 64-bit subtract (2, 0) - (0, 1) through sub/subc: borrow propagates.
    high = run_r0("move r0, 2\n move r1, 0\n sub r1, r1, 1\n subc r0, r0, 0", &low);
    EXPECT_EQ(high, 1u);
    EXPECT_EQ(low, 0xffffffffu);

    struct FlagCase {
        std::string code;
        bool zero, carry;
    };
    for (const auto &c : std::vector<FlagCase>{{"move r1, 1\n sub r0, r1, 1", true, true},
                                               {"move r1, 1\n sub r0, r1, 2", false, false},
                                               {"move r1, 0xffffffff\n add r0, r1, 1", true, true},
                                               {"move r1, 5\n add r0, r1, 1", false, false},
                                               {"move r1, 0\n or r0, r1, 0", true, false}}) {
        Dpu dpu = bare_dpu("main:\n" + c.code + "\n stop\n");
        dpu.run();
        EXPECT_EQ(dpu.zero_flag(0), c.zero) << c.code;
        EXPECT_EQ(dpu.carry_flag(0), c.carry) << c.code;
    }
}

TEST(Instructions, SetFormWritesTheCondition) {
    expect_all({
        {"move r1, 3\n sub r0, r1, 3, z", 1},
        {"move r1, 3\n sub r0, r1, 4, z", 0},
        {"move r1, 3\n sub r0, r1, 4, ltu", 1},
        {"move r1, -3\n sub r0, r1, 4, lts", 1},
        {"move r1, -3\n sub r0, r1, 4, ltu", 0},
        {"move r1, 0\n add r0, r1, 0, true", 1},
    });
}

// Each row: compare-and-branch on (a, b); r0 = 1 when the jump was taken.
TEST(Instructions, ConditionalJumpsTakenAndNotTaken) {
    struct JumpCase {
        std::string jump;
        int32_t a, b;
        bool taken;
    };
    const std::vector<JumpCase> cases = {
        {"jeq", 4, 4, true},           {"jeq", 4, 5, false},    {"jneq", 4, 5, true},
        {"jneq", 4, 4, false},         {"jltu", 1, 2, true},    {"jltu", -1, 2, false},
        {"jgtu", -1, 2, true},         {"jgtu", 2, 2, false},   {"jleu", 2, 2, true},
        {"jleu", 3, 2, false},         {"jgeu", 2, 2, true},    {"jgeu", 1, 2, false},
        {"jlts", -1, 2, true},         {"jlts", 2, -1, false},  {"jgts", 2, -1, true},
        {"jgts", -1, -1, false},       {"jles", -1, -1, true},  {"jles", 0, -1, false},
        {"jges", 0, -1, true},         {"jges", -2, -1, false}, {"jlts", INT32_MIN, 1, true},
        {"jgts", INT32_MAX, -1, true},
    };
    for (const auto &c : cases) {
        std::string code = "move r1, " + std::to_string(c.a) + "\n move r2, " + std::to_string(c.b) +
                           "\n move r0, 1\n " + c.jump + " r1, r2, taken\n move r0, 0\ntaken:";
        EXPECT_EQ(run_r0(code), c.taken ? 1u : 0u) << c.jump << " " << c.a << ", " << c.b;
    }
    expect_all({
        {"move r1, 0\n move r0, 1\n jz r1, t\n move r0, 0\nt:", 1},
        {"move r1, 3\n move r0, 1\n jz r1, t\n move r0, 0\nt:", 0},
        {"move r1, 3\n move r0, 1\n jnz r1, t\n move r0, 0\nt:", 1},
        {"move r0, 3\nloop:\n add r0, r0, -1, nz, loop", 0},                     // fused decrement-and-branch
        {"move r1, 7\n move r0, 1\n move r2, r1, true, t\n move r0, 0\nt:", 1},  // move with jump
        {"move r0, 1\n jump t\n move r0, 0\nt:", 1},
        {"move r1, 5\n move r0, 0\n sub r2, r1, 5, nz, t\n move r0, 9\nt:", 9},  // not taken
    });
}

TEST(Instructions, CallAndReturnThroughARegister) {
    expect_all({
        {"move r0, 1\n call r23, f\n add r0, r0, 100\n jump done\nf:\n add r0, r0, 10\n jump r23\ndone:",
         111},
        {"move r3, f\n call r23, r3\n jump done\nf:\n move r0, 42\n jump r23\ndone:", 42},
    });
}

TEST(Instructions, PairsAndPairWritingVariants) {
    uint32_t r1 = 0;
    EXPECT_EQ(run_r0("move r2, 7\n move r3, 8\n movd d0, d2", &r1), 7u);
    EXPECT_EQ(r1, 8u);
    EXPECT_EQ(run_r0("move r2, 7\n move r3, 8\n swapd d0, d2", &r1), 8u);
    EXPECT_EQ(r1, 7u);
    EXPECT_EQ(run_r0("move r2, -5\n add.s d0, r2, 0", &r1), 0xffffffffu);
    EXPECT_EQ(r1, 0xfffffffbu);
    EXPECT_EQ(run_r0("move r2, -5\n add.u d0, r2, 0", &r1), 0u);
    EXPECT_EQ(r1, 0xfffffffbu);
}

TEST(Instructions, WramLoadsAndStores) {
    const char *data = "    .data\n    .p2align 3\nbuf: .long 0x8081f0ff, 0x12345678\n    .text\n";
    struct MemoryCase {
        std::string code;
        uint32_t r0, r1;
    };
    const std::vector<MemoryCase> cases = {
        {"lbs r0, zero, buf", 0xffffffff, 0},
        {"lbu r0, zero, buf+1", 0xf0, 0},
        {"lhs r0, zero, buf+2", 0xffff8081, 0},
        {"lhu r0, zero, buf+2", 0x8081, 0},
        {"move r2, buf\n lw r0, r2, 4", 0x12345678, 0},
        {"ld d0, zero, buf", 0x12345678, 0x8081f0ff},  // even register = high word
        {"lw.s d0, zero, buf", 0xffffffff, 0x8081f0ff},
        {"move r2, 0xab\n sb zero, buf+3, r2\n lw r0, zero, buf", 0xab81f0ff, 0},
        {"move r2, 0xabcd\n sh zero, buf, r2\n lw r0, zero, buf", 0x8081abcd, 0},
        {"sw zero, buf, 77\n lw r0, zero, buf", 77, 0},
        {"move r2, 1\n move r3, 2\n sd zero, buf, d2\n lw r0, zero, buf\n lw r1, zero, buf+4", 2, 1},
        {"sd zero, buf, -1\n lw r0, zero, buf+4", 0xffffffff, 0},
    };
    for (const auto &c : cases) {
        Dpu dpu = bare_dpu(std::string(data) + "main:\n" + c.code + "\n stop\n");
        dpu.run();
        EXPECT_EQ(dpu.register_value(0, 0), c.r0) << c.code;
        if (c.r1) {
            EXPECT_EQ(dpu.register_value(0, 1), c.r1) << c.code;
        }
    }
}

TEST(Instructions, MulStepLadderMultiplies) {
    // d0 = (multiplier, product): three steps of 5 * 13.
    uint32_t product = 0;
    uint32_t rest = run_r0(
        "move r0, 5\n move r1, 0\n move r2, 13\n mul_step d0, r2, d0, 0\n mul_step d0, r2, d0, 1\n"
        " mul_step d0, r2, d0, 2",
        &product);
    EXPECT_EQ(product, 65u);
    EXPECT_EQ(rest, 0u);
    // The z exit fires as soon as the remaining multiplier is zero.
    EXPECT_EQ(
        run_r0("move r0, 1\n move r1, 0\n move r2, 9\n mul_step d0, r2, d0, 0, z, out\n move r1, 99\nout:\n"
               " move r0, r1"),
        9u);
}

TEST(Instructions, DivStepLadderDivides) {
    // d0 = (quotient, remainder): 100 / 7 from step 3 down.
    uint32_t remainder = 0;
    uint32_t quotient = run_r0(
        "move r0, 0\n move r1, 100\n move r2, 7\n div_step d0, r2, d0, 3\n div_step d0, r2, d0, 2\n"
        " div_step d0, r2, d0, 1\n div_step d0, r2, d0, 0",
        &remainder);
    EXPECT_EQ(quotient, 14u);
    EXPECT_EQ(remainder, 2u);
}

TEST(Instructions, AcquireSpinsUntilReleasedAndTimeReadsTheCounter) {
    expect_all({
        {"acquire zero, 5, nz, .\n move r0, 0\n acquire zero, 5, nz, t\n move r0, 7\nt:", 0},
        {"acquire zero, 5, nz, .\n release zero, 5, nz, .+1\n move r0, 0\n acquire zero, 5, nz, t\n move r0, "
         "7\nt:",
         7},
    });
    // One tasklet issues every 11 cycles: `time` at the 21st instruction sees cycle 220, bits 4.. = 13.
    std::string nops;
    for (int i = 0; i < 20; ++i) nops += " nop\n";
    EXPECT_EQ(run_r0(nops + " time r0"), 220u >> 4);
}

TEST(Instructions, BootAndResumeWakeSleepingTasklets) {
    // Tasklet 0 boots tasklet 1 (which starts at main as well); tasklet 1 records that it ran.
    const char *source = R"(
    .data
ran: .long 0, 0
    .text
main:
    jnz id, second
    boot zero, 1, nz, failed
    stop
failed:
    fault 9
second:
    sw id4, ran, 1
    stop
)";
    AssembleOptions options;
    options.link_runtime = false;
    options.link_bootstrap = false;
    auto program = std::make_shared<Program>(assemble(source, "test.S", options));
    program->has_bootstrap = true;  // start tasklet 0 alone
    program->linked_tasklets = 2;
    Dpu dpu(program, target::UpmemMachine{}, 2);
    dpu.run();
    EXPECT_EQ(testing::word_at(dpu, "ran", 1), 1u);
}

}  // namespace
}  // namespace atim::sim

// Faulting programs raise SimError naming the tasklet, pc, source line and address.
#include <string>

#include "sim_test_util.h"

namespace atim::sim {
namespace {

using testing::bare_dpu;

std::string fault_message(const std::string &source, int tasklets = 1, DpuOptions options = {}) {
    Dpu dpu = bare_dpu(source, tasklets, target::UpmemMachine{}, options);
    try {
        dpu.run();
    } catch (const SimError &error) {
        return error.what();
    }
    return "no fault";
}

TEST(Faults, NameTaskletSourceLineAndAddress) {
    struct Case {
        std::string source;
        std::vector<std::string> expected;
    };
    const std::vector<Case> cases = {
        {"main:\n move r1, 0x10000\n lw r0, r1, 0\n stop\n",
         {"tasklet 0", "pc 1", "test.S:3", "WRAM", "0x10000"}},
        {"main:\n move r1, 0xfffc\n sd r1, 0, 5\n stop\n", {"test.S:3", "out of bounds"}},
        {"main:\n move r1, 2\n lw r0, r1, 0\n stop\n", {"test.S:3", "misaligned"}},
        {"main:\n move r0, 0\n move r1, 0x4000000\n ldma r0, r1, 0\n stop\n",
         {"test.S:4", "MRAM", "0x4000000"}},
        {"main:\n move r0, 0\n move r1, 4\n ldma r0, r1, 0\n stop\n", {"test.S:4", "misaligned DMA"}},
        {"main:\n move r0, 4\n move r1, 0\n sdma r0, r1, 0\n stop\n", {"test.S:4", "misaligned DMA"}},
        {"main:\n move r0, 0xff00\n move r1, 0\n ldma r0, r1, 255\n stop\n", {"test.S:4", "WRAM", "past"}},
        {"main:\n move r1, 5000\n jump r1\n", {"test.S:3", "jump outside IRAM", "5000"}},
        {"main:\n fault 7\n", {"tasklet 0", "test.S:2", "fault", "7"}},
        {"main:\n jneq id, 3, done\n lw r0, lneg, 0\ndone:\n stop\n", {"tasklet 3", "test.S:3"}},
    };
    for (const auto &c : cases) {
        std::string message = fault_message(c.source, 4);
        for (const auto &part : c.expected)
            EXPECT_NE(message.find(part), std::string::npos) << message << "\n lacks: " << part;
    }
}

TEST(Faults, RunawayProgramHitsTheCycleLimit) {
    std::string message = fault_message("main:\n jump main\n", 1, {.max_cycles = 1000});
    EXPECT_NE(message.find("did not stop within 1000 cycles"), std::string::npos) << message;
}

TEST(Faults, CycleLimitHasItsOwnType) {
    // The tuner prunes a candidate on this type; any other fault stays a fault.
    Dpu runaway = bare_dpu("main:\n jump main\n", 1, target::UpmemMachine{}, {.max_cycles = 1000});
    EXPECT_THROW(runaway.run(), CycleLimitExceeded);
    Dpu faulty = bare_dpu("main:\n fault 7\n", 1, target::UpmemMachine{}, {.max_cycles = 1000});
    try {
        faulty.run();
        ADD_FAILURE() << "no fault";
    } catch (const CycleLimitExceeded &) {
        ADD_FAILURE() << "a fault reported as a cycle limit";
    } catch (const SimError &) {
    }
}

TEST(Faults, DeadlockedMutexIsARunaway) {
    // Two acquires of the same bit on one tasklet spin forever.
    std::string message = fault_message("main:\n acquire zero, 9, nz, .\n acquire zero, 9, nz, .\n stop\n", 1,
                                        {.max_cycles = 5000});
    EXPECT_NE(message.find("test.S:3"), std::string::npos) << message;
}

TEST(Faults, DpuRejectsImpossibleTaskletCounts) {
    auto program = testing::build("main:\n stop\n", true, 4);
    EXPECT_THROW(Dpu(program, target::UpmemMachine{}, 5), UserError);
    EXPECT_THROW(Dpu(program, target::UpmemMachine{}, 0), UserError);
    auto bare = testing::build("main:\n stop\n", false);
    EXPECT_THROW(Dpu(bare, target::UpmemMachine{}, 25), UserError);
}

TEST(Faults, HostAccessOutsideAnObjectIsRejected) {
    Dpu dpu = bare_dpu(".data\nbuf: .long 1, 2\n.text\nmain:\n stop\n");
    uint8_t bytes[4] = {};
    EXPECT_THROW(dpu.write_symbol("buf", 8, bytes), UserError);
    EXPECT_THROW(dpu.read_symbol("nothing", 0, bytes), UserError);
    EXPECT_THROW(dpu.read_symbol("main", 0, bytes), UserError);
    EXPECT_THROW(dpu.write_wram(0x10000 - 2, bytes), UserError);
    EXPECT_THROW(dpu.write_mram((64 << 20) - 2, bytes), UserError);
}

}  // namespace
}  // namespace atim::sim

namespace atim::sim {
namespace {

TEST(Faults, BarrierThatNeverOpensIsADeadlock) {
    // A barrier expecting 5 arrivals with only 2 tasklets: both sleep forever inside barrier_wait.
    const char *source = R"(
    .data
wide_barrier: .byte 5, 5, 0xff, 9
    .text
main:
    move r8, r23
    move r0, wide_barrier
    call r23, barrier_wait
    jump r8
)";
    Dpu dpu(testing::build(source, true, 2), target::UpmemMachine{}, 2);
    try {
        dpu.run();
        FAIL() << "no deadlock reported";
    } catch (const SimError &error) {
        std::string message = error.what();
        EXPECT_NE(message.find("deadlock"), std::string::npos) << message;
        EXPECT_NE(message.find("synchronization.S"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace atim::sim

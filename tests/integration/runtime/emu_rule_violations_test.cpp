// The SDK emulation enforces the UPMEM hardware rules: kernels and host programs that break one rule each
// fail with a message naming it, classified as over-capacity (the schedule's fault) or as a bug of the
// generator.
#include <gtest/gtest.h>

#include "atim/runtime/emu_build.h"
#include "atim/support/error.h"
#include "unit/runtime/emu_program_fixture.h"

namespace atim::runtime {
namespace {

using testing::EmuRules;
using testing::Program;

struct Violation {
    const char *name;
    Program program;
    const char *expected_message;
    bool over_capacity;
};

TEST_F(EmuRules, ViolationsFailWithTheRuleBroken) {
    const Violation cases[] = {
        {"12-byte DMA", {"", "mram_read(M, W, 12);", ""}, "mram_read of 12 bytes", false},
        {"3000-byte DMA",
         {"", "mram_read(M, W, 3000);", ""},
         "the size must be a multiple of 8 in [8, 2048]",
         false},
        {"zero-byte DMA", {"", "mram_write(W, M, 0);", ""}, "mram_write of 0 bytes", false},
        {"unaligned MRAM address",
         {"", "mram_read((char *)M + 4, W, 8);", ""},
         "MRAM offset 4: the MRAM address must be 8-byte aligned",
         false},
        {"unaligned WRAM address",
         {"", "mram_read(M, (char *)W + 4, 8);", ""},
         "the WRAM buffer must be 8-byte aligned",
         false},
        {"DMA past the MRAM variables",
         {"", "mram_read(&M[510], W, 32);", ""},
         "outside the kernel's MRAM variables",
         false},
        {"WRAM heap overflow", {"", "mem_alloc(40000);", ""}, "overflows WRAM", true},
        {"static WRAM overflow",
         {"uint64_t big[9000];", "big[me()] = 1;", ""},
         "WRAM overflow: 76128 B static data + 2 tasklets x 256 B stacks",
         true},
        {"barrier not reached by every tasklet",
         {"", "if (me() < 8) barrier_wait(&b);", "", 16},
         "barrier deadlock: 8 tasklets wait at a barrier and 8 have finished",
         false},
        {"25 tasklets", {"", "", "", 25}, "NR_TASKLETS=25", true},
        {"host push of 12 bytes",
         {"", "",
          "DPU_FOREACH(set, dpu, i) DPU_ASSERT(dpu_prepare_xfer(dpu, buf[i]));\n"
          "DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"M\", 0, 12, DPU_XFER_DEFAULT));"},
         "offset and length must be multiples of 8",
         false},
        {"host push past the symbol",
         {"", "",
          "DPU_FOREACH(set, dpu, i) DPU_ASSERT(dpu_prepare_xfer(dpu, buf[i]));\n"
          "DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"M\", 8, 4096, DPU_XFER_DEFAULT));"},
         "offset 8 + length 4096 > symbol size 4096",
         false},
        {"unknown symbol",
         {"", "", "DPU_ASSERT(dpu_broadcast_to(set, \"Q\", 0, buf[0], 8, DPU_XFER_DEFAULT));"},
         "unknown symbol 'Q'",
         false},
        {"missing prepare_xfer",
         {"", "",
          "DPU_FOREACH(set, dpu, i) if (i == 0) DPU_ASSERT(dpu_prepare_xfer(dpu, buf[i]));\n"
          "DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"M\", 0, 8, DPU_XFER_DEFAULT));"},
         "no buffer prepared for DPU 1",
         false},
    };
    for (const Violation &v : cases) {
        SCOPED_TRACE(v.name);
        HostRun result = run(v.program);
        EXPECT_NE(result.exit_code, 0);
        EXPECT_NE(result.emulator_message().find(v.expected_message), std::string::npos)
            << "stderr: " << result.stderr_text;
        EXPECT_EQ(result.over_capacity(), v.over_capacity) << result.stderr_text;
        if (v.over_capacity) {
            EXPECT_THROW(check_host_run(result), UserError);
        } else {
            EXPECT_THROW(check_host_run(result), InternalError);
        }
    }
}

}  // namespace
}  // namespace atim::runtime

// The SDK emulation enforces the UPMEM hardware rules: tiny hand-written kernels and host programs that break
// one rule each must fail with a message naming it; a correct pair must run and compute the right values.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "atim/runtime/emu_build.h"
#include "atim/support/error.h"
#include "unit/runtime/emu_program_fixture.h"

namespace atim::runtime {
namespace {

using testing::EmuRules;
using testing::Program;

TEST_F(EmuRules, CorrectProgramRunsAndComputes) {
    Program p;
    p.tasklets = 4;
    p.kernel_body = R"(uint64_t *w = mem_alloc(64);
    mram_read(&M[me() * 8], w, 64);
    for (int k = 0; k < 8; k++) w[k] = w[k] * 3 + host_word;
    mram_write(w, &M[me() * 8], 64);
    barrier_wait(&b);)";
    p.host_body =
        R"(for (int d = 0; d < 2; d++) for (int k = 0; k < 512; k++) buf[d][k] = (uint64_t)(d * 1000 + k);
    uint64_t word = 7;
    DPU_ASSERT(dpu_broadcast_to(set, "host_word", 0, &word, 8, DPU_XFER_DEFAULT));
    DPU_FOREACH(set, dpu, i) DPU_ASSERT(dpu_prepare_xfer(dpu, buf[i]));
    DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "M", 0, 4096, DPU_XFER_DEFAULT));
    DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
    DPU_FOREACH(set, dpu, i) DPU_ASSERT(dpu_prepare_xfer(dpu, buf[i]));
    DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, "M", 0, 4096, DPU_XFER_DEFAULT));
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < 40; k++)
            printf("%llu ", (unsigned long long)buf[d][k]);)";
    HostRun result = run(p);
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    std::string expected;
    for (int d = 0; d < 2; ++d)
        for (int k = 0; k < 40; ++k)
            expected += std::to_string(k < 32 ? (d * 1000 + k) * 3 + 7 : d * 1000 + k) + " ";
    EXPECT_EQ(result.stdout_text, expected);
}

TEST_F(EmuRules, DpuSideViolationsNameTheDpuAndTasklet) {
    Program p;
    p.tasklets = 3;
    p.kernel_body = "if (me() == 2) mram_read(M, W, 12);";
    HostRun result = run(p);
    EXPECT_NE(result.emulator_message().find("DPU 0 tasklet 2: mram_read of 12 bytes"), std::string::npos)
        << result.stderr_text;
}

TEST_F(EmuRules, AProgramThatNeverEndsIsStoppedAtItsTimeLimit) {
    Program p;
    p.kernel_body = "for (volatile int spin = 1; spin;) {}";
    std::ofstream(dir_ / "dpu.c") << fmt::format(testing::kKernelTemplate, p.kernel_globals, p.kernel_body);
    std::ofstream(dir_ / "host.c") << fmt::format(testing::kHostTemplate, p.host_body);
    build_for_emu(dir_, {p.tasklets, 256});
    HostRun result = run_host(dir_, 1);
    EXPECT_TRUE(result.timed_out) << "exit " << result.exit_code;
    EXPECT_THROW(check_host_run(result), InternalError);
}

TEST_F(EmuRules, CompileErrorIsAnInternalErrorWithTheCompilerMessage) {
    Program p;
    p.kernel_body = "this is not C;";
    try {
        run(p);
        FAIL() << "a kernel that does not compile was accepted";
    } catch (const InternalError &e) {
        EXPECT_NE(std::string(e.what()).find("the generated kernel does not compile"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("dpu.c"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace atim::runtime

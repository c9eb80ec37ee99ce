// Test fixture: writes a tiny hand-written kernel + host program pair, builds it against the SDK emulation
// and runs it (shared by the unit and integration tests of the emulator).
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "atim/runtime/emu_build.h"

namespace atim::runtime::testing {

namespace fs = std::filesystem;

constexpr const char *kKernelTemplate = R"(#include <defs.h>
#include <mram.h>
#include <alloc.h>
#include <barrier.h>
#include <stdint.h>
BARRIER_INIT(b, NR_TASKLETS);
__host uint64_t host_word;
__mram_noinit uint64_t M[512];
__dma_aligned uint64_t W[512];
{}
int main(void) {{
    if (me() == 0) mem_reset();
    barrier_wait(&b);
    {}
    return 0;
}}
)";

constexpr const char *kHostTemplate = R"(#include <dpu.h>
#include <stdio.h>
int main(void) {{
    struct dpu_set_t set, dpu;
    uint32_t i;
    static uint64_t buf[2][512];
    DPU_ASSERT(dpu_alloc(2, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    {}
    DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
    DPU_ASSERT(dpu_free(set));
    (void)dpu; (void)i; (void)buf;
    return 0;
}}
)";

struct Program {
    std::string kernel_globals, kernel_body, host_body;
    int tasklets = 2;
};

class EmuRules : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format("atim-emu-rules-{}-{}",
                           ::testing::UnitTest::GetInstance()->current_test_info()->name(), ::getpid());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    HostRun run(const Program &p) {
        std::ofstream(dir_ / "dpu.c") << fmt::format(kKernelTemplate, p.kernel_globals, p.kernel_body);
        std::ofstream(dir_ / "host.c") << fmt::format(kHostTemplate, p.host_body);
        build_for_emu(dir_, {p.tasklets, 256});
        return run_host(dir_);
    }

    fs::path dir_;
};

}  // namespace atim::runtime::testing

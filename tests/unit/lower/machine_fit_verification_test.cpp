// verify_fits_machine: each way a program can fail to fit the machine gives its one-line message.
#include "lower/machine_fit_verification.h"

#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "atim/lower/lower.h"
#include "unit/lower/hand_built_programs.h"

namespace atim::lower {
namespace {

using ir::DType;
using ir::Expr;
using ir::MemScope;

std::string lowering_error(const ScheduledLoops &loops, const target::UpmemMachine &machine) {
    try {
        lower_loops(loops, machine);
    } catch (const UserError &error) {
        return error.what();
    }
    return "(no error)";
}

TEST(VerifyFitsMachine, RejectsProgramsThatDoNotFit) {
    target::UpmemMachine two_dpus;
    two_dpus.dpus = 2;
    target::UpmemMachine small_mram;
    small_mram.mram_bytes = 1024;
    struct Case {
        ScheduledLoops loops;
        target::UpmemMachine machine;
        std::string message;
    };
    const std::vector<Case> cases = {
        {testing::vector_add(1024, 4, 4, 64), two_dpus,
         "the schedule uses 4 DPUs (4x1x1) but machine upmem-2048 has 2; use smaller DPU split factors"},
        {testing::vector_add(1024, 2, 25, 8), target::UpmemMachine{},
         "the schedule uses 25 tasklets per DPU but a DPU runs at most 24; use a smaller tasklet split"},
        {testing::vector_add(1 << 16, 2, 16, 512), target::UpmemMachine{},
         "the kernel needs 102464 bytes of WRAM per DPU (6144 per tasklet x 16 tasklets + 0 shared + 4096 of "
         "stacks) but a DPU has 65536; use smaller WRAM tiles or fewer tasklets"},
        {testing::vector_add(4096, 2, 4, 64), small_mram,
         "each DPU needs 24576 bytes of MRAM but has 1024; use more DPUs so each holds a smaller slice"},
    };
    for (const Case &c : cases) EXPECT_EQ(lowering_error(c.loops, c.machine), c.message);
}

TEST(VerifyFitsMachine, AcceptsAProgramThatFitsAndCountsItsWram) {
    PimProgram program = lower_loops(testing::vector_add(1024, 4, 4, 64), target::UpmemMachine{});
    // 3 tiles of 64 int32 per tasklet x 4 tasklets + 4 stacks of 256 bytes + 64 bytes of static data.
    EXPECT_EQ(program.wram_bytes_per_dpu, 3 * 256 * 4 + 4 * 256 + 64);
}

std::string dma_error(const ir::Stmt &kernel) {
    PimProgram program;
    program.kernel = kernel;
    try {
        verify_fits_machine(program, target::UpmemMachine{});
    } catch (const UserError &error) {
        return error.what();
    }
    return "(no error)";
}

TEST(VerifyFitsMachine, RejectsDmasTheHardwareRefuses) {
    ir::Buffer wram = ir::make_buffer("W", DType::Int32, {1024}, MemScope::WramLocal);
    ir::Buffer mram = ir::make_buffer("M_mram", DType::Int32, {4096}, MemScope::Mram);
    ir::Var i("i");
    auto dma = [&](Expr wram_offset, Expr mram_offset, Expr bytes) {
        return ir::Allocate::make(wram, ir::For::make(i, Expr(0), Expr(4), ir::ForKind::Serial,
                                                      ir::Dma::make(ir::DmaDirection::MramToWram, wram,
                                                                    wram_offset, mram, mram_offset, bytes)));
    };
    struct Case {
        ir::Stmt kernel;
        std::string message;
    };
    const std::vector<Case> cases = {
        {dma(Expr(0), i * 16, i * 8 + 8),
         "DMA between W and M_mram has a size that is not a compile-time constant (((i*8) + 8)); use tile "
         "sizes "
         "that are constant"},
        {dma(Expr(0), i * 16, Expr(12)),
         "DMA between W and M_mram moves 12 bytes; a DMA must move a multiple of 8 bytes between 8 and 2048; "
         "change the WRAM tile size"},
        {dma(Expr(0), i * 16, Expr(4096)),
         "DMA between W and M_mram moves 4096 bytes; a DMA must move a multiple of 8 bytes between 8 and "
         "2048; "
         "change the WRAM tile size"},
        {dma(Expr(0), i * 3, Expr(64)),
         "DMA between W and M_mram at offsets 0 / (i*3) is not provably 8-byte aligned; make tile sizes and "
         "tile "
         "starts multiples of 8 bytes"},
        {dma(Expr(1), i * 16, Expr(64)),
         "DMA between W and M_mram at offsets 1 / (i*16) is not provably 8-byte aligned; make tile sizes and "
         "tile "
         "starts multiples of 8 bytes"},
        {dma(Expr(2), i * 16, Expr(2048)), "(no error)"},
    };
    for (const Case &c : cases) EXPECT_EQ(dma_error(c.kernel), c.message);
}

}  // namespace
}  // namespace atim::lower

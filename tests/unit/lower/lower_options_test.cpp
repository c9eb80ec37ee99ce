// LowerOptions: the optimization level and --print-after, including their errors.
#include <gtest/gtest.h>

#include <sstream>

#include "atim/lower/lower.h"
#include "unit/lower/hand_built_programs.h"

namespace atim::lower {
namespace {

std::string option_error(const LowerOptions &options) {
    try {
        lower_loops(testing::vector_add(64, 2, 2, 16), target::UpmemMachine{}, options);
    } catch (const UserError &error) {
        return error.what();
    }
    return "(no error)";
}

TEST(LowerOptions, RejectsUnknownLevelsAndPasses) {
    LowerOptions level5;
    level5.opt_level = 5;
    EXPECT_EQ(option_error(level5),
              "optimization level 5 does not exist; use 0 (none), 1 (DMA), 2 (DMA+LT), 3, or 4 (DMA+LT+BH)");
    LowerOptions unknown_pass;
    unknown_pass.print_after = {"loop_unswitching"};
    EXPECT_EQ(
        option_error(unknown_pass),
        "unknown pass 'loop_unswitching' for --print-after; use one of: schedule_to_loops, bind_dpu_grid, "
        "simplify, localize_global_indices, lower_copies_to_dma, tighten_loop_bounds, "
        "hoist_invariant_branches, or all");
}

TEST(LowerOptions, PrintsTheKernelAfterTheRequestedPassOnly) {
    std::ostringstream out;
    LowerOptions options;
    options.print_after = {"lower_copies_to_dma"};
    options.print_stream = &out;
    PimProgram program = lower_loops(testing::vector_add(64, 2, 2, 16), target::UpmemMachine{}, options);
    const std::string printed = out.str();
    EXPECT_EQ(printed.find("// IR after lower_copies_to_dma\n"), 0u) << printed;
    EXPECT_EQ(printed.find("// IR after", 1), std::string::npos) << printed;
    EXPECT_NE(printed.find("dma mram->wram(A_local[0], A_mram["), std::string::npos) << printed;

    std::ostringstream everything;
    options.print_after = {"all"};
    options.print_stream = &everything;
    lower_loops(testing::vector_add(64, 2, 2, 16), target::UpmemMachine{}, options);
    for (const char *pass :
         {"bind_dpu_grid", "localize_global_indices", "tighten_loop_bounds", "hoist_invariant_branches"}) {
        EXPECT_NE(everything.str().find(std::string("// IR after ") + pass + "\n"), std::string::npos)
            << pass;
    }
}

TEST(LowerOptions, LevelsSelectTheOptimizations) {
    auto kernel_at = [](int level) {
        LowerOptions options;
        options.opt_level = level;
        return ir::to_string(
            lower_loops(testing::matrix_vector(30, 77, 2, 4, 16), target::UpmemMachine{}, options).kernel);
    };
    const std::string none = kernel_at(0), dma = kernel_at(1), tightened = kernel_at(2),
                      hoisted = kernel_at(4);
    EXPECT_EQ(none.find("dma "), std::string::npos);
    EXPECT_NE(dma.find("dma mram->wram(A_local"), std::string::npos);
    EXPECT_EQ(dma.find("min(16, (77 - (kb*16)))"), std::string::npos);
    EXPECT_NE(tightened.find("min(16, (77 - (kb*16)))"), std::string::npos);
    // BH merges the row guards (init, A tile, compute, write-back) into one outside the K loop.
    auto row_guards = [](const std::string &kernel) {
        int count = 0;
        for (size_t at = kernel.find("< 30))"); at != std::string::npos; at = kernel.find("< 30))", at + 1))
            ++count;
        return count;
    };
    EXPECT_GE(row_guards(tightened), 3) << tightened;
    EXPECT_EQ(row_guards(hoisted), 1) << hoisted;
    EXPECT_LT(hoisted.find("< 30))"), hoisted.find("for (kb, 0, 5)")) << hoisted;
}

}  // namespace
}  // namespace atim::lower

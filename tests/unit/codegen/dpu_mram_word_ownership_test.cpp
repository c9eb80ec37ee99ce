// tasklets_store_disjoint_words: which MRAM store indices are proven to give every tasklet its own 8-byte
// words (no lock needed), and that a kernel compiled without the lock still computes exact results.
#include <gtest/gtest.h>

#include <string>

#include "codegen/dpu/mram_word_ownership.h"
#include "dpu_test_support.h"

namespace atim::codegen::testing {
namespace {

constexpr int kTasklets = 16;

arith::Range range_of(int64_t extent) { return {Expr(0), Expr(static_cast<int>(extent))}; }

TEST(MramWordOwnership, ProvesWordAlignedTaskletBlocksAndRejectsSharedWords) {
    Var t("t"), c("c"), e("e"), j("j"), dpu_x("dpu_x"), let_index("let_index");
    arith::RangeMap loops = {{c.get(), range_of(4)}, {e.get(), range_of(64)}, {j.get(), range_of(3)}};
    ir::VarMap lets = {{let_index.get(), t * 256 + c * 64}};
    dpu::StoreScope scope{loops, lets, t.get(), {dpu_x.get()}, kTasklets};
    struct Case {
        std::string what;
        Expr index;
        int element_bytes;
        bool proven;
    };
    const std::vector<Case> cases = {
        {"contiguous blocks of 256 (VA at O0)", t * 256 + c * 64 + e, 4, true},
        {"the same through a let", let_index + e, 4, true},
        {"tasklet_id() itself", tasklet_id() * 256 + e, 4, true},
        {"cyclic blocks: round c moves by tasklets * 64", c * (kTasklets * 64) + t * 64 + e, 4, true},
        {"grid offset of whole words", t * 256 + dpu_x * 4 + e, 4, true},
        {"int64 elements fill their word", t + j, 8, true},
        {"neighbouring elements of different tasklets", j * 6 + t, 4, false},
        {"blocks of an odd number of elements", t * 255 + e, 4, false},
        {"block overruns into the next tasklet's", t * 64 + e + 1, 4, false},
        {"grid offset of half a word", t * 256 + dpu_x * 3 + e, 4, false},
        {"round stride not a multiple of tasklets * block", c * 512 + t * 64 + e, 4, false},
        {"no tasklet term: every tasklet writes the same elements", c * 64 + e, 4, false},
        {"a variable with no known range", t * 256 + Var("unknown"), 4, false},
        {"int16-like lanes of a 2-word block", t * 8 + j, 2, true},
    };
    for (const Case &k : cases)
        EXPECT_EQ(dpu::tasklets_store_disjoint_words(k.index, k.element_bytes, scope), k.proven)
            << k.what << ": " << k.index;
}

// C[t*10 + j] for 5 tasklets, 10 int32 each: neighbouring tasklets' blocks meet inside a word only if the
// block length is odd; with 10 (even) the stores need no lock, and every element still arrives.
TEST(MramWordOwnership, KernelWithoutLockWritesEveryElement) {
    constexpr int kWorkers = 5, kPerTasklet = 10;
    constexpr int64_t kLength = kWorkers * kPerTasklet;
    lower::PimProgram program = empty_program("owned_words", kWorkers);
    Buffer a = add_slice(program, "A", DType::Int32, kLength);
    Buffer c = add_slice(program, "C", DType::Int32, kLength);
    Var j("j"), i("i");
    program.kernel = loop(j, kPerTasklet,
                          ir::LetStmt::make(i, tasklet_id() * kPerTasklet + j,
                                            ir::Store::make(c, {i}, ir::Load::make(a, {i}) * 2 + 1)));
    std::vector<int64_t> in_a(kLength), preset_c(kLength, -7);
    for (int64_t k = 0; k < kLength; ++k) in_a[k] = 100 - 3 * k;
    DpuResult result = run_on_dpu(program, {in_a, preset_c});
    EXPECT_EQ(result.kernel.assembly.find("acquire"), std::string::npos) << result.kernel.assembly;
    for (int64_t k = 0; k < kLength; ++k) EXPECT_EQ(result.slices[1][k], in_a[k] * 2 + 1) << "C[" << k << "]";
}

}  // namespace
}  // namespace atim::codegen::testing

// Expected-IR tests of lower_copies_to_dma: which element copies become DMAs, and what guard remains.
#include "lower/copy_to_dma_lowering.h"

#include <gtest/gtest.h>

#include "atim/ir/ir.h"

namespace atim::lower {
namespace {

using ir::Buffer;
using ir::DType;
using ir::Expr;
using ir::ForKind;
using ir::MemScope;
using ir::Stmt;
using ir::Var;

struct Fixture {
    GridVars grid_vars;
    DpuGrid grid{4, 1, 1};
    Var t{"t"}, blk{"blk"}, e{"e"};
    Buffer a_mram = ir::make_buffer("A_mram", DType::Int32, {384}, MemScope::Mram);
    Buffer m_mram = ir::make_buffer("M_mram", DType::Int32, {8, 50}, MemScope::Mram);
    Buffer a_local = ir::make_buffer("A_local", DType::Int32, {32}, MemScope::WramLocal);
    Buffer big_local = ir::make_buffer("A_big", DType::Int32, {1024}, MemScope::WramLocal);
    Buffer q_mram = ir::make_buffer("Q_mram", DType::Int64, {4}, MemScope::Mram);
    Buffer q_local = ir::make_buffer("Q_local", DType::Int64, {1}, MemScope::WramLocal);

    Stmt copy_loop(int64_t extent, Stmt body) const {
        return ir::For::make(e, Expr(0), Expr(static_cast<int>(extent)), ForKind::Serial, std::move(body));
    }
    /// The statement inside `let t = tasklet_id()` and `for blk in [0, 3)`, as a kernel sees it.
    Stmt in_kernel(Stmt s) const {
        return ir::LetStmt::make(t, ir::Call::make(DType::Int32, "tasklet_id", {}),
                                 ir::For::make(blk, Expr(0), Expr(3), ForKind::Serial, std::move(s)));
    }
    std::string lowered(const Stmt &s) const {
        return ir::to_string(lower_copies_to_dma(in_kernel(s), grid, grid_vars, 4, 2048));
    }
};

TEST(LowerCopiesToDma, ReadTileDropsTheElementGuard) {
    Fixture f;
    Expr local_index = f.t * 96 + f.blk * 32 + f.e;
    Stmt fill = f.copy_loop(
        32, ir::IfThenElse::make(f.grid_vars.x * 384 + local_index < 1000,
                                 ir::Store::make(f.a_local, {f.e}, ir::Load::make(f.a_mram, {local_index}))));
    EXPECT_EQ(f.lowered(fill),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    dma mram->wram(A_local[0], A_mram[((t*96) + (blk*32))], 128 bytes)\n"
              "  }\n"
              "}\n");
}

TEST(LowerCopiesToDma, GuardOnOtherVariablesStaysAroundTheDma) {
    Fixture f;
    Expr row = f.t * 2 + f.blk;
    Stmt fill = f.copy_loop(
        16,
        ir::IfThenElse::make(row < 7 && f.e < 50,
                             ir::Store::make(f.a_local, {f.e}, ir::Load::make(f.m_mram, {row, f.e + 16}))));
    EXPECT_EQ(f.lowered(fill),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    if ((((t*2) + blk) < 7)) {\n"
              "      dma mram->wram(A_local[0], M_mram[(((t*100) + (blk*50)) + 16)], 64 bytes)\n"
              "    }\n"
              "  }\n"
              "}\n");
}

TEST(LowerCopiesToDma, LargeTileIsSplitInto2048ByteChunks) {
    Fixture f;
    Buffer big_mram = ir::make_buffer("B_mram", DType::Int32, {4096}, MemScope::Mram);
    Stmt fill = f.copy_loop(
        1024, ir::Store::make(f.big_local, {f.e}, ir::Load::make(big_mram, {f.blk * 1024 + f.e})));
    EXPECT_EQ(f.lowered(fill),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    dma mram->wram(A_big[0], B_mram[(blk*1024)], 2048 bytes)\n"
              "    dma mram->wram(A_big[512], B_mram[((blk*1024) + 512)], 2048 bytes)\n"
              "  }\n"
              "}\n");
}

TEST(LowerCopiesToDma, FlushTileOfAOneDimensionalSliceDropsItsGuard) {
    Fixture f;
    Expr local_index = f.t * 96 + f.blk * 32 + f.e;
    Stmt flush = f.copy_loop(
        32, ir::IfThenElse::make(f.grid_vars.x * 384 + local_index < 1000,
                                 ir::Store::make(f.a_mram, {local_index}, ir::Load::make(f.a_local, {f.e}))));
    EXPECT_EQ(f.lowered(flush),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    dma wram->mram(A_mram[((t*96) + (blk*32))], A_local[0], 128 bytes)\n"
              "  }\n"
              "}\n");
}

TEST(LowerCopiesToDma, LoneEightByteElementBecomesADma) {
    Fixture f;
    Stmt flush = ir::Store::make(f.q_mram, {f.t}, ir::Load::make(f.q_local, {Expr(0)}));
    EXPECT_EQ(f.lowered(flush),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    dma wram->mram(Q_mram[t], Q_local[0], 8 bytes)\n"
              "  }\n"
              "}\n");
}

TEST(LowerCopiesToDma, FlushTileThatStaysInsideItsRowDropsItsGuard) {
    Fixture f;
    // blk < 3: the last tile is columns [32, 48) of a 50-column row.
    Stmt flush = f.copy_loop(
        16, ir::IfThenElse::make(f.blk * 16 + f.e < 50, ir::Store::make(f.m_mram, {f.t, f.blk * 16 + f.e},
                                                                        ir::Load::make(f.a_local, {f.e}))));
    EXPECT_EQ(f.lowered(flush),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    dma wram->mram(M_mram[((t*50) + (blk*16))], A_local[0], 64 bytes)\n"
              "  }\n"
              "}\n");
}

TEST(LowerCopiesToDma, RowsContiguousInBothMemoriesMergeIntoOneDma) {
    Fixture f;
    Var r("r");
    Buffer tile = ir::make_buffer("T_local", DType::Int32, {2, 16}, MemScope::WramLocal);
    Buffer narrow = ir::make_buffer("N_mram", DType::Int32, {8, 16}, MemScope::Mram);
    auto fill_rows = [&](const Buffer &mram) {
        return ir::For::make(
            r, Expr(0), Expr(2), ForKind::Serial,
            f.copy_loop(16, ir::Store::make(tile, {r, f.e}, ir::Load::make(mram, {f.t * 2 + r, f.e}))));
    };
    EXPECT_EQ(f.lowered(fill_rows(narrow)),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    dma mram->wram(T_local[0], N_mram[(t*32)], 128 bytes)\n"
              "  }\n"
              "}\n");
    // Rows of 50 in MRAM but 16 in WRAM: one DMA per row.
    EXPECT_EQ(f.lowered(fill_rows(f.m_mram)),
              "let t = tasklet_id() {\n"
              "  for (blk, 0, 3) {\n"
              "    for (r, 0, 2) {\n"
              "      dma mram->wram(T_local[(r*16)], M_mram[((t*100) + (r*50))], 64 bytes)\n"
              "    }\n"
              "  }\n"
              "}\n");
}

// Each of these stays an element copy: a DMA would be illegal or would clobber data.
TEST(LowerCopiesToDma, KeepsElementCopiesThatCannotBeLegalDmas) {
    Fixture f;
    Buffer odd_local = ir::make_buffer("O_local", DType::Int32, {5}, MemScope::WramLocal);
    struct Case {
        std::string why;
        Stmt copy;
    };
    const std::vector<Case> cases = {
        {"20 bytes is not a multiple of 8",
         f.copy_loop(5, ir::Store::make(odd_local, {f.e}, ir::Load::make(f.a_mram, {f.blk * 8 + f.e})))},
        {"tile start blk*6 int32 = 24 bytes is aligned but t*3 is not",
         f.copy_loop(2, ir::Store::make(f.a_local, {f.e}, ir::Load::make(f.a_mram, {f.t * 3 + f.e})))},
        {"stride 2 is not contiguous",
         f.copy_loop(8, ir::Store::make(f.a_local, {f.e}, ir::Load::make(f.a_mram, {f.blk * 16 + f.e * 2})))},
        {"a flush tile past the end of a row of a 2-D slice would clobber the next row",
         f.copy_loop(16, ir::IfThenElse::make(f.blk * 16 + 16 + f.e < 50,
                                              ir::Store::make(f.m_mram, {f.t, f.blk * 16 + 16 + f.e},
                                                              ir::Load::make(f.a_local, {f.e}))))},
        {"the tile of the first block would start before the slice",
         f.copy_loop(
             8, ir::IfThenElse::make(
                    f.blk * 8 - 8 + f.e >= 0,
                    ir::Store::make(f.a_local, {f.e}, ir::Load::make(f.a_mram, {f.blk * 8 - 8 + f.e}))))},
        {"the whole tile would not fit the WRAM buffer past offset 24",
         f.copy_loop(16, ir::IfThenElse::make(
                             f.e < 8, ir::Store::make(f.a_local, {f.e + 24},
                                                      ir::Load::make(f.a_mram, {f.blk * 16 + f.e}))))},
        {"a flush guarded by data, not by bounds, must keep its guard",
         f.copy_loop(32, ir::IfThenElse::make(ir::Load::make(f.big_local, {f.e}) > 0,
                                              ir::Store::make(f.a_mram, {f.blk * 32 + f.e},
                                                              ir::Load::make(f.a_local, {f.e}))))},
        {"WRAM to WRAM is not a DMA",
         f.copy_loop(8, ir::Store::make(f.a_local, {f.e}, ir::Load::make(f.big_local, {f.e})))},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.why);
        Stmt kernel = f.in_kernel(c.copy);
        EXPECT_EQ(ir::to_string(lower_copies_to_dma(kernel, f.grid, f.grid_vars, 4, 2048)),
                  ir::to_string(kernel))
            << c.why;
    }
}

}  // namespace
}  // namespace atim::lower

// Expected-IR tests of bind_dpu_grid: grid coordinates, tasklet distribution, single-tasklet guards,
// barriers.
#include "lower/dpu_grid_binding.h"

#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "unit/lower/hand_built_programs.h"

namespace atim::lower {
namespace {

using ir::Buffer;
using ir::DType;
using ir::Expr;
using ir::ForKind;
using ir::MemScope;
using ir::Stmt;
using ir::Var;
using testing::loop;

TEST(BindDpuGrid, GridLoopsBecomeCoordinatesAndTaskletLoopsBecomeTaskletIds) {
    Var x("x"), y("y"), t("t"), u("u");
    Buffer out = ir::make_buffer("O", DType::Int32, {4, 3, 8});
    Buffer shared = ir::make_buffer("S", DType::Int32, {8}, MemScope::WramShared);
    // [init by one tasklet; 8 tasklets write; 4 tasklets read]: each phase change needs a barrier.
    Stmt init = ir::Store::make(shared, {Expr(0)}, Expr(5));
    Stmt write =
        loop(t, 8, ir::Store::make(shared, {t}, t + ir::Load::make(shared, {Expr(0)})), ForKind::Tasklet);
    Stmt read =
        loop(u, 4, ir::Store::make(out, {x, y, u}, ir::Load::make(shared, {u * 2})), ForKind::Tasklet);
    Stmt device =
        loop(x, 4, loop(y, 3, ir::Allocate::make(shared, ir::Seq::make({init, write, read})), ForKind::DpuY),
             ForKind::DpuX);
    BoundKernel bound = bind_dpu_grid(device, GridVars{});
    EXPECT_EQ(bound.grid.x, 4);
    EXPECT_EQ(bound.grid.y, 3);
    EXPECT_EQ(bound.grid.z, 1);
    EXPECT_EQ(bound.tasklets, 8);
    EXPECT_EQ(ir::to_string(bound.kernel),
              "allocate S[8] int32 wram.shared {\n"
              "  if ((tasklet_id() == 0)) {\n"
              "    S[0] = 5\n"
              "  }\n"
              "  barrier\n"
              "  let t = tasklet_id() {\n"
              "    S[t] = (t + S[0])\n"
              "  }\n"
              "  barrier\n"
              "  let u = tasklet_id() {\n"
              "    if ((u < 4)) {\n"
              "      O[dpu_x, dpu_y, u] = S[(u*2)]\n"
              "    }\n"
              "  }\n"
              "}\n");
}

TEST(BindDpuGrid, KeepsTheProgramsOwnBarrierAndClosesRepeatedPhases) {
    Var x("x"), t("t"), s("s");
    Buffer out = ir::make_buffer("O", DType::Int32, {2, 3});
    Buffer shared = ir::make_buffer("S", DType::Int32, {4}, MemScope::WramShared);
    Stmt write = loop(t, 4, ir::Store::make(shared, {t}, t * s), ForKind::Tasklet);
    Stmt combine = ir::Store::make(out, {x, s}, ir::Load::make(shared, {Expr(3)}));
    Stmt device = loop(
        x, 2, ir::Allocate::make(shared, loop(s, 3, ir::Seq::make({write, ir::Barrier::make(), combine}))),
        ForKind::DpuX);
    EXPECT_EQ(ir::to_string(bind_dpu_grid(device, GridVars{}).kernel),
              "allocate S[4] int32 wram.shared {\n"
              "  for (s, 0, 3) {\n"
              "    let t = tasklet_id() {\n"
              "      S[t] = (t*s)\n"
              "    }\n"
              "    barrier\n"
              "    if ((tasklet_id() == 0)) {\n"
              "      O[dpu_x, s] = S[3]\n"
              "    }\n"
              "    barrier\n"
              "  }\n"
              "}\n");
}

TEST(BindDpuGrid, RejectsBindingsLoweringCannotDistribute) {
    Var x("x"), x2("x2"), t("t"), t2("t2"), i("i");
    Buffer out = ir::make_buffer("O", DType::Int32, {64});
    Stmt store = ir::Store::make(out, {Expr(0)}, Expr(1));
    struct Case {
        Stmt device;
        std::string message;
    };
    const std::vector<Case> cases = {
        {loop(x, 2, loop(x2, 2, store, ForKind::DpuX), ForKind::DpuX),
         "two loops are bound to dpu.x; bind at most one loop per DPU grid axis"},
        {loop(x, 2, loop(t, 2, loop(t2, 2, store, ForKind::Tasklet), ForKind::Tasklet), ForKind::DpuX),
         "tasklet loop t2 is nested in another tasklet loop; bind one loop per path to tasklet"},
        {loop(i, 2, loop(x, 2, store, ForKind::DpuX)),
         "loop x is bound to a DPU grid axis inside other loops; DPU-bound loops must be outermost"},
        {ir::Seq::make({loop(x, 2, store, ForKind::DpuX), loop(x2, 4, store, ForKind::DpuX)}),
         "the blocks of this program are bound to different DPU grids (2x1x1 and 4x1x1); bind every block's "
         "DPU "
         "loops to the same extents"},
    };
    for (const Case &c : cases) {
        try {
            bind_dpu_grid(c.device, GridVars{});
            ADD_FAILURE() << "no error for " << c.message;
        } catch (const UserError &error) {
            EXPECT_EQ(std::string(error.what()), c.message);
        }
    }
}

}  // namespace
}  // namespace atim::lower

// Hand-built ScheduledLoops shaped like schedule_to_loops' output (DPU loops, tasklet loops, WRAM caches
// filled and flushed by guarded element copies), for lowering tests that do not depend on schedules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atim/ir/ir.h"
#include "atim/lower/scheduled_loops.h"
#include "atim/support/error.h"

namespace atim::lower::testing {

using ir::Buffer;
using ir::DType;
using ir::Expr;
using ir::ForKind;
using ir::MemScope;
using ir::Stmt;
using ir::Var;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

inline Stmt loop(const Var &v, int64_t extent, Stmt body, ForKind kind = ForKind::Serial) {
    return ir::For::make(v, Expr(0), Expr(static_cast<int>(extent)), kind, std::move(body));
}

inline Stmt guarded(const Expr &cond, Stmt body) { return ir::IfThenElse::make(cond, std::move(body)); }

/// C[i] = A[i] + B[i]: i = ((dpu * tasklets + t) * blocks + b) * tile + e, tiles cached in WRAM.
inline ScheduledLoops vector_add(int64_t length, int64_t dpus, int64_t tasklets, int64_t tile,
                                 DType dtype = DType::Int32) {
    Buffer a = ir::make_buffer("A", dtype, {length});
    Buffer b = ir::make_buffer("B", dtype, {length});
    Buffer c = ir::make_buffer("C", dtype, {length});
    const int64_t blocks = ceil_div(length, dpus * tasklets * tile);
    Var d("d"), t("t"), blk("blk"), e("e");
    Buffer a_local = ir::make_buffer("A_local", dtype, {tile}, MemScope::WramLocal);
    Buffer b_local = ir::make_buffer("B_local", dtype, {tile}, MemScope::WramLocal);
    Buffer c_local = ir::make_buffer("C_local", dtype, {tile}, MemScope::WramLocal);
    Expr base = ((d * tasklets + t) * blocks + blk) * tile;
    Expr i = base + e;
    Expr in_bounds = i < length;
    Stmt fill_a = loop(e, tile, guarded(in_bounds, ir::Store::make(a_local, {e}, ir::Load::make(a, {i}))));
    Stmt fill_b = loop(e, tile, guarded(in_bounds, ir::Store::make(b_local, {e}, ir::Load::make(b, {i}))));
    Stmt compute = loop(
        e, tile,
        guarded(in_bounds,
                ir::Store::make(c_local, {e}, ir::Load::make(a_local, {e}) + ir::Load::make(b_local, {e}))));
    Stmt flush = loop(e, tile, guarded(in_bounds, ir::Store::make(c, {i}, ir::Load::make(c_local, {e}))));
    Stmt body = ir::Allocate::make(
        a_local, ir::Allocate::make(
                     b_local, ir::Allocate::make(c_local, ir::Seq::make({fill_a, fill_b, compute, flush}))));
    Stmt device = loop(d, dpus, loop(t, tasklets, loop(blk, blocks, body), ForKind::Tasklet), ForKind::DpuX);
    return ScheduledLoops{
        "va",
        {{a, TensorRole::Input, true}, {b, TensorRole::Input, true}, {c, TensorRole::Output}},
        device,
        Stmt()};
}

/// C[i] = sum_k A[i, k] * B[k], PrIM style: rows over DPUs and tasklets, K in WRAM tiles of `k_tile`.
inline ScheduledLoops matrix_vector(int64_t rows, int64_t cols, int64_t dpus, int64_t tasklets,
                                    int64_t k_tile) {
    Buffer a = ir::make_buffer("A", DType::Int32, {rows, cols});
    Buffer b = ir::make_buffer("B", DType::Int32, {cols});
    Buffer c = ir::make_buffer("C", DType::Int32, {rows});
    const int64_t rows_per_tasklet = ceil_div(rows, dpus * tasklets);
    const int64_t k_blocks = ceil_div(cols, k_tile);
    Var d("d"), t("t"), r("r"), kb("kb"), kk("kk");
    Buffer a_local = ir::make_buffer("A_local", DType::Int32, {k_tile}, MemScope::WramLocal);
    Buffer b_local = ir::make_buffer("B_local", DType::Int32, {k_tile}, MemScope::WramLocal);
    Buffer c_local = ir::make_buffer("C_local", DType::Int32, {1}, MemScope::WramLocal);
    Expr row = (d * tasklets + t) * rows_per_tasklet + r;
    Expr k = kb * k_tile + kk;
    Stmt fill_a =
        loop(kk, k_tile,
             guarded(row < rows && k < cols, ir::Store::make(a_local, {kk}, ir::Load::make(a, {row, k}))));
    Stmt fill_b = loop(kk, k_tile, guarded(k < cols, ir::Store::make(b_local, {kk}, ir::Load::make(b, {k}))));
    Expr acc = ir::Load::make(c_local, {Expr(0)});
    Stmt update =
        loop(kk, k_tile,
             guarded(row < rows && k < cols,
                     ir::Store::make(c_local, {Expr(0)},
                                     acc + ir::Load::make(a_local, {kk}) * ir::Load::make(b_local, {kk}))));
    Stmt k_loop = loop(
        kb, k_blocks,
        ir::Allocate::make(a_local, ir::Allocate::make(b_local, ir::Seq::make({fill_a, fill_b, update}))));
    Stmt init = guarded(row < rows, ir::Store::make(c_local, {Expr(0)}, Expr(0)));
    Stmt flush = guarded(row < rows, ir::Store::make(c, {row}, acc));
    Stmt body = ir::Allocate::make(c_local, ir::Seq::make({init, k_loop, flush}));
    Stmt device =
        loop(d, dpus, loop(t, tasklets, loop(r, rows_per_tasklet, body), ForKind::Tasklet), ForKind::DpuX);
    return ScheduledLoops{"mtv",
                          {{a, TensorRole::Input, true}, {b, TensorRole::Input}, {c, TensorRole::Output}},
                          device,
                          Stmt()};
}

/// rc-tile MTV: K split over dpu.y into Partial rows C_rf[ky, i], reduced by the host epilogue; rows over
/// dpu.x and tasklets; WRAM tiles of `k_tile` over each DPU's K range.
inline ScheduledLoops matrix_vector_rfactor(int64_t rows, int64_t cols, int64_t dpus_x, int64_t dpus_y,
                                            int64_t tasklets, int64_t k_tile) {
    Buffer a = ir::make_buffer("A", DType::Int32, {rows, cols});
    Buffer b = ir::make_buffer("B", DType::Int32, {cols});
    Buffer c = ir::make_buffer("C", DType::Int32, {rows});
    Buffer c_rf = ir::make_buffer("C_rf", DType::Int32, {dpus_y, rows});
    const int64_t rows_per_tasklet = ceil_div(rows, dpus_x * tasklets);
    const int64_t cols_per_dpu = ceil_div(cols, dpus_y);
    const int64_t k_blocks = ceil_div(cols_per_dpu, k_tile);
    Var dx("dx"), dy("dy"), t("t"), r("r"), kb("kb"), kk("kk");
    Buffer a_local = ir::make_buffer("A_local", DType::Int32, {k_tile}, MemScope::WramLocal);
    Buffer b_local = ir::make_buffer("B_local", DType::Int32, {k_tile}, MemScope::WramLocal);
    Buffer c_local = ir::make_buffer("C_rf_local", DType::Int32, {1}, MemScope::WramLocal);
    Expr row = (dx * tasklets + t) * rows_per_tasklet + r;
    Expr k = dy * cols_per_dpu + kb * k_tile + kk;
    Expr k_in_dpu = kb * k_tile + kk < cols_per_dpu;
    Stmt fill_a = loop(kk, k_tile,
                       guarded(row < rows && k_in_dpu && k < cols,
                               ir::Store::make(a_local, {kk}, ir::Load::make(a, {row, k}))));
    Stmt fill_b = loop(kk, k_tile,
                       guarded(k_in_dpu && k < cols, ir::Store::make(b_local, {kk}, ir::Load::make(b, {k}))));
    Expr acc = ir::Load::make(c_local, {Expr(0)});
    Stmt update =
        loop(kk, k_tile,
             guarded(row < rows && k_in_dpu && k < cols,
                     ir::Store::make(c_local, {Expr(0)},
                                     acc + ir::Load::make(a_local, {kk}) * ir::Load::make(b_local, {kk}))));
    Stmt k_loop = loop(
        kb, k_blocks,
        ir::Allocate::make(a_local, ir::Allocate::make(b_local, ir::Seq::make({fill_a, fill_b, update}))));
    Stmt init = guarded(row < rows, ir::Store::make(c_local, {Expr(0)}, Expr(0)));
    Stmt flush = guarded(row < rows, ir::Store::make(c_rf, {dy, row}, acc));
    Stmt body = ir::Allocate::make(c_local, ir::Seq::make({init, k_loop, flush}));
    Stmt device = loop(
        dx, dpus_x,
        loop(dy, dpus_y, loop(t, tasklets, loop(r, rows_per_tasklet, body), ForKind::Tasklet), ForKind::DpuY),
        ForKind::DpuX);
    Var i("i"), j("j");
    Stmt epilogue =
        loop(i, rows,
             ir::Seq::make(
                 {ir::Store::make(c, {i}, Expr(0)),
                  loop(j, dpus_y,
                       ir::Store::make(c, {i}, ir::Load::make(c, {i}) + ir::Load::make(c_rf, {j, i})))}));
    return ScheduledLoops{"mtv",
                          {{a, TensorRole::Input, true},
                           {b, TensorRole::Input},
                           {c, TensorRole::Output},
                           {c_rf, TensorRole::Partial}},
                          device,
                          epilogue};
}

/// RED: C[0] = sum_i A[i] (int64). Each DPU's tasklets sum tiles into a shared WRAM array, a barrier, then
/// tasklet 0 adds those partials into C_rf[dpu]; the host adds the DPU partials.
inline ScheduledLoops reduction(int64_t length, int64_t dpus, int64_t tasklets, int64_t tile) {
    Buffer a = ir::make_buffer("A", DType::Int64, {length});
    Buffer c = ir::make_buffer("C", DType::Int64, {1});
    Buffer c_rf = ir::make_buffer("C_rf", DType::Int64, {dpus});
    const int64_t blocks = ceil_div(length, dpus * tasklets * tile);
    Var d("d"), t("t"), blk("blk"), e("e"), u("u");
    Buffer partial = ir::make_buffer("P_shared", DType::Int64, {tasklets}, MemScope::WramShared);
    Buffer a_local = ir::make_buffer("A_local", DType::Int64, {tile}, MemScope::WramLocal);
    Buffer sum_local = ir::make_buffer("C_rf_local", DType::Int64, {1}, MemScope::WramLocal);
    Expr i = ((d * tasklets + t) * blocks + blk) * tile + e;
    Expr mine = ir::Load::make(partial, {t});
    Stmt fill = loop(e, tile, guarded(i < length, ir::Store::make(a_local, {e}, ir::Load::make(a, {i}))));
    Stmt add = loop(e, tile,
                    guarded(i < length, ir::Store::make(partial, {t}, mine + ir::Load::make(a_local, {e}))));
    Stmt per_tasklet =
        ir::Seq::make({ir::Store::make(partial, {t}, ir::make_zero(DType::Int64)),
                       loop(blk, blocks, ir::Allocate::make(a_local, ir::Seq::make({fill, add})))});
    Expr sum = ir::Load::make(sum_local, {Expr(0)});
    Stmt combine = ir::Allocate::make(
        sum_local,
        ir::Seq::make(
            {ir::Store::make(sum_local, {Expr(0)}, ir::make_zero(DType::Int64)),
             loop(u, tasklets, ir::Store::make(sum_local, {Expr(0)}, sum + ir::Load::make(partial, {u}))),
             ir::Store::make(c_rf, {d}, sum)}));
    Stmt device =
        loop(d, dpus,
             ir::Allocate::make(partial, ir::Seq::make({loop(t, tasklets, per_tasklet, ForKind::Tasklet),
                                                        ir::Barrier::make(), combine})),
             ForKind::DpuX);
    Var j("j");
    Stmt epilogue = ir::Seq::make(
        {ir::Store::make(c, {Expr(0)}, ir::make_zero(DType::Int64)),
         loop(j, dpus,
              ir::Store::make(c, {Expr(0)}, ir::Load::make(c, {Expr(0)}) + ir::Load::make(c_rf, {j})))});
    return ScheduledLoops{
        "red",
        {{a, TensorRole::Input, true}, {c, TensorRole::Output}, {c_rf, TensorRole::Partial}},
        device,
        epilogue};
}

/// C[i, j] = A[i, j] * 3 with one row per tasklet and j in WRAM tiles of `tile` (rows of the output slice
/// are neighbours, so a flush tile running past a row would clobber the next tasklet's row).
inline ScheduledLoops scale_rows(int64_t rows, int64_t cols, int64_t dpus, int64_t tasklets, int64_t tile) {
    Buffer a = ir::make_buffer("A", DType::Int32, {rows, cols});
    Buffer c = ir::make_buffer("C", DType::Int32, {rows, cols});
    const int64_t rows_per_dpu = ceil_div(rows, dpus);
    const int64_t tiles = ceil_div(cols, tile);
    ATIM_CHECK(rows_per_dpu == tasklets, "one row per tasklet");
    Var d("d"), t("t"), jb("jb"), e("e");
    Buffer a_local = ir::make_buffer("A_local", DType::Int32, {tile}, MemScope::WramLocal);
    Buffer c_local = ir::make_buffer("C_local", DType::Int32, {tile}, MemScope::WramLocal);
    Expr row = d * tasklets + t;
    Expr col = jb * tile + e;
    Expr ok = row < rows && col < cols;
    Stmt fill = loop(e, tile, guarded(ok, ir::Store::make(a_local, {e}, ir::Load::make(a, {row, col}))));
    Stmt compute =
        loop(e, tile, guarded(ok, ir::Store::make(c_local, {e}, ir::Load::make(a_local, {e}) * 3)));
    Stmt flush = loop(e, tile, guarded(ok, ir::Store::make(c, {row, col}, ir::Load::make(c_local, {e}))));
    Stmt body =
        ir::Allocate::make(a_local, ir::Allocate::make(c_local, ir::Seq::make({fill, compute, flush})));
    Stmt device = loop(d, dpus, loop(t, tasklets, loop(jb, tiles, body), ForKind::Tasklet), ForKind::DpuX);
    return ScheduledLoops{"scale", {{a, TensorRole::Input, true}, {c, TensorRole::Output}}, device, Stmt()};
}

}  // namespace atim::lower::testing

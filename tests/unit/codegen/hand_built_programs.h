// PimPrograms built by hand (no schedule, no lowering), for the code generator's and the runner's tests.
#pragma once

#include <cstdint>

#include "atim/ir/ir.h"
#include "atim/lower/pim_program.h"

namespace atim::testing {

/// C[i] = A[i] + B[i] for i < m, int32, on `dpus` DPUs along x with `tasklets` tasklets. Each DPU holds a box
/// of `box` elements (a multiple of 64 * tasklets), each tasklet moves 64-element tiles by DMA and guards the
/// compute with the tensor bound. A and B are resident inputs. When `shared_sum` is set, every DPU also adds
/// its tasklets' first elements through a WRAM buffer shared by the tasklets (exercising barriers and
/// element access to MRAM), storing the sum in S[dpu] (a Partial tensor of one element per DPU) and the host
/// epilogue writes T[0] = sum over DPUs of S.
inline lower::PimProgram vector_add_program(int m, int dpus, int tasklets, int box, bool shared_sum = false) {
    using namespace ir;
    lower::PimProgram p;
    p.name = "va_hand_built";
    p.grid.x = dpus;
    p.tasklets = tasklets;
    Buffer a = make_buffer("A", DType::Int32, {m}), b = make_buffer("B", DType::Int32, {m}),
           c = make_buffer("C", DType::Int32, {m});
    Buffer a_m = make_buffer("A_m", DType::Int32, {box}, MemScope::Mram);
    Buffer b_m = make_buffer("B_m", DType::Int32, {box}, MemScope::Mram);
    Buffer c_m = make_buffer("C_m", DType::Int32, {box}, MemScope::Mram);
    p.tensors = {{a, lower::TensorRole::Input, true},
                 {b, lower::TensorRole::Input, true},
                 {c, lower::TensorRole::Output, false}};
    Expr origin = p.grid_vars.x * box;
    auto slice = [&](Buffer host, Buffer local) {
        return lower::MramSlice{host, local, {origin}, box * 4, 0};
    };
    p.slices = {slice(a, a_m), slice(b, b_m), slice(c, c_m)};
    p.to_dpu = {{lower::TransferDirection::ToDpu, lower::TransferKind::Parallel, 0, box * 4, true},
                {lower::TransferDirection::ToDpu, lower::TransferKind::Parallel, 1, box * 4, true}};
    p.from_dpu = {{lower::TransferDirection::FromDpu, lower::TransferKind::Parallel, 2, box * 4, false}};

    const int tile = 64;
    Buffer a_w = make_buffer("A_w", DType::Int32, {tile}, MemScope::WramLocal);
    Buffer b_w = make_buffer("B_w", DType::Int32, {tile}, MemScope::WramLocal);
    Buffer c_w = make_buffer("C_w", DType::Int32, {tile}, MemScope::WramLocal);
    Var it("it"), i("i"), offset("offset");
    Expr tasklet = Call::make(DType::Int32, "tasklet_id", {});
    Stmt compute =
        For::make(i, 0, tile, ForKind::Serial,
                  IfThenElse::make(origin + offset + i < m,
                                   Store::make(c_w, {i}, Load::make(a_w, {i}) + Load::make(b_w, {i}))));
    Stmt per_tile =
        LetStmt::make(offset, (it * tasklets + tasklet) * tile,
                      Seq::make({Dma::make(DmaDirection::MramToWram, a_w, 0, a_m, offset, tile * 4),
                                 Dma::make(DmaDirection::MramToWram, b_w, 0, b_m, offset, tile * 4), compute,
                                 Dma::make(DmaDirection::WramToMram, c_w, 0, c_m, offset, tile * 4)}));
    Stmt body = For::make(it, 0, box / (tile * tasklets), ForKind::Serial, per_tile);
    if (shared_sum) {
        Buffer s = make_buffer("S", DType::Int32, {dpus}), t = make_buffer("T", DType::Int32, {1});
        Buffer s_m = make_buffer("S_m", DType::Int32, {1}, MemScope::Mram);
        Buffer firsts = make_buffer("firsts", DType::Int32, {tasklets}, MemScope::WramShared);
        p.tensors.push_back({s, lower::TensorRole::Partial, false});
        p.tensors.push_back({t, lower::TensorRole::Output, false});
        p.slices.push_back({s, s_m, {p.grid_vars.x}, 8, 0});
        p.from_dpu.push_back({lower::TransferDirection::FromDpu, lower::TransferKind::Parallel, 3, 8, false});
        Var k("k"), j("j");
        Stmt sum = IfThenElse::make(
            eq(tasklet, 0),
            Seq::make({Store::make(s_m, {0}, 0),
                       For::make(k, 0, tasklets, ForKind::Unrolled,
                                 Store::make(s_m, {0}, Load::make(s_m, {0}) + Load::make(firsts, {k})))}));
        body = Allocate::make(
            firsts, Seq::make({body, Store::make(firsts, {tasklet}, Load::make(c_m, {tasklet * tile})),
                               Barrier::make(), sum}));
        p.host_epilogue =
            Seq::make({Store::make(t, {0}, 0),
                       For::make(j, 0, dpus, ForKind::Serial,
                                 Store::make(t, {0}, Load::make(t, {0}) + Load::make(s, {j})))});
    }
    p.kernel = Allocate::make(a_w, Allocate::make(b_w, Allocate::make(c_w, body)));
    return p;
}

}  // namespace atim::testing

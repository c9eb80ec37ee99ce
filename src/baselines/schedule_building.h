// Building blocks shared by the named schedules: splitting rows/elements over DPUs and tasklets, caching
// inputs in WRAM, and putting a block's loops in an exact order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::baselines {

/// The loops of a rows dimension split as [dpus] x [tasklets, groups, rows_per_write]: contiguous row
/// blocks per DPU, rows handed to tasklets in groups that share one 8-byte output write (PrIM GEMV).
struct RowLoops {
    schedule::LoopRV dpu, tasklet, group, row;
};
RowLoops split_rows(schedule::Schedule &sch, const schedule::LoopRV &rows, int64_t rows_per_dpu,
                    int64_t tasklets, int64_t rows_per_write);

/// How a rows dimension is cut: rows per DPU (ceil(rows / dpus) rounded up to whole output writes, PrIM's
/// 8-byte padding) and rows per output write. Rows fused from (i, j) (ttv: M*N rows) are cut the same way:
/// lowering sees the tensors with i, j fused (MramSlice::fused_dims), so a DPU's rows are an exact box even
/// when they start or end inside an i-row.
struct RowCut {
    int64_t rows_per_dpu, rows_per_write;
};
RowCut cut_rows(int64_t rows, int64_t dpus, ir::DType dtype);

/// Splits `loop` into contiguous per-DPU chunks of ceil(extent / dpus) rounded up to `multiple` iterations
/// (PrIM: per-DPU sizes padded to 8 bytes). Returns {dpu loop, chunk loop}.
std::vector<schedule::LoopRV> split_over_dpus(schedule::Schedule &sch, const schedule::LoopRV &loop,
                                              int64_t dpus, int64_t multiple);

/// A 1-D loop cut PrIM's way: a contiguous chunk per DPU (padded to whole 8-byte writes of `dtype`), in
/// which tasklets take blocks of `block` iterations cyclically (tasklet t: blocks t, t+T, t+2T, ...).
struct CyclicBlocks {
    schedule::LoopRV dpu, tasklet, round, element;
};
/// `loop` split as [dpus] x [rounds, tasklets, block] (the tasklet loop is not yet moved outward).
CyclicBlocks split_cyclic_blocks(schedule::Schedule &sch, const schedule::LoopRV &loop, ir::DType dtype,
                                 int64_t dpus, int64_t tasklets, int64_t block);

/// An element-wise operator scheduled with cyclic blocks (PrIM's VA / GEVA and SimplePIM's map): DPU and
/// tasklet loops bound, array inputs cached per block, scalar inputs once per tasklet, the output written
/// back per block. `params` holds "dpus", "tasklets" and "block".
void schedule_cyclic_elementwise(schedule::Schedule &sch, const workloads::Workload &w,
                                 const std::map<std::string, int64_t> &params);

/// Reorders the leaf loops of `block` to exactly `order` (which must name every one of them).
void reorder_exactly(schedule::Schedule &sch, const schedule::BlockRV &block,
                     const std::vector<schedule::LoopRV> &order);

/// WRAM copies of the named inputs of `block`, each filled at the start of `loop`.
void cache_inputs_at(schedule::Schedule &sch, const schedule::BlockRV &block,
                     const std::vector<std::string> &inputs, const schedule::LoopRV &loop);

/// The workload's 1-element scalar inputs (ALPHA, BETA), cached once per tasklet.
std::vector<std::string> scalar_inputs(const workloads::Workload &w);

/// The workload's other inputs (the arrays: A, B), in parameter order, cached in WRAM tiles.
std::vector<std::string> array_inputs(const workloads::Workload &w);

/// The name of the block that computes the workload's output ("C"; "B" for red; whatever an --op names it).
std::string output_block(const workloads::Workload &w);

}  // namespace atim::baselines

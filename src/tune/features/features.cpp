// The cost-model features (schema kFeatureSchemaVersion). One line per feature in kFeatures says what it
// measures; "per DPU" values are summed over the tasklets of the critical DPU (the one of DPU 0 and the last
// DPU of the grid with more estimated work: boundary DPUs usually have less).
#include "atim/tune/features.h"

#include <algorithm>
#include <array>

#include "atim/runtime/host_phases.h"
#include "atim/runtime/sim_runner.h"
#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "tune/features/kernel_stats.h"

namespace atim::tune {
namespace {

using features_detail::kLoopLevels;
using features_detail::TaskletWork;

enum Feature : int {
    kDpus,
    kGridX,
    kGridY,
    kGridZ,
    kRanksUsed,
    kMachineShare,
    kTasklets,
    kOptLevel,
    kPushParallelBytes,
    kPushBroadcastBytes,
    kResidentBytes,
    kGatherBytes,
    kTimedPushTransfers,
    kGatherTransfers,
    kTimedPushBytesTotal,
    kGatherBytesTotal,
    kHostOps,
    kHostBytes,
    kHostThreads,
    kHostOpsPerThread,
    kHostBytesPerThread,
    kDmaReads,
    kDmaWrites,
    kDmaReadBytes,
    kDmaWriteBytes,
    kDmaBytesPerTransfer,
    kDmaCycles,
    kDmaCyclesMaxTasklet,
    kDmaBytesMaxTasklet,
    kOps,
    kOpsMaxTasklet,
    kTaskletImbalance,
    kActiveTasklets,
    kMuls,
    kConstMuls,
    kDivMods,
    kInt64Ops,
    kWramAccesses,
    kMramAccesses,
    kGuards,
    kSelects,
    kBarriers,
    kLoopIterations,
    kTripsLevel0,
    kOpsLevel0 = kTripsLevel0 + kLoopLevels,
    kDpuWorkRatio = kOpsLevel0 + kLoopLevels,
    kDmaStatements,
    kGuardStatements,
    kUnrolledLoops,
    kSerialLoops,
    kMaxLoopDepth,
    kWramLocalBytes,
    kWramSharedBytes,
    kWramBytesPerDpu,
    kWramShare,
    kMramBytesPerDpu,
    kElementBytes,
    kKernelCyclesLowerBound,
    kHostH2dMs,
    kHostLaunchMs,
    kHostAfterMs,
    kFeatureCount
};

struct FeatureDoc {
    Feature index;
    const char *name;
    const char *meaning;
};

// clang-format off
const FeatureDoc kFeatures[] = {
    {kDpus, "dpus", "DPUs of the grid"},
    {kGridX, "dpu_grid_x", "grid extent x"},
    {kGridY, "dpu_grid_y", "grid extent y (e.g. reduction split over DPUs)"},
    {kGridZ, "dpu_grid_z", "grid extent z"},
    {kRanksUsed, "ranks_used", "ranks the DPUs occupy (transfers run per rank)"},
    {kMachineShare, "machine_dpu_share", "DPUs used / DPUs of the machine"},
    {kTasklets, "tasklets", "tasklets per DPU"},
    {kOptLevel, "opt_level", "PIM-aware optimization level of the lowering"},
    {kPushParallelBytes, "push_parallel_bytes_per_dpu", "timed host->DPU parallel-push bytes per DPU"},
    {kPushBroadcastBytes, "push_broadcast_bytes_per_dpu", "timed host->DPU broadcast bytes per DPU"},
    {kResidentBytes, "resident_bytes_per_dpu", "host->DPU bytes per DPU pre-loaded before the timed call"},
    {kGatherBytes, "gather_bytes_per_dpu", "DPU->host bytes per DPU"},
    {kTimedPushTransfers, "timed_push_transfers", "timed host->DPU transfer calls"},
    {kGatherTransfers, "gather_transfers", "DPU->host transfer calls"},
    {kTimedPushBytesTotal, "timed_push_bytes_total", "timed host->DPU bytes over all DPUs"},
    {kGatherBytesTotal, "gather_bytes_total", "DPU->host bytes over all DPUs"},
    {kHostOps, "host_epilogue_ops", "integer operations of the host epilogue (final reduction)"},
    {kHostBytes, "host_epilogue_bytes", "bytes the host epilogue reads and writes"},
    {kHostThreads, "host_epilogue_threads", "threads of the epilogue's parallel loop (1: serial)"},
    {kHostOpsPerThread, "host_epilogue_ops_per_thread", "epilogue operations of its busiest thread"},
    {kHostBytesPerThread, "host_epilogue_bytes_per_thread", "epilogue bytes of its busiest thread"},
    {kDmaReads, "dma_reads_per_dpu", "MRAM->WRAM DMAs"},
    {kDmaWrites, "dma_writes_per_dpu", "WRAM->MRAM DMAs"},
    {kDmaReadBytes, "dma_read_bytes_per_dpu", "bytes of MRAM->WRAM DMAs"},
    {kDmaWriteBytes, "dma_write_bytes_per_dpu", "bytes of WRAM->MRAM DMAs"},
    {kDmaBytesPerTransfer, "dma_bytes_per_transfer", "mean bytes per DMA"},
    {kDmaCycles, "dma_cycles_per_dpu", "sum of DMA latencies alpha + beta*bytes (the DMA engine is shared)"},
    {kDmaCyclesMaxTasklet, "dma_cycles_max_tasklet", "DMA latency sum of the busiest tasklet"},
    {kDmaBytesMaxTasklet, "dma_bytes_max_tasklet", "DMA bytes of the busiest tasklet"},
    {kOps, "ops_per_dpu", "arithmetic, compare, load, store and loop-control operations"},
    {kOpsMaxTasklet, "ops_max_tasklet", "operations of the busiest tasklet"},
    {kTaskletImbalance, "tasklet_imbalance", "busiest tasklet's operations x tasklets / operations per DPU"},
    {kActiveTasklets, "active_tasklets", "tasklets with any work"},
    {kMuls, "mul_ops_per_dpu", "multiplications of two variables (no 32-bit hardware multiplier)"},
    {kConstMuls, "const_mul_ops_per_dpu", "multiplications by a constant"},
    {kDivMods, "divmod_ops_per_dpu", "divisions and modulos (software routines)"},
    {kInt64Ops, "int64_ops_per_dpu", "operations on int64 values (two 32-bit instructions or more)"},
    {kWramAccesses, "wram_accesses_per_dpu", "element loads and stores of WRAM buffers"},
    {kMramAccesses, "mram_accesses_per_dpu", "element loads and stores straight to MRAM (no cache)"},
    {kGuards, "guards_per_dpu", "if statements evaluated inside loops (boundary checks)"},
    {kSelects, "selects_per_dpu", "select expressions evaluated"},
    {kBarriers, "barriers_per_dpu", "barrier waits"},
    {kLoopIterations, "loop_iterations_per_dpu", "iterations of serial and unrolled loops"},
    {static_cast<Feature>(kTripsLevel0 + 0), "trips_level_0", "largest trip count of a loop at nesting level 0"},
    {static_cast<Feature>(kTripsLevel0 + 1), "trips_level_1", "same at level 1"},
    {static_cast<Feature>(kTripsLevel0 + 2), "trips_level_2", "same at level 2"},
    {static_cast<Feature>(kTripsLevel0 + 3), "trips_level_3", "same at level 3"},
    {static_cast<Feature>(kTripsLevel0 + 4), "trips_level_4", "same at level 4"},
    {static_cast<Feature>(kTripsLevel0 + 5), "trips_level_5_plus", "same at level 5 and deeper"},
    {static_cast<Feature>(kOpsLevel0 + 0), "ops_level_0", "operations per DPU outside every loop"},
    {static_cast<Feature>(kOpsLevel0 + 1), "ops_level_1", "operations per DPU inside exactly one loop"},
    {static_cast<Feature>(kOpsLevel0 + 2), "ops_level_2", "same, inside 2 nested loops"},
    {static_cast<Feature>(kOpsLevel0 + 3), "ops_level_3", "same, inside 3 nested loops"},
    {static_cast<Feature>(kOpsLevel0 + 4), "ops_level_4", "same, inside 4 nested loops"},
    {static_cast<Feature>(kOpsLevel0 + 5), "ops_level_5_plus", "same, inside 5 or more nested loops"},
    {kDpuWorkRatio, "last_to_first_dpu_ops", "operations of the last DPU / of DPU 0 (boundary imbalance)"},
    {kDmaStatements, "dma_statements", "DMA statements in the kernel"},
    {kGuardStatements, "guard_statements", "if statements in the kernel"},
    {kUnrolledLoops, "unrolled_loops", "unrolled loops in the kernel"},
    {kSerialLoops, "serial_loops", "serial loops in the kernel"},
    {kMaxLoopDepth, "max_loop_depth", "deepest loop nesting of the kernel"},
    {kWramLocalBytes, "wram_bytes_per_tasklet", "per-tasklet WRAM buffers"},
    {kWramSharedBytes, "wram_shared_bytes", "WRAM buffers shared by the tasklets of a DPU"},
    {kWramBytesPerDpu, "wram_bytes_per_dpu", "WRAM use per DPU as the verifier counts it"},
    {kWramShare, "wram_share", "WRAM use per DPU / WRAM size"},
    {kMramBytesPerDpu, "mram_bytes_per_dpu", "MRAM layout bytes per DPU"},
    {kElementBytes, "element_bytes", "largest element size of the tensors (8: int64)"},
    {kKernelCyclesLowerBound, "kernel_cycles_lower_bound",
     "max(ops per DPU, revolver cycles x busiest tasklet's ops, DMA cycles per DPU)"},
    {kHostH2dMs, "host_model_h2d_ms", "timed host->DPU pushes priced by the host model (exact: not simulated)"},
    {kHostLaunchMs, "host_model_launch_ms", "dpu_launch without the DPU run time, by the host model"},
    {kHostAfterMs, "host_model_after_ms", "gathers and the host epilogue priced by the host model"},
};
// clang-format on
static_assert(std::size(kFeatures) == kFeatureCount, "one FeatureDoc per feature");

/// Kernel work of every tasklet of one DPU.
struct DpuWork {
    TaskletWork sum;
    double ops_max_tasklet = 0, dma_cycles_max_tasklet = 0, dma_bytes_max_tasklet = 0;
    std::array<double, kLoopLevels> trips{};
    int active_tasklets = 0;
};

DpuWork dpu_work(const lower::PimProgram &program, const target::UpmemMachine &machine, int64_t x, int64_t y,
                 int64_t z) {
    DpuWork dpu;
    const auto &timing = machine.dpu;
    for (int t = 0; t < program.tasklets; ++t) {
        TaskletWork w = features_detail::tasklet_work(program, timing.dma_read_alpha, timing.dma_write_alpha,
                                                      timing.dma_beta, x, y, z, t);
        TaskletWork &s = dpu.sum;
        s.dma_reads += w.dma_reads, s.dma_writes += w.dma_writes;
        s.dma_read_bytes += w.dma_read_bytes, s.dma_write_bytes += w.dma_write_bytes;
        s.dma_cycles += w.dma_cycles, s.arith_ops += w.arith_ops, s.muls += w.muls;
        s.const_muls += w.const_muls, s.divmods += w.divmods, s.int64_ops += w.int64_ops;
        s.wram_accesses += w.wram_accesses, s.mram_accesses += w.mram_accesses, s.guards += w.guards;
        s.selects += w.selects, s.barriers += w.barriers, s.loop_iterations += w.loop_iterations;
        for (int l = 0; l < kLoopLevels; ++l) {
            s.ops_at_level[l] += w.ops_at_level[l];
            dpu.trips[l] = std::max(dpu.trips[l], w.trips[l]);
        }
        dpu.ops_max_tasklet = std::max(dpu.ops_max_tasklet, w.arith_ops);
        dpu.dma_cycles_max_tasklet = std::max(dpu.dma_cycles_max_tasklet, w.dma_cycles);
        dpu.dma_bytes_max_tasklet = std::max(dpu.dma_bytes_max_tasklet, w.dma_read_bytes + w.dma_write_bytes);
        // Loop control and the tasklet-id let run even in a tasklet without work: count real work only.
        if (w.dma_reads + w.dma_writes + w.wram_accesses + w.mram_accesses > 0) dpu.active_tasklets += 1;
    }
    return dpu;
}

void set_transfer_features(const lower::PimProgram &program, std::vector<float> &f) {
    double dpus = static_cast<double>(program.grid.count());
    for (const auto &t : program.to_dpu) {
        double bytes = static_cast<double>(t.bytes_per_dpu);
        if (t.resident) {
            f[kResidentBytes] += bytes;
            continue;
        }
        // A Replicated push (PrIM's calls) is a dpu_push_xfer: it counts with the parallel pushes.
        f[t.kind == lower::TransferKind::Broadcast ? kPushBroadcastBytes : kPushParallelBytes] += bytes;
        f[kTimedPushTransfers] += 1;
        f[kTimedPushBytesTotal] += bytes * dpus;
    }
    for (const auto &t : program.from_dpu) {
        f[kGatherBytes] += t.bytes_per_dpu;
        f[kGatherTransfers] += 1;
        f[kGatherBytesTotal] += t.bytes_per_dpu * dpus;
    }
}

void set_kernel_features(const lower::PimProgram &program, const target::UpmemMachine &machine,
                         std::vector<float> &f) {
    const auto &g = program.grid;
    DpuWork first = dpu_work(program, machine, 0, 0, 0);
    DpuWork last = g.count() > 1 ? dpu_work(program, machine, g.x - 1, g.y - 1, g.z - 1) : first;
    auto load = [](const DpuWork &d) { return d.sum.arith_ops + d.sum.dma_cycles; };
    const DpuWork &dpu = load(last) > load(first) ? last : first;
    const TaskletWork &s = dpu.sum;
    double dma_count = s.dma_reads + s.dma_writes;
    f[kDmaReads] = s.dma_reads, f[kDmaWrites] = s.dma_writes;
    f[kDmaReadBytes] = s.dma_read_bytes, f[kDmaWriteBytes] = s.dma_write_bytes;
    f[kDmaBytesPerTransfer] = dma_count > 0 ? (s.dma_read_bytes + s.dma_write_bytes) / dma_count : 0;
    f[kDmaCycles] = s.dma_cycles;
    f[kDmaCyclesMaxTasklet] = dpu.dma_cycles_max_tasklet;
    f[kDmaBytesMaxTasklet] = dpu.dma_bytes_max_tasklet;
    f[kOps] = s.arith_ops;
    f[kOpsMaxTasklet] = dpu.ops_max_tasklet;
    f[kTaskletImbalance] = s.arith_ops > 0 ? dpu.ops_max_tasklet * program.tasklets / s.arith_ops : 1;
    f[kActiveTasklets] = dpu.active_tasklets;
    f[kMuls] = s.muls, f[kConstMuls] = s.const_muls, f[kDivMods] = s.divmods, f[kInt64Ops] = s.int64_ops;
    f[kWramAccesses] = s.wram_accesses, f[kMramAccesses] = s.mram_accesses;
    f[kGuards] = s.guards, f[kSelects] = s.selects, f[kBarriers] = s.barriers;
    f[kLoopIterations] = s.loop_iterations;
    for (int l = 0; l < kLoopLevels; ++l) {
        f[kTripsLevel0 + l] = dpu.trips[l];
        f[kOpsLevel0 + l] = s.ops_at_level[l];
    }
    f[kDpuWorkRatio] = first.sum.arith_ops > 0 ? last.sum.arith_ops / first.sum.arith_ops : 1;
    double issue = std::max(s.arith_ops, machine.dpu.revolver_cycles * dpu.ops_max_tasklet);
    f[kKernelCyclesLowerBound] = std::max(issue, s.dma_cycles);

    features_detail::KernelShape shape = features_detail::kernel_shape(program.kernel);
    f[kDmaStatements] = shape.dma_statements, f[kGuardStatements] = shape.guard_statements;
    f[kUnrolledLoops] = shape.unrolled_loops, f[kSerialLoops] = shape.serial_loops;
    f[kMaxLoopDepth] = shape.max_loop_depth;
    f[kWramLocalBytes] = shape.wram_local_bytes, f[kWramSharedBytes] = shape.wram_shared_bytes;
}

// The epilogue's work, and what its busiest host thread does: a parallel loop shares its work among
// min(extent, host cores) threads, as the simulator's host model charges it (host_model.cpp).
void set_host_features(const lower::PimProgram &program, const target::UpmemMachine &machine,
                       std::vector<float> &f) {
    const runtime::HostWorkEstimate host = runtime::estimate_host_work(program.host_epilogue);
    f[kHostOps] = host.integer_ops, f[kHostBytes] = host.bytes_touched;
    const runtime::HostParallelWork serial = host.serial_part();
    double ops = serial.integer_ops, bytes = serial.bytes_touched;
    int64_t most_threads = 1;
    for (const runtime::HostParallelWork &part : host.parallel) {
        const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(part.extent, machine.host.host_cores));
        most_threads = std::max(most_threads, threads);
        ops += static_cast<double>(part.integer_ops) / threads;
        bytes += static_cast<double>(part.bytes_touched) / threads;
    }
    f[kHostThreads] = most_threads, f[kHostOpsPerThread] = ops, f[kHostBytesPerThread] = bytes;
}

}  // namespace

const std::vector<std::string> &feature_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out(kFeatureCount);
        for (const auto &doc : kFeatures) out[doc.index] = doc.name;
        return out;
    }();
    return names;
}

std::vector<float> extract_features(const lower::PimProgram &program, const target::UpmemMachine &machine) {
    StageTimer timer(Stage::Features);
    std::vector<float> f(kFeatureCount, 0.0f);
    const auto &g = program.grid;
    f[kDpus] = g.count(), f[kGridX] = g.x, f[kGridY] = g.y, f[kGridZ] = g.z;
    f[kRanksUsed] = (g.count() + machine.dpus_per_rank - 1) / machine.dpus_per_rank;
    f[kMachineShare] = static_cast<double>(g.count()) / machine.dpus;
    f[kTasklets] = program.tasklets;
    f[kOptLevel] = program.opt_level;
    set_transfer_features(program, f);
    if (program.host_epilogue.defined()) set_host_features(program, machine, f);
    set_kernel_features(program, machine, f);
    // Only the kernel is simulated: the phases around it are known exactly before measuring (ATiM's timed
    // window, as the tuner measures), step functions of the DPU count, ranks and bytes per DPU (the SDK's
    // pool threads by size) that the other features would leave the model to learn.
    const runtime::HostPhases host = runtime::estimate_host_phases(program, machine);
    f[kHostH2dMs] = host.h2d_ms, f[kHostLaunchMs] = host.launch_ms, f[kHostAfterMs] = host.after_ms;
    f[kWramBytesPerDpu] = program.wram_bytes_per_dpu;
    f[kWramShare] = static_cast<double>(program.wram_bytes_per_dpu) / machine.wram_bytes;
    int64_t mram = 0, element_bytes = 0;
    for (const auto &slice : program.slices) mram += slice.bytes_per_dpu;
    for (const auto &tensor : program.tensors)
        element_bytes = std::max<int64_t>(element_bytes, ir::bytes_of(tensor.buffer->dtype));
    f[kMramBytesPerDpu] = mram, f[kElementBytes] = element_bytes;
    return f;
}

}  // namespace atim::tune

// Dynamic work of one tasklet of one DPU, estimated from the kernel IR without running it: every loop
// extent, DMA size and guard is evaluated with the grid coordinates, the tasklet id and the enclosing loop
// variables bound to concrete values (each loop variable at its first iteration), and the counts of the
// statements inside a loop are multiplied by its trip count.
#pragma once

#include <array>
#include <cstdint>

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::tune::features_detail {

/// Loop levels kept apart in the features; deeper loops are counted in the last level.
inline constexpr int kLoopLevels = 6;

struct TaskletWork {
    double dma_reads = 0, dma_writes = 0;            ///< MRAM->WRAM and WRAM->MRAM transfers
    double dma_read_bytes = 0, dma_write_bytes = 0;  ///< their bytes
    double dma_cycles = 0;                           ///< sum of alpha + beta*bytes (DpuTiming)
    double arith_ops = 0;                            ///< arithmetic/compare/logic nodes, loads, stores
    double muls = 0;                                 ///< multiplications of two non-constant operands
    double const_muls = 0;                           ///< multiplications by a constant (shifts/adds)
    double divmods = 0;                              ///< divisions and modulos (software routines)
    double int64_ops = 0;                            ///< arithmetic nodes of type int64
    double wram_accesses = 0;                        ///< element loads/stores of WRAM buffers
    double mram_accesses = 0;                        ///< element loads/stores straight to MRAM
    double guards = 0;                               ///< if statements evaluated inside a loop
    double selects = 0;                              ///< select expressions evaluated
    double barriers = 0;
    double loop_iterations = 0;                      ///< every iteration of every serial or unrolled loop
    std::array<double, kLoopLevels> trips{};         ///< largest trip count of a loop at each nesting level
    std::array<double, kLoopLevels> ops_at_level{};  ///< arith_ops of statements whose innermost loop is
                                                     ///< at that level (level 0: outside every loop)
};

/// Static facts of the kernel (independent of the DPU and tasklet).
struct KernelShape {
    int dma_statements = 0;
    int guard_statements = 0;  ///< if statements anywhere in the kernel
    int unrolled_loops = 0;
    int serial_loops = 0;
    int max_loop_depth = 0;
    int64_t wram_local_bytes = 0;   ///< sum of per-tasklet WRAM buffers (all allocations)
    int64_t wram_shared_bytes = 0;  ///< sum of per-DPU shared WRAM buffers
};

/// The work of tasklet `tasklet` on the DPU at grid coordinates (x, y, z).
TaskletWork tasklet_work(const lower::PimProgram &program, double dma_read_alpha, double dma_write_alpha,
                         double dma_beta, int64_t x, int64_t y, int64_t z, int tasklet);

KernelShape kernel_shape(const ir::Stmt &kernel);

}  // namespace atim::tune::features_detail

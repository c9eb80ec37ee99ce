// verify_fits_machine: capacity and DMA-legality checks of a lowered program against the machine.
#include "machine_fit_verification.h"

#include <algorithm>

#include "atim/ir/functor.h"
#include "atim/ir/printer.h"
#include "atim/support/error.h"
#include "known_divisor.h"

namespace atim::lower {
namespace {

// mram_read/mram_write: size a multiple of 8 in [8, 2048], 8-byte aligned addresses [upmem-api.md §3.3].
constexpr int64_t kDmaAlignment = 8;
constexpr int64_t kMinDmaBytes = 8;
// WRAM the generated kernel uses besides buffers and stacks: the __host grid-coordinate struct (3 x 4
// bytes, padded to 8), the barrier of BARRIER_INIT, and the mem_alloc heap pointer [upmem-api.md §3.4-3.5];
// rounded up generously.
constexpr int64_t kStaticWramBytes = 64;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

/// Sums the WRAM buffers of a kernel: mem_alloc never frees, so every Allocate counts once.
class WramUsage : public ir::Visitor {
public:
    int64_t per_tasklet = 0;
    int64_t shared = 0;

public:
    using ir::Visitor::visit;

protected:
    void visit(const ir::Allocate *alloc) override {
        // mem_alloc and __dma_aligned place buffers on 8-byte boundaries.
        const int64_t bytes = round_up(alloc->buffer->size_bytes(), 8);
        if (alloc->buffer->scope == ir::MemScope::WramShared) {
            shared += bytes;
        } else {
            per_tasklet += bytes;
        }
        ir::Visitor::visit(alloc);
    }
};

class DmaChecker : public ir::Visitor {
public:
    explicit DmaChecker(int64_t max_dma_bytes) : max_dma_bytes_(max_dma_bytes) {}

public:
    using ir::Visitor::visit;

protected:
    void visit(const ir::Dma *dma) override {
        const int64_t *bytes = ir::as_const_int(dma->bytes);
        const std::string what = fmt::format("DMA between {} and {}", dma->wram->name, dma->mram->name);
        if (!bytes) {
            user_error(
                "{} has a size that is not a compile-time constant ({}); use tile sizes that are constant",
                what, ir::to_string(dma->bytes));
        }
        if (*bytes % kDmaAlignment != 0 || *bytes < kMinDmaBytes || *bytes > max_dma_bytes_) {
            user_error(
                "{} moves {} bytes; a DMA must move a multiple of 8 bytes between 8 and {}; change the "
                "WRAM tile size",
                what, *bytes, max_dma_bytes_);
        }
        const int64_t wram_elem = ir::bytes_of(dma->wram->dtype);
        const int64_t mram_elem = ir::bytes_of(dma->mram->dtype);
        if (!provably_aligned(dma->wram_offset, wram_elem, kDmaAlignment) ||
            !provably_aligned(dma->mram_offset, mram_elem, kDmaAlignment)) {
            user_error(
                "{} at offsets {} / {} is not provably 8-byte aligned; make tile sizes and tile starts "
                "multiples of 8 bytes",
                what, ir::to_string(dma->wram_offset), ir::to_string(dma->mram_offset));
        }
        ir::Visitor::visit(dma);
    }

private:
    int64_t max_dma_bytes_;
};

/// The kernel's WRAM buffers plus the `__host` WRAM slices (shared by the tasklets of a DPU).
WramUsage wram_usage(const PimProgram &program) {
    WramUsage usage;
    if (program.kernel.defined()) usage.visit(program.kernel);
    for (const MramSlice &slice : program.slices)
        if (slice.in_wram) usage.shared += slice.bytes_per_dpu;
    return usage;
}

}  // namespace

int64_t wram_bytes_per_dpu(const PimProgram &program, const target::UpmemMachine &machine) {
    const WramUsage usage = wram_usage(program);
    return usage.per_tasklet * program.tasklets + usage.shared +
           machine.stack_bytes_per_tasklet * program.tasklets + kStaticWramBytes;
}

int64_t verify_fits_machine(const PimProgram &program, const target::UpmemMachine &machine) {
    if (program.grid.count() > machine.dpus) {
        user_error(
            "the schedule uses {} DPUs ({}x{}x{}) but machine {} has {}; use smaller DPU split factors",
            program.grid.count(), program.grid.x, program.grid.y, program.grid.z, machine.name, machine.dpus);
    }
    if (program.tasklets > machine.max_tasklets) {
        user_error(
            "the schedule uses {} tasklets per DPU but a DPU runs at most {}; use a smaller tasklet split",
            program.tasklets, machine.max_tasklets);
    }
    const WramUsage usage = wram_usage(program);
    const int64_t wram = wram_bytes_per_dpu(program, machine);
    if (wram > machine.wram_bytes) {
        user_error(
            "the kernel needs {} bytes of WRAM per DPU ({} per tasklet x {} tasklets + {} shared + {} of "
            "stacks) but a DPU has {}; use smaller WRAM tiles or fewer tasklets",
            wram, usage.per_tasklet, program.tasklets, usage.shared,
            machine.stack_bytes_per_tasklet * program.tasklets, machine.wram_bytes);
    }
    int64_t mram = 0;
    for (const MramSlice &slice : program.slices)
        if (!slice.in_wram) mram = std::max(mram, slice.mram_offset + slice.bytes_per_dpu);
    if (mram > machine.mram_bytes) {
        user_error("each DPU needs {} bytes of MRAM but has {}; use more DPUs so each holds a smaller slice",
                   mram, machine.mram_bytes);
    }
    if (program.kernel.defined()) DmaChecker(machine.max_dma_bytes).visit(program.kernel);
    return wram;
}

}  // namespace atim::lower

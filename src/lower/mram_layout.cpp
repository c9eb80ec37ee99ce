// layout_mram_slices: over-fetch padding from the DMA bounds, then sequential 8-byte aligned offsets.
#include "mram_layout.h"

#include <algorithm>
#include <unordered_map>

#include "atim/arith/const_interval.h"
#include "atim/arith/eval_bounds.h"
#include "atim/ir/functor.h"
#include "atim/support/error.h"
#include "scoped_ranges.h"

namespace atim::lower {
namespace {

// MRAM transfers and DMAs work on 8-byte units [upmem-api.md §2.3, §3.3].
constexpr int64_t kMramAlignment = 8;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

/// The highest MRAM byte (exclusive) any DMA reaches, per MRAM buffer.
class DmaExtentCollector : public ir::Visitor {
public:
    DmaExtentCollector(const DpuGrid &grid, const GridVars &grid_vars, int64_t tasklets)
        : scopes_(tasklets, grid_ranges(grid_vars, grid)) {}

    std::unordered_map<const ir::BufferNode *, int64_t> end_bytes;

public:
    using ir::Visitor::visit;

protected:
    void visit(const ir::For *loop) override {
        RangeScope scope(scopes_, loop);
        ir::Visitor::visit(loop);
    }
    void visit(const ir::LetStmt *let) override {
        RangeScope scope(scopes_, let);
        ir::Visitor::visit(let);
    }
    void visit(const ir::Dma *dma) override {
        arith::ConstInterval offset = arith::const_bounds(dma->mram_offset, scopes_.ranges());
        const int64_t *bytes = ir::as_const_int(dma->bytes);
        ATIM_CHECK(offset.has_max() && bytes, "cannot bound the DMA into {}", dma->mram->name);
        const int64_t end = offset.max * ir::bytes_of(dma->mram->dtype) + *bytes;
        int64_t &slot = end_bytes[dma->mram.get()];
        slot = std::max(slot, end);
    }

private:
    ScopedRanges scopes_;
};

}  // namespace

void layout_mram_slices(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                        int64_t tasklets, std::vector<MramSlice> &slices) {
    DmaExtentCollector collector(grid, grid_vars, tasklets);
    collector.visit(kernel);
    int64_t offset = 0;
    for (MramSlice &slice : slices) {
        if (slice.in_wram) {
            // A WRAM symbol: no DMA reaches it and it takes no MRAM.
            slice.bytes_per_dpu = round_up(slice.local->size_bytes(), kMramAlignment);
            slice.mram_offset = 0;
            continue;
        }
        int64_t bytes = slice.local->size_bytes();
        auto reached = collector.end_bytes.find(slice.local.get());
        if (reached != collector.end_bytes.end()) bytes = std::max(bytes, reached->second);
        slice.bytes_per_dpu = round_up(bytes, kMramAlignment);
        slice.mram_offset = offset;
        offset += slice.bytes_per_dpu;
    }
}

}  // namespace atim::lower

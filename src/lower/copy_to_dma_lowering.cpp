// lower_copies_to_dma: element copy loops between MRAM and WRAM -> constant-size, aligned DMAs.
#include "copy_to_dma_lowering.h"

#include <algorithm>
#include <optional>

#include "atim/arith/const_interval.h"
#include "atim/arith/eval_bounds.h"
#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "atim/ir/utils.h"
#include "known_divisor.h"
#include "memory_reads.h"
#include "scoped_ranges.h"

namespace atim::lower {
namespace {

// mram_read/mram_write need 8-byte aligned MRAM and WRAM addresses and sizes [upmem-api.md §3.3].
constexpr int64_t kDmaAlignment = 8;

bool is_wram(const ir::Buffer &b) {
    return b->scope == ir::MemScope::WramLocal || b->scope == ir::MemScope::WramShared;
}

void split_conjuncts(const ir::Expr &cond, std::vector<ir::Expr> &out) {
    if (const auto *both = cond.as<ir::And>()) {
        split_conjuncts(both->a, out);
        split_conjuncts(both->b, out);
        return;
    }
    out.push_back(cond);
}

ir::Expr conjunction(const std::vector<ir::Expr> &conds) {
    ir::Expr all;
    for (const ir::Expr &c : conds) all = all.defined() ? (all && c) : c;
    return all;
}

/// A copy statement `[if (guard)] dst[...] = src[...]` between WRAM and MRAM, taken apart.
struct ElementCopy {
    ir::DmaDirection direction;
    ir::Buffer wram, mram;
    std::vector<ir::Expr> wram_indices, mram_indices;
    ir::Expr guard;  ///< undefined when unguarded
};

std::optional<ElementCopy> match_element_copy(const ir::Stmt &s) {
    ElementCopy copy;
    ir::Stmt body = s;
    if (const auto *branch = s.as<ir::IfThenElse>()) {
        if (branch->else_case.defined()) return std::nullopt;
        copy.guard = branch->cond;
        body = branch->then_case;
    }
    const auto *store = body.as<ir::Store>();
    if (!store) return std::nullopt;
    const auto *load = store->value.as<ir::Load>();
    if (!load || load->buffer->dtype != store->buffer->dtype) return std::nullopt;
    if (is_wram(store->buffer) && load->buffer->scope == ir::MemScope::Mram) {
        copy.direction = ir::DmaDirection::MramToWram;
        copy.wram = store->buffer, copy.wram_indices = store->indices;
        copy.mram = load->buffer, copy.mram_indices = load->indices;
    } else if (store->buffer->scope == ir::MemScope::Mram && is_wram(load->buffer)) {
        copy.direction = ir::DmaDirection::WramToMram;
        copy.wram = load->buffer, copy.wram_indices = load->indices;
        copy.mram = store->buffer, copy.mram_indices = store->indices;
    } else {
        return std::nullopt;
    }
    return copy;
}

class CopyToDmaLowering : public ir::Mutator {
public:
    CopyToDmaLowering(const DpuGrid &grid, const GridVars &grid_vars, int64_t tasklets, int64_t max_dma_bytes)
        : scopes_(tasklets, grid_ranges(grid_vars, grid)), max_dma_bytes_(max_dma_bytes) {}

protected:
    using ir::Mutator::visit;
    ir::Stmt visit(const ir::For *loop, const ir::Stmt &self) override {
        if (auto copy = match_element_copy(loop->body)) {
            if (auto dma = lower_copy(*copy, loop)) return *dma;
        }
        ir::Stmt lowered;
        {
            RangeScope scope(scopes_, loop);
            lowered = ir::Mutator::visit(loop, self);
        }
        return merge_row_dmas(lowered).value_or(lowered);
    }
    ir::Stmt visit(const ir::LetStmt *let, const ir::Stmt &self) override {
        RangeScope scope(scopes_, let);
        return ir::Mutator::visit(let, self);
    }
    // A lone copy of one element (a loop of extent 1 that the simplifier removed) can be one DMA too when
    // the element is 8 bytes.
    ir::Stmt visit(const ir::Store *store, const ir::Stmt &self) override { return lower_lone_copy(self); }
    ir::Stmt visit(const ir::IfThenElse *branch, const ir::Stmt &self) override {
        if (!branch->else_case.defined() && match_element_copy(self)) return lower_lone_copy(self);
        return ir::Mutator::visit(branch, self);
    }

private:
    ir::Stmt lower_lone_copy(const ir::Stmt &self) {
        auto copy = match_element_copy(self);
        if (!copy) return self;
        return lower_copy(*copy, nullptr).value_or(self);
    }

    /// The DMA form of the copy over `loop` (a single element when loop is null), or nullopt when it must
    /// stay an element copy.
    std::optional<ir::Stmt> lower_copy(const ElementCopy &copy, const ir::For *loop) {
        int64_t elements = 1;
        ir::Var var;
        ir::Expr first;
        if (loop) {
            const int64_t *extent = ir::as_const_int(loop->extent);
            if (!extent) return std::nullopt;
            elements = *extent;
            var = loop->var;
            first = loop->min;
        }
        const int64_t elem_bytes = ir::bytes_of(copy.wram->dtype);
        const int64_t bytes = elements * elem_bytes;
        if (bytes % kDmaAlignment != 0) return std::nullopt;

        auto wram_base = contiguous_base(ir::flatten_index(copy.wram, copy.wram_indices), var, first);
        auto mram_base = contiguous_base(ir::flatten_index(copy.mram, copy.mram_indices), var, first);
        if (!wram_base || !mram_base) return std::nullopt;
        if (!provably_aligned(*wram_base, elem_bytes, kDmaAlignment) ||
            !provably_aligned(*mram_base, elem_bytes, kDmaAlignment)) {
            return std::nullopt;
        }

        if (!stays_inside(*wram_base, elements, copy.wram->num_elements()) || !starts_inside(*mram_base)) {
            return std::nullopt;
        }

        std::vector<ir::Expr> kept, dropped;
        if (copy.guard.defined()) {
            std::vector<ir::Expr> conjuncts;
            split_conjuncts(copy.guard, conjuncts);
            for (const ir::Expr &c : conjuncts) {
                (loop && ir::uses_var(c, var.get()) ? dropped : kept).push_back(c);
            }
        }
        // A write may only lose boundary checks (index comparisons), never a data-dependent condition.
        if (!dropped.empty() && copy.direction == ir::DmaDirection::WramToMram &&
            (!write_stays_in_row(copy, var, first, elements) ||
             std::any_of(dropped.begin(), dropped.end(), reads_memory))) {
            return std::nullopt;
        }

        ir::Stmt dma = chunked_dma(copy, *wram_base, *mram_base, bytes, elem_bytes);
        if (!kept.empty()) dma = ir::IfThenElse::make(conjunction(kept), dma);
        return dma;
    }

    /// `for r in [m, m+R): dma(W[w0 + r*n], M[m0 + r*n], n elements)`, the rows of a 2-D tile laid out
    /// back to back in both memories, is one transfer of R*n elements (fewer DMA set-up latencies).
    std::optional<ir::Stmt> merge_row_dmas(const ir::Stmt &s) {
        const auto *loop = s.as<ir::For>();
        if (!loop) return std::nullopt;
        const auto *dma = loop->body.as<ir::Dma>();
        const int64_t *rows = ir::as_const_int(loop->extent);
        const int64_t *row_bytes = dma ? ir::as_const_int(dma->bytes) : nullptr;
        if (!rows || !row_bytes) return std::nullopt;
        const int64_t elem_bytes = ir::bytes_of(dma->wram->dtype);
        const int64_t row_elements = *row_bytes / elem_bytes;
        auto wram_base = strided_base(dma->wram_offset, loop->var, loop->min, row_elements);
        auto mram_base = strided_base(dma->mram_offset, loop->var, loop->min, row_elements);
        if (!wram_base || !mram_base) return std::nullopt;
        ElementCopy copy;
        copy.direction = dma->direction;
        copy.wram = dma->wram;
        copy.mram = dma->mram;
        return chunked_dma(copy, *wram_base, *mram_base, *rows * *row_bytes, elem_bytes);
    }

    /// base such that offset == base + (var - first) * stride, or nullopt.
    static std::optional<ir::Expr> strided_base(const ir::Expr &offset, const ir::Var &var,
                                                const ir::Expr &first, int64_t stride) {
        ir::VarMap at_first{{var.get(), first}};
        ir::Expr base = arith::simplify(ir::substitute(offset, at_first));
        ir::Expr step = (var - first) * stride;
        if (step.dtype() != offset.dtype()) step = ir::cast(offset.dtype(), step);
        if (!ir::is_const_int(arith::simplify(offset - base - step), 0)) return std::nullopt;
        return base;
    }

    /// base such that flat == base + (var - first) for every var, or nullopt when the index does not
    /// advance by exactly one element per iteration.
    std::optional<ir::Expr> contiguous_base(const ir::Expr &flat, const ir::Var &var, const ir::Expr &first) {
        if (!var.defined()) return arith::simplify(flat);
        ir::VarMap at_first{{var.get(), first}};
        ir::Expr base = arith::simplify(ir::substitute(flat, at_first));
        ir::Expr offset = var - first;
        if (offset.dtype() != flat.dtype()) offset = ir::cast(flat.dtype(), offset);
        if (!ir::is_const_int(arith::simplify(flat - base - offset), 0)) return std::nullopt;
        return base;
    }

    /// The whole WRAM tile must lie in its buffer (a guard might have kept the element copy inside a
    /// smaller buffer).
    bool stays_inside(const ir::Expr &base, int64_t elements, int64_t buffer_elements) const {
        arith::ConstInterval bounds = arith::const_bounds(base, scopes_.ranges());
        return bounds.has_min() && bounds.min >= 0 && bounds.has_max() &&
               bounds.max + elements <= buffer_elements;
    }

    /// Over-fetch may run past the end of an MRAM slice (the layout pads for it, so the end must be
    /// bounded) but never before its start.
    bool starts_inside(const ir::Expr &base) const {
        arith::ConstInterval bounds = arith::const_bounds(base, scopes_.ranges());
        return bounds.has_min() && bounds.min >= 0 && bounds.has_max();
    }

    /// A write whose guard on the copied elements is dropped must not spill into the next row of a
    /// multi-dimensional slice (that row may hold results of another tasklet). One-dimensional slices only
    /// spill into their own padding, which the layout allocates and the gather ignores.
    bool write_stays_in_row(const ElementCopy &copy, const ir::Var &var, const ir::Expr &first,
                            int64_t elements) {
        if (copy.mram->shape.size() == 1) return true;
        ir::VarMap at_first{{var.get(), first}};
        ir::Expr row_start = ir::substitute(copy.mram_indices.back(), at_first);
        arith::ConstInterval bounds = arith::const_bounds(row_start, scopes_.ranges());
        return bounds.has_max() && bounds.max + elements <= copy.mram->shape.back();
    }

    ir::Stmt chunked_dma(const ElementCopy &copy, const ir::Expr &wram_base, const ir::Expr &mram_base,
                         int64_t bytes, int64_t elem_bytes) const {
        // One DMA moves at most 2048 bytes [upmem-api.md §3.3]; a chunk is a multiple of 8 bytes.
        const int64_t chunk_bytes = max_dma_bytes_ / kDmaAlignment * kDmaAlignment;
        std::vector<ir::Stmt> chunks;
        for (int64_t done = 0; done < bytes; done += chunk_bytes) {
            const int64_t size = std::min(chunk_bytes, bytes - done);
            const int64_t skip = done / elem_bytes;
            chunks.push_back(ir::Dma::make(copy.direction, copy.wram, arith::simplify(wram_base + skip),
                                           copy.mram, arith::simplify(mram_base + skip),
                                           ir::make_const(ir::DType::Int32, size)));
        }
        return ir::Seq::make(chunks);
    }

    ScopedRanges scopes_;
    int64_t max_dma_bytes_;
};

}  // namespace

ir::Stmt lower_copies_to_dma(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                             int64_t tasklets, int64_t max_dma_bytes) {
    return CopyToDmaLowering(grid, grid_vars, tasklets, max_dma_bytes).mutate(kernel);
}

}  // namespace atim::lower

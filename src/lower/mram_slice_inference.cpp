// infer_mram_slices: per-DPU boxes of the host tensors from the kernel's global index expressions.
#include "mram_slice_inference.h"

#include <algorithm>
#include <map>
#include <optional>

#include "atim/arith/const_interval.h"
#include "atim/arith/eval_bounds.h"
#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "atim/ir/utils.h"
#include "atim/support/error.h"
#include "scoped_ranges.h"

namespace atim::lower {
namespace {

/// Bounds of one dimension of a box, or unknown (then the whole tensor extent is used).
struct DimBounds {
    ir::Expr min, max;  ///< inclusive; undefined until the first access
    bool whole_extent = false;
};

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

/// The constant value of a - b, if the simplifier can show it is one.
std::optional<int64_t> constant_difference(const ir::Expr &a, const ir::Expr &b) {
    ir::Expr diff = arith::simplify(a - b);
    if (const int64_t *value = ir::as_const_int(diff)) return *value;
    return std::nullopt;
}

void split_conjuncts(const ir::Expr &cond, std::vector<ir::Expr> &out) {
    if (const auto *both = cond.as<ir::And>()) {
        split_conjuncts(both->a, out);
        split_conjuncts(both->b, out);
        return;
    }
    out.push_back(cond);
}

/// `of <= limit` (is_upper) or `of >= limit`, inclusive.
struct LinearBound {
    ir::Expr of, limit;
    bool is_upper;
};

/// The inclusive bounds a comparison puts on each of its sides.
std::vector<LinearBound> linear_bounds(const ir::Expr &cond) {
    auto less_equal = [](const ir::Expr &a, const ir::Expr &b) {
        return std::vector<LinearBound>{{a, b, true}, {b, a, false}};
    };
    if (const auto *op = cond.as<ir::LT>()) return less_equal(op->a, op->b - 1);
    if (const auto *op = cond.as<ir::LE>()) return less_equal(op->a, op->b);
    if (const auto *op = cond.as<ir::GT>()) return less_equal(op->b, op->a - 1);
    if (const auto *op = cond.as<ir::GE>()) return less_equal(op->b, op->a);
    return {};
}

/// Collects, for every Global buffer, the union of the bounds of its accesses.
class AccessBoundsCollector : public ir::Visitor {
public:
    explicit AccessBoundsCollector(int64_t tasklets) : scopes_(tasklets) {}

    std::map<const ir::BufferNode *, std::vector<DimBounds>> boxes;

public:
    using ir::Visitor::visit;

protected:
    void visit(const ir::For *loop) override {
        visit(loop->min);
        visit(loop->extent);
        RangeScope scope(scopes_, loop);
        visit(loop->body);
    }
    void visit(const ir::LetStmt *let) override {
        visit(let->value);
        RangeScope scope(scopes_, let);
        visit(let->body);
    }
    void visit(const ir::IfThenElse *branch) override {
        visit(branch->cond);
        const size_t known = guards_.size();
        split_conjuncts(branch->cond, guards_);
        visit(branch->then_case);
        guards_.resize(known);
        if (branch->else_case.defined()) visit(branch->else_case);
    }
    void visit(const ir::Load *load) override {
        record(load->buffer, load->indices);
        ir::Visitor::visit(load);
    }
    void visit(const ir::Store *store) override {
        record(store->buffer, store->indices);
        ir::Visitor::visit(store);
    }

private:
    void record(const ir::Buffer &buffer, const std::vector<ir::Expr> &indices) {
        if (buffer->scope != ir::MemScope::Global) return;
        auto &dims = boxes[buffer.get()];
        dims.resize(indices.size());
        for (size_t d = 0; d < indices.size(); ++d) merge(dims[d], guarded_bounds(indices[d]));
    }

    /// eval_bounds of an index, tightened by the guards around the access: under `g < U`, an index
    /// idx = g + c (c free of loop variables) is below U + c. This keeps the boundary tiles of an imperfect
    /// split out of the box (the rfactor K range 26 of 77 stays 26, not a whole number of tiles).
    arith::SymbolicBounds guarded_bounds(const ir::Expr &index) const {
        arith::SymbolicBounds bounds = arith::eval_bounds(index, scopes_.ranges());
        for (const ir::Expr &guard : guards_) {
            for (const LinearBound &limit : linear_bounds(guard)) {
                if (!is_fixed(limit.limit)) continue;
                ir::Expr offset = arith::simplify(index - limit.of);
                if (!is_fixed(offset)) continue;
                ir::Expr candidate = arith::simplify(limit.limit + offset);
                ir::Expr &end = limit.is_upper ? bounds.max : bounds.min;
                if (!end.defined()) continue;
                auto diff = constant_difference(candidate, end);
                if (diff && (limit.is_upper ? *diff < 0 : *diff > 0)) end = candidate;
            }
        }
        return bounds;
    }

    /// True when e does not depend on any loop or tasklet variable (grid coordinates and constants only).
    bool is_fixed(const ir::Expr &e) const {
        for (const auto &[var, range] : scopes_.ranges()) {
            if (ir::uses_var(e, var)) return false;
        }
        return true;
    }

    static void merge(DimBounds &dim, const arith::SymbolicBounds &access) {
        if (dim.whole_extent) return;
        if (!access.min.defined() || !access.max.defined()) {
            dim.whole_extent = true;
            return;
        }
        if (!dim.min.defined()) {
            dim.min = access.min;
            dim.max = access.max;
            return;
        }
        auto lower = constant_difference(access.min, dim.min);
        auto upper = constant_difference(access.max, dim.max);
        if (!lower || !upper) {
            dim.whole_extent = true;
            return;
        }
        if (*lower < 0) dim.min = access.min;
        if (*upper > 0) dim.max = access.max;
    }

    ScopedRanges scopes_;
    std::vector<ir::Expr> guards_;  ///< conjuncts of the conditions around the current statement
};

/// A result every DPU would hold whole cannot be gathered: each DPU's copy is valid only where it wrote.
void check_gatherable(const ir::Buffer &host, const std::vector<DimBounds> &dims) {
    for (size_t d = 0; d < dims.size(); ++d) {
        bool constant_extent =
            !dims[d].whole_extent && constant_difference(dims[d].max, dims[d].min).has_value();
        if (!constant_extent) {
            user_error(
                "cannot tell which part of {} each DPU writes (dimension {} is not indexed affinely by the "
                "DPU loops); bind loops that index {} directly (not fused) to the DPU grid",
                host->name, d, host->name);
        }
    }
}

// PrIM RED's per-tasklet record in its __host WRAM array: dpu_results_t {uint64_t cycles; T t_count;}
// (prim-baselines.md §1.6). Rows of a host-WRAM box are padded to it, so the host moves PrIM's bytes.
constexpr int64_t kHostWramRowBytes = 16;

/// Turns the collected bounds of one tensor into its box (box_min, extents).
MramSlice make_slice(const ir::Buffer &host, const std::vector<DimBounds> &dims, bool in_wram) {
    MramSlice slice;
    slice.host = host;
    std::vector<int64_t> extents;
    for (size_t d = 0; d < dims.size(); ++d) {
        const int64_t tensor_extent = host->shape[d];
        const ir::DType index_type = dims[d].min.defined() ? dims[d].min.dtype() : ir::DType::Int32;
        std::optional<int64_t> extent;
        if (!dims[d].whole_extent) {
            auto span = constant_difference(dims[d].max, dims[d].min);
            if (span && *span >= 0) extent = *span + 1;
        }
        ir::Expr box_min = dims[d].min;
        if (!extent) {
            // Bounds the grid coordinates cannot describe with a constant extent: every DPU holds it all.
            box_min = ir::make_zero(index_type);
            extent = tensor_extent;
        }
        box_min = arith::simplify(box_min);
        if (const int64_t *lo = ir::as_const_int(box_min)) {
            // The same box on every DPU: keep only the part inside the tensor (reads past it are guarded
            // or are DMA over-fetch, which the layout pads for).
            int64_t clipped_lo = std::max<int64_t>(*lo, 0);
            int64_t clipped_hi = std::min<int64_t>(*lo + *extent, tensor_extent);
            box_min = ir::make_const(index_type, clipped_lo);
            extent = std::max<int64_t>(clipped_hi - clipped_lo, 1);
        }
        slice.box_min.push_back(box_min);
        extents.push_back(*extent);
    }
    const int64_t elem_bytes = ir::bytes_of(host->dtype);
    if (extents.size() > 1) {
        // Rows that start on an 8-byte boundary let a row's tile be one DMA (e.g. 777 int32 -> 778).
        const int64_t row_bytes = in_wram ? kHostWramRowBytes : 8;
        extents.back() = round_up(extents.back() * elem_bytes, row_bytes) / elem_bytes;
    }
    slice.in_wram = in_wram;
    slice.local = in_wram
                      ? ir::make_buffer(host->name + "_wram", host->dtype, extents, ir::MemScope::WramShared)
                      : ir::make_buffer(host->name + "_mram", host->dtype, extents, ir::MemScope::Mram);
    slice.bytes_per_dpu = round_up(slice.local->size_bytes(), 8);
    return slice;
}

}  // namespace

std::vector<MramSlice> infer_mram_slices(const ir::Stmt &kernel, const std::vector<TensorInfo> &tensors,
                                         int64_t tasklets, int64_t dpus) {
    AccessBoundsCollector collector(tasklets);
    collector.visit(kernel);
    std::vector<MramSlice> slices;
    for (const TensorInfo &tensor : tensors) {
        auto found = collector.boxes.find(tensor.buffer.get());
        if (found == collector.boxes.end()) continue;
        if (tensor.role != TensorRole::Input && dpus > 1) check_gatherable(tensor.buffer, found->second);
        slices.push_back(make_slice(tensor.buffer, found->second, tensor.in_host_wram));
        collector.boxes.erase(found);
    }
    ATIM_CHECK(collector.boxes.empty(),
               "the kernel touches a global buffer ({}) that is not a program tensor",
               collector.boxes.begin()->first->name);
    return slices;
}

}  // namespace atim::lower

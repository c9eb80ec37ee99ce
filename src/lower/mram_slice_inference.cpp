// infer_mram_slices: per-DPU boxes of the host tensors from the kernel's global index expressions.
#include "mram_slice_inference.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>

#include "atim/arith/const_interval.h"
#include "atim/arith/eval_bounds.h"
#include "atim/arith/linear_form.h"
#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "atim/ir/printer.h"
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

/// The box bounds of one view of a tensor: one DimBounds per dimension of the view.
using ViewBounds = std::vector<DimBounds>;

/// Views of a tensor worth trying: fused_dims 1 (the tensor as it is) up to its rank, as long as the fused
/// extent still fits a 32-bit index.
size_t views_of(const ir::Buffer &buffer) {
    size_t views = 1;
    int64_t fused_extent = buffer->shape.empty() ? 1 : buffer->shape[0];
    for (size_t d = 1; d < buffer->shape.size(); ++d) {
        fused_extent *= buffer->shape[d];
        if (fused_extent > std::numeric_limits<int32_t>::max()) break;
        views = d + 1;
    }
    return views;
}

/// Collects, for every Global buffer and each of its views (index fused_dims - 1), the union of the bounds
/// of its accesses.
class AccessBoundsCollector : public ir::Visitor {
public:
    explicit AccessBoundsCollector(int64_t tasklets) : scopes_(tasklets) {}

    std::map<const ir::BufferNode *, std::vector<ViewBounds>> boxes;

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
        auto &views = boxes[buffer.get()];
        views.resize(views_of(buffer));
        for (size_t fused = 1; fused <= views.size(); ++fused) {
            std::vector<ir::Expr> view = fuse_leading_indices(indices, buffer->shape, fused);
            ViewBounds &dims = views[fused - 1];
            dims.resize(view.size());
            for (size_t d = 0; d < view.size(); ++d) merge(dims[d], guarded_bounds(view[d]));
        }
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

/// The first dimension whose per-DPU part has no constant extent, if any: a result every DPU would hold whole
/// cannot be gathered, since each DPU's copy is valid only where it wrote.
std::optional<size_t> ungatherable_dimension(const ViewBounds &dims) {
    for (size_t d = 0; d < dims.size(); ++d) {
        bool constant_extent =
            !dims[d].whole_extent && constant_difference(dims[d].max, dims[d].min).has_value();
        if (!constant_extent) return d;
    }
    return std::nullopt;
}

/// The box of one view of a tensor, and how many elements of the tensor it spans before its rows are padded.
/// Views are compared by that count: the padding would favour fusing a matrix into one long row whose rows
/// no longer start DMA-aligned.
struct ViewBox {
    MramSlice slice;
    int64_t elements = 0;
};

/// Turns the collected bounds of one view of a tensor into its box (box_min, extents).
ViewBox make_slice(const ir::Buffer &host, const ViewBounds &dims, size_t fused_dims) {
    MramSlice slice;
    slice.host = host;
    slice.fused_dims = fused_dims;
    const std::vector<int64_t> view_shape = slice.host_shape();
    std::vector<int64_t> extents;
    for (size_t d = 0; d < dims.size(); ++d) {
        const int64_t tensor_extent = view_shape[d];
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
    int64_t elements = 1;
    for (int64_t extent : extents) elements *= extent;
    const int64_t elem_bytes = ir::bytes_of(host->dtype);
    if (extents.size() > 1) {
        // Rows that start on an 8-byte boundary let a row's tile be one DMA (e.g. 777 int32 -> 778).
        const int64_t padded = round_up(extents.back() * elem_bytes, 8) / elem_bytes;
        slice.row_padding = padded - extents.back();
        extents.back() = padded;
    }
    slice.local = ir::make_buffer(host->name + "_mram", host->dtype, extents, ir::MemScope::Mram);
    slice.bytes_per_dpu = round_up(slice.local->size_bytes(), 8);
    return {slice, elements};
}

/// The value of box_min, an affine function of the grid coordinates, on every DPU.
class BoxOrigins {
public:
    BoxOrigins(const MramSlice &slice, const DpuGrid &grid, const GridVars &vars)
        : slice_(slice), grid_(grid), vars_(vars) {
        for (const ir::Expr &e : slice.box_min) {
            arith::LinearForm form = arith::to_linear_form(e);
            Affine affine{form.constant,
                          {form.coefficient_of(vars.x.get()), form.coefficient_of(vars.y.get()),
                           form.coefficient_of(vars.z.get())},
                          true};
            size_t grid_terms = 0;
            for (int64_t c : affine.per_axis) grid_terms += c != 0;
            affine.exact = grid_terms == form.terms.size();
            dims_.push_back(affine);
        }
    }

    /// box_min on DPU number `dpu` (pim_program.h: x fastest).
    std::vector<int64_t> of(int64_t dpu) const {
        const int64_t coords[3] = {dpu % grid_.x, dpu / grid_.x % grid_.y, dpu / (grid_.x * grid_.y)};
        std::vector<int64_t> origin;
        for (size_t d = 0; d < dims_.size(); ++d) {
            const Affine &a = dims_[d];
            if (a.exact) {
                origin.push_back(a.constant + a.per_axis[0] * coords[0] + a.per_axis[1] * coords[1] +
                                 a.per_axis[2] * coords[2]);
                continue;
            }
            // Not a plain sum of the coordinates (e.g. a cast of one): evaluate it.
            ir::VarMap values{{vars_.x.get(), ir::make_const(vars_.x.dtype(), coords[0])},
                              {vars_.y.get(), ir::make_const(vars_.y.dtype(), coords[1])},
                              {vars_.z.get(), ir::make_const(vars_.z.dtype(), coords[2])}};
            ir::Expr value = arith::simplify(ir::substitute(slice_.box_min[d], values));
            const int64_t *constant = ir::as_const_int(value);
            ATIM_CHECK(constant, "box_min {} of {} is not affine in the grid coordinates",
                       ir::to_string(slice_.box_min[d]), slice_.host->name);
            origin.push_back(*constant);
        }
        return origin;
    }

private:
    struct Affine {
        int64_t constant;
        int64_t per_axis[3];
        bool exact;
    };
    const MramSlice &slice_;
    const DpuGrid &grid_;
    const GridVars &vars_;
    std::vector<Affine> dims_;
};

/// Two DPUs whose boxes share an element of the tensor, and that element's flat index.
struct Overlap {
    int64_t first_dpu, second_dpu, element;
};

/// The first overlap of the per-DPU boxes of `slice`, clipped to the tensor, if any. A gather of
/// overlapping boxes would let one DPU's copy overwrite results another DPU computed.
std::optional<Overlap> find_overlap(const MramSlice &slice, const DpuGrid &grid, const GridVars &vars) {
    const std::vector<int64_t> shape = slice.host_shape();
    const std::vector<int64_t> &box = slice.local->shape;
    const size_t rank = shape.size(), last = rank - 1;
    struct Run {
        int64_t begin, end, dpu;  ///< flat [begin, end) of the tensor
    };
    std::vector<Run> runs;
    BoxOrigins origins(slice, grid, vars);
    for (int64_t dpu = 0; dpu < grid.count(); ++dpu) {
        const std::vector<int64_t> origin = origins.of(dpu);
        const int64_t first = std::max<int64_t>(origin[last], 0);
        const int64_t end = std::min(origin[last] + box[last] - slice.row_padding, shape[last]);
        if (end <= first) continue;
        // Rows of the box (every dimension but the last), each a run of the last dimension.
        std::vector<int64_t> position(last, 0);
        for (bool more = true; more;) {
            int64_t row = 0;
            bool inside = true;
            for (size_t d = 0; d < last; ++d) {
                const int64_t g = origin[d] + position[d];
                inside = inside && g >= 0 && g < shape[d];
                row = row * shape[d] + g;
            }
            if (inside) runs.push_back({row * shape[last] + first, row * shape[last] + end, dpu});
            more = false;
            for (size_t d = last; d-- > 0;) {
                if (++position[d] < box[d]) {
                    more = true;
                    break;
                }
                position[d] = 0;
            }
        }
    }
    std::sort(runs.begin(), runs.end(), [](const Run &a, const Run &b) { return a.begin < b.begin; });
    size_t reaching = 0;  // of the runs so far, the one that reaches furthest
    for (size_t r = 1; r < runs.size(); ++r) {
        if (runs[r].begin < runs[reaching].end)
            return Overlap{std::min(runs[reaching].dpu, runs[r].dpu),
                           std::max(runs[reaching].dpu, runs[r].dpu), runs[r].begin};
        if (runs[r].end > runs[reaching].end) reaching = r;
    }
    return std::nullopt;
}

std::string shape_text(const std::vector<int64_t> &shape) {
    return fmt::format("[{}]", fmt::join(shape, ", "));
}

/// The box of an output or partial on a grid of several DPUs: of the views whose per-DPU parts have constant
/// extents, the smallest box that no two DPUs share (so the gather writes exactly each DPU's results).
/// Throws UserError when there is none.
MramSlice gatherable_slice(const ir::Buffer &host, const std::vector<ViewBounds> &views, const DpuGrid &grid,
                           const GridVars &vars) {
    std::vector<ViewBox> candidates;
    for (size_t fused = 1; fused <= views.size(); ++fused) {
        if (!ungatherable_dimension(views[fused - 1]))
            candidates.push_back(make_slice(host, views[fused - 1], fused));
    }
    if (candidates.empty()) {
        user_error(
            "cannot tell which part of {} each DPU writes (dimension {} is not indexed affinely by the "
            "DPU loops); bind loops that index {} directly (not fused) to the DPU grid",
            host->name, *ungatherable_dimension(views[0]), host->name);
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const ViewBox &a, const ViewBox &b) { return a.elements < b.elements; });
    std::optional<Overlap> overlap;
    for (const ViewBox &candidate : candidates) {
        std::optional<Overlap> found = find_overlap(candidate.slice, grid, vars);
        if (!found) return candidate.slice;
        if (!overlap) overlap = found;
    }
    const MramSlice &smallest = candidates.front().slice;
    const std::string view = smallest.fused_dims > 1 ? " seen as " + shape_text(smallest.host_shape()) : "";
    user_error(
        "the parts of {} that DPUs {} and {} write overlap (both hold element {} of {}{}, box {}), so "
        "one DPU's gathered results would overwrite the other's; split the loops that index {} over the "
        "DPUs into disjoint blocks",
        host->name, overlap->first_dpu, overlap->second_dpu, overlap->element, host->name, view,
        shape_text(smallest.local->shape), host->name);
}

/// The box of an input: the smallest one of its views (every one holds what the DPU reads).
MramSlice smallest_slice(const ir::Buffer &host, const std::vector<ViewBounds> &views) {
    ViewBox best = make_slice(host, views[0], 1);
    for (size_t fused = 2; fused <= views.size(); ++fused) {
        ViewBox candidate = make_slice(host, views[fused - 1], fused);
        if (candidate.elements < best.elements) best = candidate;
    }
    return best.slice;
}

// PrIM RED's per-tasklet record in its __host WRAM array: dpu_results_t {uint64_t cycles; T t_count;}
// (prim-baselines.md §1.6). Rows of a host-WRAM box are padded to it, so the host moves PrIM's bytes.
constexpr int64_t kHostWramRowBytes = 16;

/// The same box in a `__host` WRAM symbol (rfactor "host_wram"): rows padded to PrIM's 16-byte record.
MramSlice in_host_wram(MramSlice slice) {
    std::vector<int64_t> extents = slice.local->shape;
    const int64_t elem_bytes = ir::bytes_of(slice.host->dtype);
    if (extents.size() > 1) {
        const int64_t row = extents.back() - slice.row_padding;
        extents.back() = round_up(row * elem_bytes, kHostWramRowBytes) / elem_bytes;
        slice.row_padding = extents.back() - row;
    }
    slice.in_wram = true;
    slice.local =
        ir::make_buffer(slice.host->name + "_wram", slice.host->dtype, extents, ir::MemScope::WramShared);
    slice.bytes_per_dpu = round_up(slice.local->size_bytes(), 8);
    return slice;
}

}  // namespace

std::vector<MramSlice> infer_mram_slices(const ir::Stmt &kernel, const std::vector<TensorInfo> &tensors,
                                         int64_t tasklets, const DpuGrid &grid, const GridVars &vars) {
    AccessBoundsCollector collector(tasklets);
    collector.visit(kernel);
    std::vector<MramSlice> slices;
    for (const TensorInfo &tensor : tensors) {
        auto found = collector.boxes.find(tensor.buffer.get());
        if (found == collector.boxes.end()) continue;
        if (tensor.role != TensorRole::Input && grid.count() > 1)
            slices.push_back(gatherable_slice(tensor.buffer, found->second, grid, vars));
        else
            slices.push_back(smallest_slice(tensor.buffer, found->second));
        if (tensor.in_host_wram) slices.back() = in_host_wram(slices.back());
        collector.boxes.erase(found);
    }
    ATIM_CHECK(collector.boxes.empty(),
               "the kernel touches a global buffer ({}) that is not a program tensor",
               collector.boxes.begin()->first->name);
    return slices;
}

}  // namespace atim::lower

// ScopedRanges: a stack of variable ranges that follows the loops and lets of a walk.
#include "scoped_ranges.h"

#include "atim/arith/eval_bounds.h"
#include "atim/support/error.h"

namespace atim::lower {
namespace {

bool is_tasklet_id(const ir::Expr &e) {
    if (const auto *cast = e.as<ir::Cast>()) return is_tasklet_id(cast->value);
    const auto *call = e.as<ir::Call>();
    return call && call->name == "tasklet_id" && call->args.empty();
}

}  // namespace

ScopedRanges::ScopedRanges(int64_t tasklets, arith::RangeMap outer)
    : tasklets_(tasklets), ranges_(std::move(outer)) {}

void ScopedRanges::push(const ir::VarNode *var, arith::Range range) {
    auto found = ranges_.find(var);
    saved_.emplace_back(var,
                        found == ranges_.end() ? std::nullopt : std::optional<arith::Range>(found->second));
    ranges_[var] = std::move(range);
}

void ScopedRanges::enter_loop(const ir::For *loop) {
    push(loop->var.get(), arith::loop_range(loop->min, loop->extent));
}

void ScopedRanges::enter_let(const ir::LetStmt *let) {
    const ir::DType type = let->var.dtype();
    if (is_tasklet_id(let->value)) {
        push(let->var.get(), arith::Range{ir::make_zero(type), ir::make_const(type, tasklets_)});
        return;
    }
    arith::SymbolicBounds bounds = arith::eval_bounds(let->value, ranges_);
    if (bounds.min.defined() && bounds.max.defined()) {
        push(let->var.get(), arith::Range{bounds.min, bounds.max - bounds.min + 1});
        return;
    }
    // Unknown value range: record nothing, but keep enter/leave balanced.
    saved_.emplace_back(nullptr, std::nullopt);
}

void ScopedRanges::leave() {
    ATIM_CHECK(!saved_.empty(), "leave() without enter");
    auto [var, previous] = std::move(saved_.back());
    saved_.pop_back();
    if (!var) return;
    if (previous) {
        ranges_[var] = *previous;
    } else {
        ranges_.erase(var);
    }
}

arith::RangeMap grid_ranges(const GridVars &vars, const DpuGrid &grid) {
    arith::RangeMap ranges;
    const ir::Var *coordinates[3] = {&vars.x, &vars.y, &vars.z};
    const int64_t extents[3] = {grid.x, grid.y, grid.z};
    for (int axis = 0; axis < 3; ++axis) {
        const ir::DType type = coordinates[axis]->dtype();
        ranges[coordinates[axis]->get()] =
            arith::Range{ir::make_zero(type), ir::make_const(type, extents[axis])};
    }
    return ranges;
}

}  // namespace atim::lower

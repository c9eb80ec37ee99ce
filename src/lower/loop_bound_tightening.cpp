// tighten_loop_bounds: per-iteration guards linear in the loop variable become loop bounds.
#include "loop_bound_tightening.h"

#include "atim/arith/linear_inequality.h"
#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "memory_reads.h"
#include "scoped_ranges.h"

namespace atim::lower {
namespace {

class LoopBoundTightener : public ir::Mutator {
public:
    LoopBoundTightener(const DpuGrid &grid, const GridVars &grid_vars, int64_t tasklets)
        : scopes_(tasklets, grid_ranges(grid_vars, grid)) {}

protected:
    using ir::Mutator::visit;
    ir::Stmt visit(const ir::For *loop, const ir::Stmt &self) override {
        ir::Stmt body;
        {
            RangeScope scope(scopes_, loop);
            body = mutate(loop->body);
        }
        const auto *guard = body.as<ir::IfThenElse>();
        if (!guard || guard->else_case.defined() || !is_sequential(loop->for_kind) ||
            reads_memory(guard->cond)) {
            return body.same_as(loop->body)
                       ? self
                       : ir::For::make(loop->var, loop->min, loop->extent, loop->for_kind, body);
        }
        auto solved = arith::solve_linear_inequalities(guard->cond, loop->var.get(), scopes_.ranges());
        if (!solved) return ir::For::make(loop->var, loop->min, loop->extent, loop->for_kind, body);

        ir::Expr lo = loop->min;
        ir::Expr hi = loop->min + loop->extent;
        if (solved->lower.defined()) lo = ir::max(lo, solved->lower);
        if (solved->upper.defined()) hi = ir::min(hi, solved->upper);
        ir::Expr new_min = arith::simplify(lo, scopes_.ranges());
        ir::Expr new_extent =
            arith::simplify(ir::max(hi - new_min, ir::make_zero(hi.dtype())), scopes_.ranges());
        // A loop with a data-dependent trip count cannot be fully unrolled.
        ir::ForKind kind = ir::as_const_int(new_extent) ? loop->for_kind : ir::ForKind::Serial;
        ir::Stmt tightened = ir::For::make(loop->var, new_min, new_extent, kind, guard->then_case);
        ir::Expr residual = solved->residual.defined() ? arith::simplify(solved->residual, scopes_.ranges())
                                                       : ir::const_true();
        if (ir::is_const_int(residual, 1)) return tightened;
        return ir::IfThenElse::make(residual, tightened);
    }
    ir::Stmt visit(const ir::LetStmt *let, const ir::Stmt &self) override {
        RangeScope scope(scopes_, let);
        return ir::Mutator::visit(let, self);
    }

private:
    static bool is_sequential(ir::ForKind kind) {
        return kind == ir::ForKind::Serial || kind == ir::ForKind::Unrolled;
    }

    ScopedRanges scopes_;
};

}  // namespace

ir::Stmt tighten_loop_bounds(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                             int64_t tasklets) {
    return LoopBoundTightener(grid, grid_vars, tasklets).mutate(kernel);
}

}  // namespace atim::lower

// simplify_kernel: the arith simplifier with the kernel's grid and tasklet ranges.
#include "kernel_simplification.h"

#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "scoped_ranges.h"

namespace atim::lower {
namespace {

/// Simplifies each tasklet-let body with the tasklet range known (arith's Stmt simplifier treats a let
/// variable as its value, and tasklet_id() has no range of its own).
class TaskletBodySimplifier : public ir::Mutator {
public:
    TaskletBodySimplifier(const arith::RangeMap &grid, int64_t tasklets) : scopes_(tasklets, grid) {}

protected:
    using ir::Mutator::visit;
    ir::Stmt visit(const ir::LetStmt *let, const ir::Stmt &self) override {
        RangeScope scope(scopes_, let);
        if (!scopes_.ranges().count(let->var.get())) return ir::Mutator::visit(let, self);
        ir::Stmt body = arith::simplify(let->body, scopes_.ranges());
        if (body.same_as(let->body)) return self;
        return ir::LetStmt::make(let->var, let->value, body);
    }

private:
    ScopedRanges scopes_;
};

}  // namespace

ir::Stmt simplify_kernel(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                         int64_t tasklets) {
    const arith::RangeMap grid_range = grid_ranges(grid_vars, grid);
    ir::Stmt s = arith::simplify(kernel, grid_range);
    return TaskletBodySimplifier(grid_range, tasklets).mutate(s);
}

}  // namespace atim::lower

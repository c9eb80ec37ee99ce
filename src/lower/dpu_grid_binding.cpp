// bind_dpu_grid: DPU loops -> grid coordinates, Tasklet loops -> tasklet_id, single-tasklet guards, barriers.
#include "dpu_grid_binding.h"

#include <algorithm>

#include "atim/ir/functor.h"
#include "atim/ir/utils.h"
#include "atim/support/error.h"

namespace atim::lower {
namespace {

using ir::ForKind;
using ir::Stmt;

/// Which of the three grid axes a DPU loop kind binds.
int grid_axis(ForKind kind) {
    switch (kind) {
        case ForKind::DpuX:
            return 0;
        case ForKind::DpuY:
            return 1;
        case ForKind::DpuZ:
            return 2;
        default:
            return -1;
    }
}

const char *grid_axis_name(int axis) {
    static const char *const kNames[] = {"dpu.x", "dpu.y", "dpu.z"};
    return kNames[axis];
}

/// The grid extents of one device nest and its body below the DPU loops.
struct PeeledNest {
    int64_t extents[3] = {1, 1, 1};
    bool bound[3] = {false, false, false};
    Stmt body;
};

PeeledNest peel_dpu_loops(Stmt s, const GridVars &grid_vars) {
    PeeledNest nest;
    ir::VarMap to_grid;
    const ir::Var *grid[3] = {&grid_vars.x, &grid_vars.y, &grid_vars.z};
    while (const auto *loop = s.as<ir::For>()) {
        int axis = grid_axis(loop->for_kind);
        if (axis < 0) break;
        if (nest.bound[axis]) {
            user_error("two loops are bound to {}; bind at most one loop per DPU grid axis",
                       grid_axis_name(axis));
        }
        const int64_t *extent = ir::as_const_int(loop->extent);
        ATIM_CHECK(extent && ir::is_const_int(loop->min, 0),
                   "DPU loop {} must start at 0 with a constant extent", loop->var.name());
        nest.bound[axis] = true;
        nest.extents[axis] = *extent;
        ir::Expr coordinate = *grid[axis];
        if (coordinate.dtype() != loop->var.dtype()) coordinate = ir::cast(loop->var.dtype(), coordinate);
        to_grid[loop->var.get()] = coordinate;
        s = loop->body;
    }
    nest.body = ir::substitute(s, to_grid);
    return nest;
}

/// Finds the Tasklet loops (and checks they are not nested or bound below a DPU loop).
class TaskletLoopFinder : public ir::Visitor {
public:
    int64_t max_extent = 0;
    int count = 0;

public:
    using ir::Visitor::visit;

protected:
    void visit(const ir::For *loop) override {
        if (ir::is_dpu_binding(loop->for_kind)) {
            user_error(
                "loop {} is bound to a DPU grid axis inside other loops; DPU-bound loops must be outermost",
                loop->var.name());
        }
        if (loop->for_kind == ForKind::Tasklet) {
            if (inside_tasklet_loop_) {
                user_error(
                    "tasklet loop {} is nested in another tasklet loop; bind one loop per path to tasklet",
                    loop->var.name());
            }
            const int64_t *extent = ir::as_const_int(loop->extent);
            ATIM_CHECK(extent && ir::is_const_int(loop->min, 0),
                       "tasklet loop {} must start at 0 with a constant extent", loop->var.name());
            max_extent = std::max(max_extent, *extent);
            ++count;
            inside_tasklet_loop_ = true;
            ir::Visitor::visit(loop);
            inside_tasklet_loop_ = false;
            return;
        }
        ir::Visitor::visit(loop);
    }

private:
    bool inside_tasklet_loop_ = false;
};

bool contains_tasklet_loop(const Stmt &s) {
    TaskletLoopFinder finder;
    finder.visit(s);
    return finder.count > 0;
}

/// Rewrites the body of one DPU for `tasklets` tasklets.
class TaskletDistributor {
public:
    explicit TaskletDistributor(int64_t tasklets) : tasklets_(tasklets) {}

    Stmt distribute(const Stmt &s) {
        if (!s.defined() || s.as<ir::Barrier>()) return s;
        if (!contains_tasklet_loop(s)) return on_tasklet_zero(s);
        if (const auto *loop = s.as<ir::For>()) {
            if (loop->for_kind == ForKind::Tasklet) return bind_tasklet_loop(loop);
            return ir::For::make(loop->var, loop->min, loop->extent, loop->for_kind,
                                 close_loop_body(distribute(loop->body)));
        }
        if (const auto *seq = s.as<ir::Seq>()) return distribute_sequence(seq->stmts);
        if (const auto *alloc = s.as<ir::Allocate>())
            return ir::Allocate::make(alloc->buffer, distribute(alloc->body));
        if (const auto *let = s.as<ir::LetStmt>())
            return ir::LetStmt::make(let->var, let->value, distribute(let->body));
        if (const auto *branch = s.as<ir::IfThenElse>()) {
            return ir::IfThenElse::make(branch->cond, distribute(branch->then_case),
                                        distribute(branch->else_case));
        }
        ATIM_CHECK(false, "unexpected statement holding a tasklet loop");
    }

private:
    enum class Phase { Barrier, SingleTasklet, AllTasklets };

    static Phase phase_of(const Stmt &s) {
        if (s.as<ir::Barrier>()) return Phase::Barrier;
        return contains_tasklet_loop(s) ? Phase::AllTasklets : Phase::SingleTasklet;
    }

    Stmt on_tasklet_zero(const Stmt &s) const {
        if (tasklets_ == 1) return s;
        return ir::IfThenElse::make(ir::eq(tasklet_id(), ir::make_zero(ir::DType::Int32)), s);
    }

    Stmt bind_tasklet_loop(const ir::For *loop) const {
        ir::Expr id = tasklet_id();
        if (id.dtype() != loop->var.dtype()) id = ir::cast(loop->var.dtype(), id);
        Stmt body = loop->body;
        // A tasklet loop shorter than the DPU's tasklet count leaves the extra tasklets idle.
        const int64_t extent = *ir::as_const_int(loop->extent);
        if (extent < tasklets_) body = ir::IfThenElse::make(loop->var < extent, body);
        body = ir::LetStmt::make(loop->var, id, body);
        return body;
    }

    // Consecutive single-tasklet statements share one guard; every change of phase gets a barrier
    // (unless the program already has one there), because the next phase may read what this one wrote.
    Stmt distribute_sequence(const std::vector<Stmt> &stmts) {
        std::vector<Stmt> out;
        std::vector<Stmt> single_run;
        Phase previous = Phase::Barrier;
        auto flush_single_run = [&] {
            if (single_run.empty()) return;
            out.push_back(on_tasklet_zero(ir::Seq::make(single_run)));
            single_run.clear();
        };
        for (const Stmt &s : stmts) {
            Phase phase = phase_of(s);
            if (phase == Phase::SingleTasklet && previous == Phase::SingleTasklet) {
                single_run.push_back(s);
                continue;
            }
            flush_single_run();
            if (phase != Phase::Barrier && previous != Phase::Barrier) out.push_back(ir::Barrier::make());
            if (phase == Phase::SingleTasklet) {
                single_run.push_back(s);
            } else {
                out.push_back(distribute(s));
            }
            previous = phase;
        }
        flush_single_run();
        return ir::Seq::make(out);
    }

    // A serial loop whose body has several phases repeats them: the first phase of the next iteration must
    // not overtake the last phase of this one.
    Stmt close_loop_body(const Stmt &body) const {
        const auto *seq = body.as<ir::Seq>();
        if (tasklets_ == 1 || !seq) return body;
        bool has_barrier = std::any_of(seq->stmts.begin(), seq->stmts.end(),
                                       [](const Stmt &s) { return s.as<ir::Barrier>() != nullptr; });
        if (!has_barrier || seq->stmts.back().as<ir::Barrier>()) return body;
        std::vector<Stmt> stmts = seq->stmts;
        stmts.push_back(ir::Barrier::make());
        return ir::Seq::make(stmts);
    }

    int64_t tasklets_;
};

}  // namespace

ir::Expr tasklet_id() { return ir::Call::make(ir::DType::Int32, kTaskletIdIntrinsic, {}); }

BoundKernel bind_dpu_grid(const ir::Stmt &device, const GridVars &grid_vars) {
    ATIM_CHECK(device.defined(), "no device code to bind");
    std::vector<Stmt> nests = {device};
    if (const auto *seq = device.as<ir::Seq>()) nests = seq->stmts;

    BoundKernel bound;
    std::vector<Stmt> bodies;
    for (size_t i = 0; i < nests.size(); ++i) {
        PeeledNest nest = peel_dpu_loops(nests[i], grid_vars);
        DpuGrid grid{nest.extents[0], nest.extents[1], nest.extents[2]};
        if (i == 0) {
            bound.grid = grid;
        } else if (grid.x != bound.grid.x || grid.y != bound.grid.y || grid.z != bound.grid.z) {
            user_error(
                "the blocks of this program are bound to different DPU grids ({}x{}x{} and {}x{}x{}); "
                "bind every block's DPU loops to the same extents",
                bound.grid.x, bound.grid.y, bound.grid.z, grid.x, grid.y, grid.z);
        }
        bodies.push_back(nest.body);
    }
    Stmt body = ir::Seq::make(bodies);

    TaskletLoopFinder finder;
    finder.visit(body);
    bound.tasklets = static_cast<int>(std::max<int64_t>(finder.max_extent, 1));
    bound.kernel = TaskletDistributor(bound.tasklets).distribute(body);
    return bound;
}

}  // namespace atim::lower

#include "tune/features/kernel_stats.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "atim/ir/functor.h"

namespace atim::tune::features_detail {
namespace {

/// Values of the variables bound so far (grid coordinates, tasklet id, lets, loop variables).
using Env = std::unordered_map<const ir::ExprNode *, int64_t>;

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// The value of `e` under `env`, or nullopt when it depends on something unbound (a load, an unknown
/// variable) or divides by zero.
std::optional<int64_t> evaluate(const ir::Expr &e, const Env &env, int tasklet) {
    using K = ir::ExprKind;
    auto binary = [&](const auto *op) -> std::optional<std::pair<int64_t, int64_t>> {
        auto a = evaluate(op->a, env, tasklet);
        auto b = a ? evaluate(op->b, env, tasklet) : std::nullopt;
        if (!a || !b) return std::nullopt;
        return std::pair{*a, *b};
    };
    switch (e.kind()) {
        case K::IntImm:
            return e.as<ir::IntImm>()->value;
        case K::Var: {
            auto it = env.find(e.get());
            return it == env.end() ? std::nullopt : std::optional<int64_t>(it->second);
        }
        case K::Call:
            if (e.as<ir::Call>()->name == "tasklet_id") return tasklet;
            return std::nullopt;
        case K::Not: {
            auto a = evaluate(e.as<ir::Not>()->a, env, tasklet);
            return a ? std::optional<int64_t>(*a == 0) : std::nullopt;
        }
        case K::Select: {
            const auto *op = e.as<ir::Select>();
            auto c = evaluate(op->cond, env, tasklet);
            if (!c) return std::nullopt;
            return evaluate(*c ? op->true_value : op->false_value, env, tasklet);
        }
        case K::Cast:
            return evaluate(e.as<ir::Cast>()->value, env, tasklet);
        case K::Load:
            return std::nullopt;
        default:
            break;
    }
    std::optional<std::pair<int64_t, int64_t>> ab;
    switch (e.kind()) {
#define ATIM_BINARY(KIND, EXPR)        \
    case K::KIND: {                    \
        ab = binary(e.as<ir::KIND>()); \
        if (!ab) return std::nullopt;  \
        auto [a, b] = *ab;             \
        return EXPR;                   \
    }
        ATIM_BINARY(Add, a + b)
        ATIM_BINARY(Sub, a - b)
        ATIM_BINARY(Mul, a * b)
        ATIM_BINARY(Div, b == 0 ? std::nullopt : std::optional<int64_t>(floor_div(a, b)))
        ATIM_BINARY(Mod, b == 0 ? std::nullopt : std::optional<int64_t>(a - floor_div(a, b) * b))
        ATIM_BINARY(Min, std::min(a, b))
        ATIM_BINARY(Max, std::max(a, b))
        ATIM_BINARY(EQ, int64_t{a == b})
        ATIM_BINARY(NE, int64_t{a != b})
        ATIM_BINARY(LT, int64_t{a < b})
        ATIM_BINARY(LE, int64_t{a <= b})
        ATIM_BINARY(GT, int64_t{a > b})
        ATIM_BINARY(GE, int64_t{a >= b})
        ATIM_BINARY(And, int64_t{a != 0 && b != 0})
        ATIM_BINARY(Or, int64_t{a != 0 || b != 0})
#undef ATIM_BINARY
        default:
            return std::nullopt;
    }
}

/// Counts the operations of one evaluation of an expression.
class OpCounter : public ir::Visitor {
public:
    using ir::Visitor::visit;
    double arith = 0, muls = 0, const_muls = 0, divmods = 0, int64_ops = 0, wram = 0, mram = 0, selects = 0;

    void visit(const ir::Expr &e) override {
        switch (e.kind()) {
            case ir::ExprKind::IntImm:
            case ir::ExprKind::Var:
            case ir::ExprKind::Call:
            case ir::ExprKind::Cast:
                break;
            case ir::ExprKind::Load:
                count_access(e.as<ir::Load>()->buffer);
                break;
            default:
                arith += 1;
                if (e.dtype() == ir::DType::Int64) int64_ops += 1;
                break;
        }
        if (const auto *mul = e.as<ir::Mul>()) {
            bool constant = mul->a.as<ir::IntImm>() || mul->b.as<ir::IntImm>();
            (constant ? const_muls : muls) += 1;
        }
        if (e.kind() == ir::ExprKind::Div || e.kind() == ir::ExprKind::Mod) divmods += 1;
        if (e.kind() == ir::ExprKind::Select) selects += 1;
        ir::Visitor::visit(e);
    }

    void count_access(const ir::Buffer &buffer) {
        arith += 1;
        bool in_mram = buffer->scope == ir::MemScope::Mram || buffer->scope == ir::MemScope::Global;
        (in_mram ? mram : wram) += 1;
    }
};

/// Walks the kernel statements once for one tasklet, multiplying counts by the enclosing trip counts.
class WorkWalker : public ir::Visitor {
public:
    using ir::Visitor::visit;
    WorkWalker(Env env, int tasklet, double read_alpha, double write_alpha, double beta)
        : env_(std::move(env)),
          tasklet_(tasklet),
          read_alpha_(read_alpha),
          write_alpha_(write_alpha),
          beta_(beta) {}
    TaskletWork work;

protected:
    void visit(const ir::For *op) override {
        auto min = evaluate(op->min, env_, tasklet_);
        if (op->for_kind == ir::ForKind::Tasklet || ir::is_dpu_binding(op->for_kind)) {
            bind_parallel_loop(op, min.value_or(0));
            return;
        }
        // An extent that cannot be evaluated (it reads memory) counts as one iteration.
        double trips = std::max<int64_t>(evaluate(op->extent, env_, tasklet_).value_or(1), 0);
        int level = std::min(depth_, kLoopLevels - 1);
        work.trips[level] = std::max(work.trips[level], trips);
        double outer = multiplier_;
        multiplier_ *= trips;
        work.loop_iterations += multiplier_;
        add_ops(2 * multiplier_, depth_ + 1);  // increment and compare-branch per iteration
        if (min) env_[op->var.get()] = *min;
        ++depth_;
        if (trips > 0) visit(op->body);
        --depth_;
        env_.erase(op->var.get());
        multiplier_ = outer;
    }
    void visit(const ir::IfThenElse *op) override {
        count_expr(op->cond);
        if (depth_ > 0) work.guards += multiplier_;
        auto taken = evaluate(op->cond, env_, tasklet_);
        // A condition that depends on memory: count the then-branch (the common case of a guard).
        if (!taken || *taken) {
            visit(op->then_case);
        } else if (op->else_case.defined()) {
            visit(op->else_case);
        }
    }
    void visit(const ir::LetStmt *op) override {
        count_expr(op->value);
        if (auto value = evaluate(op->value, env_, tasklet_)) env_[op->var.get()] = *value;
        visit(op->body);
    }
    void visit(const ir::Store *op) override {
        for (const auto &index : op->indices) count_expr(index);
        count_expr(op->value);
        OpCounter store;
        store.count_access(op->buffer);
        add_counts(store);
    }
    void visit(const ir::Dma *op) override {
        count_expr(op->wram_offset);
        count_expr(op->mram_offset);
        double bytes = static_cast<double>(evaluate(op->bytes, env_, tasklet_).value_or(0));
        bool read = op->direction == ir::DmaDirection::MramToWram;
        (read ? work.dma_reads : work.dma_writes) += multiplier_;
        (read ? work.dma_read_bytes : work.dma_write_bytes) += multiplier_ * bytes;
        work.dma_cycles += multiplier_ * ((read ? read_alpha_ : write_alpha_) + beta_ * bytes);
    }
    void visit(const ir::Evaluate *op) override { count_expr(op->value); }
    void visit(const ir::Barrier *) override { work.barriers += multiplier_; }

private:
    /// A loop over tasklets or DPUs inside the per-tasklet kernel: this walk is one of its iterations.
    void bind_parallel_loop(const ir::For *op, int64_t min) {
        int64_t offset = op->for_kind == ir::ForKind::Tasklet ? tasklet_ : 0;
        env_[op->var.get()] = min + offset;
        visit(op->body);
        env_.erase(op->var.get());
    }
    void count_expr(const ir::Expr &e) {
        OpCounter counter;
        counter.visit(e);
        add_counts(counter);
    }
    void add_counts(const OpCounter &c) {
        add_ops(c.arith * multiplier_, depth_);
        work.muls += c.muls * multiplier_;
        work.const_muls += c.const_muls * multiplier_;
        work.divmods += c.divmods * multiplier_;
        work.int64_ops += c.int64_ops * multiplier_;
        work.wram_accesses += c.wram * multiplier_;
        work.mram_accesses += c.mram * multiplier_;
        work.selects += c.selects * multiplier_;
    }
    void add_ops(double ops, int level) {
        work.arith_ops += ops;
        work.ops_at_level[std::min(level, kLoopLevels - 1)] += ops;
    }

    Env env_;
    int tasklet_;
    double read_alpha_, write_alpha_, beta_;
    double multiplier_ = 1;
    int depth_ = 0;
};

/// Static structure of the kernel.
class ShapeWalker : public ir::Visitor {
public:
    using ir::Visitor::visit;
    KernelShape shape;

protected:
    void visit(const ir::For *op) override {
        (op->for_kind == ir::ForKind::Unrolled ? shape.unrolled_loops : shape.serial_loops) += 1;
        ++depth_;
        shape.max_loop_depth = std::max(shape.max_loop_depth, depth_);
        visit(op->body);
        --depth_;
    }
    void visit(const ir::IfThenElse *op) override {
        shape.guard_statements += 1;
        visit(op->then_case);
        if (op->else_case.defined()) visit(op->else_case);
    }
    void visit(const ir::Allocate *op) override {
        bool shared = op->buffer->scope == ir::MemScope::WramShared;
        (shared ? shape.wram_shared_bytes : shape.wram_local_bytes) += op->buffer->size_bytes();
        visit(op->body);
    }
    void visit(const ir::Dma *) override { shape.dma_statements += 1; }
    // Expressions carry no structure: do not descend into them.
    void visit(const ir::Store *) override {}
    void visit(const ir::LetStmt *op) override { visit(op->body); }

private:
    int depth_ = 0;
};

}  // namespace

TaskletWork tasklet_work(const lower::PimProgram &program, double dma_read_alpha, double dma_write_alpha,
                         double dma_beta, int64_t x, int64_t y, int64_t z, int tasklet) {
    Env env{{program.grid_vars.x.get(), x}, {program.grid_vars.y.get(), y}, {program.grid_vars.z.get(), z}};
    WorkWalker walker(std::move(env), tasklet, dma_read_alpha, dma_write_alpha, dma_beta);
    if (program.kernel.defined()) walker.visit(program.kernel);
    return walker.work;
}

KernelShape kernel_shape(const ir::Stmt &kernel) {
    ShapeWalker walker;
    if (kernel.defined()) walker.visit(kernel);
    return walker.shape;
}

}  // namespace atim::tune::features_detail

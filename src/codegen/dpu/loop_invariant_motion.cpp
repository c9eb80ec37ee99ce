// hoist_loop_invariants: maximal invariant subexpressions of each loop body become lets outside the loop.
#include "codegen/dpu/loop_invariant_motion.h"

#include <fmt/format.h>

#include <unordered_set>
#include <utility>
#include <vector>

#include "atim/ir/functor.h"
#include "atim/ir/utils.h"

namespace atim::codegen::dpu {
namespace {

using VarSet = std::unordered_set<const ir::VarNode *>;

/// Variables a statement binds (loop variables and lets): values that may change between iterations.
class BoundVars : public ir::Visitor {
public:
    using ir::Visitor::visit;
    VarSet vars;

protected:
    void visit(const ir::For *op) override {
        vars.insert(op->var.get());
        ir::Visitor::visit(op);
    }
    void visit(const ir::LetStmt *op) override {
        vars.insert(op->var.get());
        ir::Visitor::visit(op);
    }
};

/// True when `e` may be computed once before the loop: it reads no variable of `varying`, no memory (stores
/// in the loop may change it), and cannot trap (division only by a non-zero constant).
class InvarianceCheck : public ir::Visitor {
public:
    using ir::Visitor::visit;
    explicit InvarianceCheck(const VarSet &varying) : varying_(varying) {}
    bool invariant = true;

protected:
    void visit(const ir::VarNode *op) override {
        if (varying_.count(op)) invariant = false;
    }
    void visit(const ir::Load *) override { invariant = false; }
    void visit(const ir::Call *op) override {
        if (op->name != "tasklet_id" || !op->args.empty()) invariant = false;
    }
    void visit(const ir::Div *op) override {
        check_divisor(op->b);
        ir::Visitor::visit(op);
    }
    void visit(const ir::Mod *op) override {
        check_divisor(op->b);
        ir::Visitor::visit(op);
    }

private:
    void check_divisor(const ir::Expr &divisor) {
        const int64_t *value = ir::as_const_int(divisor);
        if (!value || *value == 0) invariant = false;
    }
    const VarSet &varying_;
};

bool is_invariant(const ir::Expr &e, const VarSet &varying) {
    InvarianceCheck check(varying);
    check.visit(e);
    return check.invariant;
}

/// A hoisted value: the let's variable and the expression it names.
struct Hoisted {
    ir::Var var;
    ir::Expr value;
};

/// Replaces the maximal invariant integer subexpressions of one loop body by let variables.
class InvariantReplacer : public ir::Mutator {
public:
    using ir::Mutator::mutate;
    InvariantReplacer(const VarSet &varying, std::vector<Hoisted> &hoisted, int &counter)
        : varying_(varying), hoisted_(hoisted), counter_(counter) {}

    ir::Expr mutate(const ir::Expr &e) override {
        if (worth_hoisting(e) && is_invariant(e, varying_)) return name_of(e);
        return ir::Mutator::mutate(e);
    }

private:
    /// Leaves cost nothing to recompute (a register or an immediate), and conditions stay branches.
    static bool worth_hoisting(const ir::Expr &e) {
        if (e.dtype() == ir::DType::Bool) return false;
        switch (e.kind()) {
            case ir::ExprKind::IntImm:
            case ir::ExprKind::Var:
            case ir::ExprKind::Call:
            case ir::ExprKind::Load:
                return false;
            default:
                return true;
        }
    }

    ir::Expr name_of(const ir::Expr &e) {
        for (const Hoisted &h : hoisted_)
            if (ir::equal(h.value, e)) return h.var;
        ir::Var var(fmt::format("licm{}", counter_++), e.dtype());
        hoisted_.push_back({var, e});
        return var;
    }

    const VarSet &varying_;
    std::vector<Hoisted> &hoisted_;
    int &counter_;
};

class LoopInvariantHoister : public ir::Mutator {
public:
    using ir::Mutator::mutate;

protected:
    ir::Stmt visit(const ir::For *op, const ir::Stmt &self) override {
        BoundVars bound;
        bound.visit(self);  // the loop's own variable and everything bound inside it
        std::vector<Hoisted> hoisted;
        ir::Stmt body = InvariantReplacer(bound.vars, hoisted, counter_).mutate(op->body);
        body = mutate(body);  // then the inner loops, whose invariants may be outer-loop variant
        ir::Stmt result = body.same_as(op->body) && hoisted.empty()
                              ? self
                              : ir::For::make(op->var, op->min, op->extent, op->for_kind, body);
        for (auto h = hoisted.rbegin(); h != hoisted.rend(); ++h)
            result = ir::LetStmt::make(h->var, h->value, result);
        return result;
    }

private:
    int counter_ = 0;
};

}  // namespace

ir::Stmt hoist_loop_invariants(const ir::Stmt &kernel) { return LoopInvariantHoister().mutate(kernel); }

}  // namespace atim::codegen::dpu

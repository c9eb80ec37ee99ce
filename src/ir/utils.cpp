// Structural equality, substitution and variable-use queries over the IR.
#include "atim/ir/utils.h"

#include "atim/ir/functor.h"
#include "atim/support/error.h"

namespace atim::ir {
namespace {

bool equal_lists(const std::vector<Expr> &a, const std::vector<Expr> &b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!equal(a[i], b[i])) return false;
    }
    return true;
}

template <typename Node>
bool equal_binary(const Expr &a, const Expr &b) {
    const auto *x = a.as<Node>();
    const auto *y = b.as<Node>();
    return equal(x->a, y->a) && equal(x->b, y->b);
}

class Substituter : public Mutator {
public:
    explicit Substituter(const VarMap &map) : map_(map) {}
    using Mutator::mutate;

protected:
    using Mutator::visit;
    Expr visit(const VarNode *op, const Expr &self) override {
        auto it = map_.find(op);
        if (it == map_.end()) return self;
        ATIM_CHECK(it->second.defined(), "substituting {} by an undefined expression", op->name);
        return it->second;
    }

private:
    const VarMap &map_;
};

class VarUseFinder : public Visitor {
public:
    explicit VarUseFinder(const VarNode *var) : var_(var) {}
    bool found = false;
    using Visitor::visit;

protected:
    void visit(const VarNode *op) override { found = found || op == var_; }
    // Loop and let variables bound inside s count as uses too: the statement mentions them.
    void visit(const For *op) override {
        found = found || op->var.get() == var_;
        Visitor::visit(op);
    }
    void visit(const LetStmt *op) override {
        found = found || op->var.get() == var_;
        Visitor::visit(op);
    }

private:
    const VarNode *var_;
};

}  // namespace

bool equal(const Expr &a, const Expr &b) {
    if (a.same_as(b)) return true;
    if (!a.defined() || !b.defined()) return false;
    if (a.kind() != b.kind() || a.dtype() != b.dtype()) return false;
    switch (a.kind()) {
        case ExprKind::IntImm:
            return a.as<IntImm>()->value == b.as<IntImm>()->value;
        case ExprKind::Var:
            return false;  // identity only, and same_as already failed
        case ExprKind::Add:
            return equal_binary<Add>(a, b);
        case ExprKind::Sub:
            return equal_binary<Sub>(a, b);
        case ExprKind::Mul:
            return equal_binary<Mul>(a, b);
        case ExprKind::Div:
            return equal_binary<Div>(a, b);
        case ExprKind::Mod:
            return equal_binary<Mod>(a, b);
        case ExprKind::Min:
            return equal_binary<Min>(a, b);
        case ExprKind::Max:
            return equal_binary<Max>(a, b);
        case ExprKind::EQ:
            return equal_binary<EQ>(a, b);
        case ExprKind::NE:
            return equal_binary<NE>(a, b);
        case ExprKind::LT:
            return equal_binary<LT>(a, b);
        case ExprKind::LE:
            return equal_binary<LE>(a, b);
        case ExprKind::GT:
            return equal_binary<GT>(a, b);
        case ExprKind::GE:
            return equal_binary<GE>(a, b);
        case ExprKind::And:
            return equal_binary<And>(a, b);
        case ExprKind::Or:
            return equal_binary<Or>(a, b);
        case ExprKind::Not:
            return equal(a.as<Not>()->a, b.as<Not>()->a);
        case ExprKind::Select: {
            const auto *x = a.as<Select>();
            const auto *y = b.as<Select>();
            return equal(x->cond, y->cond) && equal(x->true_value, y->true_value) &&
                   equal(x->false_value, y->false_value);
        }
        case ExprKind::Cast:
            return equal(a.as<Cast>()->value, b.as<Cast>()->value);
        case ExprKind::Load: {
            const auto *x = a.as<Load>();
            const auto *y = b.as<Load>();
            return x->buffer == y->buffer && equal_lists(x->indices, y->indices);
        }
        case ExprKind::Call: {
            const auto *x = a.as<Call>();
            const auto *y = b.as<Call>();
            return x->name == y->name && equal_lists(x->args, y->args);
        }
    }
    return false;
}

bool equal(const Stmt &a, const Stmt &b) {
    if (a.same_as(b)) return true;
    if (!a.defined() || !b.defined()) return false;
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
        case StmtKind::Store: {
            const auto *x = a.as<Store>();
            const auto *y = b.as<Store>();
            return x->buffer == y->buffer && equal_lists(x->indices, y->indices) && equal(x->value, y->value);
        }
        case StmtKind::For: {
            const auto *x = a.as<For>();
            const auto *y = b.as<For>();
            return x->var.same_as(y->var) && x->for_kind == y->for_kind && equal(x->min, y->min) &&
                   equal(x->extent, y->extent) && equal(x->body, y->body);
        }
        case StmtKind::IfThenElse: {
            const auto *x = a.as<IfThenElse>();
            const auto *y = b.as<IfThenElse>();
            return equal(x->cond, y->cond) && equal(x->then_case, y->then_case) &&
                   (x->else_case.defined() == y->else_case.defined()) &&
                   (!x->else_case.defined() || equal(x->else_case, y->else_case));
        }
        case StmtKind::Seq: {
            const auto &x = a.as<Seq>()->stmts;
            const auto &y = b.as<Seq>()->stmts;
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i) {
                if (!equal(x[i], y[i])) return false;
            }
            return true;
        }
        case StmtKind::LetStmt: {
            const auto *x = a.as<LetStmt>();
            const auto *y = b.as<LetStmt>();
            return x->var.same_as(y->var) && equal(x->value, y->value) && equal(x->body, y->body);
        }
        case StmtKind::Allocate: {
            const auto *x = a.as<Allocate>();
            const auto *y = b.as<Allocate>();
            return x->buffer == y->buffer && equal(x->body, y->body);
        }
        case StmtKind::Evaluate:
            return equal(a.as<Evaluate>()->value, b.as<Evaluate>()->value);
        case StmtKind::Barrier:
            return true;
        case StmtKind::Dma: {
            const auto *x = a.as<Dma>();
            const auto *y = b.as<Dma>();
            return x->direction == y->direction && x->wram == y->wram && x->mram == y->mram &&
                   equal(x->wram_offset, y->wram_offset) && equal(x->mram_offset, y->mram_offset) &&
                   equal(x->bytes, y->bytes);
        }
    }
    return false;
}

Expr substitute(const Expr &e, const VarMap &map) {
    if (map.empty()) return e;
    return Substituter(map).mutate(e);
}

Stmt substitute(const Stmt &s, const VarMap &map) {
    if (map.empty()) return s;
    return Substituter(map).mutate(s);
}

bool uses_var(const Expr &e, const VarNode *v) {
    VarUseFinder finder(v);
    finder.visit(e);
    return finder.found;
}

bool uses_var(const Stmt &s, const VarNode *v) {
    VarUseFinder finder(v);
    finder.visit(s);
    return finder.found;
}

}  // namespace atim::ir

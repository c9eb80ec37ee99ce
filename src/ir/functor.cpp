// Default behaviour of Visitor (recurse into every child) and Mutator (rebuild only what changed).
#include "atim/ir/functor.h"

#include "atim/support/error.h"

namespace atim::ir {

// ---------------------------------------------------------------------------------------------------
// Visitor

void Visitor::visit(const Expr &e) {
    if (!e.defined()) return;
    switch (e.kind()) {
        case ExprKind::IntImm:
            return visit(e.as<IntImm>());
        case ExprKind::Var:
            return visit(e.as<VarNode>());
        case ExprKind::Add:
            return visit(e.as<Add>());
        case ExprKind::Sub:
            return visit(e.as<Sub>());
        case ExprKind::Mul:
            return visit(e.as<Mul>());
        case ExprKind::Div:
            return visit(e.as<Div>());
        case ExprKind::Mod:
            return visit(e.as<Mod>());
        case ExprKind::Min:
            return visit(e.as<Min>());
        case ExprKind::Max:
            return visit(e.as<Max>());
        case ExprKind::EQ:
            return visit(e.as<EQ>());
        case ExprKind::NE:
            return visit(e.as<NE>());
        case ExprKind::LT:
            return visit(e.as<LT>());
        case ExprKind::LE:
            return visit(e.as<LE>());
        case ExprKind::GT:
            return visit(e.as<GT>());
        case ExprKind::GE:
            return visit(e.as<GE>());
        case ExprKind::And:
            return visit(e.as<And>());
        case ExprKind::Or:
            return visit(e.as<Or>());
        case ExprKind::Not:
            return visit(e.as<Not>());
        case ExprKind::Select:
            return visit(e.as<Select>());
        case ExprKind::Cast:
            return visit(e.as<Cast>());
        case ExprKind::Load:
            return visit(e.as<Load>());
        case ExprKind::Call:
            return visit(e.as<Call>());
    }
    ATIM_CHECK(false, "unknown expression kind {}", static_cast<int>(e.kind()));
}

void Visitor::visit(const Stmt &s) {
    if (!s.defined()) return;
    switch (s.kind()) {
        case StmtKind::Store:
            return visit(s.as<Store>());
        case StmtKind::For:
            return visit(s.as<For>());
        case StmtKind::IfThenElse:
            return visit(s.as<IfThenElse>());
        case StmtKind::Seq:
            return visit(s.as<Seq>());
        case StmtKind::LetStmt:
            return visit(s.as<LetStmt>());
        case StmtKind::Allocate:
            return visit(s.as<Allocate>());
        case StmtKind::Evaluate:
            return visit(s.as<Evaluate>());
        case StmtKind::Barrier:
            return visit(s.as<Barrier>());
        case StmtKind::Dma:
            return visit(s.as<Dma>());
    }
    ATIM_CHECK(false, "unknown statement kind {}", static_cast<int>(s.kind()));
}

void Visitor::visit(const IntImm *) {}
void Visitor::visit(const VarNode *) {}
#define ATIM_VISIT_BINARY(T)           \
    void Visitor::visit(const T *op) { \
        visit(op->a);                  \
        visit(op->b);                  \
    }
ATIM_VISIT_BINARY(Add)
ATIM_VISIT_BINARY(Sub)
ATIM_VISIT_BINARY(Mul)
ATIM_VISIT_BINARY(Div)
ATIM_VISIT_BINARY(Mod)
ATIM_VISIT_BINARY(Min)
ATIM_VISIT_BINARY(Max)
ATIM_VISIT_BINARY(EQ)
ATIM_VISIT_BINARY(NE)
ATIM_VISIT_BINARY(LT)
ATIM_VISIT_BINARY(LE)
ATIM_VISIT_BINARY(GT)
ATIM_VISIT_BINARY(GE)
ATIM_VISIT_BINARY(And)
ATIM_VISIT_BINARY(Or)
#undef ATIM_VISIT_BINARY
void Visitor::visit(const Not *op) { visit(op->a); }
void Visitor::visit(const Select *op) {
    visit(op->cond);
    visit(op->true_value);
    visit(op->false_value);
}
void Visitor::visit(const Cast *op) { visit(op->value); }
void Visitor::visit(const Load *op) {
    for (const Expr &index : op->indices) visit(index);
}
void Visitor::visit(const Call *op) {
    for (const Expr &arg : op->args) visit(arg);
}

void Visitor::visit(const Store *op) {
    for (const Expr &index : op->indices) visit(index);
    visit(op->value);
}
void Visitor::visit(const For *op) {
    visit(op->min);
    visit(op->extent);
    visit(op->body);
}
void Visitor::visit(const IfThenElse *op) {
    visit(op->cond);
    visit(op->then_case);
    visit(op->else_case);
}
void Visitor::visit(const Seq *op) {
    for (const Stmt &s : op->stmts) visit(s);
}
void Visitor::visit(const LetStmt *op) {
    visit(op->value);
    visit(op->body);
}
void Visitor::visit(const Allocate *op) { visit(op->body); }
void Visitor::visit(const Evaluate *op) { visit(op->value); }
void Visitor::visit(const Barrier *) {}
void Visitor::visit(const Dma *op) {
    visit(op->wram_offset);
    visit(op->mram_offset);
    visit(op->bytes);
}

// ---------------------------------------------------------------------------------------------------
// Mutator

namespace {

// Mutates every element; `changed` tells whether any element came back as a different node.
template <typename Node, typename M>
std::vector<Node> mutate_all(M &mutator, const std::vector<Node> &nodes, bool &changed) {
    std::vector<Node> result;
    result.reserve(nodes.size());
    for (const Node &n : nodes) {
        result.push_back(n.defined() ? mutator.mutate(n) : n);
        if (!result.back().same_as(n)) changed = true;
    }
    return result;
}

}  // namespace

Expr Mutator::mutate(const Expr &e) {
    if (!e.defined()) return e;
    switch (e.kind()) {
        case ExprKind::IntImm:
            return visit(e.as<IntImm>(), e);
        case ExprKind::Var:
            return visit(e.as<VarNode>(), e);
        case ExprKind::Add:
            return visit(e.as<Add>(), e);
        case ExprKind::Sub:
            return visit(e.as<Sub>(), e);
        case ExprKind::Mul:
            return visit(e.as<Mul>(), e);
        case ExprKind::Div:
            return visit(e.as<Div>(), e);
        case ExprKind::Mod:
            return visit(e.as<Mod>(), e);
        case ExprKind::Min:
            return visit(e.as<Min>(), e);
        case ExprKind::Max:
            return visit(e.as<Max>(), e);
        case ExprKind::EQ:
            return visit(e.as<EQ>(), e);
        case ExprKind::NE:
            return visit(e.as<NE>(), e);
        case ExprKind::LT:
            return visit(e.as<LT>(), e);
        case ExprKind::LE:
            return visit(e.as<LE>(), e);
        case ExprKind::GT:
            return visit(e.as<GT>(), e);
        case ExprKind::GE:
            return visit(e.as<GE>(), e);
        case ExprKind::And:
            return visit(e.as<And>(), e);
        case ExprKind::Or:
            return visit(e.as<Or>(), e);
        case ExprKind::Not:
            return visit(e.as<Not>(), e);
        case ExprKind::Select:
            return visit(e.as<Select>(), e);
        case ExprKind::Cast:
            return visit(e.as<Cast>(), e);
        case ExprKind::Load:
            return visit(e.as<Load>(), e);
        case ExprKind::Call:
            return visit(e.as<Call>(), e);
    }
    ATIM_CHECK(false, "unknown expression kind {}", static_cast<int>(e.kind()));
    return e;
}

Stmt Mutator::mutate(const Stmt &s) {
    if (!s.defined()) return s;
    switch (s.kind()) {
        case StmtKind::Store:
            return visit(s.as<Store>(), s);
        case StmtKind::For:
            return visit(s.as<For>(), s);
        case StmtKind::IfThenElse:
            return visit(s.as<IfThenElse>(), s);
        case StmtKind::Seq:
            return visit(s.as<Seq>(), s);
        case StmtKind::LetStmt:
            return visit(s.as<LetStmt>(), s);
        case StmtKind::Allocate:
            return visit(s.as<Allocate>(), s);
        case StmtKind::Evaluate:
            return visit(s.as<Evaluate>(), s);
        case StmtKind::Barrier:
            return visit(s.as<Barrier>(), s);
        case StmtKind::Dma:
            return visit(s.as<Dma>(), s);
    }
    ATIM_CHECK(false, "unknown statement kind {}", static_cast<int>(s.kind()));
    return s;
}

Expr Mutator::visit(const IntImm *, const Expr &self) { return self; }
Expr Mutator::visit(const VarNode *, const Expr &self) { return self; }
#define ATIM_MUTATE_BINARY(T)                                  \
    Expr Mutator::visit(const T *op, const Expr &self) {       \
        Expr a = mutate(op->a);                                \
        Expr b = mutate(op->b);                                \
        if (a.same_as(op->a) && b.same_as(op->b)) return self; \
        return T::make(std::move(a), std::move(b));            \
    }
ATIM_MUTATE_BINARY(Add)
ATIM_MUTATE_BINARY(Sub)
ATIM_MUTATE_BINARY(Mul)
ATIM_MUTATE_BINARY(Div)
ATIM_MUTATE_BINARY(Mod)
ATIM_MUTATE_BINARY(Min)
ATIM_MUTATE_BINARY(Max)
ATIM_MUTATE_BINARY(EQ)
ATIM_MUTATE_BINARY(NE)
ATIM_MUTATE_BINARY(LT)
ATIM_MUTATE_BINARY(LE)
ATIM_MUTATE_BINARY(GT)
ATIM_MUTATE_BINARY(GE)
ATIM_MUTATE_BINARY(And)
ATIM_MUTATE_BINARY(Or)
#undef ATIM_MUTATE_BINARY

Expr Mutator::visit(const Not *op, const Expr &self) {
    Expr a = mutate(op->a);
    return a.same_as(op->a) ? self : Not::make(std::move(a));
}
Expr Mutator::visit(const Select *op, const Expr &self) {
    Expr cond = mutate(op->cond);
    Expr t = mutate(op->true_value);
    Expr f = mutate(op->false_value);
    if (cond.same_as(op->cond) && t.same_as(op->true_value) && f.same_as(op->false_value)) return self;
    return Select::make(std::move(cond), std::move(t), std::move(f));
}
Expr Mutator::visit(const Cast *op, const Expr &self) {
    Expr value = mutate(op->value);
    return value.same_as(op->value) ? self : Cast::make(op->dtype, std::move(value));
}
Expr Mutator::visit(const Load *op, const Expr &self) {
    bool changed = false;
    std::vector<Expr> indices = mutate_all(*this, op->indices, changed);
    return changed ? Load::make(op->buffer, std::move(indices)) : self;
}
Expr Mutator::visit(const Call *op, const Expr &self) {
    bool changed = false;
    std::vector<Expr> args = mutate_all(*this, op->args, changed);
    return changed ? Call::make(op->dtype, op->name, std::move(args)) : self;
}

Stmt Mutator::visit(const Store *op, const Stmt &self) {
    bool changed = false;
    std::vector<Expr> indices = mutate_all(*this, op->indices, changed);
    Expr value = mutate(op->value);
    if (!changed && value.same_as(op->value)) return self;
    return Store::make(op->buffer, std::move(indices), std::move(value));
}
Stmt Mutator::visit(const For *op, const Stmt &self) {
    Expr min = mutate(op->min);
    Expr extent = mutate(op->extent);
    Stmt body = mutate(op->body);
    if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return self;
    return For::make(op->var, std::move(min), std::move(extent), op->for_kind, std::move(body));
}
Stmt Mutator::visit(const IfThenElse *op, const Stmt &self) {
    Expr cond = mutate(op->cond);
    Stmt then_case = mutate(op->then_case);
    Stmt else_case = mutate(op->else_case);
    if (cond.same_as(op->cond) && then_case.same_as(op->then_case) && else_case.same_as(op->else_case)) {
        return self;
    }
    return IfThenElse::make(std::move(cond), std::move(then_case), std::move(else_case));
}
Stmt Mutator::visit(const Seq *op, const Stmt &self) {
    bool changed = false;
    std::vector<Stmt> stmts = mutate_all(*this, op->stmts, changed);
    return changed ? Seq::make(std::move(stmts)) : self;
}
Stmt Mutator::visit(const LetStmt *op, const Stmt &self) {
    Expr value = mutate(op->value);
    Stmt body = mutate(op->body);
    if (value.same_as(op->value) && body.same_as(op->body)) return self;
    return LetStmt::make(op->var, std::move(value), std::move(body));
}
Stmt Mutator::visit(const Allocate *op, const Stmt &self) {
    Stmt body = mutate(op->body);
    return body.same_as(op->body) ? self : Allocate::make(op->buffer, std::move(body));
}
Stmt Mutator::visit(const Evaluate *op, const Stmt &self) {
    Expr value = mutate(op->value);
    return value.same_as(op->value) ? self : Evaluate::make(std::move(value));
}
Stmt Mutator::visit(const Barrier *, const Stmt &self) { return self; }
Stmt Mutator::visit(const Dma *op, const Stmt &self) {
    Expr wram_offset = mutate(op->wram_offset);
    Expr mram_offset = mutate(op->mram_offset);
    Expr bytes = mutate(op->bytes);
    if (wram_offset.same_as(op->wram_offset) && mram_offset.same_as(op->mram_offset) &&
        bytes.same_as(op->bytes)) {
        return self;
    }
    return Dma::make(op->direction, op->wram, std::move(wram_offset), op->mram, std::move(mram_offset),
                     std::move(bytes));
}

}  // namespace atim::ir

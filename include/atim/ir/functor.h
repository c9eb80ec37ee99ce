// Visitor (read-only walk) and Mutator (rebuilds only what changed) over expressions and statements.
#pragma once

#include "atim/ir/expr.h"
#include "atim/ir/stmt.h"

namespace atim::ir {

/// Walks every node; override the visit() overloads of the node kinds you care about and call the
/// base version to keep recursing.
class Visitor {
public:
    virtual ~Visitor() = default;
    virtual void visit(const Expr &e);
    virtual void visit(const Stmt &s);

protected:
    virtual void visit(const IntImm *op);
    virtual void visit(const VarNode *op);
    virtual void visit(const Add *op);
    virtual void visit(const Sub *op);
    virtual void visit(const Mul *op);
    virtual void visit(const Div *op);
    virtual void visit(const Mod *op);
    virtual void visit(const Min *op);
    virtual void visit(const Max *op);
    virtual void visit(const EQ *op);
    virtual void visit(const NE *op);
    virtual void visit(const LT *op);
    virtual void visit(const LE *op);
    virtual void visit(const GT *op);
    virtual void visit(const GE *op);
    virtual void visit(const And *op);
    virtual void visit(const Or *op);
    virtual void visit(const Not *op);
    virtual void visit(const Select *op);
    virtual void visit(const Cast *op);
    virtual void visit(const Load *op);
    virtual void visit(const Call *op);

    virtual void visit(const Store *op);
    virtual void visit(const For *op);
    virtual void visit(const IfThenElse *op);
    virtual void visit(const Seq *op);
    virtual void visit(const LetStmt *op);
    virtual void visit(const Allocate *op);
    virtual void visit(const Evaluate *op);
    virtual void visit(const Barrier *op);
    virtual void visit(const Dma *op);
};

/// Rebuilds the tree bottom-up; a node whose children did not change is returned as the same node.
/// Override the visit() overloads of the kinds you rewrite; call the base to rebuild children.
class Mutator {
public:
    virtual ~Mutator() = default;
    virtual Expr mutate(const Expr &e);
    virtual Stmt mutate(const Stmt &s);

protected:
    virtual Expr visit(const IntImm *op, const Expr &self);
    virtual Expr visit(const VarNode *op, const Expr &self);
    virtual Expr visit(const Add *op, const Expr &self);
    virtual Expr visit(const Sub *op, const Expr &self);
    virtual Expr visit(const Mul *op, const Expr &self);
    virtual Expr visit(const Div *op, const Expr &self);
    virtual Expr visit(const Mod *op, const Expr &self);
    virtual Expr visit(const Min *op, const Expr &self);
    virtual Expr visit(const Max *op, const Expr &self);
    virtual Expr visit(const EQ *op, const Expr &self);
    virtual Expr visit(const NE *op, const Expr &self);
    virtual Expr visit(const LT *op, const Expr &self);
    virtual Expr visit(const LE *op, const Expr &self);
    virtual Expr visit(const GT *op, const Expr &self);
    virtual Expr visit(const GE *op, const Expr &self);
    virtual Expr visit(const And *op, const Expr &self);
    virtual Expr visit(const Or *op, const Expr &self);
    virtual Expr visit(const Not *op, const Expr &self);
    virtual Expr visit(const Select *op, const Expr &self);
    virtual Expr visit(const Cast *op, const Expr &self);
    virtual Expr visit(const Load *op, const Expr &self);
    virtual Expr visit(const Call *op, const Expr &self);

    virtual Stmt visit(const Store *op, const Stmt &self);
    virtual Stmt visit(const For *op, const Stmt &self);
    virtual Stmt visit(const IfThenElse *op, const Stmt &self);
    virtual Stmt visit(const Seq *op, const Stmt &self);
    virtual Stmt visit(const LetStmt *op, const Stmt &self);
    virtual Stmt visit(const Allocate *op, const Stmt &self);
    virtual Stmt visit(const Evaluate *op, const Stmt &self);
    virtual Stmt visit(const Barrier *op, const Stmt &self);
    virtual Stmt visit(const Dma *op, const Stmt &self);
};

}  // namespace atim::ir

// Visitor/Mutator defaults and the structural utilities built on them.
#include <gtest/gtest.h>

#include "atim/ir/ir.h"

namespace atim::ir {
namespace {

// Replaces every constant 7 by 8 and leaves everything else alone.
class SevenToEight : public Mutator {
public:
    using Mutator::mutate;

protected:
    using Mutator::visit;
    Expr visit(const IntImm *op, const Expr &self) override {
        return op->value == 7 ? make_const(op->dtype, 8) : self;
    }
};

class StoreCounter : public Visitor {
public:
    int stores = 0;
    int vars = 0;
    using Visitor::visit;

protected:
    void visit(const Store *op) override {
        ++stores;
        Visitor::visit(op);
    }
    void visit(const VarNode *) override { ++vars; }
};

struct Program {
    Var i{"i"}, k{"k"};
    Buffer a = make_buffer("A", DType::Int32, {16, 16});
    Buffer c = make_buffer("C", DType::Int32, {16});
    Buffer local = make_buffer("A_local", DType::Int32, {16}, MemScope::WramLocal);
    Buffer mram = make_buffer("A_mram", DType::Int32, {256}, MemScope::Mram);
    Stmt inner = For::make(k, 0, 16, ForKind::Unrolled,
                           Store::make(c, {i}, Load::make(c, {i}) + Load::make(local, {k})));
    Stmt stmt = For::make(
        i, 0, 16, ForKind::Tasklet,
        Allocate::make(local, Seq::make({Dma::make(DmaDirection::MramToWram, local, 0, mram, i * 16, 64),
                                         IfThenElse::make(i < 16, inner, Barrier::make()),
                                         LetStmt::make(Var("t"), i + 1, Evaluate::make(i))})));
};

TEST(Mutator, ReturnsTheSameNodesWhenNothingChanges) {
    Program p;
    SevenToEight mutator;
    EXPECT_TRUE(mutator.mutate(p.stmt).same_as(p.stmt));
    Expr e = select(p.i < 3, min(p.i, p.k), max(p.i / 2, p.k % 3)) + cast(DType::Int64, p.i);
    EXPECT_TRUE(mutator.mutate(e).same_as(e));
}

TEST(Mutator, RebuildsOnlyThePathToAChange) {
    Var i("i");
    Expr untouched = i * 3;
    Expr e = untouched + 7;
    Expr out = SevenToEight().mutate(e);
    EXPECT_FALSE(out.same_as(e));
    EXPECT_TRUE(out.as<Add>()->a.same_as(untouched));
    EXPECT_EQ(to_string(out), "((i*3) + 8)");

    Program p;
    Stmt changed = SevenToEight().mutate(For::make(p.i, 0, 7, ForKind::Serial, p.inner));
    EXPECT_TRUE(changed.as<For>()->body.same_as(p.inner));
    EXPECT_TRUE(is_const_int(changed.as<For>()->extent, 8));
}

TEST(Visitor, ReachesEveryNode) {
    Program p;
    StoreCounter counter;
    counter.visit(p.stmt);
    EXPECT_EQ(counter.stores, 1);
    // i in the dma offset, the if condition, the store index and load index, the let value and the evaluate.
    // k in the local load index.
    EXPECT_EQ(counter.vars, 7);
}

TEST(Utils, StructuralEquality) {
    Var i("i"), j("i");  // same name, different variables
    Buffer a = make_buffer("A", DType::Int32, {4});
    EXPECT_TRUE(equal(i + 1, i + 1));
    EXPECT_FALSE(equal(i + 1, j + 1));
    EXPECT_FALSE(equal(i + 1, i + 2));
    EXPECT_FALSE(equal(i + 1, i - 1));
    EXPECT_FALSE(equal(Expr(1), Expr(int64_t{1})));  // types differ
    EXPECT_TRUE(equal(Load::make(a, {i}), Load::make(a, {i})));
    EXPECT_FALSE(equal(Load::make(a, {i}), Load::make(make_buffer("A", DType::Int32, {4}), {i})));
    Program p, q;
    EXPECT_TRUE(equal(p.stmt, p.stmt));
    EXPECT_FALSE(equal(p.stmt, q.stmt));  // different variables and buffers
    Stmt s1 = IfThenElse::make(i < 2, Store::make(a, {i}, Expr(1)));
    Stmt s2 = IfThenElse::make(i < 2, Store::make(a, {i}, Expr(1)));
    Stmt s3 = IfThenElse::make(i < 2, Store::make(a, {i}, Expr(1)), Barrier::make());
    EXPECT_TRUE(equal(s1, s2));
    EXPECT_FALSE(equal(s1, s3));
}

TEST(Utils, SubstituteAndUsesVar) {
    Var i("i"), k("k");
    Buffer a = make_buffer("A", DType::Int32, {4});
    Expr e = i * 4 + k;
    EXPECT_EQ(to_string(substitute(e, {{i.get(), k + 1}})), "(((k + 1)*4) + k)");
    EXPECT_TRUE(substitute(e, {}).same_as(e));
    EXPECT_TRUE(uses_var(e, i.get()));
    EXPECT_FALSE(uses_var(i * 4, k.get()));
    Stmt s = For::make(k, 0, 4, ForKind::Serial, Store::make(a, {k}, Load::make(a, {i})));
    EXPECT_TRUE(uses_var(s, i.get()));
    Stmt replaced = substitute(s, {{i.get(), Expr(2)}});
    EXPECT_EQ(to_string(replaced), "for (k, 0, 4) {\n  A[k] = A[2]\n}\n");
    EXPECT_FALSE(uses_var(replaced, i.get()));
}

}  // namespace
}  // namespace atim::ir

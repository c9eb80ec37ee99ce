// Checked factories and operator sugar of the expression nodes.
#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "atim/support/error.h"

namespace atim::ir {
namespace {

TEST(Type, BytesNamesAndParsing) {
    EXPECT_EQ(bytes_of(DType::Bool), 1);
    EXPECT_EQ(bytes_of(DType::Int32), 4);
    EXPECT_EQ(bytes_of(DType::Int64), 8);
    EXPECT_STREQ(to_string(DType::Int64), "int64");
    EXPECT_EQ(parse_dtype("int32"), DType::Int32);
    EXPECT_EQ(parse_dtype("int64"), DType::Int64);
    try {
        parse_dtype("float");
        FAIL() << "float accepted";
    } catch (const UserError &e) {
        EXPECT_STREQ(e.what(), "unknown dtype 'float'; use one of int8, uint8, int16, int32, int64");
    }
    EXPECT_STREQ(to_string(MemScope::WramLocal), "wram.local");
    EXPECT_STREQ(to_string(ForKind::DpuX), "dpu.x");
}

TEST(Expr, ConstantsTakeTheirType) {
    EXPECT_EQ(Expr(3).dtype(), DType::Int32);
    EXPECT_EQ(Expr(int64_t{3}).dtype(), DType::Int64);
    EXPECT_TRUE(is_const_int(Expr(7), 7));
    EXPECT_FALSE(is_const_int(Expr(7), 8));
    EXPECT_EQ(as_const_int(Var("x")), nullptr);
    EXPECT_EQ(const_true().dtype(), DType::Bool);
    EXPECT_THROW(IntImm::make(DType::Int32, int64_t{1} << 31), InternalError);
    EXPECT_THROW(IntImm::make(DType::Bool, 2), InternalError);
    EXPECT_NO_THROW(IntImm::make(DType::Int64, int64_t{1} << 40));
}

TEST(Expr, IntegerOperandAdoptsTheOtherSidesType) {
    Var x("x", DType::Int64);
    Expr sum = x + 1;
    EXPECT_EQ(sum.dtype(), DType::Int64);
    ASSERT_NE(sum.as<Add>(), nullptr);
    EXPECT_EQ(sum.as<Add>()->b.dtype(), DType::Int64);
    Expr diff = 5 - x;
    EXPECT_EQ(diff.as<Sub>()->a.dtype(), DType::Int64);
    Var i("i");
    EXPECT_EQ((i * 4).dtype(), DType::Int32);
    EXPECT_THROW(i + (int64_t{1} << 40), InternalError);  // does not fit the int32 side
}

TEST(Expr, MixedWidthsPromoteTheInt32Side) {
    Var i("i");
    Var n("n", DType::Int64);
    Expr sum = i + n;
    EXPECT_EQ(sum.dtype(), DType::Int64);
    const auto *cast_side = sum.as<Add>()->a.as<Cast>();
    ASSERT_NE(cast_side, nullptr);
    EXPECT_TRUE(cast_side->value.same_as(i));
    EXPECT_EQ((n < i).dtype(), DType::Bool);
    EXPECT_NE((n < i).as<LT>()->b.as<Cast>(), nullptr);
}

TEST(Expr, FactoriesCheckTheirOperands) {
    Var i("i");
    Var n("n", DType::Int64);
    Expr cond = i < 4;
    EXPECT_THROW(Add::make(i, n), InternalError);              // factories do not promote
    EXPECT_THROW(Add::make(i, Expr()), InternalError);         // undefined operand
    EXPECT_THROW(And::make(i, i), InternalError);              // && needs bools
    EXPECT_THROW(Not::make(i), InternalError);                 // ! needs a bool
    EXPECT_THROW(Add::make(cond, cond), InternalError);        // no arithmetic on bools
    EXPECT_THROW(LT::make(cond, cond), InternalError);         // no ordering on bools
    EXPECT_THROW(Select::make(i, i, i), InternalError);        // condition must be bool
    EXPECT_THROW(Select::make(cond, i, cond), InternalError);  // branches must agree
    EXPECT_EQ(EQ::make(cond, cond).dtype(), DType::Bool);
    EXPECT_EQ((cond && cond).dtype(), DType::Bool);
    EXPECT_EQ((!cond).dtype(), DType::Bool);
    EXPECT_EQ(select(cond, i, n).dtype(), DType::Int64);
    EXPECT_TRUE(cast(DType::Int32, i).same_as(i));  // no-op casts are not built
}

TEST(Expr, LoadChecksIndices) {
    Buffer a = make_buffer("A", DType::Int32, {4, 8});
    Var i("i");
    EXPECT_EQ(Load::make(a, {i, i}).dtype(), DType::Int32);
    EXPECT_THROW(Load::make(a, {i}), InternalError);
    EXPECT_THROW(Load::make(a, {i, i < 3}), InternalError);
}

TEST(Buffer, ChecksNameAndShapeAndFlattens) {
    Buffer a = make_buffer("A", DType::Int32, {4, 8, 16});
    EXPECT_EQ(a->num_elements(), 512);
    EXPECT_EQ(a->size_bytes(), 2048);
    EXPECT_EQ(a->strides(), (std::vector<int64_t>{128, 16, 1}));
    EXPECT_THROW(make_buffer("2A", DType::Int32, {4}), UserError);
    EXPECT_THROW(make_buffer("A-B", DType::Int32, {4}), UserError);
    EXPECT_THROW(make_buffer("A", DType::Int32, {4, 0}), UserError);
    Buffer local = with_scope(a, MemScope::WramLocal, "_local");
    EXPECT_EQ(local->name, "A_local");
    EXPECT_EQ(local->scope, MemScope::WramLocal);
    EXPECT_EQ(local->shape, a->shape);
    EXPECT_EQ(with_shape(a, {32}, "_flat")->shape, std::vector<int64_t>{32});
    Var i("i"), j("j"), k("k");
    EXPECT_EQ(to_string(flatten_index(a, {i, j, k})), "(((i*128) + (j*16)) + k)");
    EXPECT_EQ(to_string(flatten_index(a, {0, j, 3})), "((j*16) + 3)");
    EXPECT_EQ(to_string(flatten_index(a, {1, 2, 3})), "163");
}

TEST(Stmt, FactoriesCheckAndSeqFlattens) {
    Buffer a = make_buffer("A", DType::Int32, {16});
    Var i("i");
    Stmt store = Store::make(a, {i}, Expr(1));
    EXPECT_THROW(Store::make(a, {i}, Expr(int64_t{1})), InternalError);  // value type must match
    EXPECT_THROW(Store::make(a, {i, i}, Expr(1)), InternalError);
    EXPECT_THROW(IfThenElse::make(i, store), InternalError);
    EXPECT_THROW(For::make(i, 0, i < 3, ForKind::Serial, store), InternalError);
    EXPECT_THROW(LetStmt::make(i, Expr(int64_t{2}), store), InternalError);
    Buffer mram = make_buffer("A_mram", DType::Int32, {16}, MemScope::Mram);
    Buffer local = make_buffer("A_local", DType::Int32, {16}, MemScope::WramLocal);
    EXPECT_THROW(Dma::make(DmaDirection::MramToWram, mram, 0, local, 0, 64), InternalError);  // sides swapped

    Stmt nested = Seq::make({store, Seq::make({Barrier::make(), Stmt()}), Stmt()});
    const auto *seq = nested.as<Seq>();
    ASSERT_NE(seq, nullptr);
    ASSERT_EQ(seq->stmts.size(), 2u);
    EXPECT_TRUE(seq->stmts[0].same_as(store));
    EXPECT_NE(seq->stmts[1].as<Barrier>(), nullptr);
    EXPECT_TRUE(Seq::make({Stmt(), store}).same_as(store));
}

}  // namespace
}  // namespace atim::ir

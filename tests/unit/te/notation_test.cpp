// Operator notation: statements that parse into the expected compute, and each error with its column.
#include "atim/te/notation.h"

#include <gtest/gtest.h>

#include "atim/ir/printer.h"

namespace atim::te {
namespace {

const IndexExtents kExtents = {{"i", 8}, {"j", 4}, {"k", 16}, {"t", 6}, {"d", 2}, {"h", 3}};

// Only the extents the statement uses (unused extents are an error of their own).
IndexExtents used_extents(const std::string &statement) {
    IndexExtents used;
    for (const auto &[name, extent] : kExtents) {
        for (size_t p = statement.find(name); p != std::string::npos; p = statement.find(name, p + 1)) {
            const bool alone =
                (p == 0 || !std::isalnum(static_cast<unsigned char>(statement[p - 1]))) &&
                (p + 1 == statement.size() || !std::isalnum(static_cast<unsigned char>(statement[p + 1])));
            if (alone) {
                used.emplace_back(name, extent);
                break;
            }
        }
    }
    return used;
}

std::vector<std::string> names(const std::vector<ir::Buffer> &buffers) {
    std::vector<std::string> out;
    for (const ir::Buffer &b : buffers) out.push_back(b->name);
    return out;
}

TEST(Notation, BuildsTheComputeOfGoodStatements) {
    struct Case {
        std::string statement;
        std::vector<std::string> inputs;
        std::vector<int64_t> output_shape;
        std::vector<std::string> reduce_axes;
        std::string value;  // the block's value (the summand of a reduction) as printed
    };
    for (const Case &c : std::vector<Case>{
             {"C[i] += A[i,k] * B[k]", {"A", "B"}, {8}, {"k"}, "(A[i, k]*B[k])"},
             {"O[h,d] += S[h,t] * V[h,t,d]", {"S", "V"}, {3, 2}, {"t"}, "(S[h, t]*V[h, t, d])"},
             {"C[i] = A[i] * 3 + B[i]", {"A", "B"}, {8}, {}, "((A[i]*3) + B[i])"},
             {"B[0] += A[k]", {"A"}, {1}, {"k"}, "A[k]"},
             {"C[i]=ALPHA[0]*A[i]+BETA[0]*B[i]",
              {"ALPHA", "A", "BETA", "B"},
              {8},
              {},
              "((ALPHA[0]*A[i]) + (BETA[0]*B[i]))"},
             {"C[i] = min(A[i], B[i]) - max(A[i], 2 * (B[i] - 1))",
              {"A", "B"},
              {8},
              {},
              "(min(A[i], B[i]) - max(A[i], (2*(B[i] - 1))))"},
             {"C[i] = -A[i] + -4", {"A"}, {8}, {}, "((0 - A[i]) + -4)"},
             {"C[i,j] += A[i,j,k] * B[i,k]", {"A", "B"}, {8, 4}, {"k"}, "(A[i, j, k]*B[i, k])"},
         }) {
        SCOPED_TRACE(c.statement);
        PrimFunc f = build_from_notation(c.statement, used_extents(c.statement), ir::DType::Int32);
        EXPECT_EQ(names(f.inputs), c.inputs);
        ASSERT_EQ(f.outputs.size(), 1u);
        EXPECT_EQ(f.outputs[0]->shape, c.output_shape);
        ASSERT_EQ(f.blocks.size(), 1u);
        std::vector<std::string> reduce;
        for (const IterVar &r : f.blocks[0]->reduce_axes) reduce.push_back(r.var->name);
        EXPECT_EQ(reduce, c.reduce_axes);
        EXPECT_EQ(ir::to_string(f.blocks[0]->value), c.value);
    }
}

TEST(Notation, InputShapesFollowTheExtents) {
    PrimFunc f =
        build_from_notation("O[h,d] += S[h,t] * V[h,t,d]", {{"h", 3}, {"d", 2}, {"t", 6}}, ir::DType::Int64);
    EXPECT_EQ(f.inputs[0]->shape, (std::vector<int64_t>{3, 6}));
    EXPECT_EQ(f.inputs[1]->shape, (std::vector<int64_t>{3, 6, 2}));
    EXPECT_EQ(f.inputs[1]->dtype, ir::DType::Int64);
}

TEST(Notation, BadNotationNamesTheColumn) {
    struct Case {
        std::string statement;
        size_t column;
        std::string reason_part;
    };
    for (const Case &c : std::vector<Case>{
             {"C[i] += A[i,k] * B[q]", 20, "index 'q' has no extent in --shape"},
             {"C[i] += A[i,k] * B[k", 21, "expected ',' or ']' in B[...], found the end of the statement"},
             {"C[i] -= A[i]", 6, "expected '=' or '+=' after the output, found '-'"},
             {"C[i] = A[i,k]", 12, "index 'k' appears on the right but not on the left; write += to sum"},
             {"C[i] += A[i]", 6,
              "'+=' sums over the indices that appear only on the right, but there are none"},
             {"C[i] = A[i] / B[i]", 13, "unexpected character '/'"},
             {"C[i] = A[i] + C[i]", 15, "the output 'C' is also read on the right"},
             {"C[i,i] += A[i,k]", 5, "index 'i' appears twice in the output"},
             {"C[i] = A[i] + A[i,i]", 15, "tensor 'A' is read with 2 indices here but 1 before"},
             {"C[i] += A[i,k] * A[k,i]", 20, "dimension 0 of tensor 'A' has extent 16 here but 8 before"},
             {"C[i] = pow(A[i], 2)", 8, "unknown function 'pow'"},
             {"C[i] = A[i] + k", 15, "'k' is neither a tensor read"},
             {"C[i] = A[2]", 10, "constant index 2: only 0 is allowed"},
             {"C[i] = A[]", 10, "expected an index name or 0 in A[...], found ']'"},
             {"C[i] += A[i,k] + 3000000000", 18, "constant 3000000000 does not fit int32"},
             {"C[i] = A[i] B[i]", 13, "unexpected 'B' after the expression"},
             {"C[i] = min(A[i] B[i])", 17, "expected ',' between the two operands of min, found 'B'"},
             {"[i] = A[i]", 1, "expected the output tensor, e.g. C[i], found '['"},
             {"C[i] = A[i] +", 14, "expected a value, found the end of the statement"},
             {"C[i] = i[i]", 3, "'i' names both a tensor and an index"},
         }) {
        SCOPED_TRACE(c.statement);
        IndexExtents extents = {{"i", 8}, {"k", 16}};
        try {
            build_from_notation(c.statement, extents, ir::DType::Int32);
            ADD_FAILURE() << "no error";
        } catch (const NotationError &e) {
            EXPECT_EQ(e.column(), c.column) << e.what();
            EXPECT_NE(e.reason().find(c.reason_part), std::string::npos) << e.what();
            const std::string what = e.what();
            EXPECT_EQ(what, fmt::format("--op '{}': {} (at column {})", c.statement, e.reason(), c.column));
            EXPECT_EQ(what.find('\n'), std::string::npos);
        } catch (const UserError &e) {
            ADD_FAILURE() << "not a NotationError: " << e.what();
        }
    }
}

TEST(Notation, ExtentsThatNameNoIndexAreRefused) {
    try {
        build_from_notation("C[i] = A[i]", {{"i", 8}, {"j", 4}}, ir::DType::Int32);
        ADD_FAILURE() << "no error";
    } catch (const UserError &e) {
        EXPECT_STREQ(
            e.what(),
            "--shape gives j=4, but the operator has no index 'j'; give extents of its indices only");
    }
}

TEST(Notation, ParsesIndexExtents) {
    EXPECT_EQ(parse_index_extents("i=8192,k=64"), (IndexExtents{{"i", 8192}, {"k", 64}}));
    EXPECT_EQ(parse_index_extents("batch_1=3"), (IndexExtents{{"batch_1", 3}}));
    for (const char *bad : {"", "i", "i=", "i=0", "i=-3", "i=4x", "=4", "1i=4", "i=4,", "i=4,,k=2"}) {
        EXPECT_THROW(parse_index_extents(bad), UserError) << bad;
    }
    try {
        parse_index_extents("i=4,i=8");
        ADD_FAILURE() << "no error";
    } catch (const UserError &e) {
        EXPECT_STREQ(e.what(), "--shape gives index 'i' twice; give each index once");
    }
}

}  // namespace
}  // namespace atim::te

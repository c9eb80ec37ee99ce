// Structural classification: which operators match which schedule structure, their task tuples, and the
// scalar and resident inputs derived from the PrimFunc rather than from a workload's name.
#include "atim/workloads/structure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "atim/support/error.h"
#include "atim/workloads/workload.h"

namespace atim::workloads {
namespace {

using ::testing::HasSubstr;

TEST(Structure, ClassifiesOperatorsByTheirIndexPatterns) {
    struct Case {
        std::string statement, extents;
        std::optional<Structure> want;
        std::vector<int64_t> task_shape;
    };
    for (const Case &c : std::vector<Case>{
             {"C[i] += A[i,k] * B[k]", "i=64,k=128", Structure::RowReduce, {64, 128}},
             {"Y[r] += W[r,c] * X[c] + 1", "r=8,c=16", Structure::RowReduce, {8, 16}},
             {"C[i] += A[i,k]", "i=8,k=16", Structure::RowReduce, {8, 16}},
             {"C[i] += ALPHA[0] * A[i,k] * B[k]", "i=8,k=16", Structure::RowReduce, {8, 16}},
             {"C[i] = A[i] * 3 + B[i]", "i=100", Structure::Elementwise, {100}},
             {"C[i] = max(A[i], 0)", "i=100", Structure::Elementwise, {100}},
             {"B[0] += A[k] * A[k]", "k=1000", Structure::FullReduce, {1000}},
             {"C[i,j] += A[i,j,k] * B[k]", "i=2,j=3,k=4", Structure::TensorRowReduce, {2, 3, 4}},
             {"C[i,j] += A[i,j,k] * B[i,k]", "i=2,j=3,k=4", Structure::Batched, {2, 3, 4}},
             {"C[i] += A[i,k] * B[k]", "i=1,k=128", Structure::RowReduce, {1, 128}},
             // The attention context product sums over the middle index of V: no structure has that tiling.
             {"O[h,d] += S[h,t] * V[h,t,d]", "h=2,t=3,d=4", std::nullopt, {}},
             {"C[i] += A[k,i] * B[k]", "i=8,k=16", std::nullopt, {}},
             {"C[i,j] = A[i,j]", "i=8,j=4", std::nullopt, {}},
             {"C[i,j] += A[i,j,k] * B[j,k]", "i=2,j=3,k=4", std::nullopt, {}},
             {"C[i] += A[i,k,l]", "i=2,k=3,l=4", std::nullopt, {}},
             {"C[0] = A[0]", "", std::nullopt, {}},
         }) {
        SCOPED_TRACE(c.statement);
        te::IndexExtents extents =
            c.extents.empty() ? te::IndexExtents{} : te::parse_index_extents(c.extents);
        std::optional<StructureMatch> got =
            classify(te::build_from_notation(c.statement, extents, ir::DType::Int32));
        ASSERT_EQ(got.has_value(), c.want.has_value());
        if (!got) continue;
        EXPECT_EQ(got->structure, *c.want) << to_string(got->structure);
        EXPECT_EQ(got->task_shape, c.task_shape);
    }
}

TEST(Structure, BuiltinsKeepTheirScalarAndResidentInputs) {
    struct Case {
        std::string name;
        std::vector<int64_t> shape;
        std::vector<std::string> scalars, resident;
    };
    for (const Case &c : std::vector<Case>{
             {"va", {64}, {}, {"A", "B"}},
             {"geva", {64}, {"ALPHA", "BETA"}, {"A", "B"}},
             {"red", {64}, {}, {"A"}},
             {"mtv", {8, 16}, {}, {"A"}},
             {"gemv", {8, 16}, {"ALPHA"}, {"A"}},
             {"ttv", {2, 3, 4}, {}, {"A"}},
             {"mmtv", {2, 3, 4}, {}, {"A"}},
             {"mmtv", {2, 1, 4}, {}, {"A"}},  // B is as large as A, but A is the tensor
             {"va", {1}, {}, {"A", "B"}},
         }) {
        SCOPED_TRACE(c.name);
        Workload w = make_workload(c.name, c.shape);
        EXPECT_EQ(w.structure, builtin_structure(c.name));
        EXPECT_EQ(scalar_input_names(w.func), c.scalars);
        EXPECT_EQ(w.resident_inputs, c.resident);
    }
}

TEST(Structure, OpWorkloadsCarryTheirStatementExtentsAndTaskTuple) {
    Workload w = make_op_workload("Y[r] += W[r,c] * X[c]", "c=128,r=64");
    EXPECT_EQ(w.name, "Y[r]+=W[r,c]*X[c]");
    EXPECT_EQ(w.shape_string(), "c=128,r=64");
    EXPECT_EQ(w.shape, (std::vector<int64_t>{64, 128}));
    EXPECT_EQ(w.structure, Structure::RowReduce);
    EXPECT_EQ(w.resident_inputs, (std::vector<std::string>{"W"}));
    EXPECT_EQ(w.dtype_string(), "int32");
    EXPECT_EQ(make_op_workload("C[i] = A[i]", "i=8", "int64").dtype_string(), "int64");
}

TEST(Structure, OpWorkloadsWithoutAStructureOrTooLargeAreRefused) {
    struct Case {
        std::string statement, extents, want;
    };
    for (const Case &c : std::vector<Case>{
             {"O[h,d] += S[h,t] * V[h,t,d]", "h=2,t=3,d=4",
              "--op 'O[h,d] += S[h,t] * V[h,t,d]' has no structure atim has schedules for; supported: C[i] = "
              "f(A[i], B[i], ...) (like va)"},
             {"C[i] += A[i,k] * B[k]", "i=65536,k=65536",
              "--shape i=65536,k=65536 gives tensor A 4294967296 elements; atim supports at most 2147483647"},
             {"C[i] += A[i,k] * B[k]", "i=64", "--op 'C[i] += A[i,k] * B[k]': index 'k' has no extent"},
         }) {
        SCOPED_TRACE(c.statement);
        try {
            make_op_workload(c.statement, c.extents);
            ADD_FAILURE() << "no error";
        } catch (const UserError &e) {
            EXPECT_THAT(e.what(), HasSubstr(c.want));
        }
    }
}

}  // namespace
}  // namespace atim::workloads

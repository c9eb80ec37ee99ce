// The operator library: catalogue, shape parsing errors, tensor names/shapes/dtypes, resident inputs.
#include "atim/workloads/workload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "atim/ir/printer.h"
#include "atim/support/error.h"

namespace atim::workloads {
namespace {

using ::testing::HasSubstr;

std::string parse_error(const std::string &workload, const std::string &shape) {
    try {
        parse_shape(workload, shape);
    } catch (const UserError &e) {
        return e.what();
    }
    return "(no UserError)";
}

TEST(Workloads, ListHasTheSevenOperatorsWithTheirShapeParameters) {
    std::vector<std::string> got;
    for (const WorkloadInfo &w : workload_list()) got.push_back(w.name + ":" + w.shape_params);
    EXPECT_EQ(got, (std::vector<std::string>{"va:M", "geva:M", "red:M", "mtv:MxK", "gemv:MxK", "ttv:MxNxK",
                                             "mmtv:MxNxK"}));
}

TEST(Workloads, ParsesShapes) {
    EXPECT_EQ(parse_shape("mtv", "8192x1024"), (std::vector<int64_t>{8192, 1024}));
    EXPECT_EQ(parse_shape("va", "999999"), (std::vector<int64_t>{999999}));
    EXPECT_EQ(parse_shape("mmtv", "7x33x65"), (std::vector<int64_t>{7, 33, 65}));
}

TEST(Workloads, RejectsBadShapesWithOneActionableLine) {
    struct Case {
        std::string workload, shape, want;
    };
    for (const Case &c : std::vector<Case>{
             {"mtv", "1000", "shape '1000' for mtv needs 2 extents MxK, e.g. --shape 1024x1024"},
             {"va", "10x10", "shape '10x10' for va needs 1 extent M, e.g. --shape 1048576"},
             {"ttv", "4x4", "shape '4x4' for ttv needs 3 extents MxNxK, e.g. --shape 256x512x512"},
             {"mtv", "0x5", "extent 0 in shape '0x5' must be a positive integer"},
             {"mtv", "-3x5", "extent -3 in shape '-3x5' must be a positive integer"},
             {"mtv", "abcx5", "extent 'abc' in shape 'abcx5' must be a positive integer"},
             {"mtv", "5x", "extent '' in shape '5x' must be a positive integer"},
             {"mtv", "5x 6", "extent ' 6' in shape '5x 6' must be a positive integer"},
             {"va", "99999999999999999999999", "must be a positive integer"},
             {"foo", "10", "unknown workload 'foo'; known: va, geva, red, mtv, gemv, ttv, mmtv"},
             {"mtv", "65536x65536", "tensor A 4294967296 elements; atim supports at most 2147483647"},
             {"mmtv", "2048x2048x1024", "at most 2147483647 elements per tensor"},
         }) {
        EXPECT_THAT(parse_error(c.workload, c.shape), HasSubstr(c.want)) << c.workload << " " << c.shape;
    }
}

TEST(Workloads, TensorsHaveTheFormulaNamesShapesAndDefaultDtypes) {
    struct Case {
        std::string name;
        std::vector<int64_t> shape;
        std::vector<std::string> inputs;
        std::vector<std::vector<int64_t>> input_shapes;
        std::string output;
        std::vector<int64_t> output_shape;
        ir::DType dtype;
        std::vector<std::string> resident;
    };
    using ir::DType;
    for (const Case &c : std::vector<Case>{
             {"va", {10}, {"A", "B"}, {{10}, {10}}, "C", {10}, DType::Int32, {"A", "B"}},
             {"geva",
              {10},
              {"A", "B", "ALPHA", "BETA"},
              {{10}, {10}, {1}, {1}},
              "C",
              {10},
              DType::Int32,
              {"A", "B"}},
             {"red", {10}, {"A"}, {{10}}, "B", {1}, DType::Int64, {"A"}},
             {"mtv", {3, 5}, {"A", "B"}, {{3, 5}, {5}}, "C", {3}, DType::Int32, {"A"}},
             {"gemv", {3, 5}, {"A", "B", "ALPHA"}, {{3, 5}, {5}, {1}}, "C", {3}, DType::Int32, {"A"}},
             {"ttv", {2, 3, 5}, {"A", "B"}, {{2, 3, 5}, {5}}, "C", {2, 3}, DType::Int32, {"A"}},
             {"mmtv", {2, 3, 5}, {"A", "B"}, {{2, 3, 5}, {2, 5}}, "C", {2, 3}, DType::Int32, {"A"}},
         }) {
        Workload w = make_workload(c.name, c.shape);
        EXPECT_EQ(w.name, c.name);
        EXPECT_EQ(w.func.name, c.name);
        EXPECT_EQ(w.compute_dtype(), c.dtype) << c.name;
        EXPECT_EQ(w.dtype_string(), ir::to_string(c.dtype)) << c.name;
        EXPECT_EQ(w.resident_inputs, c.resident) << c.name;
        ASSERT_EQ(w.func.inputs.size(), c.inputs.size()) << c.name;
        for (size_t i = 0; i < c.inputs.size(); ++i) {
            EXPECT_EQ(w.func.inputs[i]->name, c.inputs[i]) << c.name;
            EXPECT_EQ(w.func.inputs[i]->shape, c.input_shapes[i]) << c.name << " " << c.inputs[i];
            EXPECT_EQ(w.func.inputs[i]->dtype, c.dtype) << c.name;
        }
        ASSERT_EQ(w.func.outputs.size(), 1u);
        EXPECT_EQ(w.func.outputs[0]->name, c.output) << c.name;
        EXPECT_EQ(w.func.outputs[0]->shape, c.output_shape) << c.name;
        ASSERT_EQ(w.func.blocks.size(), 1u);
        EXPECT_EQ(w.func.blocks[0]->is_reduction(), c.name != "va" && c.name != "geva") << c.name;
    }
}

TEST(Workloads, DtypeOverrideAndShapeString) {
    Workload w = make_workload("mtv", {1024, 512}, "int64");
    EXPECT_EQ(w.dtype_string(), "int64");
    EXPECT_EQ(w.func.inputs[0]->dtype, ir::DType::Int64);
    EXPECT_EQ(w.shape_string(), "1024x512");
    EXPECT_THROW(make_workload("mtv", {4, 4}, "float"), UserError);
    EXPECT_THROW(make_workload("mtv", {4}), UserError);
    EXPECT_THROW(make_workload("mtv", {4, 0}), UserError);
}

TEST(Workloads, NaiveNestsFollowTheFormulas) {
    struct Case {
        std::string name;
        std::vector<int64_t> shape;
        std::string want;
    };
    for (const Case &c : std::vector<Case>{
             {"geva", {6}, "for (i, 0, 6) {\n  C[i] = ((ALPHA[0]*A[i]) + (BETA[0]*B[i]))\n}\n"},
             {"red",
              {6},
              "for (i, 0, 1) {\n  B[i] = 0\n  for (k, 0, 6) {\n    B[i] = (B[i] + A[k])\n  }\n}\n"},
             {"gemv",
              {2, 6},
              "for (i, 0, 2) {\n  C[i] = 0\n  for (k, 0, 6) {\n    C[i] = (C[i] + ((ALPHA[0]*A[i, "
              "k])*B[k]))\n  "
              "}\n}\n"},
             {"ttv",
              {2, 3, 6},
              "for (i, 0, 2) {\n  for (j, 0, 3) {\n    C[i, j] = 0\n    for (k, 0, 6) {\n      C[i, j] = "
              "(C[i, j] + "
              "(A[i, j, k]*B[k]))\n    }\n  }\n}\n"},
             {"mmtv",
              {2, 3, 6},
              "for (i, 0, 2) {\n  for (j, 0, 3) {\n    C[i, j] = 0\n    for (k, 0, 6) {\n      C[i, j] = "
              "(C[i, j] + "
              "(A[i, j, k]*B[i, k]))\n    }\n  }\n}\n"},
         }) {
        EXPECT_EQ(ir::to_string(make_workload(c.name, c.shape).func.body), c.want) << c.name;
    }
}

}  // namespace
}  // namespace atim::workloads

// --dtype's two forms and the accumulation rule as the notation and te build it.
#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "atim/support/error.h"
#include "atim/te/dtype_spec.h"
#include "atim/te/notation.h"

namespace atim::te {
namespace {

TEST(DTypeSpec, OneTypeForAllOrOnePerTensor) {
    const DTypeSpec all = DTypeSpec::parse("int8");
    EXPECT_EQ(all.of("A", ir::DType::Int32), ir::DType::Int8);
    EXPECT_EQ(all.of("C", ir::DType::Int64), ir::DType::Int8);
    const DTypeSpec each = DTypeSpec::parse("A=int8,C=int16");
    EXPECT_EQ(each.of("A", ir::DType::Int32), ir::DType::Int8);
    EXPECT_EQ(each.of("B", ir::DType::Int32), ir::DType::Int32);  // left out: the default
    EXPECT_EQ(each.of("C", ir::DType::Int32), ir::DType::Int16);
    EXPECT_TRUE(DTypeSpec::parse("").empty());
}

TEST(DTypeSpec, BadTextAndUnknownTensorsAreUserErrors) {
    for (const char *text : {"int9", "A=int8,", "=int8", "A=int8,A=int8", "A=float32"})
        EXPECT_THROW(DTypeSpec::parse(text), UserError) << text;
    EXPECT_THROW(DTypeSpec::parse("Q=int8").check_tensor_names({"A", "B", "C"}, "mtv"), UserError);
    EXPECT_NO_THROW(DTypeSpec::parse("B=int8").check_tensor_names({"A", "B", "C"}, "mtv"));
}

// int8 x int8 -> int32: both reads are widened to the output's type before the multiply.
TEST(DTypeSpec, ReadsAreConvertedToTheOutputType) {
    const PrimFunc f = build_from_notation("C[i] += A[i,k] * B[k]", {{"i", 4}, {"k", 8}}, ir::DType::Int32,
                                           DTypeSpec::parse("A=int8,B=uint8"));
    EXPECT_EQ(f.inputs[0]->dtype, ir::DType::Int8);
    EXPECT_EQ(f.inputs[1]->dtype, ir::DType::UInt8);
    EXPECT_EQ(f.outputs[0]->dtype, ir::DType::Int32);
    const std::string text = ir::to_string(f.body);
    EXPECT_NE(text.find("int32(A["), std::string::npos) << text;
    EXPECT_NE(text.find("int32(B["), std::string::npos) << text;
    // A constant must fit the computation type.
    EXPECT_THROW(build_from_notation("C[i] = A[i] * 300", {{"i", 4}}, ir::DType::Int8), UserError);
}

}  // namespace
}  // namespace atim::te

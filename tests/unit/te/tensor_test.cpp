// te: placeholders, computes, reductions, their checks, and the naive loop nest of create_prim_func.
#include "atim/te/tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "atim/ir/printer.h"
#include "atim/support/error.h"

namespace atim::te {
namespace {

using ir::DType;
using ::testing::HasSubstr;

template <typename F>
std::string user_error_of(F &&f) {
    try {
        f();
    } catch (const UserError &e) {
        return e.what();
    }
    return "(no UserError)";
}

TEST(Te, PlaceholderKeepsNameShapeAndType) {
    Tensor a = placeholder("A", {4, 8}, DType::Int64);
    EXPECT_EQ(a.name(), "A");
    EXPECT_EQ(a.shape(), (std::vector<int64_t>{4, 8}));
    EXPECT_EQ(a.dtype(), DType::Int64);
    EXPECT_EQ(a.op(), nullptr);
}

TEST(Te, ElementwiseComputeLowersToOneLoopPerAxis) {
    Tensor a = placeholder("A", {16}, DType::Int32), b = placeholder("B", {16}, DType::Int32);
    Tensor c = compute("C", {16}, DType::Int32, [&](const auto &v) { return a(v[0]) + b(v[0]); }, {"i"});
    ASSERT_NE(c.op(), nullptr);
    EXPECT_FALSE(c.op()->is_reduction());
    PrimFunc f = create_prim_func("va", {a, b}, {c});
    EXPECT_EQ(ir::to_string(f.body),
              "for (i, 0, 16) {\n"
              "  C[i] = (A[i] + B[i])\n"
              "}\n");
    ASSERT_EQ(f.inputs.size(), 2u);
    EXPECT_EQ(f.inputs[0], a.buffer());
    EXPECT_EQ(f.inputs[1], b.buffer());
    ASSERT_EQ(f.outputs.size(), 1u);
    EXPECT_EQ(f.outputs[0], c.buffer());
    ASSERT_EQ(f.blocks.size(), 1u);
    EXPECT_EQ(f.blocks[0], c.op());
}

TEST(Te, ReductionInitializesThenAccumulatesInsideTheSpatialLoops) {
    Tensor a = placeholder("A", {4, 8}, DType::Int32), b = placeholder("B", {8}, DType::Int32);
    IterVar k = reduce_axis(8, "k");
    Tensor c = compute("C", {4}, DType::Int32,
                       [&](const auto &v) { return sum(a(v[0], k.var) * b(k.var), {k}); }, {"i"});
    ASSERT_TRUE(c.op()->is_reduction());
    PrimFunc f = create_prim_func("mtv", {a, b}, {c});
    EXPECT_EQ(ir::to_string(f.body),
              "for (i, 0, 4) {\n"
              "  C[i] = 0\n"
              "  for (k, 0, 8) {\n"
              "    C[i] = (C[i] + (A[i, k]*B[k]))\n"
              "  }\n"
              "}\n");
}

TEST(Te, InputsAreListedInFirstUseOrderWithoutDuplicates) {
    Tensor a = placeholder("A", {8}, DType::Int32), b = placeholder("B", {8}, DType::Int32);
    Tensor c = compute("C", {8}, DType::Int32, [&](const auto &v) { return b(v[0]) * a(v[0]) + b(v[0]); });
    std::vector<ir::Buffer> inputs = c.op()->inputs();
    ASSERT_EQ(inputs.size(), 2u);
    EXPECT_EQ(inputs[0], b.buffer());
    EXPECT_EQ(inputs[1], a.buffer());
}

TEST(Te, ChainedComputesAreOrderedProducerFirstEvenWhenTheProducerTensorIsGone) {
    Tensor a = placeholder("A", {8}, DType::Int32);
    Tensor d;
    {
        // The producer's Tensor handle dies here; the consumer must keep its block alive.
        Tensor c = compute("C", {8}, DType::Int32, [&](const auto &v) { return a(v[0]) + 1; });
        d = compute("D", {8}, DType::Int32, [&](const auto &v) { return c(v[0]) * 2; });
    }
    PrimFunc f = create_prim_func("chain", {a}, {d});
    ASSERT_EQ(f.blocks.size(), 2u);
    EXPECT_EQ(f.blocks[0]->name, "C");
    EXPECT_EQ(f.blocks[1]->name, "D");
    ASSERT_EQ(f.outputs.size(), 1u);
    EXPECT_EQ(f.outputs[0]->name, "D");
}

TEST(Te, DiamondSharesOneProducerBlock) {
    Tensor a = placeholder("A", {8}, DType::Int32);
    Tensor c = compute("C", {8}, DType::Int32, [&](const auto &v) { return a(v[0]) + 1; });
    Tensor d = compute("D", {8}, DType::Int32, [&](const auto &v) { return c(v[0]) * 2; });
    Tensor e = compute("E", {8}, DType::Int32, [&](const auto &v) { return c(v[0]) + d(v[0]); });
    PrimFunc f = create_prim_func("diamond", {a}, {e});
    std::vector<std::string> names;
    for (const auto &block : f.blocks) names.push_back(block->name);
    EXPECT_EQ(names, (std::vector<std::string>{"C", "D", "E"}));
}

TEST(Te, AxisNamesDefaultWhenNotGiven) {
    Tensor a = placeholder("A", {2, 3}, DType::Int32);
    Tensor c = compute("C", {2, 3}, DType::Int32, [&](const auto &v) { return a(v[0], v[1]); });
    EXPECT_EQ(c.op()->axes[0].var.name(), "ax0");
    EXPECT_EQ(c.op()->axes[1].var.name(), "ax1");
    EXPECT_EQ(c.op()->axes[1].extent, 3);
}

TEST(Te, UserMistakesAreReportedWithWhatToChange) {
    Tensor a = placeholder("A", {4, 8}, DType::Int32), b = placeholder("B", {8}, DType::Int32);
    struct Case {
        std::string name;
        std::function<void()> make;
        std::string want;
    };
    std::vector<Case> cases = {
        {"wrong index count", [&] { (void)a(0); }, "tensor 'A' has 2 dimensions but is indexed with 1 index"},
        {"zero extent placeholder",
         [&] {
             placeholder("X", {4, 0}, DType::Int32);
         },
         "dimension 1 of 'X' has extent 0; extents must be positive"},
        {"negative reduce axis", [&] { reduce_axis(-3, "k"); }, "reduction axis 'k' has extent -3"},
        {"huge extent", [&] { placeholder("X", {int64_t{1} << 32}, DType::Int32); }, "32-bit loop indices"},
        {"empty shape", [&] { placeholder("X", {}, DType::Int32); }, "placeholder 'X' has an empty shape"},
        {"unused reduce axis",
         [&] {
             IterVar k = reduce_axis(8, "k"), r = reduce_axis(4, "r");
             compute("C", {4}, DType::Int32, [&](const auto &v) { return sum(a(v[0], k.var), {k, r}); });
         },
         "sums over reduction axis 'r' that its body does not use"},
        {"axis listed twice",
         [&] {
             IterVar k = reduce_axis(8, "k");
             compute("C", {4}, DType::Int32, [&](const auto &v) { return sum(a(v[0], k.var), {k, k}); });
         },
         "sums twice over reduction axis 'k'"},
        {"sum without axes", [&] { sum(b(0), {}); }, "sum() needs at least one reduction axis"},
        {"reduce var not passed to sum",
         [&] {
             IterVar k = reduce_axis(8, "k");
             compute("C", {4}, DType::Int32, [&](const auto &v) { return a(v[0], k.var); });
         },
         "reads variable 'k' that is neither one of its axes nor a reduction axis"},
        {"dtype mismatch", [&] { compute("C", {8}, DType::Int64, [&](const auto &v) { return b(v[0]); }); },
         "compute 'C' is declared int64 but its body is int32"},
        {"axis name count",
         [&] {
             compute("C", {8}, DType::Int32, [&](const auto &v) { return b(v[0]); }, {"i", "j"});
         },
         "compute 'C' has 1 dimension but 2 axis names"},
        {"missing input",
         [&] {
             Tensor c = compute("C", {8}, DType::Int32, [&](const auto &v) { return b(v[0]); });
             create_prim_func("f", {}, {c});
         },
         "tensor 'B' is read by 'C' but is neither an input of the function nor computed"},
        {"computed input",
         [&] {
             Tensor c = compute("C", {8}, DType::Int32, [&](const auto &v) { return b(v[0]); });
             create_prim_func("f", {c}, {c});
         },
         "'C' is a computed tensor; only placeholders can be inputs"},
        {"placeholder output", [&] { create_prim_func("f", {b}, {b}); }, "output 'B' is a placeholder"},
        {"no outputs", [&] { create_prim_func("f", {b}, {}); }, "function 'f' has no outputs"},
        {"duplicate names",
         [&] {
             Tensor other = placeholder("B", {8}, DType::Int32);
             Tensor c = compute("C", {8}, DType::Int32, [&](const auto &v) { return b(v[0]) + other(v[0]); });
             create_prim_func("f", {b, other}, {c});
         },
         "two tensors are named 'B'"},
    };
    for (const Case &c : cases) EXPECT_THAT(user_error_of(c.make), HasSubstr(c.want)) << c.name;
}

}  // namespace
}  // namespace atim::te

// The workloads' naive nests (the reference every schedule is checked against) compute their formulas:
// interpreted on random inputs and compared with the formulas written directly in C++.
#include <gtest/gtest.h>

#include <functional>

#include "atim/interp/interpreter.h"
#include "atim/workloads/workload.h"

namespace atim::workloads {
namespace {

// Wraps like the DPU's (and C's) two's-complement arithmetic of the workload's dtype.
int64_t wrap(int64_t v, ir::DType t) { return t == ir::DType::Int32 ? static_cast<int32_t>(v) : v; }

using Values = std::vector<int64_t>;
using Inputs = std::map<std::string, Values>;

// The formulas of atim-method.md §8.3, evaluated with wrap-around after every operation.
Values formula(const std::string &name, const std::vector<int64_t> &s, const Inputs &in, ir::DType t) {
    auto mul = [&](int64_t a, int64_t b) {
        return wrap(static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)), t);
    };
    auto add = [&](int64_t a, int64_t b) {
        return wrap(static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)), t);
    };
    const Values &A = in.at("A");
    Values out;
    if (name == "va" || name == "geva") {
        for (int64_t i = 0; i < s[0]; ++i) {
            out.push_back(name == "va"
                              ? add(A[i], in.at("B")[i])
                              : add(mul(in.at("ALPHA")[0], A[i]), mul(in.at("BETA")[0], in.at("B")[i])));
        }
    } else if (name == "red") {
        int64_t total = 0;
        for (int64_t v : A) total = add(total, v);
        out.push_back(total);
    } else if (name == "mtv" || name == "gemv") {
        for (int64_t i = 0; i < s[0]; ++i) {
            int64_t acc = 0;
            for (int64_t k = 0; k < s[1]; ++k) {
                int64_t a = name == "gemv" ? mul(in.at("ALPHA")[0], A[i * s[1] + k]) : A[i * s[1] + k];
                acc = add(acc, mul(a, in.at("B")[k]));
            }
            out.push_back(acc);
        }
    } else {  // ttv, mmtv
        for (int64_t i = 0; i < s[0]; ++i) {
            for (int64_t j = 0; j < s[1]; ++j) {
                int64_t acc = 0;
                for (int64_t k = 0; k < s[2]; ++k) {
                    int64_t b = name == "ttv" ? in.at("B")[k] : in.at("B")[i * s[2] + k];
                    acc = add(acc, mul(A[(i * s[1] + j) * s[2] + k], b));
                }
                out.push_back(acc);
            }
        }
    }
    return out;
}

TEST(WorkloadReference, NaiveNestsComputeTheFormulas) {
    struct Case {
        std::string name;
        std::vector<int64_t> shape;
        std::string dtype;
    };
    for (const Case &c : std::vector<Case>{{"va", {37}, ""},
                                           {"geva", {37}, ""},
                                           {"red", {1001}, ""},
                                           {"red", {1001}, "int32"},
                                           {"mtv", {7, 13}, ""},
                                           {"mtv", {7, 13}, "int64"},
                                           {"gemv", {7, 13}, ""},
                                           {"ttv", {3, 4, 5}, ""},
                                           {"mmtv", {3, 4, 5}, ""}}) {
        SCOPED_TRACE(c.name + " " + c.dtype);
        Workload w = make_workload(c.name, c.shape, c.dtype);
        interp::Memory memory = interp::random_inputs(w.func.inputs, 11);
        Inputs inputs;
        for (const ir::Buffer &b : w.func.inputs) inputs[b->name] = memory.values(b);
        interp::run(w.func.body, memory);
        EXPECT_EQ(memory.values(w.func.outputs[0]), formula(c.name, c.shape, inputs, w.compute_dtype()));
    }
}

TEST(WorkloadReference, Int32ArithmeticWrapsLikeTheDpu) {
    // 100000^2 overflows int32 in every product and the sum: the reference must wrap, not widen.
    Workload w = make_workload("mtv", {1, 3});
    interp::Memory memory;
    memory.set_values(w.func.inputs[0], Values(3, 100000));
    memory.set_values(w.func.inputs[1], Values(3, 100000));
    interp::run(w.func.body, memory);
    int32_t product = static_cast<int32_t>(int64_t{100000} * 100000);
    int32_t want = static_cast<int32_t>(static_cast<uint32_t>(product) * 3u);
    EXPECT_EQ(memory.values(w.func.outputs[0])[0], want);
}

}  // namespace
}  // namespace atim::workloads

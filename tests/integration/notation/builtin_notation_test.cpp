// The seven built-in workloads written in operator notation: each statement builds an operator of the same
// structure, task tuple, tensors and resident inputs as the built-in, and computes the same outputs.
#include <gtest/gtest.h>

#include <map>

#include "atim/interp/interpreter.h"
#include "atim/workloads/workload.h"

namespace atim::workloads {
namespace {

std::map<std::string, std::vector<int64_t>> shapes_by_name(const std::vector<ir::Buffer> &buffers) {
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const ir::Buffer &b : buffers) shapes[b->name] = b->shape;
    return shapes;
}

// The outputs of `w` on inputs taken by name from `values`.
std::map<std::string, std::vector<int64_t>> run_reference(
    const Workload &w, const std::map<std::string, std::vector<int64_t>> &values) {
    interp::Memory memory;
    for (const ir::Buffer &b : w.func.inputs) memory.set_values(b, values.at(b->name));
    interp::run(w.func.body, memory);
    std::map<std::string, std::vector<int64_t>> outputs;
    for (const ir::Buffer &b : w.func.outputs) outputs[b->name] = memory.values(b);
    return outputs;
}

TEST(BuiltinNotation, EachBuiltinEqualsTheOperatorItsNotationBuilds) {
    const std::map<std::string, std::vector<int64_t>> shapes = {
        {"va", {37}},     {"geva", {37}},     {"red", {37}},      {"mtv", {5, 7}},
        {"gemv", {5, 7}}, {"ttv", {3, 4, 5}}, {"mmtv", {3, 4, 5}}};
    for (const WorkloadInfo &info : workload_list()) {
        SCOPED_TRACE(info.name);
        const std::vector<int64_t> &shape = shapes.at(info.name);
        const Workload builtin = make_workload(info.name, shape);
        const auto [statement, extents] = builtin_as_op(info.name, shape);
        const Workload op = make_op_workload(statement, extents, builtin.dtype_string());
        EXPECT_EQ(op.structure, builtin.structure);
        EXPECT_EQ(op.shape, builtin.shape);
        EXPECT_EQ(op.resident_inputs, builtin.resident_inputs);
        EXPECT_EQ(shapes_by_name(op.func.inputs), shapes_by_name(builtin.func.inputs));
        EXPECT_EQ(shapes_by_name(op.func.outputs), shapes_by_name(builtin.func.outputs));

        interp::Memory random = interp::random_inputs(builtin.func.inputs, 7);
        std::map<std::string, std::vector<int64_t>> values;
        for (const ir::Buffer &b : builtin.func.inputs) {
            values[b->name] = random.values(b);
            for (int64_t &v : values[b->name]) v -= 25;  // negative values too
        }
        EXPECT_EQ(run_reference(op, values), run_reference(builtin, values));
    }
}

}  // namespace
}  // namespace atim::workloads

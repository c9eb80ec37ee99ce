// Seeded inputs and the bit-exact comparison with the reference interpreter, shared by the emu and sim
// runners.
#include "atim/runtime/verification.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "atim/interp/interpreter.h"
#include "atim/ir/functor.h"
#include "atim/support/error.h"

namespace atim::runtime {
namespace {

/// Asks the kernel to back [data, data + bytes) with huge pages before it is first touched: a 2^26-element
/// input is 512 MB, and taking 131072 page faults of 4 KB cost more than drawing its values. Only a hint:
/// without transparent huge pages it does nothing.
void advise_huge_pages(void *data, size_t bytes) {
    constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePage - 1);
    if (end > begin) madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
}

// Enough to see the pattern of a wrong result without flooding a report.
constexpr size_t kMismatchesReported = 5;

/// Whether every store in `body` writes an output at first index `var` or a buffer allocated inside: then the
/// iterations of a loop over `var` write disjoint rows of the outputs and can run alone.
class RowIndependence : public ir::Visitor {
public:
    using ir::Visitor::visit;
    RowIndependence(const ir::VarNode *var, const std::vector<ir::Buffer> &outputs) : var_(var) {
        for (const ir::Buffer &output : outputs) outputs_.insert(output.get());
    }
    bool independent = true;

protected:
    void visit(const ir::Store *op) override {
        if (outputs_.contains(op->buffer.get())) {
            const ir::VarNode *first = op->indices.empty() ? nullptr : op->indices.front().as<ir::VarNode>();
            independent = independent && first == var_;
        } else if (!local_.contains(op->buffer.get())) {
            independent = false;
        }
        ir::Visitor::visit(op);
    }
    void visit(const ir::Allocate *op) override {
        local_.insert(op->buffer.get());
        ir::Visitor::visit(op);
    }

private:
    const ir::VarNode *var_;
    std::set<const ir::BufferNode *> outputs_, local_;
};

/// Indices of the first output dimension that hold a known element, or nothing when every row is needed.
std::vector<int64_t> needed_rows(const workloads::Workload &workload, const KnownElements &known) {
    std::set<int64_t> rows;
    for (const ir::Buffer &output : workload.func.outputs) {
        auto found = known.find(output->name);
        if (found == known.end() || output->shape.empty()) return {};
        const int64_t row_size = output->num_elements() / output->shape.front();
        for (size_t i = 0; i < found->second.size(); ++i)
            if (found->second[i]) rows.insert(static_cast<int64_t>(i) / row_size);
    }
    return {rows.begin(), rows.end()};
}

}  // namespace

TensorValues seeded_input_values(const workloads::Workload &workload, uint64_t seed) {
    // interp::random_inputs' stream, specified bit for bit in interpreter.h, written straight into vectors
    // that were reserved, not zero-filled: for a 2^26-element matrix the zero fill alone costs a pass over
    // 512 MB.
    constexpr uint64_t kValueBound = 50;
    uint64_t state = seed;
    TensorValues values;
    for (const ir::Buffer &input : workload.func.inputs) {
        std::vector<int64_t> &tensor = values[input->name];
        const int64_t elements = input->num_elements();
        tensor.reserve(static_cast<size_t>(elements));
        advise_huge_pages(tensor.data(), tensor.capacity() * sizeof(int64_t));
        for (int64_t i = 0; i < elements; ++i) {
            uint64_t x = interp::splitmix64(state);
            // floor(x * 50 / 2^64) without 128-bit arithmetic, as random_inputs computes it.
            uint64_t high = x >> 32, low = x & 0xffffffffULL;
            tensor.push_back(static_cast<int64_t>((high * kValueBound + ((low * kValueBound) >> 32)) >> 32));
        }
    }
    return values;
}

SeededInputs seeded_inputs(const workloads::Workload &workload, uint64_t seed) {
    SeededInputs inputs{interp::random_inputs(workload.func.inputs, seed), {}};
    for (const ir::Buffer &input : workload.func.inputs)
        inputs.by_name[input->name] = inputs.memory.values(input);
    return inputs;
}

void run_reference(const workloads::Workload &workload, interp::Memory &memory, const KnownElements &known) {
    const ir::Stmt &body = workload.func.body;
    const auto *loop = body.as<ir::For>();
    const int64_t *min = loop ? ir::as_const_int(loop->min) : nullptr;
    const int64_t *extent = loop ? ir::as_const_int(loop->extent) : nullptr;
    std::vector<int64_t> rows = needed_rows(workload, known);
    bool partial = min && *min == 0 && extent && !rows.empty() &&
                   static_cast<int64_t>(rows.size()) < *extent && rows.back() < *extent;
    if (partial) {
        RowIndependence check(loop->var.get(), workload.func.outputs);
        check.visit(loop->body);
        partial = check.independent;
    }
    if (!partial) {
        interp::run(body, memory);
        return;
    }
    // One loop per run of consecutive needed rows.
    for (size_t begin = 0; begin < rows.size();) {
        size_t end = begin + 1;
        while (end < rows.size() && rows[end] == rows[end - 1] + 1) ++end;
        const ir::DType type = loop->var.dtype();
        interp::run(ir::For::make(loop->var, ir::make_const(type, rows[begin]),
                                  ir::make_const(type, static_cast<int64_t>(end - begin)), loop->for_kind,
                                  loop->body),
                    memory);
        begin = end;
    }
}

void compare_outputs(const workloads::Workload &workload, const TensorValues &expected,
                     const TensorValues &outputs, const KnownElements &known, RunResult &result) {
    for (const ir::Buffer &output : workload.func.outputs) {
        auto got = outputs.find(output->name);
        ATIM_CHECK(got != outputs.end(), "the program does not produce output {} of {}", output->name,
                   workload.name);
        const std::vector<int64_t> &want = expected.at(output->name);
        ATIM_CHECK(got->second.size() == want.size(), "output {} has {} elements instead of {}", output->name,
                   got->second.size(), want.size());
        auto mask = known.find(output->name);
        const std::vector<uint8_t> *checked = mask == known.end() ? nullptr : &mask->second;
        result.total_elements += static_cast<int64_t>(want.size());
        for (size_t i = 0; i < want.size(); ++i) {
            if (checked && !(*checked)[i]) continue;
            ++result.verified_elements;
            if (got->second[i] == want[i]) continue;
            if (result.mismatches.size() < kMismatchesReported)
                result.mismatches.push_back({output->name, static_cast<int64_t>(i), want[i], got->second[i]});
            ++result.mismatch_count;
        }
    }
    result.verified = result.mismatch_count == 0 && result.verified_elements > 0;
}

ReferenceData prepare_reference(const workloads::Workload &workload, uint64_t seed) {
    ReferenceData reference;
    reference.seed = seed;
    reference.inputs = seeded_input_values(workload, seed);
    interp::Memory memory;
    for (const ir::Buffer &input : workload.func.inputs)
        memory.set_values(input, std::move(reference.inputs.at(input->name)));
    interp::run(workload.func.body, memory);
    for (const ir::Buffer &input : workload.func.inputs)
        reference.inputs[input->name] = std::move(memory.values(input));
    for (const ir::Buffer &output : workload.func.outputs)
        reference.expected[output->name] = std::move(memory.values(output));
    return reference;
}

void check_against_reference(const workloads::Workload &workload, SeededInputs &inputs,
                             const TensorValues &outputs, RunResult &result) {
    interp::run(workload.func.body, inputs.memory);
    TensorValues expected;
    for (const ir::Buffer &output : workload.func.outputs)
        expected[output->name] = inputs.memory.values(output);
    compare_outputs(workload, expected, outputs, {}, result);
}

}  // namespace atim::runtime

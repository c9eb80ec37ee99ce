// Seeded inputs and the bit-exact comparison with the reference interpreter, shared by the emu and sim
// runners.
#include "atim/runtime/verification.h"

#include "atim/support/error.h"

namespace atim::runtime {
namespace {

// Enough to see the pattern of a wrong result without flooding a report.
constexpr size_t kMismatchesReported = 5;

}  // namespace

SeededInputs seeded_inputs(const workloads::Workload &workload, uint64_t seed) {
    SeededInputs inputs{interp::random_inputs(workload.func.inputs, seed), {}};
    for (const ir::Buffer &input : workload.func.inputs)
        inputs.by_name[input->name] = inputs.memory.values(input);
    return inputs;
}

void check_against_reference(const workloads::Workload &workload, SeededInputs &inputs,
                             const TensorValues &outputs, RunResult &result) {
    interp::run(workload.func.body, inputs.memory);
    for (const ir::Buffer &output : workload.func.outputs) {
        auto got = outputs.find(output->name);
        ATIM_CHECK(got != outputs.end(), "the program does not produce output {} of {}", output->name,
                   workload.name);
        const std::vector<int64_t> &expected = inputs.memory.values(output);
        ATIM_CHECK(got->second.size() == expected.size(), "output {} has {} elements instead of {}",
                   output->name, got->second.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            if (got->second[i] == expected[i]) continue;
            if (result.mismatches.size() < kMismatchesReported)
                result.mismatches.push_back(
                    {output->name, static_cast<int64_t>(i), expected[i], got->second[i]});
            ++result.mismatch_count;
        }
    }
    result.verified = result.mismatch_count == 0;
}

}  // namespace atim::runtime

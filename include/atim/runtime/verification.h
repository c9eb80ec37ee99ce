// What every backend does around running a program: draw the seeded inputs, compute the reference outputs
// with the interpreter, and compare the program's outputs with them bit-exactly.
#pragma once

#include <cstdint>

#include "atim/interp/interpreter.h"
#include "atim/runtime/emu_runner.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {

/// The seeded inputs of a workload: in the interpreter's memory (for the reference) and by tensor name (for a
/// backend to push).
struct SeededInputs {
    interp::Memory memory;
    TensorValues by_name;
};
SeededInputs seeded_inputs(const workloads::Workload &workload, uint64_t seed);

/// Runs the reference on `inputs.memory` and records in `result` whether every output in `outputs` equals it
/// (verified, mismatch_count and the first few mismatches).
void check_against_reference(const workloads::Workload &workload, SeededInputs &inputs,
                             const TensorValues &outputs, RunResult &result);

}  // namespace atim::runtime

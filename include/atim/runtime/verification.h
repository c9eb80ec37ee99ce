// What every backend does around running a program: draw the seeded inputs, compute the reference outputs
// with the interpreter, and compare the program's outputs with them bit-exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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

/// Per Output tensor name, 1 for every element that is to be compared; a tensor absent from the map is
/// compared entirely.
using KnownElements = std::map<std::string, std::vector<uint8_t>>;

/// Runs workload.func.body on `memory` (which holds the inputs). When the body is a loop whose iterations
/// each write their own index of the first dimension of every output, only the iterations holding a known
/// element run (the other output elements stay zero): the reference of a sampled simulation costs what
/// was simulated.
void run_reference(const workloads::Workload &workload, interp::Memory &memory, const KnownElements &known);

/// Compares the known elements of `outputs` with `expected` (both by Output tensor name) and records the
/// result: verified (no mismatch and at least one element compared), mismatch_count, the first few
/// mismatches, verified_elements and total_elements.
void compare_outputs(const workloads::Workload &workload, const TensorValues &expected,
                     const TensorValues &outputs, const KnownElements &known, RunResult &result);

}  // namespace atim::runtime

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

/// The seeded inputs of a workload and its reference outputs, computed once and then shared read-only (also
/// across threads) by the runs of many programs of that workload (the tuner).
struct ReferenceData {
    uint64_t seed = 1;
    TensorValues inputs;    ///< every Input tensor, interp::random_inputs(seed)
    TensorValues expected;  ///< every Output tensor, the interpreter on workload.func.body
};
ReferenceData prepare_reference(const workloads::Workload &workload, uint64_t seed);

/// Runs workload.func.body on `memory` (which holds the inputs). When the body is a loop over the first
/// dimension of every output whose iterations write only their own row, only the iterations holding a known
/// element run (the other rows stay zero): the reference of a sampled simulation costs what was simulated.
void run_reference(const workloads::Workload &workload, interp::Memory &memory, const KnownElements &known);

/// Compares the known elements of `outputs` with `expected` (both by Output tensor name; a tensor absent from
/// `known` is compared entirely) and records verified (no mismatch and at least one element compared),
/// mismatch_count, the first few mismatches, verified_elements and total_elements in `result`.
void compare_outputs(const workloads::Workload &workload, const TensorValues &expected,
                     const TensorValues &outputs, const KnownElements &known, RunResult &result);

}  // namespace atim::runtime

// Runs a lowered program end to end on the native SDK emulation: random inputs, generated C, compile, run,
// and a bit-exact comparison with the reference interpreter.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/codegen/c_codegen.h"
#include "atim/lower/pim_program.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {

struct RunOptions {
    uint64_t seed = 1;  ///< interp::random_inputs seed
    codegen::TimingMode timing = codegen::TimingMode::Atim;
    bool keep_dir = false;      ///< keep the working directory (sources, binaries, tensors) for inspection
    int timeout_seconds = 600;  ///< stop the generated program after this long (0: no limit)
};

/// One element where the program and the reference disagree.
struct Mismatch {
    std::string tensor;
    int64_t index = 0;  ///< row-major
    int64_t expected = 0;
    int64_t got = 0;
};

/// Times of the three phases of a run and their sum (ms). Empty when the backend measures no hardware time:
/// the emulator's wall times say nothing about a DPU's speed (they are in RunResult::stats instead).
struct PhaseTimes {
    std::optional<double> h2d, kernel, after, total;
};

struct RunResult {
    bool verified = false;
    std::vector<Mismatch> mismatches;  ///< the first few
    int64_t mismatch_count = 0;
    /// Output elements compared with the reference, of all output elements: equal unless the backend did not
    /// compute some outputs exactly (the simulator's sampled mode simulates only some DPUs).
    int64_t verified_elements = 0;
    int64_t total_elements = 0;
    PhaseTimes time_ms;
    nlohmann::json stats = nlohmann::json::object();
    std::string work_dir;  ///< set when RunOptions::keep_dir
};

/// Tensor contents by tensor name, row-major, one int64 per element whatever the dtype.
using TensorValues = std::map<std::string, std::vector<int64_t>>;
/// Per tensor name, 1 for every element whose value is known (to be compared); a tensor absent: all known.
using KnownElements = std::map<std::string, std::vector<uint8_t>>;

/// What the generated host program measured and produced.
struct EmuExecution {
    TensorValues outputs;  ///< every Output tensor of the program
    double h2d_ms = 0, kernel_ms = 0, after_ms = 0;
    std::string work_dir;  ///< set when RunOptions::keep_dir
};

/// Emits C for `program`, compiles it against the emulator, runs it on `inputs` (every Input tensor of the
/// program, by name) and reads back its outputs. Throws UserError when the program exceeds a machine limit at
/// run time, InternalError for anything else that fails (see check_host_run).
EmuExecution execute_on_emu(const lower::PimProgram &program, const TensorValues &inputs,
                            const RunOptions &options);

/// The whole check: inputs from interp::random_inputs(seed) over the workload's inputs, the reference from
/// the interpreter on workload.func.body, the program on the emulator, and an exact comparison of every
/// output.
RunResult run_emu(const workloads::Workload &workload, const lower::PimProgram &program,
                  const RunOptions &options);

}  // namespace atim::runtime

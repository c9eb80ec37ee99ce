// Runs a lowered program end to end on the cycle-level simulator: DPU assembly from codegen::dpu, host
// operations on sim::Machine (pushes, launch, gathers, host epilogue), and a bit-exact comparison with the
// reference interpreter. Times are simulated hardware times.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/codegen/c_codegen.h"
#include "atim/codegen/dpu_codegen.h"
#include "atim/lower/pim_program.h"
#include "atim/runtime/emu_runner.h"
#include "atim/runtime/verification.h"
#include "atim/sim/measurement.h"
#include "atim/sim/system.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {

struct SimRunOptions {
    target::UpmemMachine machine;  ///< the simulated system (DPU count, timing parameters)
    uint64_t seed = 1;             ///< interp::random_inputs seed
    /// Atim: resident inputs are pushed before the timed window; Prim: every push is timed.
    codegen::TimingMode timing = codegen::TimingMode::Atim;
    /// Full: every DPU simulated. Identical: DPUs given identical bytes share one simulation (exact).
    /// Sampled: a few DPUs per timing class are simulated (runtime/sim_sampling.h), the others take their
    /// class's timing and their outputs are unknown: only outputs computed from simulated DPUs are verified.
    sim::SimulationMode mode = sim::SimulationMode::Identical;
    int threads = 0;  ///< simulator worker threads; 0 = all cores
    /// Stop a DPU kernel that runs longer than this (sim::CycleLimitExceeded); the tuner's bound on
    /// candidates already known to be slower than its best. Unset: only the runaway-program limit.
    std::optional<int64_t> max_kernel_cycles;
    /// Full mode: the part of the run to simulate when it is split over processes (sim::DpuPart: whole
    /// lines of DPUs whose results the host combines, runtime/sim_sampling.h). The part verifies the outputs
    /// of its own lines and reports for the whole run; tune::combine_full_parts joins the parts.
    sim::DpuPart part;
};

/// What running the program on the simulator produced.
struct SimExecution {
    TensorValues outputs;  ///< every Output tensor, after the host epilogue
    /// Per Output tensor, 1 for every element computed only from simulated DPUs (and inputs), the elements to
    /// compare with the reference; empty when every element is known (every mode but Sampled).
    KnownElements known;
    int simulated_dpus = 0;    ///< DPUs simulated cycle by cycle (or sharing such a simulation)
    int values_only_dpus = 0;  ///< Sampled: DPUs computed for their values only, untimed
    int timing_classes = 0;    ///< Sampled: classes of DPUs assumed to share control flow
    sim::Measurement measurement;
    codegen::DpuKernel kernel;
    int64_t epilogue_integer_ops = 0;  ///< host work charged for the epilogue
    /// A part of a split full run (SimRunOptions::part) that owns no DPU: nothing ran, nothing to verify.
    bool empty_part = false;
};

/// Compiles the kernel to DPU assembly, runs the host program on a simulated machine with `inputs` (every
/// Input tensor by name) and returns the outputs and the measurement of the timed window. Throws UserError
/// when the program does not fit the machine (DPUs, IRAM, WRAM, MRAM) and SimError when a DPU faults.
SimExecution execute_on_sim(const lower::PimProgram &program, const TensorValues &inputs,
                            const SimRunOptions &options);

/// The whole check on the simulator: inputs from interp::random_inputs(seed) over the workload's inputs, the
/// reference from the interpreter on workload.func.body (only the rows compared, in Sampled mode), the
/// program on the simulator, an exact comparison of every known output element (RunResult::verified_elements
/// of total_elements), the simulated phase times and the kernel's DPU statistics.
RunResult run_sim(const workloads::Workload &workload, const lower::PimProgram &program,
                  const SimRunOptions &options);

/// The same check against a reference prepared once (runtime/verification.h) for many programs of one
/// workload: reference.seed is used, options.seed ignored. Safe to call from several threads at once.
RunResult run_sim(const workloads::Workload &workload, const lower::PimProgram &program,
                  const SimRunOptions &options, const ReferenceData &reference);

/// The part of an epilogue's work done inside one host-parallel loop (ForKind::HostParallel).
struct HostParallelWork {
    int64_t integer_ops = 0;    ///< over every iteration and every entry of the loop
    int64_t bytes_touched = 0;  ///< likewise
    int64_t extent = 1;         ///< iterations shared among threads per entry (1 if not constant)
    int64_t entries = 0;        ///< times the loop is entered: one fork/join each
};

/// Host work of an epilogue (the final reduction of partial results): one operation per arithmetic node and
/// store, times the iterations of the loops around it; bytes are compulsory traffic: per loop region, each
/// buffer's loads and its stores at most the buffer's size (the caches hold the reuse). A parallel loop
/// nested in another runs serially (OpenMP's default), so it counts as its outer loop's work.
struct HostWorkEstimate {
    int64_t integer_ops = 0;                 ///< all of it, serial and parallel
    int64_t bytes_touched = 0;               ///< all of it, serial and parallel
    std::vector<HostParallelWork> parallel;  ///< the parts of the totals run by parallel loops

    HostParallelWork serial_part() const;  ///< the totals minus the parallel parts (extent 1, no entries)
};
HostWorkEstimate estimate_host_work(const ir::Stmt &epilogue);

}  // namespace atim::runtime

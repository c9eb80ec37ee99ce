// Measuring candidates: replay, lower, build and run each one on a backend, verify its outputs against the
// reference, and return a MeasureResult per candidate. Failures are results, never exceptions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atim/schedule/trace.h"
#include "atim/target/upmem_machine.h"
#include "atim/tune/measure.h"
#include "atim/workloads/workload.h"

namespace atim::tune {

struct RunnerOptions {
    target::UpmemMachine machine;
    uint64_t seed = 1;             ///< seed of the random inputs (same for every candidate)
    bool prim_timing = false;      ///< --timing prim
    int opt_level = 4;             ///< PIM-aware optimization level
    int threads = 0;               ///< parallel candidates (sim: DPU simulation threads); 0 = all cores
    double timeout_seconds = 120;  ///< per candidate
};

/// What the search knows of a candidate without measuring it: whether it replays and lowers, its
/// cost-model features and the hash of its lowered program (lower::program_hash).
struct CandidateAnalysis {
    bool lowers = false;
    std::vector<float> features;
    uint64_t program_hash = 0;
};

/// Replays and lowers every trace at `opt_level` and extracts its features, on up to `threads` threads
/// (0: all cores); a trace that replay or lowering refuses (UserError) does not lower.
std::vector<CandidateAnalysis> analyze_candidates(const workloads::Workload &workload,
                                                  const std::vector<schedule::Trace> &traces,
                                                  const target::UpmemMachine &machine, int opt_level,
                                                  int threads);

class Runner {
public:
    virtual ~Runner() = default;
    /// "sim", "emu" or "hardware".
    virtual std::string name() const = 0;
    /// Measures every trace of `batch` (each replayed on workload.func); results in batch order. A runner
    /// that can stop a kernel early (the simulator) reports a candidate whose kernel runs past
    /// `kernel_ms_bound` as Pruned instead of finishing it; the others ignore the bound.
    virtual std::vector<MeasureResult> run(const workloads::Workload &workload,
                                           const std::vector<schedule::Trace> &batch,
                                           std::optional<double> kernel_ms_bound = std::nullopt) = 0;
    /// Measures one trace with every DPU simulated (the final check of the best candidates). The simulator
    /// runner holds it to no wall-clock budget: the search already ran the candidate to its end.
    virtual MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) = 0;
    /// Whether run_full_part can split a full measurement, so that several processes share it.
    virtual bool splits_full() const { return false; }
    /// Part `part` of `parts` of run_full (sim::DpuPart: whole lines of DPUs whose results the host
    /// combines; line l is part l mod parts's): combine_full_parts over all the parts gives exactly
    /// run_full's result. Only a runner that splits_full() is asked for more than one part.
    virtual MeasureResult run_full_part(const workloads::Workload &workload, const schedule::Trace &trace,
                                        int part, int parts);
    /// analyze_candidates for the search (the lowering behind its cost model); a runner over several
    /// processes spreads it over them. Results in `traces` order, the same wherever they were computed.
    virtual std::vector<CandidateAnalysis> analyze(const workloads::Workload &workload,
                                                   const std::vector<schedule::Trace> &traces,
                                                   const target::UpmemMachine &machine, int opt_level) {
        return analyze_candidates(workload, traces, machine, opt_level, 0);
    }
    /// Says that run_full(workload, trace) will be asked later, so that a runner with idle processes can
    /// measure it in the meantime (the result is the same). Does nothing by default.
    virtual void prefetch_full(const workloads::Workload &workload, const schedule::Trace &trace) {}
};

/// run_full's result from the results of its parts 0..n-1 (Runner::run_full_part): the slowest part's
/// kernel (the first of equally slow DPUs), the counters and verified elements of all parts added up. A
/// part that failed speaks for all (its error names its own mismatches only). nullopt when the parts did
/// not verify every output element between them (the host combined results across the parts' lines in a
/// way the split did not see): measure it whole then.
std::optional<MeasureResult> combine_full_parts(const std::vector<MeasureResult> &parts);

/// The cycle-level simulator (default): candidates in parallel on all cores, each in the sampled simulation
/// mode against inputs and reference outputs computed once per workload; run_full simulates every DPU.
std::unique_ptr<Runner> make_sim_runner(const RunnerOptions &options);
/// The native SDK emulation (verifies outputs; times are host wall-clock, not DPU times).
std::unique_ptr<Runner> make_emu_runner(const RunnerOptions &options);
/// Real UPMEM hardware through the SDK toolchain; throws UserError naming the missing
/// `dpu-upmem-dpurte-clang` when the SDK is not installed.
std::unique_ptr<Runner> make_hardware_runner(const RunnerOptions &options);
/// By name ("sim", "emu", "hardware"); throws UserError for an unknown name.
std::unique_ptr<Runner> make_runner(const std::string &name, const RunnerOptions &options);

}  // namespace atim::tune

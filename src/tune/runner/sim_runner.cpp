// The simulator runner: candidates of a batch in parallel, each simulated on one thread in the sampled mode
// (a few DPUs per timing class simulated, the others' kernel time estimated, the outputs of the simulated
// DPUs verified); the final check simulates and verifies every DPU. The seeded inputs and the reference
// outputs are computed once per workload and shared by every candidate.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "atim/codegen/dpu_codegen.h"
#include "atim/runtime/sim_runner.h"
#include "atim/support/stage_timer.h"
#include "candidate_measurement.h"
#include "measurement_memo.h"

namespace atim::tune {
namespace {

class SimRunner : public Runner {
public:
    explicit SimRunner(const RunnerOptions &options) : options_(options) {}

    std::string name() const override { return "sim"; }

    std::vector<MeasureResult> run(const workloads::Workload &workload,
                                   const std::vector<schedule::Trace> &batch,
                                   std::optional<double> kernel_ms_bound) override {
        // Held for the whole batch: a worker rank may start another workload's job meanwhile.
        const std::shared_ptr<const runtime::ReferenceData> reference = reference_for(workload);
        std::vector<MeasureResult> results(batch.size());
        // Parallelism is across candidates, and each candidate's DPUs may use a second thread: candidates'
        // costs spread over two orders of magnitude (a K split over 200 DPUs simulates 200 of them), and at
        // the end of a batch the slowest one would otherwise leave the other cores idle. At most twice as
        // many threads as cores run; results do not depend on the thread count.
        const int sim_threads = std::min(2, detail::resolve_threads(options_.threads));
        detail::for_each_parallel(batch.size(), options_.threads, [&](size_t i) {
            results[i] = measure(workload, *reference, batch[i], sim::SimulationMode::Sampled, sim_threads,
                                 kernel_ms_bound, options_.timeout_seconds);
        });
        return results;
    }

    // No wall-clock budget: the candidate already ran to completion in the search (so it terminates), and
    // simulating all of a 2048-DPU program on a loaded machine can take minutes; timing it out would leave
    // the report with no verified program.
    MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        const std::shared_ptr<const runtime::ReferenceData> reference = reference_for(workload);
        return measure(workload, *reference, trace, sim::SimulationMode::Full, options_.threads, std::nullopt,
                       /*timeout_seconds=*/0);
    }

    bool splits_full() const override { return true; }
    MeasureResult run_full_part(const workloads::Workload &workload, const schedule::Trace &trace, int part,
                                int parts) override {
        const std::shared_ptr<const runtime::ReferenceData> reference = reference_for(workload);
        return measure(workload, *reference, trace, sim::SimulationMode::Full, options_.threads, std::nullopt,
                       /*timeout_seconds=*/0, sim::DpuPart{part, parts});
    }

    /// On the runner's threads, as its measurements: `--threads 1` means one core, lowering included.
    std::vector<CandidateAnalysis> analyze(const workloads::Workload &workload,
                                           const std::vector<schedule::Trace> &traces,
                                           const target::UpmemMachine &machine, int opt_level) override {
        return analyze_candidates(workload, traces, machine, opt_level, options_.threads);
    }

private:
    /// The inputs and reference outputs of `workload`, computed on the first call for it. Shared: a caller
    /// still measuring the previous workload keeps its data alive.
    std::shared_ptr<const runtime::ReferenceData> reference_for(const workloads::Workload &workload) {
        std::lock_guard<std::mutex> lock(reference_mutex_);
        std::string key =
            fmt::format("{} {} {}", workload.name, workload.shape_string(), workload.dtype_string());
        if (!reference_ || key != reference_key_) {
            reference_
                .reset();  // frees the previous workload's tensors first, unless a batch still holds them
            reference_ =
                std::make_shared<runtime::ReferenceData>(runtime::prepare_reference(workload, options_.seed));
            reference_key_ = key;
        }
        return reference_;
    }

    MeasureResult measure(const workloads::Workload &workload, const runtime::ReferenceData &reference,
                          const schedule::Trace &trace, sim::SimulationMode mode, int sim_threads,
                          std::optional<double> kernel_ms_bound, double timeout_seconds,
                          sim::DpuPart part = {}) const {
        std::optional<int64_t> max_cycles;
        if (kernel_ms_bound)
            max_cycles =
                static_cast<int64_t>(std::ceil(*kernel_ms_bound * options_.machine.dpu_mhz * 1000.0));
        // Only sampled measurements are remembered: a full one is the final word on a single program.
        const bool remember = mode == sim::SimulationMode::Sampled;
        std::string key;
        MeasureResult result = detail::measure_guarded(timeout_seconds, kernel_ms_bound, [&] {
            lower::PimProgram program = detail::lower_candidate(workload, trace, options_);
            if (remember) {
                StageTimer timer(Stage::Memo);
                key = fmt::format(
                    "{} {} {}\n{}", workload.name, workload.shape_string(), workload.dtype_string(),
                    detail::measurement_key(program, codegen::compile_dpu_kernel(program, options_.machine)));
                if (std::optional<MeasureResult> known = memo_.find(key, max_cycles, kernel_ms_bound))
                    return *known;
            }
            runtime::SimRunOptions sim_options;
            sim_options.machine = options_.machine;
            sim_options.seed = options_.seed;
            sim_options.timing = options_.prim_timing ? codegen::TimingMode::Prim : codegen::TimingMode::Atim;
            sim_options.mode = mode;
            sim_options.threads = sim_threads;
            sim_options.max_kernel_cycles = max_cycles;
            sim_options.part = part;
            return detail::result_from_run(runtime::run_sim(workload, program, sim_options, reference),
                                           program);
        });
        if (remember && !key.empty()) memo_.add(key, result, max_cycles);
        return result;
    }

    RunnerOptions options_;
    mutable detail::MeasurementMemo memo_;
    std::mutex reference_mutex_;
    std::shared_ptr<const runtime::ReferenceData> reference_;
    std::string reference_key_;
};

}  // namespace

std::unique_ptr<Runner> make_sim_runner(const RunnerOptions &options) {
    return std::make_unique<SimRunner>(options);
}

}  // namespace atim::tune

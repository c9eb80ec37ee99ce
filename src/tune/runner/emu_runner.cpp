// The emulator runner: each candidate's generated C is compiled against atim's SDK emulation and run
// natively. It verifies outputs; its times are the host program's wall-clock times of the emulation, not DPU
// times, so a search on them ranks candidates by emulation speed (useful to test the pipeline, not to tune).
#include <algorithm>
#include <vector>

#include "atim/runtime/emu_runner.h"
#include "candidate_measurement.h"

namespace atim::tune {
namespace {

class EmuRunner : public Runner {
public:
    explicit EmuRunner(const RunnerOptions &options) : options_(options) {}

    std::string name() const override { return "emu"; }

    std::vector<MeasureResult> run(const workloads::Workload &workload,
                                   const std::vector<schedule::Trace> &batch,
                                   std::optional<double> /*kernel_ms_bound*/) override {
        std::vector<MeasureResult> results(batch.size());
        detail::for_each_parallel(batch.size(), options_.threads,
                                  [&](size_t i) { results[i] = measure(workload, batch[i]); });
        return results;
    }

    // The emulator always runs every DPU.
    MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        return measure(workload, trace);
    }

private:
    MeasureResult measure(const workloads::Workload &workload, const schedule::Trace &trace) const {
        return detail::measure_guarded(options_.timeout_seconds, std::nullopt, [&] {
            lower::PimProgram program = detail::lower_candidate(workload, trace, options_);
            runtime::RunOptions run_options;
            run_options.seed = options_.seed;
            run_options.timing = options_.prim_timing ? codegen::TimingMode::Prim : codegen::TimingMode::Atim;
            // The generated program is stopped at the budget (a hung candidate cannot stall the search).
            run_options.timeout_seconds = std::max(1, static_cast<int>(options_.timeout_seconds));
            MeasureResult result =
                detail::result_from_run(runtime::run_emu(workload, program, run_options), program);
            result.stats["times_are"] = "emulator wall-clock times, not DPU hardware times";
            return result;
        });
    }

    RunnerOptions options_;
};

}  // namespace

std::unique_ptr<Runner> make_emu_runner(const RunnerOptions &options) {
    return std::make_unique<EmuRunner>(options);
}

}  // namespace atim::tune

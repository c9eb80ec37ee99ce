// The simulator runner: candidates of a batch in parallel, each simulated on one thread (DPUs that receive
// identical bytes share one simulation); the final check simulates every DPU. It uses runtime::run_sim's
// original API, so every candidate recomputes the seeded inputs and the reference (a shared prepared
// reference is a planned speed-up once the runtime offers it).
#include <vector>

#include "atim/runtime/sim_runner.h"
#include "candidate_measurement.h"

namespace atim::tune {
namespace {

class SimRunner : public Runner {
public:
    explicit SimRunner(const RunnerOptions &options) : options_(options) {}

    std::string name() const override { return "sim"; }

    std::vector<MeasureResult> run(const workloads::Workload &workload,
                                   const std::vector<schedule::Trace> &batch) override {
        std::vector<MeasureResult> results(batch.size());
        // Parallelism is across candidates; a single candidate's simulation stays on one thread.
        detail::for_each_parallel(batch.size(), options_.threads, [&](size_t i) {
            results[i] = measure(workload, batch[i], /*every_dpu=*/false, /*sim_threads=*/1);
        });
        return results;
    }

    MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        return measure(workload, trace, /*every_dpu=*/true, options_.threads);
    }

private:
    MeasureResult measure(const workloads::Workload &workload, const schedule::Trace &trace, bool every_dpu,
                          int sim_threads) const {
        return detail::measure_guarded(options_.timeout_seconds, [&] {
            lower::PimProgram program = detail::lower_candidate(workload, trace, options_);
            runtime::SimRunOptions sim_options;
            sim_options.machine = options_.machine;
            sim_options.seed = options_.seed;
            sim_options.timing = options_.prim_timing ? codegen::TimingMode::Prim : codegen::TimingMode::Atim;
            sim_options.simulate_all_dpus = every_dpu;
            sim_options.threads = sim_threads;
            return detail::result_from_run(runtime::run_sim(workload, program, sim_options), program);
        });
    }

    RunnerOptions options_;
};

}  // namespace

std::unique_ptr<Runner> make_sim_runner(const RunnerOptions &options) {
    return std::make_unique<SimRunner>(options);
}

}  // namespace atim::tune

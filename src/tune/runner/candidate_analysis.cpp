// The search's view of unmeasured candidates: replay, lower, features and program hash, in parallel.
#include "atim/lower/program_hash.h"
#include "atim/support/error.h"
#include "atim/tune/features.h"
#include "atim/tune/runner.h"
#include "candidate_measurement.h"

namespace atim::tune {

std::vector<CandidateAnalysis> analyze_candidates(const workloads::Workload &workload,
                                                  const std::vector<schedule::Trace> &traces,
                                                  const target::UpmemMachine &machine, int opt_level,
                                                  int threads) {
    std::vector<CandidateAnalysis> analyses(traces.size());
    RunnerOptions lower_options;
    lower_options.machine = machine;
    lower_options.opt_level = opt_level;
    detail::for_each_parallel(traces.size(), threads, [&](size_t i) {
        try {
            lower::PimProgram program = detail::lower_candidate(workload, traces[i], lower_options);
            analyses[i].features = extract_features(program, machine);
            analyses[i].program_hash = lower::program_hash(program);
            analyses[i].lowers = true;
        } catch (const UserError &) {
            analyses[i].lowers = false;  // replay or lowering refused it: never measured
        }
    });
    return analyses;
}

}  // namespace atim::tune

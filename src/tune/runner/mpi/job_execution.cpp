// Executing a job with the local runner.
#include "job_execution.h"

#include <fmt/format.h>

#include "atim/tune/cluster.h"

namespace atim::tune::cluster {

const workloads::Workload &WorkloadCache::get(const nlohmann::json &spec) {
    std::lock_guard lock(mutex_);
    const std::string key = spec.dump();
    auto found = cache_.find(key);
    if (found == cache_.end()) found = cache_.emplace(key, workload_from_json(spec)).first;
    return found->second;
}

nlohmann::json analysis_to_json(const CandidateAnalysis &analysis) {
    return {{"lowers", analysis.lowers},
            {"features", analysis.features},
            {"program_hash", analysis.program_hash}};
}

CandidateAnalysis analysis_from_json(const nlohmann::json &json) {
    CandidateAnalysis analysis;
    analysis.lowers = json.at("lowers").get<bool>();
    analysis.features = json.at("features").get<std::vector<float>>();
    analysis.program_hash = json.at("program_hash").get<uint64_t>();
    return analysis;
}

nlohmann::json execute_job(Runner &local, const target::UpmemMachine &machine,
                           const workloads::Workload &workload, const Job &job) {
    std::vector<schedule::Trace> traces;
    for (const std::string &text : job.traces) traces.push_back(schedule::Trace::from_json(text));
    switch (job.kind) {
        case JobKind::Measure:
            return local.run(workload, traces, job.kernel_ms_bound).at(0).to_json();
        case JobKind::Full:
            return local.run_full_part(workload, traces.at(0), job.part, job.parts).to_json();
        case JobKind::Analyze: {
            // One thread per job: a rank analyzes as many jobs at once as it has measuring threads.
            nlohmann::json results = nlohmann::json::array();
            for (const CandidateAnalysis &a : analyze_candidates(workload, traces, machine, job.opt_level, 1))
                results.push_back(analysis_to_json(a));
            return results;
        }
    }
    return {{"job_error", fmt::format("unknown job kind {}", static_cast<int>(job.kind))}};
}

}  // namespace atim::tune::cluster

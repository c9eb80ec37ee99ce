// Doing a job, on whichever rank takes it (a worker, or rank 0's own threads): the same code everywhere,
// so a result does not depend on where it was computed.
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "atim/target/upmem_machine.h"
#include "atim/tune/runner.h"
#include "messages.h"

namespace atim::tune::cluster {

/// Workloads of the jobs, built once per rank (a suite sends a few; a tuning run one). Thread-safe.
class WorkloadCache {
public:
    const workloads::Workload &get(const nlohmann::json &spec);

private:
    std::mutex mutex_;
    std::map<std::string, workloads::Workload> cache_;
};

/// The job's result as sent back: a MeasureResult (Measure, Full) or an array of CandidateAnalysis
/// (Analyze), or {"job_error": ...} for a job this rank could not read.
nlohmann::json execute_job(Runner &local, const target::UpmemMachine &machine,
                           const workloads::Workload &workload, const Job &job);

nlohmann::json analysis_to_json(const CandidateAnalysis &analysis);
CandidateAnalysis analysis_from_json(const nlohmann::json &json);

}  // namespace atim::tune::cluster

// What the ranks send each other survives the trip exactly: jobs, workloads (built-ins and --op
// operators), measurements and the search's candidate analyses (float features, 64-bit program hashes).
#include <gtest/gtest.h>

#include <limits>

#include "atim/tune/runner.h"
#include "tune/runner/mpi/job_execution.h"
#include "tune/runner/mpi/messages.h"

namespace {

using namespace atim;
using tune::cluster::Job;
using tune::cluster::JobKind;

/// Through text, as MPI carries it.
nlohmann::json through_text(const nlohmann::json &json) { return nlohmann::json::parse(json.dump()); }

TEST(ClusterMessages, JobsRoundTrip) {
    const Job job{42, JobKind::Analyze, {{"name", "mtv"}}, {"{\"a\":1}", "{\"b\":2}"}, 0.1 + 0.2, 2};
    const Job back = Job::from_json(through_text(job.to_json()));
    EXPECT_EQ(back.id, 42);
    EXPECT_EQ(back.kind, JobKind::Analyze);
    EXPECT_EQ(back.workload, job.workload);
    EXPECT_EQ(back.traces, job.traces);
    ASSERT_TRUE(back.kernel_ms_bound);
    EXPECT_EQ(*back.kernel_ms_bound, 0.1 + 0.2);  // bit-exact: the bound decides which candidates are pruned
    EXPECT_EQ(back.opt_level, 2);
    EXPECT_FALSE(Job::from_json(through_text(Job{1, JobKind::Full, {}, {"t"}, std::nullopt}.to_json()))
                     .kernel_ms_bound);
}

TEST(ClusterMessages, WorkloadsAreRebuiltFromTheirSpec) {
    struct Case {
        workloads::Workload workload;
    };
    for (const Case &c :
         std::vector<Case>{{workloads::make_workload("mtv", {64, 128})},
                           {workloads::make_workload("red", {1000}, "int32")},
                           {workloads::make_workload("mtv", {64, 128}, "A=int8,B=int8,C=int32")},
                           {workloads::make_op_workload("C[i] += A[i,k] * B[k] + 1", "i=64,k=32")}}) {
        const workloads::Workload back =
            tune::cluster::workload_from_json(through_text(tune::cluster::workload_to_json(c.workload)));
        EXPECT_EQ(back.name, c.workload.name);
        EXPECT_EQ(back.shape, c.workload.shape);
        EXPECT_EQ(back.dtype_string(), c.workload.dtype_string()) << c.workload.name;
        EXPECT_EQ(back.notation, c.workload.notation);
        EXPECT_EQ(back.shape_string(), c.workload.shape_string());
    }
}

TEST(ClusterMessages, AnalysesAndMeasurementsAreExact) {
    tune::CandidateAnalysis analysis;
    analysis.lowers = true;
    analysis.features = {0.1f, 1e-30f, std::numeric_limits<float>::max(), -3.25f, 1.0f / 3.0f};
    analysis.program_hash = 0xfedcba9876543210ull;  // above INT64_MAX
    const tune::CandidateAnalysis back =
        tune::cluster::analysis_from_json(through_text(tune::cluster::analysis_to_json(analysis)));
    EXPECT_TRUE(back.lowers);
    EXPECT_EQ(back.features, analysis.features);
    EXPECT_EQ(back.program_hash, analysis.program_hash);

    tune::MeasureResult result;
    result.status = tune::MeasureStatus::Pruned;
    result.error = "stopped";
    result.kernel_ms = result.total_ms = 2.0 / 3.0;
    result.dpus = 2048;
    result.tasklets = 16;
    const tune::MeasureResult measured = tune::MeasureResult::from_json(through_text(result.to_json()));
    EXPECT_EQ(measured.status, result.status);
    EXPECT_EQ(measured.total_ms, result.total_ms);
    EXPECT_EQ(measured.kernel_ms, result.kernel_ms);
    EXPECT_EQ(measured.dpus, 2048);
}

}  // namespace

// The evaluation's suite definitions (exact shapes, selection), the PrIM / PrIM+Search grids (counts, the
// mmtv mapping) and the sweep (illegal points skipped and counted, the fastest point checked with every DPU,
// a failed full check falling back to the next point), on small machines and shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <set>

#include "atim/baselines/named_schedules.h"
#include "atim/support/error.h"
#include "atim/tune/evaluation.h"

namespace atim::tune {
namespace {

int64_t main_input_bytes(const SuiteEntry &entry) {
    const workloads::Workload w = workloads::make_workload(entry.workload, entry.shape);
    const int64_t elements =
        std::accumulate(entry.shape.begin(), entry.shape.end(), int64_t{1}, std::multiplies<int64_t>());
    return elements * ir::bytes_of(w.dtype);
}

TEST(AtimSuite, DefaultHasThe4And64MegabyteColumnsAndGptj) {
    const std::vector<SuiteEntry> suite = atim_suite(/*full=*/false);
    std::map<std::string, int> per_group;
    for (const SuiteEntry &e : suite) ++per_group[e.group];
    EXPECT_EQ(per_group, (std::map<std::string, int>{{"4MB", 7}, {"64MB", 7}, {"gptj6b", 4}}));
}

TEST(AtimSuite, FullAddsThe256And512MegabyteColumns) {
    std::map<std::string, int> per_group;
    for (const SuiteEntry &e : atim_suite(/*full=*/true)) ++per_group[e.group];
    // The 512 MB panel has no VA and GEVA (atim-method.md §8.3).
    EXPECT_EQ(per_group, (std::map<std::string, int>{
                             {"4MB", 7}, {"64MB", 7}, {"256MB", 7}, {"512MB", 5}, {"gptj6b", 4}}));
}

TEST(AtimSuite, ColumnLabelIsTheSizeOfTheMainInput) {
    // The panels are labelled by the size of the main input tensor (int64 for red, int32 otherwise).
    const std::map<std::string, int64_t> megabytes = {
        {"4MB", 4}, {"64MB", 64}, {"256MB", 256}, {"512MB", 512}};
    for (const SuiteEntry &e : atim_suite(/*full=*/true)) {
        if (e.group == "gptj6b") continue;
        EXPECT_EQ(main_input_bytes(e), megabytes.at(e.group) << 20) << e.name;
    }
}

TEST(AtimSuite, NamesAreUniqueAndShapesExact) {
    const std::vector<SuiteEntry> suite = atim_suite(/*full=*/true);
    std::set<std::string> names;
    for (const SuiteEntry &e : suite) EXPECT_TRUE(names.insert(e.name).second) << e.name;
    auto shape_of = [&](const std::string &name) {
        for (const SuiteEntry &e : suite)
            if (e.name == name) return e.shape;
        return std::vector<int64_t>{};
    };
    EXPECT_EQ(shape_of("gptj6b-qkv"), (std::vector<int64_t>{12288, 4096}));
    EXPECT_EQ(shape_of("gptj6b-attn-out"), (std::vector<int64_t>{4096, 4096}));
    EXPECT_EQ(shape_of("gptj6b-fc-in"), (std::vector<int64_t>{16384, 4096}));
    EXPECT_EQ(shape_of("gptj6b-fc-out"), (std::vector<int64_t>{4096, 16384}));
    EXPECT_EQ(shape_of("mmtv-128x256x512"), (std::vector<int64_t>{128, 256, 512}));
    EXPECT_EQ(shape_of("red-8388608"), (std::vector<int64_t>{8388608}));
}

TEST(SelectEntries, ByNameGroupOrWorkloadInSuiteOrder) {
    const std::vector<SuiteEntry> suite = atim_suite(false);
    struct Case {
        std::vector<std::string> names;
        std::vector<std::string> want;
    };
    for (const Case &c : std::vector<Case>{
             {{"mtv-1024x1024"}, {"mtv-1024x1024"}},
             {{"gptj6b-fc-in", "va-1048576"}, {"va-1048576", "gptj6b-fc-in"}},
             {{"gemv"}, {"gemv-1024x1024", "gemv-4096x4096"}},
             {{"gptj6b"}, {"gptj6b-qkv", "gptj6b-attn-out", "gptj6b-fc-in", "gptj6b-fc-out"}},
         }) {
        std::vector<std::string> got;
        for (const SuiteEntry &e : select_entries(suite, c.names)) got.push_back(e.name);
        EXPECT_EQ(got, c.want) << c.names.front();
    }
    EXPECT_EQ(select_entries(suite, {}).size(), suite.size());
    EXPECT_EQ(select_entries(suite, {"4MB"}).size(), 7u);
    EXPECT_THROW(select_entries(suite, {"mtv-8192x8192"}), UserError);  // only with --full
    EXPECT_THROW(select_entries(suite, {"nosuch"}), UserError);
}

TEST(ParseCustomEntry, WorkloadColonShape) {
    SuiteEntry e = parse_custom_entry("mtv:64x32");
    EXPECT_EQ(e.name, "mtv-64x32");
    EXPECT_EQ(e.group, "custom");
    EXPECT_EQ(e.shape, (std::vector<int64_t>{64, 32}));
    for (const char *bad : {"mtv", "mtv:", ":64x64", "mtv:64", "nosuch:64", "va:0"})
        EXPECT_THROW(parse_custom_entry(bad), UserError) << bad;
}

TEST(BaselineGrid, CountsFollowAtimsSweep) {
    const workloads::Workload mtv = workloads::make_workload("mtv", {1024, 1024});
    const BaselineGrid grid;
    EXPECT_EQ(prim_points(mtv, grid).size(), 4u);
    EXPECT_EQ(prim_search_points(mtv, grid).size(), 4u * 3u * 6u);
    for (const PrimParams &p : prim_points(mtv, grid)) EXPECT_EQ(p.size(), 1u);  // PrIM's own tasklets, block
    EXPECT_EQ(prim_search_points(mtv, grid).front(),
              (PrimParams{{"dpus", "256"}, {"tasklets", "8"}, {"block", "8"}}));
    EXPECT_EQ(prim_search_points(mtv, grid).back(),
              (PrimParams{{"dpus", "2048"}, {"tasklets", "24"}, {"block", "256"}}));
}

TEST(BaselineGrid, MmtvTakesDpusPerBatch) {
    const BaselineGrid grid;
    // 32 batches: 256..2048 DPUs are 8..64 DPUs per batch.
    std::vector<std::string> per_batch;
    for (const PrimParams &p : prim_points(workloads::make_workload("mmtv", {32, 64, 512}), grid))
        per_batch.push_back(p.at("dpus"));
    EXPECT_EQ(per_batch, (std::vector<std::string>{"8", "16", "32", "64"}));
    // 512 batches: 256 and 512 DPUs both give one DPU per batch, which is measured once.
    const workloads::Workload big = workloads::make_workload("mmtv", {512, 512, 512});
    EXPECT_EQ(prim_points(big, grid).size(), 3u);
    EXPECT_EQ(prim_search_points(big, grid).size(), 3u * 3u * 6u);
}

TEST(BaselineGrid, ExpertSplitsRowsAndTheReductionOverDpus) {
    BaselineGrid grid;
    grid.dpus = {256};
    grid.k_ways = {1, 4, 512};  // 512 ways exceed the 256 DPUs: no point
    grid.tasklets = {16};
    grid.caches = {32};
    auto points_of = [&](const char *name, std::vector<int64_t> shape) {
        return expert_search_points(workloads::make_workload(name, shape), grid);
    };
    EXPECT_EQ(
        points_of("mtv", {1024, 1024}),
        (std::vector<PrimParams>{{{"dpus_x", "256"}, {"dpus_y", "1"}, {"tasklets", "16"}, {"cache", "32"}},
                                 {{"dpus_x", "64"}, {"dpus_y", "4"}, {"tasklets", "16"}, {"cache", "32"}}}));
    // ttv: the i rows take the row DPUs first (up to M = 8), the j rows the rest.
    EXPECT_EQ(
        points_of("ttv", {8, 64, 512})[1],
        (PrimParams{{"dpus_z", "8"}, {"dpus_x", "8"}, {"dpus_y", "4"}, {"tasklets", "16"}, {"cache", "32"}}));
    // mmtv: row DPUs per batch; 32 batches on 256 / 4 = 64 row DPUs leave 2 per batch.
    EXPECT_EQ(points_of("mmtv", {32, 64, 512})[1].at("dpus_x"), "2");
    // Elementwise operations and red split no reduction over DPUs: one point per DPU count.
    EXPECT_EQ(points_of("va", {1 << 20}),
              (std::vector<PrimParams>{{{"dpus_x", "256"}, {"tasklets", "16"}, {"cache", "32"}}}));
    EXPECT_EQ(points_of("red", {1 << 20}).size(), 1u);
}

/// A runner with scripted results: run() answers by position in the batch, run_full() by the trace's
/// position in the last batch.
class ScriptedRunner : public Runner {
public:
    std::vector<MeasureResult> batch_results, full_results;
    std::vector<std::string> last_batch;
    int full_runs = 0;

    std::string name() const override { return "scripted"; }
    std::vector<MeasureResult> run(const workloads::Workload &, const std::vector<schedule::Trace> &batch,
                                   std::optional<double> /*kernel_ms_bound*/) override {
        last_batch.clear();
        for (const schedule::Trace &t : batch) last_batch.push_back(t.to_json());
        return std::vector<MeasureResult>(batch_results.begin(), batch_results.begin() + batch.size());
    }
    MeasureResult run_full(const workloads::Workload &, const schedule::Trace &trace) override {
        ++full_runs;
        const auto at = std::find(last_batch.begin(), last_batch.end(), trace.to_json()) - last_batch.begin();
        return full_results.at(static_cast<size_t>(at));
    }
};

MeasureResult with_status(MeasureStatus status, double total_ms = 0) {
    MeasureResult r;
    r.status = status;
    r.total_ms = total_ms;
    return r;
}

TEST(SweepPrim, CountsIllegalAndFailedAndFallsBackWhenTheFullCheckFails) {
    const target::UpmemMachine machine = target::load_machine("upmem-rank");
    const workloads::Workload mtv = workloads::make_workload("mtv", {64, 64});
    // 128 DPUs exceed upmem-rank's 64 and tasklets=25 the DPU's 24: refused by the schedule, never measured.
    const std::vector<PrimParams> points = {
        {{"dpus", "4"}, {"tasklets", "8"}, {"block", "16"}},
        {{"dpus", "128"}, {"tasklets", "8"}, {"block", "16"}},
        {{"dpus", "8"}, {"tasklets", "8"}, {"block", "16"}},
        {{"dpus", "4"}, {"tasklets", "25"}, {"block", "16"}},
        {{"dpus", "8"}, {"tasklets", "16"}, {"block", "16"}},
        {{"dpus", "16"}, {"tasklets", "8"}, {"block", "16"}},
        {{"dpus", "32"}, {"tasklets", "8"}, {"block", "16"}},
    };
    ScriptedRunner runner;
    // Five built points, in order: 4/8, 8/8, 8/16, 16/8, 32/8.
    runner.batch_results = {with_status(MeasureStatus::Ok, 3.0), with_status(MeasureStatus::Ok, 1.0),
                            with_status(MeasureStatus::Invalid), with_status(MeasureStatus::WrongOutput),
                            with_status(MeasureStatus::Ok, 2.0)};
    // The fastest (8 DPUs x 8 tasklets) fails with every DPU simulated; the next fastest (32 DPUs) is
    // reported.
    runner.full_results = {with_status(MeasureStatus::Ok, 3.5), with_status(MeasureStatus::WrongOutput),
                           with_status(MeasureStatus::Ok), with_status(MeasureStatus::Ok),
                           with_status(MeasureStatus::Ok, 2.5)};
    SweepResult sweep = sweep_prim(mtv, machine, runner, points);
    EXPECT_EQ(runner.last_batch.size(), 5u);
    EXPECT_EQ(sweep.points, 7);
    EXPECT_EQ(sweep.illegal, 3);  // two refused by the schedule, one Invalid from the runner
    EXPECT_EQ(sweep.failed, 1);
    EXPECT_EQ(runner.full_runs, 2);
    ASSERT_TRUE(sweep.best.has_value());
    EXPECT_EQ(sweep.best->total_ms, 2.5);
    EXPECT_EQ(sweep.best_params.at("dpus"), "32");
    EXPECT_EQ(sweep.best_params.at("tasklets"), "8");
}

TEST(SweepPrim, NothingValidMeansNoBest) {
    const target::UpmemMachine machine = target::load_machine("upmem-rank");
    const workloads::Workload mtv = workloads::make_workload("mtv", {64, 64});
    ScriptedRunner runner;
    runner.batch_results = {with_status(MeasureStatus::Timeout)};
    SweepResult sweep = sweep_prim(mtv, machine, runner, {{{"dpus", "4"}}, {{"dpus", "4"}, {"block", "3"}}});
    EXPECT_EQ(sweep.illegal, 1);  // a 12-byte block is not a DMA size
    EXPECT_EQ(sweep.failed, 1);
    EXPECT_FALSE(sweep.best.has_value());
    EXPECT_EQ(runner.full_runs, 0);
}

TEST(SweepPrim, OnTheSimulatorTheBestIsTheFastestPointMeasuredInFull) {
    const target::UpmemMachine machine = target::load_machine("upmem-rank");
    const workloads::Workload mtv = workloads::make_workload("mtv", {64, 48});
    RunnerOptions options;
    options.machine = machine;
    options.threads = 2;
    std::unique_ptr<Runner> runner = make_sim_runner(options);
    BaselineGrid grid{{4, 16, 128}, {8, 25}, {16, 3}};
    const std::vector<PrimParams> points = prim_search_points(mtv, grid);
    ASSERT_EQ(points.size(), 12u);
    SweepResult sweep = sweep_prim(mtv, machine, *runner, points);
    // Legal: dpus {4, 16} x tasklets 8 x block 16; the rest exceed the machine or are not a DMA size.
    EXPECT_EQ(sweep.illegal, 10);
    EXPECT_EQ(sweep.failed, 0);
    ASSERT_TRUE(sweep.best.has_value());
    double fastest = 1e300;
    for (const char *dpus : {"4", "16"}) {
        schedule::Schedule sch = baselines::apply_named_schedule(
            "prim", mtv, {{"dpus", dpus}, {"tasklets", "8"}, {"block", "16"}}, machine);
        MeasureResult full = runner->run_full(mtv, sch.trace());
        ASSERT_TRUE(full.ok()) << full.error;
        fastest = std::min(fastest, full.total_ms);
    }
    EXPECT_EQ(sweep.best->total_ms, fastest);
    EXPECT_EQ(sweep.best->dpus, std::stoi(sweep.best_params.at("dpus")));
    EXPECT_NE(sweep.note.find("simulated"), std::string::npos) << sweep.note;
}

TEST(GeometricMean, OfThePresentValues) {
    EXPECT_DOUBLE_EQ(*geometric_mean({2.0, 8.0}), 4.0);
    EXPECT_DOUBLE_EQ(*geometric_mean({std::nullopt, 4.0}), 4.0);
    EXPECT_FALSE(geometric_mean({}).has_value());
    EXPECT_FALSE(geometric_mean({std::nullopt}).has_value());
}

}  // namespace
}  // namespace atim::tune

// The evaluation's suite definitions (exact shapes, selection), the PrIM / PrIM+Search grids (counts, the
// mmtv mapping) and the sweep (illegal points skipped and counted, the fastest point checked with every DPU,
// a failed full check falling back to the next point), on small machines and shapes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <set>
#include <tuple>

#include "atim/baselines/named_schedules.h"
#include "atim/support/error.h"
#include "atim/tune/evaluation.h"

namespace atim::tune {
namespace {

int64_t main_input_bytes(const SuiteEntry &entry) {
    const workloads::Workload w = workloads::make_workload(entry.workload, entry.shape);
    const int64_t elements =
        std::accumulate(entry.shape.begin(), entry.shape.end(), int64_t{1}, std::multiplies<int64_t>());
    return elements * ir::bytes_of(w.func.inputs.front()->dtype);
}

TEST(AtimSuite, DefaultHasThe4And64MegabyteColumnsAndGptj6b) {
    const std::vector<SuiteEntry> suite = atim_suite(/*full=*/false);
    std::map<std::string, int> per_group;
    for (const SuiteEntry &e : suite) ++per_group[e.group];
    EXPECT_EQ(per_group, (std::map<std::string, int>{{"4MB", 7}, {"64MB", 7}, {"gptj6b", 12}}));
}

TEST(AtimSuite, FullAddsThe256And512MegabyteColumnsAndGptj30b) {
    std::map<std::string, int> per_group;
    for (const SuiteEntry &e : atim_suite(/*full=*/true)) ++per_group[e.group];
    // The 512 MB panel has no VA and GEVA (atim-method.md §8.3).
    EXPECT_EQ(per_group,
              (std::map<std::string, int>{
                  {"4MB", 7}, {"64MB", 7}, {"256MB", 7}, {"512MB", 5}, {"gptj6b", 12}, {"gptj30b", 12}}));
}

// The 24 GPT-J operators of ATiM's evaluation (atim-method.md §8.3), written out: per model the four MTV
// layers and the attention scores A = K-cache [heads * batch, T, 256], B = query [heads * batch, 256] with
// 16 (6B) or 28 (30B) heads, batch 1 and 4, T in {64, 128, 256, 512}.
TEST(AtimSuite, HasTheTwentyFourGptjOperatorsWithTheirShapes) {
    std::map<std::string, std::pair<std::string, std::vector<int64_t>>> want = {
        {"gptj6b-qkv", {"mtv", {12288, 4096}}},
        {"gptj6b-attn-out", {"mtv", {4096, 4096}}},
        {"gptj6b-fc-in", {"mtv", {16384, 4096}}},
        {"gptj6b-fc-out", {"mtv", {4096, 16384}}},
        {"gptj30b-qkv", {"mtv", {21504, 7168}}},
        {"gptj30b-attn-out", {"mtv", {7168, 7168}}},
        {"gptj30b-fc-in", {"mtv", {28672, 7168}}},
        {"gptj30b-fc-out", {"mtv", {7168, 28672}}},
        {"gptj6b-score-b1-t64", {"mmtv", {16, 64, 256}}},
        {"gptj6b-score-b1-t128", {"mmtv", {16, 128, 256}}},
        {"gptj6b-score-b1-t256", {"mmtv", {16, 256, 256}}},
        {"gptj6b-score-b1-t512", {"mmtv", {16, 512, 256}}},
        {"gptj6b-score-b4-t64", {"mmtv", {64, 64, 256}}},
        {"gptj6b-score-b4-t128", {"mmtv", {64, 128, 256}}},
        {"gptj6b-score-b4-t256", {"mmtv", {64, 256, 256}}},
        {"gptj6b-score-b4-t512", {"mmtv", {64, 512, 256}}},
        {"gptj30b-score-b1-t64", {"mmtv", {28, 64, 256}}},
        {"gptj30b-score-b1-t128", {"mmtv", {28, 128, 256}}},
        {"gptj30b-score-b1-t256", {"mmtv", {28, 256, 256}}},
        {"gptj30b-score-b1-t512", {"mmtv", {28, 512, 256}}},
        {"gptj30b-score-b4-t64", {"mmtv", {112, 64, 256}}},
        {"gptj30b-score-b4-t128", {"mmtv", {112, 128, 256}}},
        {"gptj30b-score-b4-t256", {"mmtv", {112, 256, 256}}},
        {"gptj30b-score-b4-t512", {"mmtv", {112, 512, 256}}},
    };
    ASSERT_EQ(want.size(), 24u);
    std::map<std::string, std::pair<std::string, std::vector<int64_t>>> got;
    for (const SuiteEntry &e : atim_suite(/*full=*/true)) {
        if (!e.is_gptj()) continue;
        got[e.name] = {e.workload, e.shape};
        // Every shape is one the workload accepts (mmtv: M heads * batch, N = T, K = 256).
        EXPECT_NO_THROW(workloads::make_workload(e.workload, e.shape)) << e.name;
    }
    EXPECT_EQ(got, want);
}

TEST(AtimSuite, ColumnLabelIsTheSizeOfTheMainInput) {
    // The panels are labelled by the size of the main input tensor (int64 for red, int32 otherwise).
    const std::map<std::string, int64_t> megabytes = {
        {"4MB", 4}, {"64MB", 64}, {"256MB", 256}, {"512MB", 512}};
    for (const SuiteEntry &e : atim_suite(/*full=*/true)) {
        if (e.is_gptj()) continue;
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
             {{"gptj6b-mtv"}, {"gptj6b-qkv", "gptj6b-attn-out", "gptj6b-fc-in", "gptj6b-fc-out"}},
             {{"gptj-mmtv", "mtv-1024x1024"},
              {"mtv-1024x1024", "gptj6b-score-b1-t64", "gptj6b-score-b1-t128", "gptj6b-score-b1-t256",
               "gptj6b-score-b1-t512", "gptj6b-score-b4-t64", "gptj6b-score-b4-t128", "gptj6b-score-b4-t256",
               "gptj6b-score-b4-t512"}},
         }) {
        std::vector<std::string> got;
        for (const SuiteEntry &e : select_entries(suite, c.names)) got.push_back(e.name);
        EXPECT_EQ(got, c.want) << c.names.front();
    }
    EXPECT_EQ(select_entries(suite, {}).size(), suite.size());
    EXPECT_EQ(select_entries(suite, {"4MB"}).size(), 7u);
    EXPECT_EQ(select_entries(suite, {"gptj6b"}).size(), 12u);
    EXPECT_EQ(select_entries(suite, {"gptj"}).size(), 12u);
    EXPECT_THROW(select_entries(suite, {"mtv-8192x8192"}), UserError);  // only with --full
    EXPECT_THROW(select_entries(suite, {"gptj30b"}), UserError);        // only with --full
    const std::vector<SuiteEntry> full = atim_suite(/*full=*/true);
    EXPECT_EQ(select_entries(full, {"gptj"}).size(), 24u);
    EXPECT_EQ(select_entries(full, {"gptj-mtv"}).size(), 8u);
    EXPECT_EQ(select_entries(full, {"gptj-mmtv"}).size(), 16u);
    EXPECT_EQ(select_entries(full, {"gptj30b-mmtv"}).size(), 8u);
    // The tensor-operation columns are not GPT-J operators: "mmtv" selects them and the attention scores.
    EXPECT_EQ(select_entries(full, {"mmtv"}).size(), 4u + 16u);
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
    // PrIM+Search: y in {1, 2, 4} keeps 512 * y <= 2048; every tasklet count has 2 * 4 * 16 <= 512 rows.
    EXPECT_EQ(prim_search_points(big, grid).size(), 3u * 5u * 5u);
}

// ATiM's PrIM+Search grid for batched MTV (prim-baselines.md §1.13): y DPUs per batch in {1, 2, ..., 256},
// 32 <= batches * y <= 2048, tasklets t in {1, 2, 4, 8, 16}, blocks in {16, ..., 256}, 2 * y * t <= N.
TEST(BaselineGrid, MmtvPrimSearchIsAtimsBatchedGrid) {
    const BaselineGrid grid;
    const std::vector<int64_t> powers = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};  // a superset of each axis
    struct Case {
        std::vector<int64_t> shape;
        size_t want;  // counted by hand from the constraints
    };
    for (const Case &c : std::vector<Case>{
             // 16 heads, T = 64: y in 2..128; y*t <= 32 gives (y, #t) = (2, 5) (4, 4) (8, 3) (16, 2) (32, 1).
             {{16, 64, 256}, 15u * 5u},
             // 112 batches, T = 512: y in {1, 2, 4, 8, 16}; y * t <= 256 holds for every t.
             {{112, 512, 256}, 5u * 5u * 5u},
             // 64 batches, T = 64: y in 1..32; y * t <= 32: (1, 5) (2, 5) (4, 4) (8, 3) (16, 2) (32, 1).
             {{64, 64, 256}, 20u * 5u},
             // 2048 batches of 1 DPU fill the machine; 4096 batches have no point.
             {{2048, 8, 16}, 3u * 5u},
             {{4096, 8, 16}, 0u},
         }) {
        const workloads::Workload w = workloads::make_workload("mmtv", c.shape);
        const std::vector<PrimParams> points = prim_search_points(w, grid);
        std::set<std::tuple<int64_t, int64_t, int64_t>> got;
        for (const PrimParams &p : points) {
            ASSERT_EQ(p.size(), 3u);
            const int64_t y = std::stoll(p.at("dpus")), t = std::stoll(p.at("tasklets")),
                          block = std::stoll(p.at("block"));
            EXPECT_GE(c.shape[0] * y, 32) << c.shape[0] << " batches, y " << y;
            EXPECT_LE(c.shape[0] * y, 2048) << c.shape[0] << " batches, y " << y;
            EXPECT_LE(2 * y * t, c.shape[1]) << "y " << y << " t " << t;
            EXPECT_TRUE(got.insert({y, t, block}).second) << "repeated point";
        }
        // Exactly the points of the constraints, counted independently over supersets of the axes.
        std::set<std::tuple<int64_t, int64_t, int64_t>> want;
        for (int64_t y : powers)
            for (int64_t t : powers)
                for (int64_t block : powers)
                    if (y <= 256 && t <= 16 && block >= 16 && block <= 256 && c.shape[0] * y >= 32 &&
                        c.shape[0] * y <= 2048 && 2 * y * t <= c.shape[1])
                        want.insert({y, t, block});
        EXPECT_EQ(got, want) << fmt::format("{}", fmt::join(c.shape, "x"));
        EXPECT_EQ(points.size(), c.want) << fmt::format("{}", fmt::join(c.shape, "x"));
    }
    // Other workloads keep ATiM's DPUs x tasklets x block grid.
    EXPECT_EQ(prim_search_points(workloads::make_workload("ttv", {32, 64, 512}), grid).size(), 4u * 3u * 6u);
}

TEST(BaselineGrid, SimplePimVariesOnlyTheDpuCountOfVaAndRed) {
    const BaselineGrid grid;
    for (const char *workload : {"va", "red"}) {
        const std::vector<PrimParams> points =
            simplepim_points(workloads::make_workload(workload, {1 << 20}), grid);
        EXPECT_EQ(points, (std::vector<PrimParams>{
                              {{"dpus", "256"}}, {{"dpus", "512"}}, {{"dpus", "1024"}}, {{"dpus", "2048"}}}))
            << workload;
    }
    EXPECT_TRUE(simplepim_points(workloads::make_workload("mtv", {64, 64}), grid).empty());
    EXPECT_TRUE(simplepim_points(workloads::make_workload("geva", {1024}), grid).empty());
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

// rc-tile's K-split points written in the reduction-split sketch (the search's second family of seeds): every
// point of the grid replays, lowers and runs bit-exactly on small shapes; without unroll and on one host
// thread a seed moves the same bytes as the named rc-tile schedule at the same point; the grid is ordered
// as documented.
#include <gtest/gtest.h>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/tune/runner.h"
#include "atim/tune/space.h"
#include "tune/space/rc_tile_seeds.h"

namespace atim::tune {
namespace {

TEST(RcTileSeeds, RunBitExactlyOnMtvAndGemv) {
    const target::UpmemMachine m = target::machine_from_json_text(R"({"dpus": 64, "name": "test-64"})");
    for (const auto &[name, shape] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
             {"mtv", {100, 1030}}, {"gemv", {64, 520}}}) {
        const workloads::Workload w = workloads::make_workload(name, shape);
        const std::vector<space::RcTilePoint> points = space::rc_tile_points(w, m, {0, 16, 64, 512});
        ASSERT_GE(points.size(), 8u) << name;
        int ran = 0;
        for (const space::RcTilePoint &p : points) {
            SCOPED_TRACE(fmt::format("{} {}x{} DPUs, tile {}, unroll {}", name, p.row_dpus, p.k_dpus,
                                     p.k_tile, p.unroll));
            const int64_t grid = p.row_dpus * p.k_dpus;
            EXPECT_TRUE(grid == 64 || grid == 32 || grid == 16) << grid;
            const std::optional<Candidate> seed = space::rc_tile_seed(generate_sketches(w, m), w, m, p);
            ASSERT_TRUE(seed.has_value());
            if (reject_reason(*seed, w, m, {})) continue;
            schedule::Schedule sch = seed->trace.replay(w.func);
            sch.set_resident_inputs(w.resident_inputs);
            const lower::PimProgram program = lower::lower(sch, m);
            EXPECT_EQ(program.grid.y, p.k_dpus);
            runtime::SimRunOptions options;
            options.machine = m;
            options.threads = 1;
            options.mode = sim::SimulationMode::Full;
            EXPECT_TRUE(runtime::run_sim(w, program, options).verified);
            ++ran;
        }
        EXPECT_GE(ran, static_cast<int>(points.size()) / 2) << name << ": too few seeds lowered";
    }
}

TEST(RcTileSeeds, MoveTheNamedRcTileSchedulesBytes) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    RunnerOptions runner_options;
    runner_options.machine = m;
    runner_options.threads = 1;
    std::unique_ptr<Runner> runner = make_sim_runner(runner_options);
    const workloads::Workload w = workloads::make_workload("mtv", {2048, 2048});
    space::RcTilePoint point;
    point.row_dpus = 64, point.k_dpus = 8, point.k_tile = 32, point.unroll = 0, point.host_threads = 1;
    const std::optional<Candidate> seed = space::rc_tile_seed(generate_sketches(w, m), w, m, point);
    ASSERT_TRUE(seed.has_value());
    const schedule::Trace named =
        baselines::apply_named_schedule("rc-tile", w, {{"dpus_x", "64"}, {"dpus_y", "8"}, {"cache", "32"}}, m)
            .trace();
    const std::vector<MeasureResult> r = runner->run(w, {named, seed->trace});
    ASSERT_TRUE(r[0].ok()) << r[0].error;
    ASSERT_TRUE(r[1].ok()) << r[1].error;
    EXPECT_EQ(r[1].dpus, r[0].dpus);
    EXPECT_EQ(r[1].tasklets, r[0].tasklets);
    EXPECT_DOUBLE_EQ(r[1].h2d_ms, r[0].h2d_ms);
    // Same loop nest in the DPU; the host's final reduction differs (the seed's walks each row of partials
    // contiguously, the named schedule's k innermost), so after_ms is not compared.
    EXPECT_NEAR(r[1].kernel_ms, r[0].kernel_ms, 0.05 * r[0].kernel_ms);
}

TEST(RcTileSeeds, GridIsOrderedFromSixteenWaySplitsOnEachBudgetAndOnlyForTwoDimensionalRowReductions) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const std::vector<space::RcTilePoint> points =
        space::rc_tile_points(workloads::make_workload("mtv", {8192, 8192}), m, {0, 16, 64, 512});
    ASSERT_GE(points.size(), 4u);
    // 16 ways on 2048, 1024 and 512 DPUs, then 8 ways on 2048.
    const std::vector<std::pair<int64_t, int64_t>> want = {{128, 16}, {64, 16}, {32, 16}, {256, 8}};
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(points[i].row_dpus, want[i].first) << i;
        EXPECT_EQ(points[i].k_dpus, want[i].second) << i;
        EXPECT_EQ(points[i].unroll, 512);
        EXPECT_EQ(points[i].host_threads, m.host.host_cores);
    }
    for (const space::RcTilePoint &p : points) EXPECT_GE(8192 / p.k_dpus, 32);
    EXPECT_TRUE(space::rc_tile_points(workloads::make_workload("va", {4096}), m, {0}).empty());
    EXPECT_TRUE(space::rc_tile_points(workloads::make_workload("red", {4096}), m, {0}).empty());
    // A 3-D grid for ttv: its 8 i-rows over dpu.z, 16 j-rows and 512 K elements (at least 32 per DPU, so at
    // most 16 ways) fill 2048 DPUs at most, and 1024 and 512.
    const std::vector<space::RcTilePoint> ttv =
        space::rc_tile_points(workloads::make_workload("ttv", {8, 16, 512}), m, {0});
    ASSERT_FALSE(ttv.empty());
    for (const space::RcTilePoint &p : ttv) {
        EXPECT_EQ(p.outer_dpus, 8);
        const int64_t grid = p.row_dpus * p.k_dpus * p.outer_dpus;
        EXPECT_TRUE(grid == 2048 || grid == 1024 || grid == 512) << grid;
        EXPECT_GE(512 / p.k_dpus, 32);
    }
}

}  // namespace
}  // namespace atim::tune

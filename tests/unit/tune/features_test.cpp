// Cost-model features of hand-built and named-schedule programs: exact values where they can be counted
// by hand, and the differences a change of DPU count must show.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "atim/baselines/named_schedules.h"
#include "atim/ir/ir.h"
#include "atim/lower/lower.h"
#include "atim/tune/features.h"
#include "atim/workloads/workload.h"
#include "tune/space/rc_tile_seeds.h"

namespace atim::tune {
namespace {

using FeatureMap = std::map<std::string, float>;

FeatureMap by_name(const std::vector<float> &values) {
    const auto &names = feature_names();
    EXPECT_EQ(values.size(), names.size());
    FeatureMap out;
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) out[names[i]] = values[i];
    return out;
}

FeatureMap named_features(const std::string &workload, std::vector<int64_t> shape,
                          const std::string &schedule, const std::map<std::string, std::string> &params) {
    target::UpmemMachine machine;
    workloads::Workload w = workloads::make_workload(workload, shape);
    lower::PimProgram program =
        lower::lower(baselines::apply_named_schedule(schedule, w, params, machine), machine);
    return by_name(extract_features(program, machine));
}

void expect_features(const FeatureMap &got, const FeatureMap &want) {
    for (const auto &[name, value] : want) {
        ASSERT_TRUE(got.count(name)) << "no feature " << name;
        EXPECT_EQ(got.at(name), value) << name;
    }
}

// The phases around the kernel are priced exactly before measuring: mtv's vector push (ATiM's window: A is
// resident), the launch on 4 DPUs, the gather of C.
TEST(Features, HostPhasesArePricedByTheHostModel) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    workloads::Workload w = workloads::make_workload("mtv", {256, 128});
    lower::PimProgram program = lower::lower(
        baselines::apply_named_schedule("prim", w, {{"dpus", "4"}, {"tasklets", "2"}}, machine), machine);
    FeatureMap f = by_name(extract_features(program, machine));
    EXPECT_GT(f.at("host_model_h2d_ms"), 0);
    EXPECT_GT(f.at("host_model_launch_ms"), 0);
    EXPECT_GT(f.at("host_model_after_ms"), 0);
}

TEST(FeatureNames, AreUniqueAndMatchTheVector) {
    const auto &names = feature_names();
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
    for (const auto &name : names) EXPECT_FALSE(name.empty());
    EXPECT_EQ(kFeatureSchemaVersion, 3);
}

// prim on mtv 256x128 over 4 DPUs and 2 tasklets: 64 rows per DPU, 32 per tasklet (16 x 2 rows), each row
// one 1024 B DMA of A and one of B (the whole K of 128 elements fits one 256-element block), results
// written back as 8 B pairs.
TEST(Features, PrimMtvHasTheCountedTransfersAndDmas) {
    FeatureMap f = named_features("mtv", {256, 128}, "prim", {{"dpus", "4"}, {"tasklets", "2"}});
    expect_features(f, {
                           {"dpus", 4},
                           {"dpu_grid_x", 4},
                           {"dpu_grid_y", 1},
                           {"ranks_used", 1},
                           {"tasklets", 2},
                           {"resident_bytes_per_dpu", 64 * 128 * 4},
                           // PrIM replicates B by a parallel push of one buffer, not a broadcast.
                           {"push_parallel_bytes_per_dpu", 128 * 4},
                           {"push_broadcast_bytes_per_dpu", 0},
                           {"gather_bytes_per_dpu", 64 * 4},
                           {"timed_push_transfers", 1},
                           {"gather_transfers", 1},
                           {"timed_push_bytes_total", 4 * 128 * 4},
                           {"gather_bytes_total", 256 * 4},
                           {"host_epilogue_ops", 0},
                           {"dma_reads_per_dpu", 64 * 2},
                           {"dma_read_bytes_per_dpu", 64 * 2 * 1024},
                           {"dma_writes_per_dpu", 32},
                           {"dma_write_bytes_per_dpu", 32 * 8},
                           {"mul_ops_per_dpu", 64 * 128},
                           {"active_tasklets", 2},
                           {"tasklet_imbalance", 1},
                           {"trips_level_0", 16},
                           {"trips_level_1", 2},
                           {"trips_level_2", 128},
                           {"guards_per_dpu", 0},
                           {"wram_bytes_per_tasklet", 8 + 1024 + 1024},
                           {"element_bytes", 4},
                       });
}

TEST(Features, DpuCountChangesPerDpuWorkAndTransfers) {
    FeatureMap four = named_features("mtv", {256, 128}, "prim", {{"dpus", "4"}, {"tasklets", "2"}});
    FeatureMap two = named_features("mtv", {256, 128}, "prim", {{"dpus", "2"}, {"tasklets", "2"}});
    EXPECT_EQ(two.at("dpus"), 2);
    EXPECT_EQ(two.at("resident_bytes_per_dpu"), 2 * four.at("resident_bytes_per_dpu"));
    EXPECT_EQ(two.at("gather_bytes_per_dpu"), 2 * four.at("gather_bytes_per_dpu"));
    EXPECT_EQ(two.at("dma_reads_per_dpu"), 2 * four.at("dma_reads_per_dpu"));
    EXPECT_EQ(two.at("mul_ops_per_dpu"), 2 * four.at("mul_ops_per_dpu"));
    EXPECT_EQ(two.at("timed_push_bytes_total"), four.at("timed_push_bytes_total") / 2);  // B to every DPU
}

// rc-tile on mtv 1000x777, 16 x 2 DPUs: K split in two halves of 390 / 387 columns (boxes of 416), partials
// summed on the host, row boundary guards inside the loops.
TEST(Features, RcTileMtvSplitsTheReductionOverDpus) {
    FeatureMap f = named_features("mtv", {1000, 777}, "rc-tile", {{"dpus_y", "2"}, {"cache", "32"}});
    expect_features(f, {
                           {"dpus", 32},
                           {"dpu_grid_x", 16},
                           {"dpu_grid_y", 2},
                           {"tasklets", 16},
                           {"resident_bytes_per_dpu", 64 * 416 * 4},
                           {"push_parallel_bytes_per_dpu", 416 * 4},
                           {"gather_bytes_per_dpu", 64 * 4},
                       });
    EXPECT_GT(f.at("host_epilogue_ops"), 1000);  // a final reduction of 2 partials per output row
    EXPECT_GT(f.at("guards_per_dpu"), 0);
    EXPECT_EQ(f.at("trips_level_1"), 13);  // ceil(416 / 32) K tiles
}

// for i in [0, 10): if (tasklet == 0) W[i] = W[i] * W[i], on two tasklets: only tasklet 0 works.
TEST(Features, HandBuiltKernelCountsGuardsMultipliesAndImbalance) {
    using namespace ir;
    Buffer w = make_buffer("W", DType::Int32, {10}, MemScope::WramLocal);
    Var t("t"), i("i");
    Stmt store = Store::make(w, {i}, Load::make(w, {i}) * Load::make(w, {i}));
    Stmt loop = For::make(i, 0, 10, ForKind::Serial, IfThenElse::make(eq(t, Expr(0)), store));
    lower::PimProgram program;
    program.tasklets = 2;
    program.kernel = LetStmt::make(t, Call::make(DType::Int32, "tasklet_id", {}), Allocate::make(w, loop));
    FeatureMap f = by_name(extract_features(program, target::UpmemMachine{}));
    // Per iteration: 2 loop-control ops and 1 compare in every tasklet; 2 loads, 1 mul, 1 store in tasklet 0.
    expect_features(f, {
                           {"dpus", 1},
                           {"guards_per_dpu", 20},
                           {"guard_statements", 1},
                           {"mul_ops_per_dpu", 10},
                           {"wram_accesses_per_dpu", 30},
                           {"ops_per_dpu", 70 + 30},
                           {"ops_max_tasklet", 70},
                           {"tasklet_imbalance", 1.4f},
                           {"active_tasklets", 1},
                           {"trips_level_0", 10},
                           {"ops_level_1", 100},
                           {"loop_iterations_per_dpu", 20},
                           {"wram_bytes_per_tasklet", 40},
                           {"dma_reads_per_dpu", 0},
                       });
}

// The final reduction of an rc-tile seed with K split 4 ways over 1024 rows: on 8 host threads the busiest
// thread does an eighth of the parallel work; on 1 thread all of it.
TEST(Features, HostThreadsShareTheFinalReduction) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");  // 8 host cores
    const workloads::Workload w = workloads::make_workload("mtv", {1024, 1024});
    auto features = [&](int64_t threads) {
        space::RcTilePoint point;
        point.row_dpus = 64, point.k_dpus = 4, point.host_threads = threads;
        std::optional<Candidate> seed = space::rc_tile_seed(generate_sketches(w, machine), w, machine, point);
        EXPECT_TRUE(seed.has_value());
        schedule::Schedule sch = seed->trace.replay(w.func);
        return by_name(extract_features(lower::lower(sch, machine), machine));
    };
    const FeatureMap serial = features(1), parallel = features(8);
    EXPECT_EQ(serial.at("host_epilogue_threads"), 1);
    EXPECT_EQ(serial.at("host_epilogue_ops_per_thread"), serial.at("host_epilogue_ops"));
    EXPECT_EQ(parallel.at("host_epilogue_threads"), 8);
    EXPECT_EQ(parallel.at("host_epilogue_ops"), serial.at("host_epilogue_ops"));
    EXPECT_LE(parallel.at("host_epilogue_ops_per_thread"), parallel.at("host_epilogue_ops") / 8 + 1);
    EXPECT_LE(parallel.at("host_epilogue_bytes_per_thread"), parallel.at("host_epilogue_bytes") / 8 + 1);
}

}  // namespace
}  // namespace atim::tune

// Every named schedule builds for every workload, records a trace, and the trace replays to the same
// schedule.
#include <gtest/gtest.h>

#include "atim/baselines/named_schedules.h"

namespace atim::baselines {
namespace {

struct Case {
    std::string workload;
    std::vector<int64_t> shape;
    std::string schedule;
    std::map<std::string, std::string> params;
};

std::string describe(const Case &c) {
    std::string text = c.schedule + " " + c.workload;
    for (int64_t e : c.shape) text += " " + std::to_string(e);
    for (const auto &[k, v] : c.params) text += " " + k + "=" + v;
    return text;
}

std::vector<Case> cases() {
    std::vector<Case> all;
    struct Shapes {
        std::string workload;
        std::vector<int64_t> divisible, non_divisible;
    };
    for (const Shapes &s : std::vector<Shapes>{{"va", {4096}, {999999}},
                                               {"geva", {4096}, {999999}},
                                               {"red", {4096}, {1000003}},
                                               {"mtv", {256, 512}, {1000, 777}},
                                               {"gemv", {256, 512}, {1000, 777}},
                                               {"ttv", {16, 16, 64}, {30, 50, 70}},
                                               {"mmtv", {8, 32, 64}, {7, 33, 65}}}) {
        for (const auto &shape : {s.divisible, s.non_divisible}) {
            all.push_back({s.workload, shape, "prim", {}});
            all.push_back({s.workload, shape, "rc-tile", {}});
            all.push_back({s.workload, shape, "prim", {{"tasklets", "4"}, {"block", "16"}}});
        }
    }
    all.push_back({"mtv", {1000, 777}, "rc-tile", {{"dpus_x", "8"}, {"dpus_y", "4"}}});
    all.push_back({"ttv", {30, 50, 70}, "rc-tile", {{"dpus_x", "8"}, {"dpus_y", "3"}}});
    all.push_back({"mmtv", {7, 33, 65}, "rc-tile", {{"dpus_x", "2"}, {"dpus_y", "2"}, {"cache", "8"}}});
    all.push_back({"gemv", {64, 64}, "rc-tile", {{"dpus_x", "2"}, {"dpus_y", "2"}, {"tasklets", "3"}}});
    return all;
}

TEST(NamedScheduleBuild, EveryScheduleBuildsAndItsTraceReplays) {
    target::UpmemMachine machine;
    for (const Case &c : cases()) {
        SCOPED_TRACE(describe(c));
        workloads::Workload w = workloads::make_workload(c.workload, c.shape);
        schedule::Schedule sch = apply_named_schedule(c.schedule, w, c.params, machine);
        EXPECT_EQ(sch.resident_inputs(), w.resident_inputs);
        EXPECT_FALSE(sch.trace().empty());
        schedule::Schedule replayed = schedule::Trace::from_json(sch.trace().to_json()).replay(w.func);
        EXPECT_EQ(replayed.to_string(), sch.to_string());
        EXPECT_EQ(replayed.trace().to_json(), sch.trace().to_json());
    }
}

TEST(NamedScheduleBuild, PrimMtvBindsRowBlocksAndTaskletRowPairs) {
    workloads::Workload w = workloads::make_workload("mtv", {1000, 777});
    schedule::Schedule sch = apply_named_schedule("prim", w, {{"dpus", "256"}}, {});
    const schedule::ScheduleState &state = sch.state();
    const schedule::BlockState &c = state.blocks[sch.get_block("C").id];
    std::vector<std::pair<int64_t, ir::ForKind>> loops;
    for (int id : c.leaves) loops.emplace_back(state.loops[id].extent, state.loops[id].kind);
    // 1000 rows over 256 DPUs: 4 rows (2 pairs) per DPU, 250 DPUs used; 16 tasklets x 1 pair x 2 rows;
    // K = 777 in 4 blocks of 256.
    using K = ir::ForKind;
    EXPECT_EQ(loops, (std::vector<std::pair<int64_t, ir::ForKind>>{{250, K::DpuX},
                                                                   {16, K::Tasklet},
                                                                   {1, K::Serial},
                                                                   {2, K::Serial},
                                                                   {4, K::Serial},
                                                                   {256, K::Serial}}));
}

TEST(NamedScheduleBuild, RcTileSplitsTheReductionOverDpuYAndSumsOnTheHost) {
    workloads::Workload w = workloads::make_workload("mtv", {1000, 777});
    schedule::Schedule sch = apply_named_schedule("rc-tile", w, {{"dpus_x", "16"}, {"dpus_y", "2"}}, {});
    const schedule::ScheduleState &state = sch.state();
    const schedule::BlockState &consumer = state.blocks[sch.get_block("C").id];
    EXPECT_EQ(consumer.rfactor_role, schedule::RfactorRole::MramConsumer);
    const schedule::BlockState &producer = state.blocks[consumer.rfactor_producer];
    std::vector<std::pair<int64_t, ir::ForKind>> loops;
    for (int id : producer.leaves) loops.emplace_back(state.loops[id].extent, state.loops[id].kind);
    // rows: 1000 / 16 = 63 -> 64 per DPU (16 DPUs), 16 tasklets x 2 pairs x 2 rows; K: 2 slices of 390,
    // each 13 tiles of 32 (the last guarded).
    using K = ir::ForKind;
    EXPECT_EQ(loops, (std::vector<std::pair<int64_t, ir::ForKind>>{{16, K::DpuX},
                                                                   {2, K::DpuY},
                                                                   {16, K::Tasklet},
                                                                   {2, K::Serial},
                                                                   {13, K::Serial},
                                                                   {2, K::Serial},
                                                                   {32, K::Serial}}));
}

}  // namespace
}  // namespace atim::baselines

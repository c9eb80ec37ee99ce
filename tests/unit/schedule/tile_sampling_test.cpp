// sample_tile (imperfect tiles), sample_compute_location (re-targetable attach points) and annotate_unroll:
// their decisions are recorded, validated on replay, and a changed decision changes the program.
#include <gtest/gtest.h>

#include <numeric>

#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::schedule {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

TEST(SampleTile, FactorsCoverTheExtentWithTheOuterCeiling) {
    workloads::Workload w = workloads::make_workload("va", {1000});
    bool saw_imperfect = false;
    for (uint64_t seed = 1; seed <= 200; ++seed) {
        Schedule sch(w.func, seed);
        LoopRV i = sch.get_loops(sch.get_block("C"))[0];
        std::vector<ExprRV> f = sch.sample_tile(i, 4, 64, 1, 300);
        ASSERT_EQ(f.size(), 4u);
        int64_t inner = sch.value(f[1]) * sch.value(f[2]) * sch.value(f[3]);
        EXPECT_EQ(sch.value(f[0]), ceil_div(1000, inner)) << "seed " << seed;
        EXPECT_LE(sch.value(f[3]), 64);
        EXPECT_GE(sch.value(f[0]), 1);
        EXPECT_LE(sch.value(f[0]), 300);
        if (sch.value(f[0]) * inner != 1000) saw_imperfect = true;
    }
    EXPECT_TRUE(saw_imperfect);
}

TEST(SampleTile, OuterCountsAreNotOnlyDivisors) {
    workloads::Workload w = workloads::make_workload("va", {1024});
    bool saw_non_divisor = false;
    for (uint64_t seed = 1; seed <= 100 && !saw_non_divisor; ++seed) {
        Schedule sch(w.func, seed);
        std::vector<ExprRV> f = sch.sample_tile(sch.get_loops(sch.get_block("C"))[0], 2, 1024, 1, 1024);
        if (1024 % sch.value(f[0]) != 0) saw_non_divisor = true;
    }
    EXPECT_TRUE(saw_non_divisor);
}

TEST(SampleTile, ReplayValidatesTheDecision) {
    workloads::Workload w = workloads::make_workload("va", {1000});
    Schedule sch(w.func, 3);
    LoopRV i = sch.get_loops(sch.get_block("C"))[0];
    sch.split(i, sch.sample_tile(i, 3, 64));
    Trace trace = sch.trace();
    EXPECT_EQ(trace.replay(w.func).trace().to_json(), trace.to_json());
    size_t index = trace.sampling_indices().at(0);
    // [8, 25, 5] covers 1000 exactly, [4, 26, 10] imperfectly; [7, 25, 5] leaves elements uncovered,
    // [9, 25, 5] has an empty outer iteration, [1, 1, 1000] breaks innermost <= 64, [8, 125] has 2 factors.
    EXPECT_NO_THROW(trace.with_decision(index, {8, 25, 5}).replay(w.func));
    EXPECT_NO_THROW(trace.with_decision(index, {4, 26, 10}).replay(w.func));
    EXPECT_THROW(trace.with_decision(index, {7, 25, 5}).replay(w.func), ScheduleError);
    EXPECT_THROW(trace.with_decision(index, {9, 25, 5}).replay(w.func), ScheduleError);
    EXPECT_THROW(trace.with_decision(index, {1, 1, 1000}).replay(w.func), ScheduleError);
    EXPECT_THROW(trace.with_decision(index, {8, 125}).replay(w.func), ScheduleError);
}

TEST(SampleTile, AWidenedBoundAdmitsADecisionTheOldOneRefused) {
    workloads::Workload w = workloads::make_workload("va", {1000});
    Schedule sch(w.func, 3);
    LoopRV i = sch.get_loops(sch.get_block("C"))[0];
    sch.split(i, sch.sample_tile(i, 2, 1000, 1, 100));  // outer factor at most 100
    const Trace trace = sch.trace();
    const size_t index = trace.sampling_indices().at(0);
    EXPECT_THROW(trace.with_decision(index, {200, 5}).replay(w.func), ScheduleError);
    schedule::Instruction widened = trace.instructions()[index];
    widened.attrs["max_outer"] = 200;
    widened.decision = {200, 5};
    const Trace replaced = trace.with_instruction(index, widened);
    EXPECT_NO_THROW(replaced.replay(w.func));
    EXPECT_EQ(replaced.instructions()[index].attrs.at("max_outer"), 200);
    EXPECT_EQ(trace.instructions()[index].attrs.at("max_outer"), 100);  // the original is unchanged
}

TEST(SampleComputeLocation, ChangingTheDecisionMovesTheCache) {
    workloads::Workload w = workloads::make_workload("mtv", {64, 64});
    Schedule sch(w.func, 1);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> k = sch.split(loops[1], {kInfer, 16});
    LoopRV at = sch.sample_compute_location({loops[0], k[0], k[1]});
    sch.compute_at(sch.cache_read(c, "B", "wram"), at);
    Trace trace = sch.trace();
    size_t index = trace.sampling_indices().at(0);
    for (int64_t d = 0; d < 3; ++d) {
        Schedule replayed = trace.with_decision(index, {d}).replay(w.func);
        const ScheduleState &s = replayed.state();
        int cache = s.blocks[s.blocks[c.id].read_caches.at(0)].attach_loop;
        int expected = std::vector<int>{loops[0].id, k[0].id, k[1].id}[d];
        EXPECT_EQ(cache, expected) << "decision " << d;
    }
    EXPECT_THROW(trace.with_decision(index, {3}).replay(w.func), ScheduleError);
}

TEST(AnnotateUnroll, UnrollsInnermostLoopsWithinTheMaxStep) {
    workloads::Workload w = workloads::make_workload("va", {1024});
    for (auto [step, unrolled] : std::vector<std::pair<int64_t, int>>{{0, 0}, {4, 1}, {16, 2}, {512, 2}}) {
        Schedule sch(w.func, 1);
        BlockRV c = sch.get_block("C");
        std::vector<LoopRV> l = sch.split(sch.get_loops(c)[0], {kInfer, 4, 4});
        sch.compute_at(sch.cache_read(c, "A", "wram"), l[0]);
        sch.annotate_unroll(c, sch.sample_categorical({step}, {1.0}));
        int count = 0;
        for (const LoopRV &loop : l) count += sch.state().loops[loop.id].kind == ir::ForKind::Unrolled;
        EXPECT_EQ(count, unrolled) << "max step " << step;
        EXPECT_EQ(sch.trace().replay(w.func).trace().to_json(), sch.trace().to_json());
    }
}

TEST(AnnotateUnroll, StopsAtAnAttachPoint) {
    workloads::Workload w = workloads::make_workload("va", {1024});
    Schedule sch(w.func, 1);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> l = sch.split(sch.get_loops(c)[0], {kInfer, 4, 4});
    sch.compute_at(sch.cache_read(c, "A", "wram"), l[1]);
    sch.annotate_unroll(c, sch.sample_categorical({512}, {1.0}));
    EXPECT_EQ(sch.state().loops[l[2].id].kind, ir::ForKind::Unrolled);
    EXPECT_EQ(sch.state().loops[l[1].id].kind, ir::ForKind::Serial);
}

}  // namespace
}  // namespace atim::schedule

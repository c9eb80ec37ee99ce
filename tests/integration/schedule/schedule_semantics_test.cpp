// Semantics of schedule_to_loops: for schedules shaped like the named baselines (PrIM, rc-tile, RED's double
// rfactor, 2-D/3-D DPU grids), interpreting `device` then `host_epilogue` must give exactly the reference
// (the PrimFunc's naive nest) on random inputs, including shapes that no split factor divides.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/schedule/baseline_like_schedules.h"

namespace atim::schedule {
namespace {

using namespace baseline_like;

TEST(ScheduleSemantics, VectorAddAndGeva) {
    struct Case {
        std::string workload;
        int64_t length, dpus, tasklets, block;
    };
    for (const Case &c : std::vector<Case>{{"va", 1000, 4, 4, 16},
                                           {"va", 1000, 7, 3, 8},
                                           {"geva", 1000, 8, 4, 32},
                                           {"geva", 9973, 6, 5, 16}}) {
        SCOPED_TRACE(c.workload + " " + std::to_string(c.length));
        auto w = workloads::make_workload(c.workload, {c.length});
        expect_matches_reference(w, va_tile(w, c.dpus, c.tasklets, c.block));
    }
}

TEST(ScheduleSemantics, MtvPrimStyle) {
    struct Case {
        std::string workload;
        int64_t rows, cols, dpus, tasklets, tile;
    };
    for (const Case &c : std::vector<Case>{{"mtv", 64, 512, 4, 4, 256},
                                           {"mtv", 61, 777, 3, 5, 256},
                                           {"gemv", 50, 777, 4, 3, 64},
                                           {"mtv", 33, 100, 5, 2, 32}}) {
        SCOPED_TRACE(c.workload + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols));
        auto w = workloads::make_workload(c.workload, {c.rows, c.cols});
        expect_matches_reference(w, mtv_prim(w, c.dpus, c.tasklets, c.tile));
    }
}

TEST(ScheduleSemantics, MtvRcTileWithHostEpilogue) {
    struct Case {
        std::string workload;
        int64_t rows, cols, dpus_x, dpus_y, tasklets, tile;
        bool decompose;
    };
    for (const Case &c : std::vector<Case>{{"mtv", 64, 512, 4, 4, 4, 32, false},
                                           {"mtv", 61, 777, 3, 4, 5, 32, false},
                                           {"mtv", 61, 777, 3, 4, 5, 32, true},
                                           {"gemv", 40, 300, 2, 7, 3, 16, true}}) {
        SCOPED_TRACE(c.workload + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols));
        auto w = workloads::make_workload(c.workload, {c.rows, c.cols});
        Schedule sch = mtv_rc_tile(w, c.dpus_x, c.dpus_y, c.tasklets, c.tile, c.decompose);
        EXPECT_TRUE(lower::schedule_to_loops(sch).host_epilogue.defined());
        expect_matches_reference(w, sch);
    }
}

TEST(ScheduleSemantics, ReductionOverDpusThenTasklets) {
    struct Case {
        int64_t length, dpus, tasklets, tile;
    };
    for (const Case &c : std::vector<Case>{{1024, 4, 4, 16}, {999, 7, 3, 8}, {10, 4, 2, 2}}) {
        SCOPED_TRACE(std::to_string(c.length));
        auto w = workloads::make_workload("red", {c.length});
        Schedule sch = red_cross(w, c.dpus, c.tasklets, c.tile);
        ScheduledLoops loops = lower::schedule_to_loops(sch);
        EXPECT_NE(ir::to_string(loops.device).find("barrier"), std::string::npos) << loops.device;
        expect_matches_reference(w, sch);
    }
}

TEST(ScheduleSemantics, TensorTimesVectorGrids) {
    struct Case {
        std::string workload;
        std::vector<int64_t> shape;
        bool rfactor;
    };
    for (const Case &c : std::vector<Case>{{"ttv", {30, 50, 70}, false},
                                           {"ttv", {7, 33, 65}, true},
                                           {"mmtv", {30, 50, 70}, true},
                                           {"mmtv", {7, 33, 65}, false}}) {
        auto w = workloads::make_workload(c.workload, c.shape);
        SCOPED_TRACE(c.workload + " " + w.shape_string());
        expect_matches_reference(w, c.rfactor ? ttv_rfactor_grid(w, 4, 3, 3, 16) : ttv_grid(w, 4, 3, 16));
    }
}

}  // namespace
}  // namespace atim::schedule

namespace atim::schedule {
namespace {

using namespace baseline_like;

// A DPU whose K slice lies entirely past the end (K=9 over 4 DPUs of 3) receives no terms; its partial must
// still be initialized to 0, or the host sums garbage. (No WRAM cache here: the interpreter zero-fills
// allocations.)
TEST(ScheduleSemantics, EmptyRfactorSliceStillContributesZero) {
    for (bool decompose : {false, true}) {
        auto w = workloads::make_workload("mtv", {13, 9});
        Schedule sch(w.func);
        BlockRV c = sch.get_block("C");
        std::vector<LoopRV> loops = sch.get_loops(c);
        std::vector<LoopRV> k = sch.split(loops[1], {4, kInfer});
        BlockRV rf = sch.rfactor(k[0], "mram");
        std::vector<LoopRV> rows = sch.split(loops[0], {3, kInfer});
        sch.reorder({rows[0], k[0], rows[1], k[1]});
        sch.bind(rows[0], "dpu.x");
        sch.bind(k[0], "dpu.y");
        if (decompose) sch.decompose_reduction(rf, k[1]);
        expect_matches_reference(w, sch);
    }
}

}  // namespace
}  // namespace atim::schedule

namespace atim::schedule {
namespace {

using namespace baseline_like;

// TTV flattened to M*N rows (PrIM(E)): fuse(i, j), rows over DPUs and tasklets in pairs, C cached per pair.
// The pair's box in C (bounds of f / N and f % N) over-covers, so the write-back must copy only the two
// elements computed, or it overwrites other pairs' results.
TEST(ScheduleSemantics, FusedRowsWriteBackOnlyWhatTheyComputed) {
    for (const std::vector<int64_t> &shape : std::vector<std::vector<int64_t>>{{6, 5, 70}, {8, 8, 64}}) {
        auto w = workloads::make_workload("ttv", shape);
        Schedule sch(w.func);
        BlockRV c = sch.get_block("C");
        std::vector<LoopRV> loops = sch.get_loops(c);
        LoopRV rows = sch.fuse({loops[0], loops[1]});
        std::vector<LoopRV> r = sch.split(rows, {3, 2, kInfer, 2});
        std::vector<LoopRV> k = sch.split(loops[2], {kInfer, 16});
        sch.bind(r[0], "dpu.x");
        sch.bind(r[1], "tasklet");
        for (const char *input : {"A", "B"}) sch.compute_at(sch.cache_read(c, input, "wram"), k[0]);
        sch.reverse_compute_at(sch.cache_write(c, "wram"), r[2]);
        sch.decompose_reduction(c, k[0]);
        expect_matches_reference(w, sch);
    }
}

}  // namespace
}  // namespace atim::schedule

namespace atim::schedule {
namespace {

using namespace baseline_like;

// The tuner's loop: sample a schedule, then change a decision and replay; every program it gets is correct.
TEST(ScheduleSemantics, SampledAndReplayedSchedulesMatchTheReference) {
    auto w = workloads::make_workload("mtv", {24, 60});
    for (uint64_t seed : {1, 2, 3}) {
        Schedule sch(w.func, seed);
        BlockRV c = sch.get_block("C");
        std::vector<LoopRV> loops = sch.get_loops(c);
        std::vector<LoopRV> k = sch.split(loops[1], sch.sample_perfect_tile(loops[1], 2, 60, 2, 6));
        BlockRV rf = sch.rfactor(k[0], "mram");
        std::vector<LoopRV> rows = sch.split(loops[0], sch.sample_perfect_tile(loops[0], 3, 4));
        std::vector<LoopRV> k_tiles = sch.split(k[1], {kInfer, 8});
        sch.reorder({rows[0], k[0], rows[1], rows[2], k_tiles[0], k_tiles[1]});
        sch.bind(rows[0], "dpu.x");
        sch.bind(k[0], "dpu.y");
        sch.bind(rows[1], "tasklet");
        sch.compute_at(sch.cache_read(rf, "B", "wram"), k_tiles[0]);
        sch.reverse_compute_at(sch.cache_write(rf, "wram"), rows[2]);
        expect_matches_reference(w, sch, seed);

        size_t k_decision = sch.trace().sampling_indices()[0];
        std::vector<int64_t> other =
            sch.trace().instructions()[k_decision].decision == std::vector<int64_t>{3, 20}
                ? std::vector<int64_t>{5, 12}
                : std::vector<int64_t>{3, 20};
        Schedule replayed = sch.trace().with_decision(k_decision, other).replay(w.func);
        EXPECT_NE(replayed.to_string(), sch.to_string());
        expect_matches_reference(w, replayed, seed);
    }
}

}  // namespace
}  // namespace atim::schedule

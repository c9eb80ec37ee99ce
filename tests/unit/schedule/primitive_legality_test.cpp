// Every primitive rejects illegal uses with a ScheduleError whose message says what to change, and leaves the
// schedule usable.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "atim/ir/printer.h"
#include "atim/lower/schedule_to_loops.h"
#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::schedule {
namespace {

struct IllegalCase {
    std::string name;
    std::string workload;
    std::vector<int64_t> shape;
    std::function<void(Schedule &)> apply;
    std::string message;  ///< expected substring of the error
};

std::vector<IllegalCase> illegal_cases() {
    auto loops = [](Schedule &s, const char *block) { return s.get_loops(s.get_block(block)); };
    return {
        {"unknown block",
         "mtv",
         {64, 64},
         [](Schedule &s) { s.get_block("D"); },
         "no block named 'D'; the blocks are: C"},
        {"split product too small",
         "mtv",
         {64, 8192},
         [&](Schedule &s) {
             s.split(loops(s, "C")[1], {3, 4});
         },
         "factors [3, 4] of loop k multiply to 12, less than its extent 8192"},
        {"two inferred factors",
         "mtv",
         {64, 64},
         [&](Schedule &s) {
             s.split(loops(s, "C")[0], {kInfer, kInfer});
         },
         "more than one inferred factor"},
        {"non-positive factor",
         "mtv",
         {64, 64},
         [&](Schedule &s) {
             s.split(loops(s, "C")[0], {0, kInfer});
         },
         "factor 0 of loop i is 0; factors must be positive"},
        {"split a split-away loop",
         "mtv",
         {64, 64},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.split(l[0], {8, 8});
             s.split(l[0], {2, 32});
         },
         "loop i was already split or fused away"},
        {"fuse non-adjacent",
         "ttv",
         {4, 5, 6},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.fuse({l[0], l[2]});
         },
         "fuse: loop k is not directly inside i"},
        {"fuse spatial with reduction",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.fuse({l[0], l[1]});
         },
         "mix a reduction and a spatial loop"},
        {"reorder loops of two blocks",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             auto k = s.split(l[1], {2, 4});
             BlockRV rf = s.rfactor(k[0], "mram");
             auto consumer = s.get_loops(s.get_block("C"));
             s.reorder({consumer[0], l[0]});
             (void)rf;
         },
         "belong to different blocks"},
        {"bind unknown axis",
         "va",
         {64},
         [&](Schedule &s) { s.bind(loops(s, "C")[0], "blockIdx.x"); },
         "unknown thread axis 'blockIdx.x'; use dpu.x, dpu.y, dpu.z or tasklet"},
        {"bind a reduction loop",
         "mtv",
         {8, 8},
         [&](Schedule &s) { s.bind(loops(s, "C")[1], "dpu.x"); },
         "loop k of block C is a reduction loop; rfactor it first"},
        {"bind one axis twice",
         "ttv",
         {4, 4, 4},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.bind(l[0], "dpu.x");
             s.bind(l[1], "dpu.x");
         },
         "block C already has a dpu.x loop (i)"},
        {"split a bound loop",
         "va",
         {64},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.bind(l[0], "tasklet");
             s.split(l[0], {2, 32});
         },
         "split before bind or unroll"},
        {"unroll a bound loop",
         "va",
         {64},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.bind(l[0], "tasklet");
             s.unroll(l[0]);
         },
         "only serial loops can be unrolled"},
        {"rfactor a spatial loop",
         "mtv",
         {8, 8},
         [&](Schedule &s) { s.rfactor(loops(s, "C")[0], "mram"); },
         "loop i of block C is not a reduction loop"},
        {"rfactor an element-wise block",
         "va",
         {8},
         [&](Schedule &s) { s.rfactor(loops(s, "C")[0], "mram"); },
         "block C is not a reduction"},
        {"rfactor unknown scope",
         "mtv",
         {8, 8},
         [&](Schedule &s) { s.rfactor(loops(s, "C")[1], "global"); },
         "unknown scope 'global'; use \"mram\""},
        {"rfactor after caching",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             s.cache_read(s.get_block("C"), "A", "wram");
             s.rfactor(loops(s, "C")[1], "mram");
         },
         "call rfactor before cache_read/cache_write"},
        {"cache an unknown buffer",
         "mtv",
         {8, 8},
         [&](Schedule &s) { s.cache_read(s.get_block("C"), "X", "wram"); },
         "block C reads no buffer named 'X'; it reads: A, B"},
        {"cache into mram",
         "mtv",
         {8, 8},
         [&](Schedule &s) { s.cache_read(s.get_block("C"), "A", "mram"); },
         "unknown cache scope 'mram'"},
        {"cache a buffer twice",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             s.cache_read(s.get_block("C"), "A", "wram");
             s.cache_read(s.get_block("C"), "A", "wram");
         },
         "already cached in A_local"},
        {"compute_at a compute block",
         "mtv",
         {8, 8},
         [&](Schedule &s) { s.compute_at(s.get_block("C"), loops(s, "C")[0]); },
         "is not a cache_read block"},
        {"compute_at a loop of another block",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             auto k = s.split(l[1], {2, 4});
             BlockRV rf = s.rfactor(k[0], "mram");
             BlockRV cache = s.cache_read(rf, "A", "wram");
             s.compute_at(cache, s.get_loops(s.get_block("C"))[0]);
         },
         "but cache A_local serves block C_rf"},
        {"write cache inside a reduction loop",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.reorder({l[1], l[0]});
             s.reverse_compute_at(s.cache_write(s.get_block("C"), "wram"), l[0]);
         },
         "reduction loop k of block C encloses it"},
        {"cache outside the DPU loops",
         "ttv",
         {4, 4, 4},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             s.bind(l[1], "dpu.x");
             s.reorder({l[1], l[0]});
             s.compute_at(s.cache_read(s.get_block("C"), "A", "wram"), l[1]);
             s.bind(l[0], "dpu.y");
             s.compute_at(s.cache_read(s.get_block("C"), "B", "wram"), l[1]);
         },
         "outside the DPU loop i; attach it at or inside the innermost DPU loop"},
        {"mram consumer attached",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             auto k = s.split(l[1], {2, 4});
             s.rfactor(k[0], "mram");
             s.reverse_compute_at(s.get_block("C"), l[0]);
         },
         "sums DPU partials on the host"},
        {"wram consumer attached inside the rfactor loop",
         "red",
         {64},
         [&](Schedule &s) {
             auto l = loops(s, "B");
             auto k = s.split(l[1], {4, 16});
             s.rfactor(k[0], "wram");
             s.reverse_compute_at(s.get_block("B"), k[1]);
         },
         "does not enclose the rfactor loop k_0 of B_rf"},
        {"decompose inside a reduction loop",
         "mtv",
         {8, 8},
         [&](Schedule &s) {
             auto l = loops(s, "C");
             auto k = s.split(l[1], {2, 4});
             s.decompose_reduction(s.get_block("C"), k[1]);
         },
         "reduction loop k_0 of block C is outside loop k_1"},
        {"decompose an element-wise block",
         "va",
         {8},
         [&](Schedule &s) { s.decompose_reduction(s.get_block("C"), loops(s, "C")[0]); },
         "is not a reduction"},
        {"handle from another schedule",
         "va",
         {8},
         [](Schedule &s) { s.unroll(LoopRV{99}); },
         "loop handle l99 does not belong to this schedule"},
        {"no perfect tile within bounds",
         "va",
         {7},
         [&](Schedule &s) { s.sample_perfect_tile(loops(s, "C")[0], 2, 8, 2, 6); },
         "extent 7 of loop i has no factorization into 2 factors"},
        {"categorical with mismatched probabilities",
         "va",
         {8},
         [](Schedule &s) {
             s.sample_categorical({1, 2}, {1.0});
         },
         "2 candidates but 1 probabilities"},
    };
}

TEST(ScheduleLegality, IllegalCallsThrowActionableErrors) {
    for (const IllegalCase &c : illegal_cases()) {
        auto w = workloads::make_workload(c.workload, c.shape);
        Schedule sch(w.func);
        try {
            c.apply(sch);
            ADD_FAILURE() << c.name << ": no error";
        } catch (const ScheduleError &e) {
            EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
                << c.name << ": message was: " << e.what();
        }
    }
}

// Checks that depend on the final loop order run in schedule_to_loops.
TEST(ScheduleLegality, LoweringRejectsDpuLoopsInsideSerialLoops) {
    auto w = workloads::make_workload("ttv", {4, 4, 4});
    Schedule sch(w.func);
    auto l = sch.get_loops(sch.get_block("C"));
    sch.bind(l[1], "dpu.x");
    try {
        lower::schedule_to_loops(sch);
        ADD_FAILURE() << "no error";
    } catch (const ScheduleError &e) {
        EXPECT_NE(
            std::string(e.what()).find("loop j (dpu.x) is inside loop i; DPU-bound loops must be outermost"),
            std::string::npos)
            << e.what();
    }
    sch.reorder({l[1], l[0]});
    EXPECT_NO_THROW(lower::schedule_to_loops(sch));
}

TEST(ScheduleLegality, LoweringRejectsUnattachedCaches) {
    auto w = workloads::make_workload("mtv", {8, 8});
    Schedule sch(w.func);
    sch.cache_read(sch.get_block("C"), "B", "wram");
    try {
        lower::schedule_to_loops(sch);
        ADD_FAILURE() << "no error";
    } catch (const ScheduleError &e) {
        EXPECT_NE(
            std::string(e.what()).find("cache B_local is not attached; compute_at it to a loop of block C"),
            std::string::npos)
            << e.what();
    }
}

TEST(ScheduleLegality, FailedCallIsNotRecordedAndLeavesStateUnchanged) {
    auto w = workloads::make_workload("mtv", {8, 8});
    Schedule sch(w.func);
    auto l = sch.get_loops(sch.get_block("C"));
    size_t before = sch.trace().size();
    std::string summary = sch.to_string();
    EXPECT_THROW(sch.split(l[1], {3, 2}), ScheduleError);
    EXPECT_THROW(sch.bind(l[1], "tasklet"), ScheduleError);
    EXPECT_EQ(sch.trace().size(), before);
    EXPECT_EQ(sch.to_string(), summary);
}

TEST(ScheduleLegality, SplitsRecordInferredAndImperfectFactors) {
    auto w = workloads::make_workload("va", {1000});
    Schedule sch(w.func);
    auto l = sch.get_loops(sch.get_block("C"));
    auto parts = sch.split(l[0], {7, kInfer});
    EXPECT_EQ(sch.loop_extent(parts[0]), 7);
    EXPECT_EQ(sch.loop_extent(parts[1]), 143);  // ceil(1000 / 7)
    auto inner = sch.split(parts[1], {kInfer, 2, 16});
    EXPECT_EQ(sch.loop_extent(inner[0]), 5);  // ceil(143 / 32)
    EXPECT_EQ(sch.loop_name(inner[2]), "i_1_2");
    // An imperfect split guards the computation.
    std::string device = ir::to_string(lower::schedule_to_loops(sch).device);
    EXPECT_NE(device.find("< 1000"), std::string::npos) << device;
}

}  // namespace
}  // namespace atim::schedule

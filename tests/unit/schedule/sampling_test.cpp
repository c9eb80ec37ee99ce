// Sampling: decisions are perfect factorizations within the bounds, uniform over them, reproducible by seed,
// and recorded in the trace.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::schedule {
namespace {

std::vector<int64_t> values(const Schedule &sch, const std::vector<ExprRV> &rvs) {
    std::vector<int64_t> result;
    for (const ExprRV &rv : rvs) result.push_back(sch.value(rv));
    return result;
}

TEST(Sampling, PerfectTilesMeetTheirBounds) {
    struct Case {
        int64_t extent;
        int n;
        int64_t max_innermost, min_outer, max_outer;
    };
    for (const Case &c : std::vector<Case>{{8192, 5, 256, 1, 1 << 20},
                                           {8192, 2, 256, 2, 256},
                                           {33554432, 2, 1 << 30, 2, 2048},
                                           {360, 3, 8, 1, 1 << 20},
                                           {7, 2, 7, 1, 7},
                                           {1, 4, 1, 1, 1}}) {
        auto w = workloads::make_workload("va", {c.extent});
        Schedule sch(w.func, 11);
        LoopRV loop = sch.get_loops(sch.get_block("C"))[0];
        for (int draw = 0; draw < 50; ++draw) {
            std::vector<int64_t> f =
                values(sch, sch.sample_perfect_tile(loop, c.n, c.max_innermost, c.min_outer, c.max_outer));
            ASSERT_EQ(static_cast<int>(f.size()), c.n);
            int64_t product = 1;
            for (int64_t x : f) product *= x;
            EXPECT_EQ(product, c.extent);
            EXPECT_LE(f.back(), c.max_innermost);
            EXPECT_GE(f.front(), c.min_outer);
            EXPECT_LE(f.front(), c.max_outer);
        }
    }
}

TEST(Sampling, PerfectTilesAreUniformOverFactorizations) {
    // 12 = a*b has 6 ordered factorizations; 6000 draws with a fixed seed hit each about 1000 times.
    auto w = workloads::make_workload("va", {12});
    Schedule sch(w.func, 5);
    LoopRV loop = sch.get_loops(sch.get_block("C"))[0];
    std::map<std::vector<int64_t>, int> counts;
    for (int draw = 0; draw < 6000; ++draw) ++counts[values(sch, sch.sample_perfect_tile(loop, 2, 12))];
    ASSERT_EQ(counts.size(), 6u);
    for (const auto &[factors, count] : counts) {
        EXPECT_GT(count, 850) << factors[0] << "x" << factors[1];
        EXPECT_LT(count, 1150) << factors[0] << "x" << factors[1];
    }
}

TEST(Sampling, DecisionsDependOnlyOnTheSeed) {
    auto w = workloads::make_workload("va", {8192});
    auto draws = [&](uint64_t seed) {
        Schedule sch(w.func, seed);
        LoopRV loop = sch.get_loops(sch.get_block("C"))[0];
        std::vector<int64_t> all;
        for (int i = 0; i < 5; ++i) {
            auto f = values(sch, sch.sample_perfect_tile(loop, 4, 64));
            all.insert(all.end(), f.begin(), f.end());
        }
        all.push_back(sch.value(sch.sample_categorical({0, 16, 64, 512}, {1, 1, 1, 1})));
        return all;
    };
    EXPECT_EQ(draws(42), draws(42));
    std::set<std::vector<int64_t>> distinct;
    for (uint64_t seed = 0; seed < 10; ++seed) distinct.insert(draws(seed));
    EXPECT_GT(distinct.size(), 5u);
}

TEST(Sampling, CategoricalFollowsTheWeightsAndIsRecorded) {
    auto w = workloads::make_workload("va", {8});
    Schedule sch(w.func, 9);
    std::set<int64_t> seen;
    for (int i = 0; i < 200; ++i)
        seen.insert(sch.value(sch.sample_categorical({0, 16, 64, 512}, {1, 0, 1, 0})));
    EXPECT_EQ(seen, (std::set<int64_t>{0, 64}));
    const Instruction &last = sch.trace().instructions().back();
    EXPECT_EQ(last.kind, "sample_categorical");
    ASSERT_EQ(last.decision.size(), 1u);
    EXPECT_TRUE(last.decision[0] == 0 || last.decision[0] == 2);
    EXPECT_EQ(sch.trace().sampling_indices().size(), 200u);
}

}  // namespace
}  // namespace atim::schedule

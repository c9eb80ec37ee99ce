// Sampling bounds: DPU splits are drawn log-uniformly and within their bounds, and a candidate stays a
// program of its sketch after mutation: the bounds of later decisions follow an earlier decision that moved.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "atim/support/log_uniform.h"
#include "atim/tune/space.h"
#include "tune/space/rc_tile_seeds.h"

namespace atim::tune {
namespace {

TEST(LogUniform, StaysInBoundsAndSpreadsOverOctaves) {
    std::mt19937_64 rng(1);
    std::map<int, int> per_octave;  // floor(log2(v)) -> draws
    constexpr int kDraws = 20000;
    for (int i = 0; i < kDraws; ++i) {
        const int64_t v = draw_log_uniform(2, 256, rng);
        ASSERT_GE(v, 2);
        ASSERT_LE(v, 256);
        int octave = 0;
        while ((int64_t{2} << octave) <= v) ++octave;
        ++per_octave[octave];
    }
    // Octaves [2,4) .. [128,256) get log 2 / log(257 / 2) = 14.3% of the draws each (the lone 256 a sliver):
    // a uniform draw would give [2,4) 2 values in 255, i.e. 157 draws, and [128,256) half of them.
    const double per_octave_share = std::log(2.0) / std::log(257.0 / 2.0);
    for (int octave = 1; octave <= 7; ++octave) {
        EXPECT_NEAR(per_octave[octave], kDraws * per_octave_share, kDraws * 0.01) << "octave " << octave;
    }
    EXPECT_EQ(draw_log_uniform(5, 5, rng), 5);
    EXPECT_EQ(draw_log_uniform(7, 3, rng), 7);  // an empty range gives its low end
}

TEST(LogUniform, FreshKSplitsAreAsOftenBelowSixteenWaysAsAbove) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const workloads::Workload w = workloads::make_workload("mtv", {8192, 8192});
    const std::vector<Sketch> sketches = generate_sketches(w, m);
    int below = 0, drawn = 0;
    for (uint64_t seed = 1; seed <= 400; ++seed) {
        const std::optional<Candidate> c = sample_candidate(sketches, 1, w, seed);
        if (!c) continue;
        const schedule::Instruction &k_split = c->trace.instructions()[c->trace.sampling_indices()[0]];
        const int64_t ways = k_split.decision[0];
        EXPECT_GE(ways, 2);
        EXPECT_LE(ways, 256);
        below += ways < 16;
        ++drawn;
    }
    ASSERT_GT(drawn, 300);
    // log-uniform over [2, 256]: 3 of 7 octaves below 16 (uniform: 14 of 255 values).
    EXPECT_GT(below * 10, drawn * 3);
    EXPECT_LT(below * 10, drawn * 6);
}

// The decision and the bounds recorded with the k-th sampling instruction.
struct Sampled {
    std::vector<int64_t> decision;
    int64_t min_outer, max_outer;
};
Sampled sampled(const Candidate &c, size_t k) {
    const schedule::Instruction &inst = c.trace.instructions()[c.trace.sampling_indices()[k]];
    return {inst.decision, inst.attrs.at("min_outer").get<int64_t>(),
            inst.attrs.at("max_outer").get<int64_t>()};
}

TEST(SplitBounds, FollowTheDecisionsBeforeThem) {
    // rc-tile on mtv 8192x8192, K 16 ways x 128 row DPUs: the rows split is bounded by 2048 / 16 = 128 DPUs.
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const workloads::Workload w = workloads::make_workload("mtv", {8192, 8192});
    const std::vector<Sketch> sketches = generate_sketches(w, m);
    space::RcTilePoint point;
    point.row_dpus = 128, point.k_dpus = 16;
    const std::optional<Candidate> seed = space::rc_tile_seed(sketches, w, m, point);
    ASSERT_TRUE(seed.has_value());
    ASSERT_EQ(sampled(*seed, 1).max_outer, 128);
    const size_t k_split = seed->trace.sampling_indices()[0];
    std::mt19937_64 rng(1);
    // K split 4 ways: the rows may now take 512 DPUs (a replay of the old trace kept 128).
    const std::optional<Candidate> fewer =
        rebuild(sketches, w, Candidate{seed->trace.with_decision(k_split, {4, 2048}), seed->sketch}, rng);
    ASSERT_TRUE(fewer.has_value());
    EXPECT_EQ(sampled(*fewer, 1).max_outer, 512);
    EXPECT_EQ(sampled(*fewer, 1).decision, (std::vector<int64_t>{128, 64}));
    // K split 64 ways: 128 row DPUs no longer fit; the rows split is clamped to the 32 left.
    const std::optional<Candidate> more =
        rebuild(sketches, w, Candidate{seed->trace.with_decision(k_split, {64, 128}), seed->sketch}, rng);
    ASSERT_TRUE(more.has_value());
    EXPECT_EQ(sampled(*more, 1).max_outer, 32);
    EXPECT_EQ(sampled(*more, 1).decision, (std::vector<int64_t>{32, 256}));
}

TEST(SplitBounds, MutantsAreProgramsTheirSketchBuilds) {
    // A mutant rebuilt from its own decisions is itself: every bound it records is the one its sketch
    // computes from the decisions before it, whatever moved.
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const auto &[name, shape] :
         std::vector<std::pair<std::string, std::vector<int64_t>>>{{"mtv", {96, 120}},
                                                                   {"ttv", {6, 10, 48}},
                                                                   {"mmtv", {6, 10, 48}},
                                                                   {"red", {6000}},
                                                                   {"va", {1000}}}) {
        const workloads::Workload w = workloads::make_workload(name, shape);
        const std::vector<Sketch> sketches = generate_sketches(w, m);
        std::mt19937_64 rng(4);
        int mutants = 0;
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            std::optional<Candidate> c = sample_candidate(sketches, k, w, 2);
            for (int step = 0; c && step < 30; ++step) {
                std::optional<Candidate> next = mutate_random(*c, sketches, w, rng);
                if (!next) break;
                std::mt19937_64 unused(0);
                const std::optional<Candidate> again = rebuild(sketches, w, *next, unused);
                ASSERT_TRUE(again.has_value()) << name;
                EXPECT_EQ(again->trace.to_json(), next->trace.to_json()) << name << " step " << step;
                c = std::move(next);
                ++mutants;
            }
        }
        EXPECT_GT(mutants, 20) << name;
    }
}

}  // namespace
}  // namespace atim::tune

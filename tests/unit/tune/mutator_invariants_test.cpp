// Mutator invariants over long chains of mutations (each step mutates the previous result, as the
// evolutionary search does): a mutated candidate keeps its sketch and the trace's structure, changes only
// decisions, replays to itself, and every decision stays valid for the loop it samples: perfect tiles
// multiply to the extent, imperfect tiles cover it with a minimal outer factor, all within the sampling
// instruction's bounds; categorical and compute-location choices stay in range. Chains are deterministic
// for a seed. The same invariants hold for the neighbourhoods of the local search.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "atim/target/upmem_machine.h"
#include "atim/tune/space.h"
#include "atim/workloads/workload.h"
#include "support/small_workload_shapes.h"
#include "tune/space/rc_tile_seeds.h"

namespace atim::tune {
namespace {

using schedule::Instruction;
using schedule::Trace;

constexpr int kSeedsPerSketch = 3;
constexpr int kChainLength = 40;
constexpr std::array<MutatorKind, 4> kKinds = {MutatorKind::TileSize, MutatorKind::ComputeLocation,
                                               MutatorKind::Unroll, MutatorKind::DpuGrid};

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

bool is_tile(const Instruction &inst) {
    return inst.kind == "sample_tile" || inst.kind == "sample_perfect_tile";
}

// The extent of the loop a tile instruction splits, from a replay of the trace before it.
int64_t extent_at(const Trace &trace, size_t index, const te::PrimFunc &func) {
    Trace before;
    for (size_t i = 0; i < index; ++i) before.append(trace.instructions()[i]);
    int id = std::stoi(trace.instructions()[index].inputs[0].get<std::string>().substr(1));
    return before.replay(func).loop_extent(schedule::LoopRV{id});
}

// Why a tile decision is invalid for a loop of `extent` (empty when it is valid); checked here from the
// definitions, independently of the schedule's own validation.
std::string tile_violation(const Instruction &inst, int64_t extent) {
    const std::vector<int64_t> &f = inst.decision;
    if (static_cast<int>(f.size()) != inst.attrs.at("n").get<int>()) return "wrong factor count";
    int64_t inner = 1;
    for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] < 1 || f[i] > extent) return "factor outside [1, extent]";
        if (i > 0) inner *= f[i];
    }
    if (f.back() > inst.attrs.at("max_innermost_factor").get<int64_t>()) return "innermost above its bound";
    if (f.front() < inst.attrs.at("min_outer").get<int64_t>() ||
        f.front() > inst.attrs.at("max_outer").get<int64_t>())
        return "outer factor outside [min_outer, max_outer]";
    if (inst.kind == "sample_perfect_tile")
        return f.front() * inner == extent ? "" : "perfect tile does not multiply to the extent";
    return f.front() == ceil_div(extent, inner) ? ""
                                                : "imperfect tile's outer factor is not ceil(extent/inner)";
}

// Every invariant of `mutated` against the candidate it was mutated from; failures name the instruction.
void expect_invariants(const Candidate &parent, const Candidate &mutated, const std::vector<Sketch> &sketches,
                       const workloads::Workload &w) {
    EXPECT_EQ(mutated.sketch, parent.sketch);
    const std::vector<Instruction> &before = parent.trace.instructions();
    const std::vector<Instruction> &after = mutated.trace.instructions();
    ASSERT_EQ(after.size(), before.size());
    int changed = 0;
    for (size_t i = 0; i < after.size(); ++i) {
        SCOPED_TRACE("instruction " + std::to_string(i) + " " + after[i].kind);
        EXPECT_EQ(after[i].kind, before[i].kind);
        EXPECT_EQ(after[i].inputs, before[i].inputs);
        if (is_tile(after[i])) {
            // A tile's outer bounds follow the decisions before it (a K split that shrinks leaves the rows
            // split more DPUs; fewer rows per DPU lower the least tasklets); nothing else of it moves.
            nlohmann::json unbounded = after[i].attrs, was = before[i].attrs;
            for (const char *bound : {"min_outer", "max_outer"}) unbounded[bound] = was[bound];
            EXPECT_EQ(unbounded, was);
        } else {
            EXPECT_EQ(after[i].attrs, before[i].attrs);
        }
        EXPECT_EQ(after[i].outputs, before[i].outputs);
        if (after[i].decision != before[i].decision) ++changed;
    }
    EXPECT_GE(changed, 1);
    EXPECT_NE(structural_hash(mutated.trace), structural_hash(parent.trace));
    EXPECT_EQ(mutated.trace.replay(w.func).trace().to_json(), mutated.trace.to_json());
    // Its bounds are the ones its sketch computes from its decisions: rebuilt, it is itself.
    std::mt19937_64 unused(0);
    const std::optional<Candidate> rebuilt = rebuild(sketches, w, mutated, unused);
    ASSERT_TRUE(rebuilt.has_value());
    EXPECT_EQ(rebuilt->trace.to_json(), mutated.trace.to_json());
    for (size_t i : mutated.trace.sampling_indices()) {
        const Instruction &inst = after[i];
        SCOPED_TRACE("decision of instruction " + std::to_string(i) + " " + inst.kind);
        if (is_tile(inst)) {
            EXPECT_EQ(tile_violation(inst, extent_at(mutated.trace, i, w.func)), "");
        } else if (inst.kind == "sample_categorical") {
            ASSERT_EQ(inst.decision.size(), 1u);
            EXPECT_GE(inst.decision[0], 0);
            EXPECT_LT(inst.decision[0], static_cast<int64_t>(inst.attrs.at("candidates").size()));
        } else if (inst.kind == "sample_compute_location") {
            ASSERT_EQ(inst.decision.size(), 1u);
            EXPECT_GE(inst.decision[0], 0);
            EXPECT_LT(inst.decision[0], static_cast<int64_t>(inst.inputs.size()));
        }
    }
}

// A chain of mutations from `start`, each step with a uniformly drawn mutator kind (so the rare kinds of
// mutate_random's distribution are exercised too); the structural hash of every step, and how often each
// kind applied.
std::vector<uint64_t> mutation_chain(const Candidate &start, const std::vector<Sketch> &sketches,
                                     const workloads::Workload &w, uint64_t seed,
                                     std::map<MutatorKind, int> &applied, bool check) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick_kind(0, kKinds.size() - 1);
    std::vector<uint64_t> hashes;
    Candidate current = start;
    for (int step = 0; step < kChainLength; ++step) {
        MutatorKind kind = kKinds[pick_kind(rng)];
        std::optional<Candidate> next = step % 3 == 2 ? mutate_random(current, sketches, w, rng)
                                                      : mutate(current, kind, sketches, w, rng);
        if (!next) continue;
        if (step % 3 != 2) ++applied[kind];
        if (check) {
            SCOPED_TRACE("step " + std::to_string(step) + " from " + current.trace.to_json());
            expect_invariants(current, *next, sketches, w);
            if (::testing::Test::HasFatalFailure()) return hashes;
        }
        hashes.push_back(structural_hash(next->trace));
        current = std::move(*next);
    }
    return hashes;
}

TEST(MutatorInvariants, HoldOverLongChainsOnEveryWorkload) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const testing::SmallShape &s : testing::awkward_small_shapes()) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        std::map<MutatorKind, int> applied;
        int chains = 0;
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            int started = 0;
            for (uint64_t seed = 1; seed <= 20 && started < kSeedsPerSketch; ++seed) {
                std::optional<Candidate> start = sample_candidate(sketches, k, w, seed);
                if (!start) continue;
                ++started;
                SCOPED_TRACE(s.workload + " " + sketches[k].name + " seed " + std::to_string(seed));
                std::vector<uint64_t> hashes =
                    mutation_chain(*start, sketches, w, seed * 31, applied, /*check=*/true);
                ASSERT_FALSE(HasFatalFailure());
                // Most steps find a mutation: a chain that stalls would leave the search without offspring.
                EXPECT_GE(hashes.size() * 2, static_cast<size_t>(kChainLength)) << hashes.size() << " steps";
            }
            EXPECT_EQ(started, kSeedsPerSketch) << s.workload << " " << sketches[k].name;
            chains += started;
        }
        EXPECT_GT(chains, 0);
        EXPECT_GT(applied[MutatorKind::TileSize], 0) << s.workload;
        EXPECT_GT(applied[MutatorKind::DpuGrid], 0) << s.workload;
        EXPECT_GT(applied[MutatorKind::Unroll], 0) << s.workload;
    }
}

TEST(MutatorInvariants, ChainsAreDeterministicForASeed) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    workloads::Workload w = workloads::make_workload("mtv", {96, 120});
    std::vector<Sketch> sketches = generate_sketches(w, m);
    for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
        std::optional<Candidate> start;
        for (uint64_t seed = 1; !start && seed <= 20; ++seed) start = sample_candidate(sketches, k, w, seed);
        ASSERT_TRUE(start.has_value()) << sketches[k].name;
        std::map<MutatorKind, int> ignored;
        std::vector<uint64_t> a = mutation_chain(*start, sketches, w, 11, ignored, /*check=*/false);
        std::vector<uint64_t> b = mutation_chain(*start, sketches, w, 11, ignored, /*check=*/false);
        std::vector<uint64_t> c = mutation_chain(*start, sketches, w, 12, ignored, /*check=*/false);
        EXPECT_EQ(a, b) << sketches[k].name;
        EXPECT_NE(a, c) << sketches[k].name;
    }
}

// Whether `neighbour` differs from `parent` only in one in-DPU tile (three or more factors) whose outer
// factor (the tasklets) is unchanged: a factor moved between inner levels.
bool is_inner_factor_move(const Candidate &parent, const Candidate &neighbour) {
    std::vector<size_t> changed;
    for (size_t i : parent.trace.sampling_indices())
        if (parent.trace.instructions()[i].decision != neighbour.trace.instructions()[i].decision)
            changed.push_back(i);
    if (changed.size() != 1) return false;
    const Instruction &before = parent.trace.instructions()[changed[0]];
    const Instruction &after = neighbour.trace.instructions()[changed[0]];
    return is_tile(before) && before.decision.size() >= 3 &&
           after.decision.front() == before.decision.front();
}

TEST(Neighbours, AreValidSmallMovesOfEveryDecision) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const testing::SmallShape &s : testing::awkward_small_shapes()) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            std::optional<Candidate> start;
            for (uint64_t seed = 1; !start && seed <= 20; ++seed)
                start = sample_candidate(sketches, k, w, seed);
            ASSERT_TRUE(start.has_value()) << s.workload << " " << sketches[k].name;
            SCOPED_TRACE(s.workload + " " + sketches[k].name + " from " + start->trace.to_json());
            const std::vector<Candidate> near = neighbours(*start, sketches, w);
            ASSERT_FALSE(near.empty());
            int dpu_moves = 0;
            for (const Candidate &n : near) {
                expect_invariants(*start, n, sketches, w);
                ASSERT_FALSE(HasFatalFailure());
                const std::vector<size_t> sampling = start->trace.sampling_indices();
                if (n.trace.instructions()[sampling[0]].decision !=
                    start->trace.instructions()[sampling[0]].decision)
                    ++dpu_moves;  // every sketch samples a DPU split first
            }
            EXPECT_GT(dpu_moves, 0);
            EXPECT_LT(dpu_moves, static_cast<int>(near.size()));  // the other decisions move too
            // Deterministic: a function of the candidate.
            std::vector<uint64_t> a, b;
            for (const Candidate &n : near) a.push_back(structural_hash(n.trace));
            for (const Candidate &n : neighbours(*start, sketches, w)) b.push_back(structural_hash(n.trace));
            EXPECT_EQ(a, b);
        }
    }
}

TEST(Neighbours, MoveTheWramBlockAtAFixedTaskletCount) {
    // va on 256 DPUs, 16 tasklets each walking 2 blocks of 128 elements: moving a factor 2 from the block to
    // its steps gives PrIM+Search's best point for this entry (16 tasklets, 4 blocks of 64).
    target::UpmemMachine m = target::load_machine("upmem-2048");
    workloads::Workload w = workloads::make_workload("va", {1048576});
    std::vector<Sketch> sketches = generate_sketches(w, m);
    std::optional<Candidate> start = sample_candidate(sketches, 0, w, 1);
    ASSERT_TRUE(start.has_value());
    const std::vector<size_t> sampling = start->trace.sampling_indices();
    Trace trace =
        start->trace.with_decision(sampling[0], {256, 4096}).with_decision(sampling[1], {16, 2, 1, 128});
    const Candidate incumbent{trace, 0};
    ASSERT_NO_THROW(trace.replay(w.func));
    std::set<std::vector<int64_t>> tiles, dpu_counts;
    for (const Candidate &n : neighbours(incumbent, sketches, w)) {
        if (is_inner_factor_move(incumbent, n)) tiles.insert(n.trace.instructions()[sampling[1]].decision);
        dpu_counts.insert({n.trace.instructions()[sampling[0]].decision[0]});
    }
    EXPECT_TRUE(tiles.contains({16, 4, 1, 64}));
    EXPECT_TRUE(tiles.contains({16, 1, 2, 128}));
    EXPECT_TRUE(dpu_counts.contains({192}));
    EXPECT_TRUE(dpu_counts.contains({320}));
    EXPECT_TRUE(dpu_counts.contains({248}));
}

TEST(Neighbours, TradeDpusBetweenSplitsAndScaleOneKTileFactor) {
    // rc-tile on mtv 8192x8192 with K split 16 ways over 128 row DPUs: the trades keep 2048 DPUs and reach
    // the 8-way and 32-way splits; the K tile [16, 32, 1] reaches 64-element tiles ([8, 64, 1]) in one move.
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const workloads::Workload w = workloads::make_workload("mtv", {8192, 8192});
    space::RcTilePoint point;
    point.row_dpus = 128, point.k_dpus = 16, point.k_tile = 32;
    const std::vector<Sketch> sketches = generate_sketches(w, m);
    const std::optional<Candidate> start = space::rc_tile_seed(sketches, w, m, point);
    ASSERT_TRUE(start.has_value());
    const std::vector<size_t> sampling = start->trace.sampling_indices();
    auto decision = [&](const Candidate &c, size_t k) {
        return c.trace.instructions()[sampling[k]].decision;
    };
    ASSERT_EQ(decision(*start, 0), (std::vector<int64_t>{16, 512}));
    ASSERT_EQ(decision(*start, 1), (std::vector<int64_t>{128, 64}));
    ASSERT_EQ(decision(*start, 3), (std::vector<int64_t>{16, 32, 1}));
    std::set<std::pair<int64_t, int64_t>> grids;
    std::set<std::vector<int64_t>> k_tiles;
    for (const Candidate &n : neighbours(*start, sketches, w)) {
        grids.insert({decision(n, 1)[0], decision(n, 0)[0]});
        if (is_inner_factor_move(*start, n) || decision(n, 3) != decision(*start, 3))
            k_tiles.insert(decision(n, 3));
    }
    EXPECT_TRUE(grids.contains({256, 8}));
    EXPECT_TRUE(grids.contains({64, 32}));
    EXPECT_TRUE(k_tiles.contains({8, 64, 1}));
    EXPECT_TRUE(k_tiles.contains({32, 16, 1}));
}

}  // namespace
}  // namespace atim::tune

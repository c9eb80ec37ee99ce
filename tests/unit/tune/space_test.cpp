// The design space: every workload's sketches sample candidates that mostly pass the verifier, replay to the
// same trace, mutate one decision at a time, and reach imperfect tiles and non-divisor DPU counts only when
// the options allow them.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "atim/ir/functor.h"
#include "atim/lower/schedule_to_loops.h"
#include "atim/target/upmem_machine.h"
#include "atim/tune/space.h"
#include "atim/workloads/workload.h"
#include "support/small_workload_shapes.h"

namespace atim::tune {
namespace {

using schedule::Instruction;
using schedule::Trace;

std::vector<Candidate> sample_some(const std::vector<Sketch> &sketches, int sketch,
                                   const workloads::Workload &w, int count, uint64_t first_seed = 1) {
    std::vector<Candidate> result;
    for (uint64_t seed = first_seed; seed < first_seed + static_cast<uint64_t>(count); ++seed)
        if (std::optional<Candidate> c = sample_candidate(sketches, sketch, w, seed)) result.push_back(*c);
    return result;
}

// The extent of the loop a tile instruction splits (replay of the trace before it).
int64_t extent_at(const Trace &trace, size_t index, const te::PrimFunc &func) {
    Trace before;
    for (size_t i = 0; i < index; ++i) before.append(trace.instructions()[i]);
    int id = std::stoi(trace.instructions()[index].inputs[0].get<std::string>().substr(1));
    return before.replay(func).loop_extent(schedule::LoopRV{id});
}

int64_t product(const std::vector<int64_t> &v) {
    int64_t p = 1;
    for (int64_t x : v) p *= x;
    return p;
}

bool is_tile(const Instruction &inst) {
    return inst.kind == "sample_tile" || inst.kind == "sample_perfect_tile";
}

TEST(Space, FamiliesPerWorkload) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    std::map<std::string, std::vector<SketchFamily>> expected = {
        {"va", {SketchFamily::Spatial}},
        {"red", {SketchFamily::PureReduction}},
        {"mtv", {SketchFamily::ReductionInDpu, SketchFamily::ReductionSplit}},
        {"mmtv", {SketchFamily::ReductionInDpu, SketchFamily::ReductionSplit}}};
    for (const auto &[name, families] : expected) {
        workloads::Workload w = workloads::make_workload(name, name == "mmtv" ? std::vector<int64_t>{4, 8, 16}
                                                               : name == "mtv" ? std::vector<int64_t>{8, 16}
                                                                               : std::vector<int64_t>{64});
        std::vector<Sketch> sketches = generate_sketches(w, m);
        ASSERT_EQ(sketches.size(), families.size()) << name;
        for (size_t i = 0; i < families.size(); ++i) EXPECT_EQ(sketches[i].family, families[i]) << name;
    }
}

TEST(Space, MostSamplesOfEverySketchPassTheVerifierAndReplayExactly) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const testing::SmallShape &s : testing::awkward_small_shapes()) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            SCOPED_TRACE(s.workload + " " + sketches[k].name);
            const int draws = 24;
            std::vector<Candidate> cands = sample_some(sketches, k, w, draws);
            int valid = 0;
            std::string a_reason;
            for (const Candidate &c : cands) {
                EXPECT_EQ(c.trace.replay(w.func).trace().to_json(), c.trace.to_json());
                std::optional<std::string> reason = reject_reason(c, w, m, {});
                if (!reason)
                    ++valid;
                else if (a_reason.empty())
                    a_reason = *reason;
            }
            EXPECT_GE(valid * 2, draws) << valid << " of " << draws << " valid; e.g. " << a_reason;
        }
    }
}

TEST(Space, SamplesAreDeterministicPerSeedAndDifferAcrossSeeds) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    workloads::Workload w = workloads::make_workload("mtv", {96, 120});
    std::vector<Sketch> sketches = generate_sketches(w, m);
    std::set<uint64_t> hashes;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        std::optional<Candidate> a = sample_candidate(sketches, 1, w, seed);
        std::optional<Candidate> b = sample_candidate(sketches, 1, w, seed);
        ASSERT_EQ(a.has_value(), b.has_value());
        if (!a) continue;
        EXPECT_EQ(structural_hash(a->trace), structural_hash(b->trace));
        hashes.insert(structural_hash(a->trace));
    }
    EXPECT_GE(hashes.size(), 10u);
}

// Decisions that differ between two traces of the same sketch.
std::vector<size_t> changed_decisions(const Trace &a, const Trace &b) {
    std::vector<size_t> changed;
    EXPECT_EQ(a.size(), b.size());
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        EXPECT_EQ(a.instructions()[i].kind, b.instructions()[i].kind);
        if (a.instructions()[i].decision != b.instructions()[i].decision) changed.push_back(i);
    }
    return changed;
}

TEST(Space, MutatorsChangeOneDecisionAndReplay) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    std::mt19937_64 rng(7);
    for (const testing::SmallShape &s : testing::awkward_small_shapes()) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        std::map<MutatorKind, int> applied;
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            for (const Candidate &c : sample_some(sketches, k, w, 6)) {
                for (MutatorKind kind : {MutatorKind::TileSize, MutatorKind::ComputeLocation,
                                         MutatorKind::Unroll, MutatorKind::DpuGrid}) {
                    std::optional<Candidate> mutated = mutate(c, kind, sketches, w, rng);
                    if (!mutated) continue;
                    ++applied[kind];
                    SCOPED_TRACE(s.workload + " mutator " + std::to_string(static_cast<int>(kind)));
                    EXPECT_EQ(mutated->sketch, c.sketch);
                    EXPECT_NO_THROW(mutated->trace.replay(w.func));
                    EXPECT_NE(structural_hash(mutated->trace), structural_hash(c.trace));
                    std::vector<size_t> changed = changed_decisions(c.trace, mutated->trace);
                    ASSERT_FALSE(changed.empty());
                    const Instruction &first = mutated->trace.instructions()[changed[0]];
                    if (kind == MutatorKind::DpuGrid) {
                        // A new DPU count may re-fit the tiles sampled on the chunk it changed, nothing else.
                        EXPECT_TRUE(is_tile(first)) << first.kind;
                        for (size_t i : changed) EXPECT_TRUE(is_tile(mutated->trace.instructions()[i]));
                    } else {
                        EXPECT_EQ(changed.size(), 1u);
                    }
                    const char *expected_kind = kind == MutatorKind::ComputeLocation
                                                    ? "sample_compute_location"
                                                : kind == MutatorKind::Unroll ? "sample_categorical"
                                                                              : nullptr;
                    if (expected_kind)
                        EXPECT_EQ(first.kind, expected_kind);
                    else
                        EXPECT_TRUE(is_tile(first));
                }
            }
        }
        EXPECT_GT(applied[MutatorKind::TileSize], 0) << s.workload;
        EXPECT_GT(applied[MutatorKind::Unroll], 0) << s.workload;
        EXPECT_GT(applied[MutatorKind::DpuGrid], 0) << s.workload;
        // red: moving the A cache (and the init with it) between R1 and R2 does not replay yet (known gap).
        if (s.workload != "red") {
            EXPECT_GT(applied[MutatorKind::ComputeLocation], 0) << s.workload;
        }
    }
}

// The extent of the host-parallel loop of a lowered epilogue, 0 when there is none.
int64_t host_parallel_extent(const ir::Stmt &epilogue) {
    struct Finder : ir::Visitor {
        using ir::Visitor::visit;
        int64_t extent = 0;
        void visit(const ir::For *op) override {
            if (op->for_kind == ir::ForKind::HostParallel) extent = *ir::as_const_int(op->extent);
            ir::Visitor::visit(op);
        }
    } finder;
    if (epilogue.defined()) finder.visit(epilogue);
    return finder.extent;
}

// ATiM's host-reduction sub-rule: the reduction-split family samples the host threads of the final reduction
// (powers of two up to 16, at most the rows) and every choice replays to a parallel epilogue loop of that
// extent; the in-DPU family has no host epilogue.
TEST(Space, ReductionSplitSamplesTheHostThreadsOfTheFinalReduction) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const testing::SmallShape &s : testing::awkward_small_shapes()) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            const bool split = sketches[k].family == SketchFamily::ReductionSplit;
            for (const Candidate &c : sample_some(sketches, k, w, 3)) {
                SCOPED_TRACE(s.workload + " " + sketches[k].name);
                const std::vector<Instruction> &insts = c.trace.instructions();
                std::vector<size_t> parallels;
                for (size_t i = 0; i < insts.size(); ++i)
                    if (insts[i].kind == "parallel") parallels.push_back(i);
                ASSERT_EQ(parallels.size(), split ? 1u : 0u);
                if (!split) continue;
                // The thread count: the last categorical before the parallel loop's split.
                size_t threads_at = parallels[0];
                while (threads_at > 0 && insts[threads_at].kind != "sample_categorical") --threads_at;
                const Instruction &threads = insts[threads_at];
                auto candidates = threads.attrs.at("candidates").get<std::vector<int64_t>>();
                const int64_t rows = w.func.outputs[0]->shape[0];
                EXPECT_EQ(candidates.front(), 1);
                for (int64_t t : candidates) EXPECT_LE(t, std::min<int64_t>(16, rows));
                for (size_t choice = 0; choice < candidates.size(); ++choice) {
                    Trace changed = c.trace.with_decision(threads_at, {static_cast<int64_t>(choice)});
                    lower::ScheduledLoops loops = lower::schedule_to_loops(changed.replay(w.func));
                    EXPECT_EQ(host_parallel_extent(loops.host_epilogue), candidates[choice]);
                    EXPECT_EQ(host_parallel_extent(loops.device), 0);
                }
            }
        }
    }
}

TEST(Space, MutateRandomAlwaysFindsAMutation) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    workloads::Workload w = workloads::make_workload("mtv", {96, 120});
    std::vector<Sketch> sketches = generate_sketches(w, m);
    std::mt19937_64 rng(3);
    for (const Candidate &c : sample_some(sketches, 0, w, 5)) {
        std::optional<Candidate> mutated = mutate_random(c, sketches, w, rng);
        ASSERT_TRUE(mutated.has_value());
        EXPECT_NE(mutated->trace.to_json(), c.trace.to_json());
    }
}

// Whether any tile instruction of the candidates splits its loop imperfectly, and whether any DPU split's
// count does not divide the extent.
struct TileStats {
    int imperfect = 0, dpu_non_divisor = 0, tiles = 0;
};
TileStats tile_stats(const std::vector<Candidate> &cands, const te::PrimFunc &func) {
    TileStats st;
    for (const Candidate &c : cands) {
        const Trace &t = c.trace;
        for (size_t i : t.sampling_indices()) {
            const Instruction &inst = t.instructions()[i];
            if (!is_tile(inst)) continue;
            ++st.tiles;
            int64_t extent = extent_at(t, i, func);
            if (product(inst.decision) != extent) ++st.imperfect;
            if (inst.decision.size() == 2 && extent % inst.decision[0] != 0) ++st.dpu_non_divisor;
        }
    }
    return st;
}

TEST(Space, ImperfectTilesAndFreeDpuCountsOnlyWhenAllowed) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const char *name : {"mtv", "va", "red"}) {
        workloads::Workload w = workloads::make_workload(
            name, std::string(name) == "mtv" ? std::vector<int64_t>{1000, 96} : std::vector<int64_t>{10000});
        SpaceOptions free_options, atim_options;
        atim_options.imperfect_tiles = false;
        atim_options.any_dpu_count = false;
        std::vector<Sketch> free_sketches = generate_sketches(w, m, free_options);
        std::vector<Sketch> atim_sketches = generate_sketches(w, m, atim_options);
        TileStats free_stats{}, atim_stats{};
        for (int k = 0; k < static_cast<int>(free_sketches.size()); ++k) {
            TileStats f = tile_stats(sample_some(free_sketches, k, w, 20), w.func);
            TileStats a = tile_stats(sample_some(atim_sketches, k, w, 20), w.func);
            free_stats.imperfect += f.imperfect;
            free_stats.dpu_non_divisor += f.dpu_non_divisor;
            atim_stats.imperfect += a.imperfect;
            atim_stats.dpu_non_divisor += a.dpu_non_divisor;
            atim_stats.tiles += a.tiles;
        }
        EXPECT_GT(free_stats.imperfect, 0) << name;
        EXPECT_GT(free_stats.dpu_non_divisor, 0) << name;
        EXPECT_GT(atim_stats.tiles, 0) << name;
        EXPECT_EQ(atim_stats.imperfect, 0) << name;
        EXPECT_EQ(atim_stats.dpu_non_divisor, 0) << name;
    }
}

TEST(Space, StructuralHashIsAFixedFunctionOfTheTraceText) {
    Trace t;
    t.append(Instruction{"get_block", nlohmann::json::array(), {{"name", "C"}}, {"b0"}, {}});
    t.append(Instruction{"sample_categorical",
                         nlohmann::json::array(),
                         {{"candidates", {0, 16}}, {"probabilities", {1.0, 1.0}}},
                         {"v0"},
                         {1}});
    // FNV-1a of the canonical JSON: the value must not change between runs or builds.
    uint64_t expected = 1469598103934665603ull;
    for (unsigned char ch : t.to_json()) expected = (expected ^ ch) * 1099511628211ull;
    EXPECT_EQ(structural_hash(t), expected);
    EXPECT_NE(structural_hash(t), structural_hash(t.with_decision(1, {0})));
}

}  // namespace
}  // namespace atim::tune

// Sampled candidates of every workload's sketches lower and run bit-exactly on the simulator, and the space
// contains rc-tile's program for mtv (the same decisions, the same simulated time).
#include <gtest/gtest.h>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/tune/space.h"

namespace atim::tune {
namespace {

runtime::RunResult simulate(const schedule::Schedule &sch, const workloads::Workload &w,
                            const target::UpmemMachine &m) {
    runtime::SimRunOptions options;
    options.machine = m;
    options.threads = 1;
    return runtime::run_sim(w, lower::lower(sch, m), options);
}

struct Small {
    std::string workload;
    std::vector<int64_t> shape;
};

TEST(SpaceSim, SampledCandidatesVerifyBitExactly) {
    // A 64-DPU machine keeps the simulated systems small; awkward extents exercise imperfect tiles.
    target::UpmemMachine m = target::machine_from_json_text(R"({"dpus": 64, "name": "test-64"})");
    const std::vector<Small> shapes = {{"va", {1000}},       {"geva", {1000}},    {"red", {6000}},
                                       {"mtv", {96, 120}},   {"gemv", {96, 120}}, {"ttv", {6, 10, 48}},
                                       {"mmtv", {6, 10, 48}}};
    for (const Small &s : shapes) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            int run = 0;
            for (uint64_t seed = 1; seed <= 40 && run < 2; ++seed) {
                std::optional<Candidate> c = sample_candidate(sketches, k, w, seed);
                if (!c || reject_reason(*c, w, m, {})) continue;
                SCOPED_TRACE(s.workload + " " + sketches[k].name + " seed " + std::to_string(seed));
                schedule::Schedule sch = c->trace.replay(w.func);
                sch.set_resident_inputs(w.resident_inputs);
                runtime::RunResult r = simulate(sch, w, m);
                EXPECT_TRUE(r.verified) << c->trace.to_json();
                ++run;
            }
            EXPECT_EQ(run, 2) << s.workload << " " << sketches[k].name << ": too few valid samples";
        }
    }
}

// rc-tile's mtv program as decisions of the reduction-split sketch: K [dpus_y | K/cache, 1, cache], rows
// [dpus_x | tasklets, groups, 2, 1], reads cached at K0, the write-back per row group, no unrolling.
TEST(SpaceSim, ContainsRcTileForMtv) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    workloads::Workload w = workloads::make_workload("mtv", {1024, 2048});
    std::map<std::string, int64_t> p = baselines::resolve_named_schedule_params("rc-tile", w, {}, m);
    schedule::Schedule rc = baselines::apply_named_schedule("rc-tile", w, {}, m);

    std::vector<Sketch> sketches = generate_sketches(w, m);
    ASSERT_EQ(sketches[1].family, SketchFamily::ReductionSplit);
    std::optional<Candidate> c = sample_candidate(sketches, 1, w, 1);
    ASSERT_TRUE(c.has_value());
    int64_t rows = 1024 / p.at("dpus_x"), k_slice = 2048 / p.at("dpus_y"), t = p.at("tasklets");
    int64_t cache = p.at("cache");
    ASSERT_EQ(rows % (2 * t), 0);
    ASSERT_EQ(k_slice % cache, 0);
    std::vector<std::vector<int64_t>> decisions = {{p.at("dpus_y"), k_slice},
                                                   {p.at("dpus_x"), rows},
                                                   {t, rows / (2 * t), 2, 1},
                                                   {k_slice / cache, 1, cache},
                                                   {1},
                                                   {0},
                                                   {0},
                                                   {0}};  // host threads of the final sum: 1, as rc-tile
    schedule::Trace trace = c->trace;
    std::vector<size_t> knobs = trace.sampling_indices();
    ASSERT_EQ(knobs.size(), decisions.size());
    for (size_t i = 0; i < knobs.size(); ++i) trace = trace.with_decision(knobs[i], decisions[i]);
    Candidate like_rc{trace, 1};
    ASSERT_EQ(reject_reason(like_rc, w, m, {}), std::nullopt);
    schedule::Schedule sch = trace.replay(w.func);
    sch.set_resident_inputs(w.resident_inputs);

    runtime::RunResult ours = simulate(sch, w, m), theirs = simulate(rc, w, m);
    ASSERT_TRUE(ours.verified);
    ASSERT_TRUE(theirs.verified);
    ASSERT_TRUE(ours.time_ms.kernel && theirs.time_ms.kernel);
    EXPECT_LE(*ours.time_ms.kernel, *theirs.time_ms.kernel * 1.01)
        << "space " << *ours.time_ms.kernel << " ms, rc-tile " << *theirs.time_ms.kernel << " ms";
}

}  // namespace
}  // namespace atim::tune

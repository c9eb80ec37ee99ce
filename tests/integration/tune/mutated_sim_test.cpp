// What the evolutionary search measures are mostly mutants, not fresh samples: candidates several mutations
// away from a sample, on every workload's sketches, either are refused by the verifier (reject_reason) or
// lower and run bit-exactly on the simulator, with every DPU simulated. Also every fresh sample the verifier
// accepts, over more seeds than SpaceSim draws.
#include <gtest/gtest.h>

#include <random>

#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/tune/space.h"
#include "support/small_workload_shapes.h"

namespace atim::tune {
namespace {

// A 64-DPU machine keeps the simulated systems small.
target::UpmemMachine small_machine() {
    return target::machine_from_json_text(R"({"dpus": 64, "name": "test-64"})");
}

/// Runs an accepted candidate with every DPU simulated; true when its output matches the reference.
bool runs_bit_exactly(const Candidate &c, const workloads::Workload &w, const target::UpmemMachine &m) {
    schedule::Schedule sch = c.trace.replay(w.func);
    sch.set_resident_inputs(w.resident_inputs);
    runtime::SimRunOptions options;
    options.machine = m;
    options.threads = 1;
    options.mode = sim::SimulationMode::Full;
    return runtime::run_sim(w, lower::lower(sch, m), options).verified;
}

TEST(MutatedSim, AcceptedMutantsOfEverySketchRunBitExactly) {
    const target::UpmemMachine m = small_machine();
    constexpr int kMutationsPerMutant = 5;
    constexpr int kRunsPerSketch = 2;
    for (const testing::SmallShape &s : testing::awkward_small_shapes()) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            std::mt19937_64 rng(static_cast<uint64_t>(k) + 17);
            int ran = 0;
            for (uint64_t seed = 1; seed <= 40 && ran < kRunsPerSketch; ++seed) {
                std::optional<Candidate> c = sample_candidate(sketches, k, w, seed);
                for (int step = 0; c && step < kMutationsPerMutant; ++step)
                    c = mutate_random(*c, sketches, w, rng);
                if (!c || reject_reason(*c, w, m, {})) continue;
                SCOPED_TRACE(s.workload + " " + sketches[k].name + " seed " + std::to_string(seed));
                EXPECT_TRUE(runs_bit_exactly(*c, w, m)) << c->trace.to_json();
                ++ran;
            }
            EXPECT_EQ(ran, kRunsPerSketch)
                << s.workload << " " << sketches[k].name << ": too few valid mutants";
        }
    }
}

TEST(MutatedSim, EveryAcceptedSampleOfManySeedsRunsBitExactly) {
    const target::UpmemMachine m = small_machine();
    for (const testing::SmallShape &s : testing::awkward_small_shapes()) {
        workloads::Workload w = workloads::make_workload(s.workload, s.shape);
        std::vector<Sketch> sketches = generate_sketches(w, m);
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            int ran = 0;
            for (uint64_t seed = 100; seed < 112; ++seed) {
                std::optional<Candidate> c = sample_candidate(sketches, k, w, seed);
                if (!c || reject_reason(*c, w, m, {})) continue;
                SCOPED_TRACE(s.workload + " " + sketches[k].name + " seed " + std::to_string(seed));
                EXPECT_TRUE(runs_bit_exactly(*c, w, m)) << c->trace.to_json();
                ++ran;
            }
            EXPECT_GE(ran, 4) << s.workload << " " << sketches[k].name;
        }
    }
}

}  // namespace
}  // namespace atim::tune

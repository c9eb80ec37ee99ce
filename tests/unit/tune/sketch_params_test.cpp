// `--schedule sketch`: every candidate the tuner can measure (fresh draws, mutants, neighbours, PrIM and
// rc-tile seeds, and the records of whole tuning runs) prints as named decisions that rebuild the same trace
// and lower to the same program; illegal names and values are UserErrors that name the parameter.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include "atim/lower/lower.h"
#include "atim/lower/program_hash.h"
#include "atim/support/error.h"
#include "atim/tune/search.h"
#include "tune/space/rc_tile_seeds.h"
#include "unit/tune/fake_runner.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;

// The small shapes of the workloads the sketch schedule is checked on: row reductions (2-D and 3-D),
// a pure reduction and a spatial operator; extents with few divisors, so imperfect tiles occur.
const std::vector<std::pair<std::string, std::vector<int64_t>>> kShapes = {
    {"mtv", {96, 120}}, {"mmtv", {6, 10, 48}}, {"ttv", {6, 10, 48}}, {"red", {6000}}, {"va", {1000}}};

std::map<std::string, std::string> as_map(const std::vector<std::pair<std::string, std::string>> &params) {
    return {params.begin(), params.end()};
}

uint64_t lowered_hash(const schedule::Trace &trace, const workloads::Workload &w,
                      const target::UpmemMachine &m) {
    schedule::Schedule sch = trace.replay(w.func);
    sch.set_resident_inputs(w.resident_inputs);
    return lower::program_hash(lower::lower(sch, m, {}));
}

// Rebuilt from its printed parameters, `c` gives the same trace and, when it lowers, the same program.
void expect_reruns(const Candidate &c, const std::vector<Sketch> &sketches, const workloads::Workload &w,
                   const target::UpmemMachine &m) {
    const std::vector<std::pair<std::string, std::string>> params = candidate_params(sketches, w, c);
    SCOPED_TRACE(sketch_param_arguments(params));
    const Candidate again = candidate_from_params(sketches, w, as_map(params));
    EXPECT_EQ(again.sketch, c.sketch);
    EXPECT_EQ(again.trace.to_json(), c.trace.to_json());
    std::optional<uint64_t> want;
    try {
        want = lowered_hash(c.trace, w, m);
    } catch (const UserError &) {
        return;  // a candidate the machine refuses (WRAM, DPUs): refused alike, checked by the trace above
    }
    EXPECT_EQ(lowered_hash(again.trace, w, m), *want);
}

TEST(SketchParams, DrawsMutantsAndNeighboursRerunFromTheirParameters) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const auto &[name, shape] : kShapes) {
        const workloads::Workload w = workloads::make_workload(name, shape);
        const std::vector<Sketch> sketches = generate_sketches(w, m);
        std::mt19937_64 rng(9);
        int checked = 0;
        for (int k = 0; k < static_cast<int>(sketches.size()); ++k) {
            for (uint64_t seed = 1; seed <= 6; ++seed) {
                std::optional<Candidate> c = sample_candidate(sketches, k, w, seed);
                if (!c) continue;
                SCOPED_TRACE(name + " " + sketches[k].name + " seed " + std::to_string(seed));
                expect_reruns(*c, sketches, w, m);
                for (int step = 0; step < 4 && c; ++step) {
                    c = mutate_random(*c, sketches, w, rng);
                    if (c) expect_reruns(*c, sketches, w, m), ++checked;
                }
            }
            std::optional<Candidate> start = sample_candidate(sketches, k, w, 1);
            ASSERT_TRUE(start.has_value()) << name << " " << sketches[k].name;
            for (const Candidate &n : neighbours(*start, sketches, w))
                expect_reruns(n, sketches, w, m), ++checked;
            ASSERT_FALSE(HasFailure()) << name;
        }
        EXPECT_GT(checked, 10) << name;
    }
}

TEST(SketchParams, RcTileSeedsOfEveryRowReductionRerunFromTheirParameters) {
    // 2-D (mtv) and 3-D grids (ttv: i over dpu.z; mmtv: the batches), at ATiM's evaluation shapes.
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    for (const auto &[name, shape] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
             {"mtv", {8192, 8192}}, {"ttv", {128, 256, 512}}, {"mmtv", {64, 256, 256}}}) {
        const workloads::Workload w = workloads::make_workload(name, shape);
        const std::vector<Sketch> sketches = generate_sketches(w, m);
        const std::vector<space::RcTilePoint> points =
            space::rc_tile_points(w, m, SpaceOptions{}.unroll_steps);
        ASSERT_FALSE(points.empty()) << name;
        for (size_t i = 0; i < points.size(); i += 3) {
            const space::RcTilePoint &p = points[i];
            EXPECT_LE(p.row_dpus * p.k_dpus * p.outer_dpus, m.dpus) << name;
            const std::optional<Candidate> seed = space::rc_tile_seed(sketches, w, m, p);
            ASSERT_TRUE(seed.has_value()) << name << " point " << i;
            expect_reruns(*seed, sketches, w, m);
            const std::map<std::string, std::string> params = as_map(candidate_params(sketches, w, *seed));
            EXPECT_EQ(params.at("dpus.k"), std::to_string(p.k_dpus)) << name;
            if (shape.size() == 3) {
                EXPECT_EQ(params.at("dpus.i"), std::to_string(p.outer_dpus)) << name;
            }
        }
    }
    // mmtv 64x256x256: K at least 32 elements per DPU leaves 2, 4 or 8 ways, 8 nearest 16 first; the 64
    // batches take 64 DPUs and the rows the 4 left of 2048.
    const workloads::Workload mmtv = workloads::make_workload("mmtv", {64, 256, 256});
    const space::RcTilePoint first = space::rc_tile_points(mmtv, m, SpaceOptions{}.unroll_steps).front();
    EXPECT_EQ(first.k_dpus, 8);
    EXPECT_EQ(first.outer_dpus, 64);
    EXPECT_EQ(first.row_dpus, 4);
}

TEST(SketchParams, ParametersReadAsTheDecisionsTheyName) {
    // rc-tile on mtv 8192x8192 (K 16 ways x 128 row DPUs, 32-element K tiles): the values a user reads.
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const workloads::Workload w = workloads::make_workload("mtv", {8192, 8192});
    const std::vector<Sketch> sketches = generate_sketches(w, m);
    space::RcTilePoint point;
    point.row_dpus = 128, point.k_dpus = 16, point.k_tile = 32, point.unroll = 16, point.host_threads = 4;
    const std::optional<Candidate> seed = space::rc_tile_seed(sketches, w, m, point);
    ASSERT_TRUE(seed.has_value());
    const std::map<std::string, std::string> params = as_map(candidate_params(sketches, w, *seed));
    const std::map<std::string, std::string> want = {
        {"sketch", "reduction-split"}, {"dpus.k", "16"},      {"dpus.i", "128"},
        {"tile.i", "16,2,2,1"},        {"tile.k", "16,32,1"}, {"read_cache", "k0"},
        {"write_cache", "i1"},         {"unroll", "16"},      {"host_threads", "4"}};
    EXPECT_EQ(params, want);
    // The outer factor of a tile may be left out: it is the ceiling the inner factors leave.
    std::map<std::string, std::string> inferred = want;
    inferred["tile.k"] = "32x1";
    EXPECT_EQ(candidate_from_params(sketches, w, inferred).trace.to_json(), seed->trace.to_json());
}

TEST(SketchParams, IllegalParametersNameThemselves) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const workloads::Workload w = workloads::make_workload("mtv", {96, 120});
    const std::vector<Sketch> sketches = generate_sketches(w, m);
    struct Case {
        std::map<std::string, std::string> params;
        std::string needle;
    };
    for (const Case &c : std::vector<Case>{
             {{{"nosuch", "3"}}, "nosuch"},
             {{{"sketch", "spatial"}}, "sketch=spatial"},
             {{{"sketch", "reduction-split"}, {"dpus.k", "999"}}, "dpus.k=999"},
             {{{"sketch", "reduction-split"}, {"dpus.k", "1"}}, "dpus.k=1"},
             {{{"dpus.i", "abc"}}, "dpus.i=abc"},
             {{{"dpus.i", "13"}}, "fill only 12 DPUs"},  // 96 rows in chunks of 8
             {{{"dpus.k", "4"}}, "dpus.k"},              // the in-DPU sketch does not split K
             {{{"unroll", "7"}}, "unroll=7"},
             {{{"read_cache", "zz"}}, "read_cache=zz"},
             {{{"tile.i", "1,2"}}, "tile.i=1,2"},
             {{{"tile.i", "0,1,1,1"}}, "tile.i=0,1,1,1"},
             {{{"dpus.i", "1"}, {"tile.i", "2,1,1,48"}}, "tile.i"},  // 2 tasklets < the sketch's 11
         }) {
        try {
            (void)candidate_from_params(sketches, w, c.params);
            ADD_FAILURE() << "no error for " << c.needle;
        } catch (const UserError &e) {
            EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
        }
    }
}

TEST(SketchParams, DecisionsAreListedWithTheirValues) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const workloads::Workload w = workloads::make_workload("mtv", {4096, 4096});
    const std::vector<Sketch> sketches = generate_sketches(w, m);
    ASSERT_EQ(sketches.size(), 2u);
    std::vector<std::string> names;
    std::map<std::string, std::string> values;
    for (const DecisionInfo &d : sketch_decisions(sketches[1], w)) {
        names.push_back(d.name);
        values[d.name] = d.values;
    }
    EXPECT_EQ(names, (std::vector<std::string>{"dpus.k", "dpus.i", "tile.i", "tile.k", "read_cache",
                                               "write_cache", "unroll", "host_threads"}));
    EXPECT_EQ(values["dpus.k"], "2..256");
    EXPECT_EQ(values["dpus.i"], "1..1024");  // the 2048 DPUs over the fewest K ways (2)
    EXPECT_EQ(values["read_cache"], "i1|k0|k1");
    EXPECT_EQ(values["unroll"], "0|16|64|512");
    EXPECT_EQ(values["host_threads"], "1|2|4|8|16");
}

// Every record of short tuning runs (all three strategies) re-runs from its printed parameters.
class SketchRerun : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("atim-sketch-rerun-" +
                std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
                std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(SketchRerun, EveryTunedTraceRerunsFromItsParameters) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    for (SearchStrategy strategy :
         {SearchStrategy::Evolutionary, SearchStrategy::Random, SearchStrategy::Grid}) {
        for (const auto &[name, shape] : kShapes) {
            const workloads::Workload w = workloads::make_workload(name, shape);
            const std::vector<Sketch> sketches = generate_sketches(w, m);
            SearchOptions options;
            options.strategy = strategy;
            options.trials = 16;
            options.batch = 8;
            options.population = 16;
            options.genetic_iters = 2;
            Database db =
                Database::open((dir_ / (name + std::to_string(static_cast<int>(strategy)) + ".db")).string());
            FakeRunner runner;
            const TuneResult result = tune(w, m, runner, db, options);
            const std::vector<TuningRecord> records = db.run_records(result.run);
            EXPECT_EQ(records.size(), 16u) << name;
            for (const TuningRecord &r : records) {
                int sketch = 0;
                while (sketch < static_cast<int>(sketches.size()) && sketches[sketch].name != r.sketch)
                    ++sketch;
                ASSERT_LT(sketch, static_cast<int>(sketches.size())) << r.sketch;
                SCOPED_TRACE(name + " trial " + std::to_string(r.trial));
                expect_reruns(Candidate{schedule::Trace::from_json(r.trace_json), sketch}, sketches, w, m);
            }
        }
    }
}

}  // namespace
}  // namespace atim::tune
